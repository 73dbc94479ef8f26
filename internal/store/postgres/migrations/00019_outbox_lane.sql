-- +goose Up
-- Requisitions have their own lane in the dispatcher's claim: "the pending
-- requisitions, oldest first" must be one index range, not a walk over a
-- backlog of labor and stock postings.
CREATE INDEX integration_messages_kind_pending ON integration_messages (status, kind, id);

-- +goose Down
DROP INDEX integration_messages_kind_pending;
