-- +goose Up
-- login_failures: failed web sign-ins in a row, per account (user:NAME) and
-- per address (addr:IP), and until when each is locked (ASVS 5.0 V6.3).
-- Kept in the database so that every serve process shares them.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_at      TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE login_failures;
