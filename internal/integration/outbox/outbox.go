// Package outbox delivers the CMMS's outbox to the ERP and applies the
// ERP's events back to the work orders.
//
// The Dispatcher claims due messages (leased, so a second dispatcher or a
// restart after a crash does not send one twice at once; on PostgreSQL the
// claim skips rows another process holds), sends each through the
// Connector with its idempotency key, and records the outcome: delivered;
// failed when the ERP refuses it as it is (kind Invalid, Rule or Conflict),
// with the reason on the material lines it asked for; otherwise retried
// with exponential backoff and jitter, and dead after MaxAttempts.
//
// Events — those Send returns and those polled from Connector.Events, made
// by ERP users — are recorded once by sequence number and applied in order
// per document; one about a line the CMMS does not know yet waits.
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// Defaults of a Dispatcher's zero fields.
const (
	DefaultInterval    = time.Second
	DefaultMaxAttempts = 8
	DefaultBackoff     = time.Second
	DefaultLease       = 2 * time.Minute
	batch              = 50
	lastSeqKey         = "last_event_seq"
)

// Dispatcher delivers outbox messages and applies ERP events.
type Dispatcher struct {
	DB        *store.DB
	Connector integration.Connector
	Log       *slog.Logger

	Interval    time.Duration // the ticker fallback; wake-ups on commit come at once
	MaxAttempts int           // attempts before a message is dead
	Backoff     time.Duration // the first retry's delay; each next one doubles, plus jitter
	Lease       time.Duration // how long a claimed message is left alone
	// PollInterval is how often the ERP's events are polled; zero polls at
	// every step. With events pushed by webhook (Receive), polling is the
	// fallback and may be slow.
	PollInterval time.Duration

	lastPoll time.Time // when poll last ran; Run's goroutine only
}

func (d *Dispatcher) interval() time.Duration { return or(d.Interval, DefaultInterval) }
func (d *Dispatcher) backoff() time.Duration  { return or(d.Backoff, DefaultBackoff) }
func (d *Dispatcher) lease() time.Duration    { return or(d.Lease, DefaultLease) }

func (d *Dispatcher) maxAttempts() int {
	if d.MaxAttempts <= 0 {
		return DefaultMaxAttempts
	}
	return d.MaxAttempts
}

func or(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log == nil {
		return slog.Default()
	}
	return d.Log
}

// Run delivers due messages and applies events until ctx is cancelled. It
// wakes when a transaction that wrote a message commits, and at each tick.
func (d *Dispatcher) Run(ctx context.Context) error {
	ctx = millwright.WithPrincipal(ctx, millwright.System)
	t := time.NewTicker(d.interval())
	defer t.Stop()
	for {
		switch err := d.Step(ctx); {
		case err == nil || ctx.Err() != nil:
		case errors.Is(err, integration.ErrUnavailable):
			d.log().Warn("integration dispatch: the ERP is unavailable", "err", err)
		default:
			d.log().Error("integration dispatch", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-d.DB.Wake():
		case <-t.C:
		}
	}
}

// Step delivers every message that is due, then reads the ERP's new
// events and applies what is waiting.
func (d *Dispatcher) Step(ctx context.Context) error {
	for {
		n, err := d.deliverDue(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	var pollErr error
	if now := time.Now(); d.PollInterval <= 0 || now.Sub(d.lastPoll) >= d.PollInterval {
		if pollErr = d.poll(ctx); pollErr == nil {
			d.lastPoll = now
		}
	}
	// Events a webhook recorded wait here too, whether or not the poll
	// reached the ERP.
	if err := d.applyWaiting(ctx); err != nil {
		return err
	}
	return pollErr
}

// deliverDue claims a batch of due messages and sends each; it returns how
// many it claimed, or 0 when the connector said the ERP is unavailable:
// the rest of the batch is then put back untried, for a later step.
func (d *Dispatcher) deliverDue(ctx context.Context) (int, error) {
	var ms []integration.OutboxMessage
	err := d.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		ms, err = tx.ClaimMessages(ctx, batch, d.lease())
		return err
	})
	if err != nil {
		return 0, err
	}
	for i := range ms {
		unavailable, err := d.deliver(ctx, &ms[i])
		if err != nil {
			return len(ms), err
		}
		if unavailable {
			return 0, d.putBack(ctx, ms[i+1:])
		}
	}
	return len(ms), nil
}

// putBack returns claimed messages that were not tried: their attempt
// does not count, and they are due again after the first backoff.
func (d *Dispatcher) putBack(ctx context.Context, ms []integration.OutboxMessage) error {
	if len(ms) == 0 {
		return nil
	}
	return d.DB.InTx(ctx, func(tx *store.Tx) error {
		for i := range ms {
			ms[i].Attempts = max(ms[i].Attempts-1, 0)
			ms[i].NextAttemptAt = tx.Now().Add(d.backoff())
			if err := tx.SaveOutboxMessage(ctx, &ms[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// deliver sends one claimed message and records the outcome. It reports
// whether the connector refused it untried, the ERP being unavailable.
func (d *Dispatcher) deliver(ctx context.Context, m *integration.OutboxMessage) (bool, error) {
	events, sendErr := d.Connector.Send(ctx, m.Message)
	if ctx.Err() != nil {
		return false, ctx.Err() // the lease runs out and the message goes again
	}
	unavailable := errors.Is(sendErr, integration.ErrUnavailable)
	err := d.DB.InTx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		switch kind := millwright.ErrorKind(sendErr); {
		case sendErr == nil:
			m.Status, m.LastError, m.DeliveredAt = integration.StatusDelivered, "", &now
		case kind == millwright.Invalid || kind == millwright.Rule || kind == millwright.Conflict:
			m.Status, m.LastError = integration.StatusFailed, sendErr.Error()+"; "+fix(m.ID, sendErr)
			if err := blockLines(ctx, tx, m, sendErr); err != nil {
				return err
			}
		case unavailable:
			// Not tried: the connector knows the ERP is down. The attempt
			// does not count, and the message waits for the next probe.
			m.Attempts = max(m.Attempts-1, 0)
			m.LastError, m.NextAttemptAt = sendErr.Error(), now.Add(d.backoff())
		case m.Attempts >= d.maxAttempts():
			m.Status, m.LastError = integration.StatusDead, sendErr.Error()
		default:
			m.LastError, m.NextAttemptAt = sendErr.Error(), now.Add(d.retryDelay(m.Attempts))
		}
		if err := tx.SaveOutboxMessage(ctx, m); err != nil {
			return err
		}
		if err := tx.Audit(ctx, "integration_message", m.ID, "deliver", nil, map[string]any{
			"status": m.Status, "attempts": m.Attempts, "last_error": m.LastError}); err != nil {
			return err
		}
		// The events the ERP answered are recorded and applied with the
		// delivery, in one transaction: one commit fewer per event on the
		// dispatcher's path (they do not move the polling position: ERP
		// users' events before them may not have been polled yet).
		for _, ev := range events {
			if sendErr != nil {
				break
			}
			if fresh, err := tx.RecordEvent(ctx, ev); err != nil {
				return err
			} else if fresh {
				if err := applyOne(ctx, tx, ev); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if unavailable {
		return true, nil // the connector has said why; no log line per message
	}
	if sendErr != nil {
		d.log().Warn("integration message not delivered", "id", m.ID, "kind", m.Kind, "attempts", m.Attempts,
			"status", m.Status, "err", sendErr)
		return false, nil
	}
	return false, nil
}

// retryDelay is the wait before attempt n+1: Backoff doubled per attempt,
// at most an hour, plus up to half again of jitter so that retries of many
// messages spread out.
func (d *Dispatcher) retryDelay(attempts int) time.Duration {
	delay := d.backoff()
	for i := 1; i < attempts && delay < time.Hour; i++ {
		delay *= 2
	}
	delay = min(delay, time.Hour)
	return delay + time.Duration(rand.Int64N(int64(delay)/2+1))
}

// blockLines shows why the ERP refused a requisition on the material
// lines it asked for.
func blockLines(ctx context.Context, tx *store.Tx, m *integration.OutboxMessage, cause error) error {
	if m.Kind != string(integration.KindRequisitionRequest) {
		return nil
	}
	reason := workorder.RefusedByERP + ": " + message(cause) + "; " + fix(m.ID, cause)
	for _, id := range m.MaterialLineIDs {
		if err := setLine(ctx, tx, id, "procurement_refused", func(l *workorder.Material) {
			l.ProcurementStatus, l.BlockedReason = workorder.ProcurementBlocked, "part "+l.PartNumber+": "+reason
		}); err != nil && millwright.ErrorKind(err) != millwright.NotFound {
			return err
		}
	}
	return nil
}

// message is the sentence of a Millwright error, or the error's text.
func message(err error) string {
	if e, ok := err.(*millwright.Error); ok {
		return e.Message
	}
	return err.Error()
}

// poll reads the ERP's events after the last one seen and applies them.
func (d *Dispatcher) poll(ctx context.Context) error {
	for {
		var after int64
		err := d.DB.View(ctx, func(tx *store.Tx) error {
			v, err := tx.IntegrationState(ctx, lastSeqKey)
			if err != nil || v == "" {
				return err
			}
			after, err = strconv.ParseInt(v, 10, 64)
			return err
		})
		if err != nil {
			return err
		}
		events, err := d.Connector.Events(ctx, after, batch)
		if err != nil {
			return err
		}
		if err := d.apply(ctx, events); err != nil {
			return err
		}
		if len(events) < batch {
			return nil
		}
	}
}
