-- +goose Up
-- The ERP's lists filtered by work order or requisition start from these
-- indexes instead of walking every requisition or purchase order with a
-- check per row: the buyer's "requisitions of this work order" and the
-- CMMS's own look-ups stay as fast with 100,000 of them as with ten.
CREATE INDEX erp_requisitions_wo ON erp_requisitions (work_order_id);
CREATE INDEX erp_po_lines_req ON erp_po_lines (requisition_id);
CREATE INDEX erp_po_lines_wo ON erp_po_lines (work_order_id);
-- The material lines blocked for want of an item mapping, a cost-center
-- mapping or the rollout, retried when one is saved: only the blocked
-- ones, not every material line ever written.
CREATE INDEX wo_materials_blocked ON wo_materials (item_id, id) WHERE procurement_status = 'blocked';
-- An ERP item code back to the CMMS item (an ERP event names the code).
CREATE INDEX item_mappings_code ON item_mappings (erp_item_code);

-- +goose Down
DROP INDEX item_mappings_code;
DROP INDEX wo_materials_blocked;
DROP INDEX erp_po_lines_wo;
DROP INDEX erp_po_lines_req;
DROP INDEX erp_requisitions_wo;
