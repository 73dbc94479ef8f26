-- +goose Up
-- PM plans and their occurrences. trigger_json and template_json hold the
-- trigger and the work-order template as the API shows them; kind and
-- meter are copied out so plans can be found by them.
CREATE TABLE pm_plans (
    id             TEXT PRIMARY KEY,
    site_id        TEXT NOT NULL REFERENCES sites (id),
    asset_id       TEXT NOT NULL REFERENCES assets (id),
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    meter          TEXT NOT NULL DEFAULT '',
    trigger_json   TEXT NOT NULL,
    lead_time_days INTEGER NOT NULL DEFAULT 0,
    template_json  TEXT NOT NULL,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX pm_plans_meter ON pm_plans (asset_id, meter);
CREATE INDEX pm_plans_kind ON pm_plans (kind, active);

-- pm_occurrences: each due date (or meter value, or firing) of a plan,
-- once: the primary key is what keeps two schedulers from making two work
-- orders of one occurrence. A missed occurrence has no work order.
CREATE TABLE pm_occurrences (
    plan_id       TEXT NOT NULL REFERENCES pm_plans (id),
    occ_key       TEXT NOT NULL,
    due_at        TIMESTAMPTZ NOT NULL,
    due_value     DOUBLE PRECISION,
    work_order_id TEXT UNIQUE REFERENCES work_orders (id),
    missed        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (plan_id, occ_key)
);
CREATE INDEX pm_occurrences_due ON pm_occurrences (due_at);

-- +goose Down
DROP TABLE pm_occurrences;
DROP TABLE pm_plans;
