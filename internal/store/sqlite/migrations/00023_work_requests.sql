-- +goose Up
-- Work requests: why a status change was made (a rejected request's
-- reason, '' for the others), and a requester's own requests ("my
-- requests" on the request portal) read by created_by in id order.
ALTER TABLE wo_transitions ADD COLUMN reason TEXT NOT NULL DEFAULT '';
CREATE INDEX work_orders_created_by ON work_orders (created_by, id);

-- +goose Down
DROP INDEX work_orders_created_by;
ALTER TABLE wo_transitions DROP COLUMN reason;
