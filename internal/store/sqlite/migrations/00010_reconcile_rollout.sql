-- +goose Up
-- integration_scopes: the phased rollout. With no row, integration is live
-- everywhere; with rows, only for the sites listed, and within a site only
-- for the asset classes listed (asset_class_id '' means every class).
CREATE TABLE integration_scopes (
    site_id        TEXT NOT NULL REFERENCES sites (id),
    asset_class_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (site_id, asset_class_id)
);

-- reconciliation_runs: each comparison of CMMS and ERP stock and
-- work-order costs, with the differences found (JSON), kept for the record.
CREATE TABLE reconciliation_runs (
    id          TEXT PRIMARY KEY,
    ran_at      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    cause       TEXT NOT NULL,
    differences INTEGER NOT NULL,
    result      TEXT NOT NULL
);

-- The actor of each ERP event (the ERP user, or the CMMS user whose
-- message caused it) and, on the CMMS side, when it happened and which work
-- orders it is about: the work order's trace reads them.
ALTER TABLE erp_events ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_events ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_events ADD COLUMN at TEXT;
CREATE TABLE inbound_event_work_orders (
    work_order_id TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    PRIMARY KEY (work_order_id, seq)
);

-- +goose Down
DROP TABLE inbound_event_work_orders;
ALTER TABLE inbound_events DROP COLUMN at;
ALTER TABLE inbound_events DROP COLUMN actor;
ALTER TABLE erp_events DROP COLUMN actor;
DROP TABLE reconciliation_runs;
DROP TABLE integration_scopes;
