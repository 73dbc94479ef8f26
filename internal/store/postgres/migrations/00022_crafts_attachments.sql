-- +goose Up
-- crafts: the trades labor is booked in, with the hourly rate labor takes
-- when it is logged without one. site_id '' is a craft of every site; a
-- site's own craft of the same code takes precedence there.
CREATE TABLE crafts (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    site_id    TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL,
    rate       NUMERIC NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (site_id, code)
);

-- A user's default craft (its code): the craft of the labor they log for
-- themselves.
ALTER TABLE users ADD COLUMN craft TEXT NOT NULL DEFAULT '';

-- wo_attachments: photos and notes a technician adds to a work order.
-- A photo's bytes are kept here (at most 5 MB, JPEG, PNG or WebP); a
-- note has only its text.
CREATE TABLE wo_attachments (
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    site_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    content_type  TEXT NOT NULL DEFAULT '',
    file_name     TEXT NOT NULL DEFAULT '',
    size          BIGINT NOT NULL DEFAULT 0,
    data          BYTEA,
    note          TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX wo_attachments_wo ON wo_attachments (work_order_id, id);

-- +goose Down
DROP TABLE wo_attachments;
ALTER TABLE users DROP COLUMN craft;
DROP TABLE crafts;
