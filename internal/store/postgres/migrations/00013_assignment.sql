-- +goose Up
-- Who does a work order and on which day: assigned_to is the user name of
-- the technician ('' when nobody is assigned), scheduled_on the local date
-- of the site it is planned for, 'YYYY-MM-DD' ('' when unscheduled). The
-- technician's "today" reads them.
ALTER TABLE work_orders ADD COLUMN assigned_to TEXT NOT NULL DEFAULT '';
ALTER TABLE work_orders ADD COLUMN scheduled_on TEXT NOT NULL DEFAULT '';
CREATE INDEX work_orders_assigned ON work_orders (assigned_to, status);

-- +goose Down
DROP INDEX work_orders_assigned;
ALTER TABLE work_orders DROP COLUMN scheduled_on;
ALTER TABLE work_orders DROP COLUMN assigned_to;
