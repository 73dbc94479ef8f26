-- +goose Up
-- Meters and their readings (internal/reading), and the readings that
-- arrived over MQTT but could not be stored (unmatched_readings).

-- meters: what an asset measures. A meter is declared on its asset before
-- readings are accepted for it; kind is gauge or counter.
CREATE TABLE meters (
    id         TEXT PRIMARY KEY,
    asset_id   TEXT NOT NULL REFERENCES assets (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    unit       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (asset_id, name)
);

-- readings: one value of a meter at a time. For counters, total is the
-- running total across meter replacements; for gauges it equals value.
CREATE TABLE readings (
    id          TEXT PRIMARY KEY,
    meter_id    TEXT NOT NULL REFERENCES meters (id),
    asset_id    TEXT NOT NULL REFERENCES assets (id),
    at          TEXT NOT NULL,
    value       TEXT NOT NULL,
    total       TEXT NOT NULL,
    replacement INTEGER NOT NULL DEFAULT 0,
    source      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (meter_id, at)
);
CREATE INDEX readings_asset ON readings (asset_id, at);

-- unmatched_readings: MQTT messages that named an unknown site, asset or
-- meter, could not be read, or broke a rule; kept with the reason. Once
-- replayed into a reading, resolved_at and reading_id say when and which.
CREATE TABLE unmatched_readings (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL DEFAULT '',
    topic       TEXT NOT NULL,
    payload     TEXT NOT NULL,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT NOT NULL DEFAULT '',
    reading_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX unmatched_readings_site ON unmatched_readings (site_id, id);

-- +goose Down
DROP TABLE unmatched_readings;
DROP TABLE readings;
DROP TABLE meters;
