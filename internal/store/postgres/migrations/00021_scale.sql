-- +goose Up
-- Indexes for a plant of 100,000 assets and 1,000,000 work orders (issue
-- 12, point 4; bench -scale). Each list pages by id after a cursor, so its
-- index ends with id: the page after any cursor is a seek, not a scan.
DROP INDEX work_orders_status;
CREATE INDEX work_orders_status ON work_orders (status, id);
CREATE INDEX work_orders_site_status ON work_orders (site_id, status, id);
DROP INDEX work_orders_asset;
CREATE INDEX work_orders_asset ON work_orders (asset_id, id);
DROP INDEX work_orders_assigned;
CREATE INDEX work_orders_assigned ON work_orders (assigned_to, status, id);
CREATE INDEX work_orders_assignee ON work_orders (assigned_to, id);
-- The reports: failures (completed corrective and emergency work) by
-- completion time, and the open work (the backlog, and the PM plans with
-- an open work order), each a partial index holding what its query reads.
CREATE INDEX work_orders_failures ON work_orders (completed_at, asset_id, downtime_hours)
    WHERE type IN ('corrective', 'emergency') AND status IN ('completed', 'closed');
CREATE INDEX work_orders_site_failures ON work_orders (site_id, completed_at, asset_id, downtime_hours)
    WHERE type IN ('corrective', 'emergency') AND status IN ('completed', 'closed');
CREATE INDEX work_orders_open ON work_orders (site_id, created_at, priority, id)
    WHERE status NOT IN ('completed', 'closed', 'cancelled');
CREATE INDEX assets_site ON assets (site_id, id);
DROP INDEX wo_labor_wo;
CREATE INDEX wo_labor_wo ON wo_labor (work_order_id, id);
CREATE INDEX wo_labor_at ON wo_labor (at);
CREATE INDEX wo_materials_direct ON wo_materials (work_order_id) WHERE direct;
CREATE INDEX stock_movements_cost ON stock_movements (at) WHERE kind IN ('issue', 'return');
CREATE INDEX pm_occurrences_last ON pm_occurrences (plan_id, due_at, due_value);

-- Asset search: trigram indexes (pg_trgm) on LOWER(tag) and LOWER(name),
-- which LIKE '%abc%' uses. Where the extension cannot be created (not
-- installed, or not allowed), the search reads the assets instead.
-- +goose StatementBegin
DO $$
DECLARE s text;
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
    SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX assets_tag_trgm ON assets USING gin (LOWER(tag) %I.gin_trgm_ops)', s);
    EXECUTE format('CREATE INDEX assets_name_trgm ON assets USING gin (LOWER(name) %I.gin_trgm_ops)', s);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'no pg_trgm (%): asset search reads the assets', SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS assets_name_trgm;
DROP INDEX IF EXISTS assets_tag_trgm;
DROP INDEX pm_occurrences_last;
DROP INDEX stock_movements_cost;
DROP INDEX wo_materials_direct;
DROP INDEX wo_labor_at;
DROP INDEX assets_site;
DROP INDEX wo_labor_wo;
CREATE INDEX wo_labor_wo ON wo_labor (work_order_id);
DROP INDEX work_orders_open;
DROP INDEX work_orders_site_failures;
DROP INDEX work_orders_failures;
DROP INDEX work_orders_assignee;
DROP INDEX work_orders_assigned;
CREATE INDEX work_orders_assigned ON work_orders (assigned_to, status);
DROP INDEX work_orders_asset;
CREATE INDEX work_orders_asset ON work_orders (asset_id);
DROP INDEX work_orders_site_status;
DROP INDEX work_orders_status;
CREATE INDEX work_orders_status ON work_orders (status);
