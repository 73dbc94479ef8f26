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

-- +goose Down
DROP TABLE reconciliation_runs;
DROP TABLE integration_scopes;
