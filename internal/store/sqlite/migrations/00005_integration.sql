-- +goose Up
-- The integration engine's side of the CMMS: the outbox of messages the ERP
-- must see, written in the same transaction as the change that causes them;
-- the item cross-references; the ERP events applied (or waiting); and how
-- far the event log has been read.

-- integration_messages: the outbox. message is the whole port message as
-- JSON; idempotency_key is the ERP's key, so a redelivery has no second effect.
CREATE TABLE integration_messages (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    site_id         TEXT NOT NULL,
    work_order_id   TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL UNIQUE,
    message         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX integration_messages_due ON integration_messages (status, next_attempt_at);
CREATE INDEX integration_messages_wo ON integration_messages (work_order_id);

-- integration_message_lines: the material lines a message asks for.
CREATE TABLE integration_message_lines (
    message_id       TEXT NOT NULL REFERENCES integration_messages (id),
    material_line_id TEXT NOT NULL,
    PRIMARY KEY (message_id, material_line_id)
);

-- item_mappings: the ERP's code and unit for a CMMS item, at one site or
-- (site_id '') everywhere. factor: CMMS units per ERP unit.
CREATE TABLE item_mappings (
    item_id       TEXT NOT NULL REFERENCES items (id),
    site_id       TEXT NOT NULL DEFAULT '',
    erp_item_code TEXT NOT NULL,
    erp_unit      TEXT NOT NULL,
    factor        TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (item_id, site_id)
);

-- inbound_events: each ERP event once, by its sequence number.
CREATE TABLE inbound_events (
    seq          INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    document_key TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    received_at  TEXT NOT NULL,
    applied_at   TEXT
);
CREATE INDEX inbound_events_status ON inbound_events (status, seq);

CREATE TABLE integration_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE integration_state;
DROP TABLE inbound_events;
DROP TABLE item_mappings;
DROP TABLE integration_message_lines;
DROP TABLE integration_messages;
