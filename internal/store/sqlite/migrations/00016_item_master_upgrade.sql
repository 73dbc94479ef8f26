-- +goose Up
-- The CMMS now feeds the ERP's item master from its item mappings. The
-- mappings saved before this were never sent: mark them due, and serve
-- sends them once at its next start (outbox.SendExistingItemMasters).
INSERT INTO integration_state (key, value)
    SELECT 'item_master_upgrade', 'due' WHERE EXISTS (SELECT 1 FROM item_mappings)
    ON CONFLICT (key) DO NOTHING;

-- +goose Down
DELETE FROM integration_state WHERE key = 'item_master_upgrade';
