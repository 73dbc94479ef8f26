-- +goose Up
-- Requisitions have their own lane in the dispatcher's claim: "the pending
-- requisitions, oldest first" must be one index range, not a walk over a
-- backlog of labor and stock postings.
CREATE INDEX integration_messages_kind_pending ON integration_messages (status, kind, id);
-- A claim that takes runs of a work order's messages asks "is an earlier
-- message of this work order leased or waiting for a retry?": one index
-- range over the few not yet due, not a walk over its whole backlog.
CREATE INDEX integration_messages_wo_due ON integration_messages (status, work_order_id, next_attempt_at);
CREATE INDEX integration_messages_order_due ON integration_messages (status, order_key, next_attempt_at);

-- +goose Down
DROP INDEX integration_messages_order_due;
DROP INDEX integration_messages_wo_due;
DROP INDEX integration_messages_kind_pending;
