package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/millwright-cmms/millwright"
)

// IdempotentResponse is the first response to a POST with an Idempotency-Key.
type IdempotentResponse struct {
	Status int
	Body   []byte
}

// IdempotencyTTL is how long keys are kept: at least a day, as API.md promises.
const IdempotencyTTL = 48 * time.Hour

// ReserveIdempotencyKey claims key for principal and a request whose hash
// is reqHash. It returns the stored response when the same request was
// answered before, a Conflict when the key was used for another request or
// is still being answered, and nil when the key is new and now reserved.
func (tx *Tx) ReserveIdempotencyKey(ctx context.Context, principal, key, reqHash string) (*IdempotentResponse, error) {
	var (
		hash   string
		status int
		body   string
	)
	// A key older than the TTL is as good as gone, whether or not it has
	// been swept yet: the sweep below removes it before the key is reserved again.
	expired := tx.now.Add(-IdempotencyTTL)
	err := tx.queryRow(ctx, `SELECT request_hash, status_code, body FROM idempotency_keys
		WHERE principal = ? AND key = ? AND created_at >= ?`+tx.forUpdate(), principal, key, expired).Scan(&hash, &status, &body)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, expired); err != nil {
			return nil, err
		}
		_, err := tx.exec(ctx, `INSERT INTO idempotency_keys (principal, key, request_hash, status_code, body, created_at)
			VALUES (?, ?, ?, 0, '', ?)`, principal, key, reqHash, tx.now)
		if IsDuplicate(err) {
			return nil, millwright.Errorf(millwright.Conflict, "idempotency_key_in_use",
				"a request with Idempotency-Key %s is still being answered; retry in a moment", key)
		}
		return nil, err
	case err != nil:
		return nil, err
	case hash != reqHash:
		return nil, millwright.Errorf(millwright.Conflict, "idempotency_key_reused",
			"Idempotency-Key %s was already used with a different request; use a new key for a new request", key)
	case status == 0:
		return nil, millwright.Errorf(millwright.Conflict, "idempotency_key_in_use",
			"a request with Idempotency-Key %s is still being answered; retry in a moment", key)
	}
	return &IdempotentResponse{Status: status, Body: []byte(body)}, nil
}

// SaveIdempotentResponse stores the response to a reserved key.
func (tx *Tx) SaveIdempotentResponse(ctx context.Context, principal, key string, status int, body []byte) error {
	_, err := tx.exec(ctx, `UPDATE idempotency_keys SET status_code = ?, body = ? WHERE principal = ? AND key = ?`,
		status, string(body), principal, key)
	return err
}

// ForgetIdempotencyKey drops a reserved key, so that the request may be retried.
func (tx *Tx) ForgetIdempotencyKey(ctx context.Context, principal, key string) error {
	_, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE principal = ? AND key = ?`, principal, key)
	return err
}
