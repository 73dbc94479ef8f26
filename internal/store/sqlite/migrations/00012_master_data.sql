-- +goose Up
-- Master data between the CMMS and the ERP, beside item_mappings.

-- cost_center_mappings: the ERP's cost center for a CMMS cost center, at
-- one site or (site_id '') everywhere. With no row that applies to a site,
-- its cost centers go to the ERP as they are; with one, every cost center of
-- the site needs a mapping.
CREATE TABLE cost_center_mappings (
    site_id         TEXT NOT NULL DEFAULT '',
    cost_center     TEXT NOT NULL,
    erp_cost_center TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (site_id, cost_center)
);

-- account_mappings: the ERP's GL account for a CMMS posting category
-- (labor, parts, direct_material, services), at one site or (site_id '')
-- everywhere. With none, the ERP posts to its own default account.
CREATE TABLE account_mappings (
    site_id     TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL,
    erp_account TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (site_id, category)
);

-- The embedded ERP's expense account of a requisition, carried to its
-- purchase-order lines: direct receipts and their invoice variances post
-- there ('': the maintenance expense account).
ALTER TABLE erp_requisitions ADD COLUMN expense_account TEXT NOT NULL DEFAULT '';
ALTER TABLE erp_po_lines ADD COLUMN expense_account TEXT NOT NULL DEFAULT '';

-- Expense accounts of the embedded ERP's chart that account mappings can
-- choose besides 6100 Maintenance expense.
INSERT INTO erp_accounts (code, name, type) VALUES
    ('6110', 'Maintenance labor', 'expense'),
    ('6120', 'Maintenance material', 'expense'),
    ('6130', 'External services', 'expense');

-- +goose Down
DELETE FROM erp_accounts WHERE code IN ('6110', '6120', '6130');
ALTER TABLE erp_po_lines DROP COLUMN expense_account;
ALTER TABLE erp_requisitions DROP COLUMN expense_account;
DROP TABLE account_mappings;
DROP TABLE cost_center_mappings;
