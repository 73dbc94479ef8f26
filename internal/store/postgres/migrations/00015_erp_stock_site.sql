-- +goose Up
-- ERP stock is kept per site and warehouse: a warehouse takes its
-- storeroom's code, and storeroom codes are unique within a site only, so
-- two sites' MAIN storerooms are two warehouses, not one.
ALTER TABLE erp_stock DROP CONSTRAINT erp_stock_pkey;
ALTER TABLE erp_stock ADD PRIMARY KEY (item_id, site_id, warehouse);

-- +goose Down
-- Fails where two sites hold stock in warehouses of the same code.
ALTER TABLE erp_stock DROP CONSTRAINT erp_stock_pkey;
ALTER TABLE erp_stock ADD PRIMARY KEY (item_id, warehouse);
