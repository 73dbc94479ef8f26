package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/millwright-cmms/millwright"
)

// WebSession is a sign-in of the web interface. The token itself is never
// stored, only its hash.
type WebSession struct {
	ID        string
	UserID    string
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateWebSession stores a new session for a user under the hash of its token.
func (tx *Tx) CreateWebSession(ctx context.Context, s *WebSession, tokenHash string) error {
	s.ID, s.CreatedAt = millwright.NewID("wss"), tx.now
	_, err := tx.exec(ctx, `INSERT INTO web_sessions (id, token_hash, user_id, csrf, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, s.ID, tokenHash, s.UserID, s.CSRF, s.CreatedAt, s.ExpiresAt)
	return err
}

// WebSessionByHash returns the unexpired session with a token hash and its
// user; Unauthorized when there is none.
func (tx *Tx) WebSessionByHash(ctx context.Context, tokenHash string) (*WebSession, *User, error) {
	var s WebSession
	err := tx.queryRow(ctx, `SELECT id, user_id, csrf, created_at, expires_at FROM web_sessions
		WHERE token_hash = ? AND expires_at > ?`, tokenHash, tx.now).
		Scan(&s.ID, &s.UserID, &s.CSRF, (*dbTime)(&s.CreatedAt), (*dbTime)(&s.ExpiresAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, millwright.Errorf(millwright.Unauthorized, "session_expired", "your session has ended; sign in again")
	}
	if err != nil {
		return nil, nil, err
	}
	u, err := tx.User(ctx, s.UserID)
	return &s, u, err
}

// DeleteWebSession ends a session.
func (tx *Tx) DeleteWebSession(ctx context.Context, id string) error {
	_, err := tx.exec(ctx, `DELETE FROM web_sessions WHERE id = ?`, id)
	return err
}

// DeleteExpiredWebSessions removes the sessions that have expired.
func (tx *Tx) DeleteExpiredWebSessions(ctx context.Context) error {
	_, err := tx.exec(ctx, `DELETE FROM web_sessions WHERE expires_at <= ?`, tx.now)
	return err
}

// LoginFailures is the run of failed sign-ins of one key (user:NAME or
// addr:IP): how many, the last, and until when the key is locked.
type LoginFailures struct {
	Failures    int
	LastAt      time.Time
	LockedUntil time.Time
}

// LoginFailures returns the failures of key, zero when it has none.
func (tx *Tx) LoginFailures(ctx context.Context, key string) (LoginFailures, error) {
	var f LoginFailures
	err := tx.queryRow(ctx, `SELECT failures, last_at, locked_until FROM login_failures WHERE key = ?`, key).
		Scan(&f.Failures, (*dbTime)(&f.LastAt), (*dbTime)(&f.LockedUntil))
	if errors.Is(err, sql.ErrNoRows) {
		return LoginFailures{}, nil
	}
	return f, err
}

// SaveLoginFailures records the failures of key.
func (tx *Tx) SaveLoginFailures(ctx context.Context, key string, f LoginFailures) error {
	_, err := tx.exec(ctx, `INSERT INTO login_failures (key, failures, last_at, locked_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at, locked_until = excluded.locked_until`,
		key, f.Failures, f.LastAt, f.LockedUntil)
	return err
}

// ClearLoginFailures forgets the failures of key, after a sign-in.
func (tx *Tx) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := tx.exec(ctx, `DELETE FROM login_failures WHERE key = ?`, key)
	return err
}
