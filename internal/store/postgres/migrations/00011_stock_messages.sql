-- +goose Up
-- order_key: the record whose messages go out one after the other, as a
-- work order's do (a stock row: "stock:<storeroom_id>/<item_id>"), so an
-- older stock level never reaches the ERP after a newer one.
-- waits_for_item: the CMMS item whose missing ERP mapping keeps the
-- message failed; saving the mapping completes the message and sends it.
ALTER TABLE integration_messages ADD COLUMN order_key TEXT NOT NULL DEFAULT '';
ALTER TABLE integration_messages ADD COLUMN waits_for_item TEXT NOT NULL DEFAULT '';
CREATE INDEX integration_messages_order ON integration_messages (order_key);
CREATE INDEX integration_messages_waiting ON integration_messages (waits_for_item);

-- +goose Down
DROP INDEX integration_messages_waiting;
DROP INDEX integration_messages_order;
ALTER TABLE integration_messages DROP COLUMN waits_for_item;
ALTER TABLE integration_messages DROP COLUMN order_key;
