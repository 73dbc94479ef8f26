-- +goose Up
-- The CMMS core. Money and quantities are exact decimals (NUMERIC), times are UTC (TIMESTAMPTZ).

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE sites (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    site_id       TEXT REFERENCES sites (id),
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    hash       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE locations (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    parent_id  TEXT REFERENCES locations (id),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (site_id, code)
);

CREATE TABLE asset_classes (
    id                    TEXT PRIMARY KEY,
    code                  TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    auto_request_material BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            TIMESTAMPTZ NOT NULL
);

CREATE TABLE assets (
    id                    TEXT PRIMARY KEY,
    tag                   TEXT NOT NULL,
    name                  TEXT NOT NULL,
    site_id               TEXT NOT NULL REFERENCES sites (id),
    asset_class_id        TEXT REFERENCES asset_classes (id),
    parent_id             TEXT REFERENCES assets (id),
    location_id           TEXT REFERENCES locations (id),
    criticality           INTEGER NOT NULL DEFAULT 3,
    cost_center           TEXT NOT NULL DEFAULT '',
    auto_request_material BOOLEAN,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    UNIQUE (site_id, tag)
);
CREATE INDEX assets_parent ON assets (parent_id);

CREATE TABLE items (
    id              TEXT PRIMARY KEY,
    part_number     TEXT NOT NULL UNIQUE,
    description     TEXT NOT NULL,
    unit            TEXT NOT NULL,
    stock_type      TEXT NOT NULL,
    unit_cost       NUMERIC NOT NULL,
    vendor          TEXT NOT NULL DEFAULT '',
    item_group      TEXT NOT NULL DEFAULT '',
    expense_account TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- item_units: 1 unit = factor base units (BOX = 10 EA).
CREATE TABLE item_units (
    item_id TEXT NOT NULL REFERENCES items (id),
    unit    TEXT NOT NULL,
    factor  NUMERIC NOT NULL,
    PRIMARY KEY (item_id, unit)
);

CREATE TABLE bom_lines (
    id                    TEXT PRIMARY KEY,
    asset_id              TEXT REFERENCES assets (id),
    asset_class_id        TEXT REFERENCES asset_classes (id),
    item_id               TEXT NOT NULL REFERENCES items (id),
    quantity              NUMERIC NOT NULL,
    auto_request_material BOOLEAN NOT NULL DEFAULT FALSE,
    position              INTEGER NOT NULL
);
CREATE INDEX bom_lines_asset ON bom_lines (asset_id);
CREATE INDEX bom_lines_class ON bom_lines (asset_class_id);

CREATE TABLE storerooms (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (site_id, code)
);

-- stock: value is the stock's total value; the moving-average cost is value / on_hand.
CREATE TABLE stock (
    storeroom_id     TEXT NOT NULL REFERENCES storerooms (id),
    item_id          TEXT NOT NULL REFERENCES items (id),
    on_hand          NUMERIC NOT NULL,
    reserved         NUMERIC NOT NULL,
    value            NUMERIC NOT NULL,
    reorder_point    NUMERIC NOT NULL,
    reorder_quantity NUMERIC NOT NULL,
    max_quantity     NUMERIC NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (storeroom_id, item_id)
);
CREATE INDEX stock_item ON stock (item_id);

CREATE TABLE stock_movements (
    id            TEXT PRIMARY KEY,
    storeroom_id  TEXT NOT NULL REFERENCES storerooms (id),
    item_id       TEXT NOT NULL REFERENCES items (id),
    kind          TEXT NOT NULL,
    quantity      NUMERIC NOT NULL,
    value         NUMERIC NOT NULL,
    work_order_id TEXT,
    reason        TEXT NOT NULL DEFAULT '',
    actor         TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX stock_movements_wo ON stock_movements (work_order_id);
CREATE INDEX stock_movements_stock ON stock_movements (storeroom_id, item_id);

CREATE TABLE work_orders (
    id                    TEXT PRIMARY KEY,
    number                TEXT NOT NULL UNIQUE,
    type                  TEXT NOT NULL,
    status                TEXT NOT NULL,
    priority              INTEGER NOT NULL,
    site_id               TEXT NOT NULL REFERENCES sites (id),
    asset_id              TEXT NOT NULL REFERENCES assets (id),
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    auto_request_material BOOLEAN NOT NULL DEFAULT FALSE,
    estimated_labor       NUMERIC NOT NULL,
    problem               TEXT NOT NULL DEFAULT '',
    cause                 TEXT NOT NULL DEFAULT '',
    remedy                TEXT NOT NULL DEFAULT '',
    downtime_hours        NUMERIC NOT NULL,
    notes                 TEXT NOT NULL DEFAULT '',
    created_by            TEXT NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    completed_at          TIMESTAMPTZ
);
CREATE INDEX work_orders_asset ON work_orders (asset_id);
CREATE INDEX work_orders_status ON work_orders (status);

CREATE TABLE wo_transitions (
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    actor         TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX wo_transitions_wo ON wo_transitions (work_order_id);

-- wo_materials: planned materials. Stock lines reserve in storeroom_id;
-- direct lines wait for procurement.
CREATE TABLE wo_materials (
    id                    TEXT PRIMARY KEY,
    work_order_id         TEXT NOT NULL REFERENCES work_orders (id),
    item_id               TEXT NOT NULL REFERENCES items (id),
    quantity              NUMERIC NOT NULL,
    direct                BOOLEAN NOT NULL,
    storeroom_id          TEXT REFERENCES storerooms (id),
    auto_request_material BOOLEAN NOT NULL DEFAULT FALSE,
    reserved              NUMERIC NOT NULL,
    issued                NUMERIC NOT NULL,
    unit_cost             NUMERIC NOT NULL,
    procurement_status    TEXT NOT NULL DEFAULT 'none',
    blocked_reason        TEXT NOT NULL DEFAULT '',
    purchase_order_number TEXT NOT NULL DEFAULT '',
    promised_date         TEXT NOT NULL DEFAULT '',
    committed_cost        NUMERIC NOT NULL,
    actual_cost           NUMERIC NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX wo_materials_wo ON wo_materials (work_order_id);

CREATE TABLE wo_labor (
    id            TEXT PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    technician    TEXT NOT NULL,
    craft         TEXT NOT NULL DEFAULT '',
    hours         NUMERIC NOT NULL,
    rate          NUMERIC NOT NULL,
    amount        NUMERIC NOT NULL,
    actor         TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX wo_labor_wo ON wo_labor (work_order_id);

-- audit_log is append-only; each entry's hash covers the previous hash.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);

-- audit_head is one row: the last sequence number and hash. Locking it
-- orders concurrent writers on PostgreSQL.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (principal, key)
);

-- +goose Down
SELECT 1;
