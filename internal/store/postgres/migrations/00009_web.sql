-- +goose Up
-- web_sessions: the web interface's sign-ins. The session token lives only
-- in the browser's cookie; the table keeps its SHA-256, so a copy of the
-- database cannot be used to sign in. csrf is the token every form of the
-- session carries.
CREATE TABLE web_sessions (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- +goose Down
DROP TABLE web_sessions;
