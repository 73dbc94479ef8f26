-- +goose Up
-- A special buy is a material line described in words (a text item, as
-- ERPs allow): its description, unit and vendor are the line's own, and
-- it is requested under the site's default purchasing item.
ALTER TABLE wo_materials ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE wo_materials ADD COLUMN unit TEXT NOT NULL DEFAULT '';
ALTER TABLE wo_materials ADD COLUMN vendor TEXT NOT NULL DEFAULT '';
ALTER TABLE erp_requisition_lines ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE erp_requisition_lines ADD COLUMN vendor TEXT NOT NULL DEFAULT '';
ALTER TABLE erp_po_lines ADD COLUMN description TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE erp_po_lines DROP COLUMN description;
ALTER TABLE erp_requisition_lines DROP COLUMN vendor;
ALTER TABLE erp_requisition_lines DROP COLUMN description;
ALTER TABLE wo_materials DROP COLUMN vendor;
ALTER TABLE wo_materials DROP COLUMN unit;
ALTER TABLE wo_materials DROP COLUMN description;
