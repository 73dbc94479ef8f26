-- +goose Up
-- ERP stock is kept per site and warehouse: a warehouse takes its
-- storeroom's code, and storeroom codes are unique within a site only, so
-- two sites' MAIN storerooms are two warehouses, not one.
CREATE TABLE erp_stock_by_site (
    item_id          TEXT NOT NULL REFERENCES erp_items (id),
    warehouse        TEXT NOT NULL,
    site_id          TEXT NOT NULL,
    quantity         TEXT NOT NULL,
    value            TEXT NOT NULL,
    reorder_point    TEXT NOT NULL,
    reorder_quantity TEXT NOT NULL,
    max_quantity     TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (item_id, site_id, warehouse)
);
INSERT INTO erp_stock_by_site SELECT item_id, warehouse, site_id, quantity, value, reorder_point, reorder_quantity,
    max_quantity, updated_at FROM erp_stock;
DROP TABLE erp_stock;
ALTER TABLE erp_stock_by_site RENAME TO erp_stock;

-- +goose Down
-- Back to one row per item and warehouse: where two sites share a
-- warehouse code, one of their rows is kept and the other is lost.
CREATE TABLE erp_stock_by_warehouse (
    item_id          TEXT NOT NULL REFERENCES erp_items (id),
    warehouse        TEXT NOT NULL,
    site_id          TEXT NOT NULL,
    quantity         TEXT NOT NULL,
    value            TEXT NOT NULL,
    reorder_point    TEXT NOT NULL,
    reorder_quantity TEXT NOT NULL,
    max_quantity     TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (item_id, warehouse)
);
INSERT INTO erp_stock_by_warehouse SELECT item_id, warehouse, MIN(site_id), quantity, value, reorder_point, reorder_quantity,
    max_quantity, updated_at FROM erp_stock GROUP BY item_id, warehouse;
DROP TABLE erp_stock;
ALTER TABLE erp_stock_by_warehouse RENAME TO erp_stock;
