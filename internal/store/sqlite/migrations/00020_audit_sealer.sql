-- +goose Up
-- The audit trail is written unsealed and sealed later (store.DB.SealAudit):
-- a write inserts its entry with an id of its own and no place in the chain
-- (seq, prev_hash and hash NULL), so writes no longer queue on audit_head;
-- one sealer at a time gives the committed entries their seq and hashes.
-- SQLite cannot drop NOT NULL or move a primary key in place, so the table
-- is rebuilt. Entries written before are sealed: each keeps its seq, and
-- its id is its seq, so the ids of new entries follow them.
CREATE TABLE audit_log_sealed (
    id          INTEGER PRIMARY KEY,
    seq         BIGINT UNIQUE,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json  TEXT NOT NULL,
    prev_hash   TEXT,
    hash        TEXT
);
INSERT INTO audit_log_sealed (id, seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash)
    SELECT seq, seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_sealed RENAME TO audit_log;
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
-- What the sealer looks for, and verify counts: the entries not yet sealed.
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seq IS NULL;

-- +goose Down
-- Entries not yet sealed have no seq: seal them (serve does, or GET
-- /api/v1/audit/verify) before going down, or this fails on NOT NULL.
CREATE TABLE audit_log_chained (
    seq         BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
INSERT INTO audit_log_chained (seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash)
    SELECT seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_chained RENAME TO audit_log;
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
