-- +goose Up
-- The embedded ERP. Its tables are its own (erp_*): the CMMS never reads or
-- writes them, and the ERP reads no CMMS table. Money and quantities are
-- exact decimals (NUMERIC), times are UTC (TIMESTAMPTZ), flags are BOOLEAN.

CREATE TABLE erp_counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE erp_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO erp_settings (key, value) VALUES
    ('invoice_tolerance_percent', '2'),
    ('invoice_tolerance_amount', '0'),
    ('default_lead_time_days', '7'),
    ('default_warehouse', 'MAIN');

-- erp_sites: the sites the ERP has heard of, with the time zone that
-- decides the month of a posting.
CREATE TABLE erp_sites (
    site_id    TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- erp_messages: each port message applied, by idempotency key, with the
-- events it emitted, so a repeat answers the same and changes nothing.
CREATE TABLE erp_messages (
    idempotency_key TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    events_json     TEXT NOT NULL,
    applied_at      TIMESTAMPTZ NOT NULL
);

-- erp_events: what the CMMS must see, in sequence order.
CREATE TABLE erp_events (
    seq          BIGINT PRIMARY KEY,
    kind         TEXT NOT NULL,
    document_key TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX erp_events_document ON erp_events (document_key);

CREATE TABLE erp_items (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    description    TEXT NOT NULL,
    unit           TEXT NOT NULL,
    stock_type     TEXT NOT NULL,
    vendor         TEXT NOT NULL,
    price          NUMERIC NOT NULL,
    lead_time_days INTEGER NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE erp_accounts (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL
);
INSERT INTO erp_accounts (code, name, type) VALUES
    ('1400', 'Inventory', 'asset'),
    ('2000', 'Accounts payable', 'liability'),
    ('2100', 'Goods received / invoice received clearing', 'liability'),
    ('3000', 'Opening balance equity', 'equity'),
    ('5100', 'Labor absorption', 'income'),
    ('6100', 'Maintenance expense', 'expense'),
    ('6150', 'Purchase price variance', 'expense'),
    ('6190', 'Inventory adjustments', 'expense');

CREATE TABLE erp_cost_centers (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- erp_entries and erp_entry_lines are the journal: rows are inserted, never
-- updated or deleted; a correction is a reversal entry.
CREATE TABLE erp_entries (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    at          TIMESTAMPTZ NOT NULL,
    period      TEXT NOT NULL,
    site_id     TEXT NOT NULL,
    memo        TEXT NOT NULL,
    source      TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    reverses_id TEXT UNIQUE REFERENCES erp_entries (id),
    created_by  TEXT NOT NULL
);

CREATE TABLE erp_entry_lines (
    entry_id      TEXT NOT NULL REFERENCES erp_entries (id),
    position      INTEGER NOT NULL,
    account       TEXT NOT NULL REFERENCES erp_accounts (code),
    debit         NUMERIC NOT NULL,
    credit        NUMERIC NOT NULL,
    cost_center   TEXT NOT NULL,
    work_order_id TEXT NOT NULL,
    asset_id      TEXT NOT NULL,
    PRIMARY KEY (entry_id, position)
);
CREATE INDEX erp_entry_lines_wo ON erp_entry_lines (work_order_id);
CREATE INDEX erp_entry_lines_cc ON erp_entry_lines (cost_center);

CREATE TABLE erp_budgets (
    cost_center TEXT NOT NULL,
    period      TEXT NOT NULL,
    amount      NUMERIC NOT NULL,
    alerted     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (cost_center, period)
);

CREATE TABLE erp_approval_rules (
    id            TEXT PRIMARY KEY,
    site_id       TEXT NOT NULL,
    cost_center   TEXT NOT NULL,
    max_priority  INTEGER,
    min_amount    NUMERIC,
    max_amount    NUMERIC,
    approver_role TEXT NOT NULL,
    steps         TEXT NOT NULL,
    auto_approve  BOOLEAN NOT NULL,
    fast_path     BOOLEAN NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE erp_requisitions (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    site_id           TEXT NOT NULL,
    status            TEXT NOT NULL,
    source            TEXT NOT NULL,
    priority          INTEGER NOT NULL,
    cost_center       TEXT NOT NULL,
    requested_by      TEXT NOT NULL,
    work_order_id     TEXT NOT NULL,
    work_order_number TEXT NOT NULL,
    asset_id          TEXT NOT NULL,
    amount            NUMERIC NOT NULL,
    rule_id           TEXT NOT NULL,
    steps             TEXT NOT NULL,
    step              INTEGER NOT NULL,
    comment           TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX erp_requisitions_status ON erp_requisitions (status);

CREATE TABLE erp_requisition_lines (
    id                     TEXT PRIMARY KEY,
    requisition_id         TEXT NOT NULL REFERENCES erp_requisitions (id),
    position               INTEGER NOT NULL,
    item_id                TEXT NOT NULL REFERENCES erp_items (id),
    item_code              TEXT NOT NULL,
    quantity               NUMERIC NOT NULL,
    unit                   TEXT NOT NULL,
    needed_by              TEXT NOT NULL,
    unit_price             NUMERIC NOT NULL,
    amount                 NUMERIC NOT NULL,
    work_order_id          TEXT NOT NULL,
    material_line_id       TEXT NOT NULL,
    asset_id               TEXT NOT NULL,
    warehouse              TEXT NOT NULL,
    purchase_order_line_id TEXT NOT NULL
);
CREATE INDEX erp_requisition_lines_req ON erp_requisition_lines (requisition_id);
CREATE INDEX erp_requisition_lines_wo ON erp_requisition_lines (work_order_id);
CREATE INDEX erp_requisition_lines_item ON erp_requisition_lines (item_id, warehouse);

CREATE TABLE erp_decisions (
    id             TEXT PRIMARY KEY,
    requisition_id TEXT NOT NULL REFERENCES erp_requisitions (id),
    step           INTEGER NOT NULL,
    role           TEXT NOT NULL,
    decision       TEXT NOT NULL,
    actor          TEXT NOT NULL,
    comment        TEXT NOT NULL,
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX erp_decisions_req ON erp_decisions (requisition_id);

CREATE TABLE erp_reviews (
    id             TEXT PRIMARY KEY,
    requisition_id TEXT NOT NULL REFERENCES erp_requisitions (id),
    site_id        TEXT NOT NULL,
    role           TEXT NOT NULL,
    status         TEXT NOT NULL,
    reviewed_by    TEXT NOT NULL,
    reviewed_at    TIMESTAMPTZ,
    comment        TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX erp_reviews_req ON erp_reviews (requisition_id);

CREATE TABLE erp_purchase_orders (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    site_id       TEXT NOT NULL,
    vendor        TEXT NOT NULL,
    status        TEXT NOT NULL,
    promised_date TEXT NOT NULL,
    period        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- requisition_line_id is unique: no requisition line is ordered twice.
CREATE TABLE erp_po_lines (
    id                  TEXT PRIMARY KEY,
    purchase_order_id   TEXT NOT NULL REFERENCES erp_purchase_orders (id),
    position            INTEGER NOT NULL,
    requisition_id      TEXT NOT NULL REFERENCES erp_requisitions (id),
    requisition_line_id TEXT NOT NULL UNIQUE REFERENCES erp_requisition_lines (id),
    item_id             TEXT NOT NULL REFERENCES erp_items (id),
    item_code           TEXT NOT NULL,
    direct              BOOLEAN NOT NULL,
    warehouse           TEXT NOT NULL,
    quantity            NUMERIC NOT NULL,
    received_quantity   NUMERIC NOT NULL,
    invoiced_quantity   NUMERIC NOT NULL,
    unit_price          NUMERIC NOT NULL,
    work_order_id       TEXT NOT NULL,
    material_line_id    TEXT NOT NULL,
    asset_id            TEXT NOT NULL,
    cost_center         TEXT NOT NULL
);
CREATE INDEX erp_po_lines_po ON erp_po_lines (purchase_order_id);
CREATE INDEX erp_po_lines_cc ON erp_po_lines (cost_center);

CREATE TABLE erp_receipts (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    purchase_order_id TEXT NOT NULL REFERENCES erp_purchase_orders (id),
    entry_id          TEXT NOT NULL,
    actor             TEXT NOT NULL,
    at                TIMESTAMPTZ NOT NULL
);

CREATE TABLE erp_receipt_lines (
    receipt_id TEXT NOT NULL REFERENCES erp_receipts (id),
    position   INTEGER NOT NULL,
    po_line_id TEXT NOT NULL REFERENCES erp_po_lines (id),
    quantity   NUMERIC NOT NULL,
    value      NUMERIC NOT NULL,
    PRIMARY KEY (receipt_id, position)
);

CREATE TABLE erp_invoices (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    vendor_reference  TEXT NOT NULL,
    purchase_order_id TEXT NOT NULL REFERENCES erp_purchase_orders (id),
    status            TEXT NOT NULL,
    reason            TEXT NOT NULL,
    amount            NUMERIC NOT NULL,
    entry_id          TEXT NOT NULL,
    actor             TEXT NOT NULL,
    at                TIMESTAMPTZ NOT NULL
);
CREATE INDEX erp_invoices_po ON erp_invoices (purchase_order_id);

CREATE TABLE erp_invoice_lines (
    invoice_id TEXT NOT NULL REFERENCES erp_invoices (id),
    position   INTEGER NOT NULL,
    po_line_id TEXT NOT NULL REFERENCES erp_po_lines (id),
    quantity   NUMERIC NOT NULL,
    unit_price NUMERIC NOT NULL,
    amount     NUMERIC NOT NULL,
    expected   NUMERIC NOT NULL,
    variance   NUMERIC NOT NULL,
    PRIMARY KEY (invoice_id, position)
);

CREATE TABLE erp_stock (
    item_id          TEXT NOT NULL REFERENCES erp_items (id),
    warehouse        TEXT NOT NULL,
    site_id          TEXT NOT NULL,
    quantity         NUMERIC NOT NULL,
    value            NUMERIC NOT NULL,
    reorder_point    NUMERIC NOT NULL,
    reorder_quantity NUMERIC NOT NULL,
    max_quantity     NUMERIC NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (item_id, warehouse)
);

-- +goose Down
DROP TABLE erp_stock;
DROP TABLE erp_invoice_lines;
DROP TABLE erp_invoices;
DROP TABLE erp_receipt_lines;
DROP TABLE erp_receipts;
DROP TABLE erp_po_lines;
DROP TABLE erp_purchase_orders;
DROP TABLE erp_reviews;
DROP TABLE erp_decisions;
DROP TABLE erp_requisition_lines;
DROP TABLE erp_requisitions;
DROP TABLE erp_approval_rules;
DROP TABLE erp_budgets;
DROP TABLE erp_entry_lines;
DROP TABLE erp_entries;
DROP TABLE erp_cost_centers;
DROP TABLE erp_accounts;
DROP TABLE erp_items;
DROP TABLE erp_events;
DROP TABLE erp_messages;
DROP TABLE erp_sites;
DROP TABLE erp_settings;
DROP TABLE erp_counters;
