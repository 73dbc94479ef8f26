-- +goose Up
-- The dispatcher claims the first undelivered message of each work order
-- and of each order key: "is there an earlier pending message of the same
-- work order?" must be one index probe, not a walk over every message the
-- work order ever sent (a busy work order has thousands once its labor and
-- parts post as they happen).
CREATE INDEX integration_messages_wo_pending ON integration_messages (status, work_order_id, id);
CREATE INDEX integration_messages_order_pending ON integration_messages (status, order_key, id);

-- +goose Down
DROP INDEX integration_messages_order_pending;
DROP INDEX integration_messages_wo_pending;
