package store

import (
	"context"
	"time"
)

// IntegrationStats is the integration's throughput and lag at a glance.
type IntegrationStats struct {
	DeliveredLastHour int        // messages delivered in the hour before now
	Pending           int        // messages waiting to go out (pending or failed and retrying)
	OldestPending     *time.Time // when the oldest of them was written; nil when none waits
	Dead              int        // messages that gave up and wait for a replay
	EventsWaiting     int        // ERP events received and not yet applied
}

// IntegrationStats counts the outbox messages of a site (every site for
// "") by what they wait for, and the inbound events waiting, at now.
func (tx *Tx) IntegrationStats(ctx context.Context, siteID string, now time.Time) (IntegrationStats, error) {
	var s IntegrationStats
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM integration_messages
		WHERE status = 'delivered' AND delivered_at >= ? AND (? = '' OR site_id = ?)`,
		now.Add(-time.Hour), siteID, siteID).Scan(&s.DeliveredLastHour)
	if err != nil {
		return s, err
	}
	var t *time.Time
	err = tx.queryRow(ctx, `SELECT COUNT(*), MIN(created_at) FROM integration_messages
		WHERE status IN ('pending', 'failed') AND (? = '' OR site_id = ?)`, siteID, siteID).Scan(&s.Pending, nullTime{&t})
	if err != nil {
		return s, err
	}
	s.OldestPending = t
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM integration_messages WHERE status = 'dead' AND (? = '' OR site_id = ?)`,
		siteID, siteID).Scan(&s.Dead); err != nil {
		return s, err
	}
	err = tx.queryRow(ctx, `SELECT COUNT(*) FROM inbound_events WHERE status = 'waiting'`).Scan(&s.EventsWaiting)
	return s, err
}
