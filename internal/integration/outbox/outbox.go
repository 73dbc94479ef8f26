// Package outbox delivers the CMMS's outbox to the ERP and applies the
// ERP's events back to the work orders.
//
// The Dispatcher claims due messages (leased, so a second dispatcher or a
// restart after a crash does not send one twice at once; on PostgreSQL the
// claim skips rows another process holds, so several processes share the
// work), requisitions first. A claim holds at most one message per work
// order and per order key, so its messages are sent at the same time, up
// to Concurrency (or in one call to a connector that takes a batch: the
// embedded ERP applies a claim in one transaction), and order per
// document holds. Each is sent through the Connector with its idempotency
// key, and the outcomes of a claim are
// recorded in one transaction (each in its own when that one fails):
// delivered;
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
	"sync"
	"sync/atomic"
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
	DefaultLease       = 20 * time.Second
	DefaultConcurrency = 8
	DefaultWorkers     = 4
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
	// Lease is how long a claimed message is left alone: renewed every
	// third of it while its send runs, so a slow ERP is not sent it twice,
	// and run out within it when the process holding it dies.
	Lease       time.Duration
	Concurrency int // messages sent at once; DefaultConcurrency when zero
	// Workers is how many claims Run delivers at the same time, beside
	// its requisition lane. Zero: DefaultWorkers for the embedded ERP on
	// PostgreSQL, whose batches settle their numbers at their end and so
	// run side by side; one otherwise (SQLite has a single writer, and a
	// remote connector sends a claim's messages at once already).
	Workers int
	// PollInterval is how often the ERP's events are polled; zero polls at
	// every step. With events pushed by webhook (Receive), polling is the
	// fallback and may be slow.
	PollInterval time.Duration

	// polling is held by each delivery in flight but a requisition's
	// (read) and while polled or waiting events are applied (write): the
	// ERP's stock level is applied against the stock movements not yet
	// delivered (syncStock), so an event must not be applied while a
	// message the ERP has applied is not yet recorded as delivered. A
	// requisition moves no stock.
	polling    sync.RWMutex
	lastPoll   time.Time   // when poll last ran; Run's goroutine only
	heldLogged atomic.Bool // whether messages held back by an unavailable ERP were logged since the last delivery
}

func (d *Dispatcher) interval() time.Duration { return or(d.Interval, DefaultInterval) }
func (d *Dispatcher) backoff() time.Duration  { return or(d.Backoff, DefaultBackoff) }
func (d *Dispatcher) lease() time.Duration    { return or(d.Lease, DefaultLease) }

func (d *Dispatcher) concurrency() int {
	if d.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return d.Concurrency
}

func (d *Dispatcher) workers() int {
	switch _, batches := d.Connector.(integration.BatchSender); {
	case d.Workers > 0:
		return d.Workers
	case batches && d.DB.Engine == store.Postgres:
		return DefaultWorkers
	}
	return 1
}

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
//
// Messages go out in lanes that run at the same time: one for
// requisitions only, so that a release's request never waits behind a
// claim of labor postings in flight, and Workers for every kind (on
// PostgreSQL they share the outbox as several processes do, each claim
// skipping the rows another holds). One more lane polls the ERP's events
// and applies what waits, between the other kinds' deliveries (polling).
func (d *Dispatcher) Run(ctx context.Context) error {
	ctx = millwright.WithPrincipal(ctx, millwright.System)
	lanes := []func(){func() { d.deliverAll(ctx, lane{requisitionsOnly: true}) }}
	workers := d.workers()
	for range workers {
		lanes = append(lanes, func() { d.deliverAll(ctx, lane{share: workers}) })
	}
	lanes = append(lanes, func() { d.report(ctx, d.events(ctx)) })
	wakes := make([]chan struct{}, len(lanes))
	var wg sync.WaitGroup
	for i, run := range lanes {
		wakes[i] = make(chan struct{}, 1)
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-wakes[i]:
				}
				run()
			}
		})
	}
	defer wg.Wait()
	t := time.NewTicker(d.interval())
	defer t.Stop()
	for {
		for _, w := range wakes {
			select {
			case w <- struct{}{}:
			default: // that lane has a wake-up waiting already
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-d.DB.Wake():
		case <-t.C:
		}
	}
}

// deliverAll delivers what is due in lane until nothing is.
func (d *Dispatcher) deliverAll(ctx context.Context, l lane) {
	for ctx.Err() == nil {
		n, err := d.deliverDue(ctx, l)
		d.report(ctx, err)
		if err != nil || n == 0 {
			return
		}
	}
}

// report logs an error of a step, once the ERP's unavailability as a
// warning.
func (d *Dispatcher) report(ctx context.Context, err error) {
	switch {
	case err == nil || ctx.Err() != nil:
	case errors.Is(err, integration.ErrUnavailable):
		d.log().Warn("integration dispatch: the ERP is unavailable", "err", err)
	default:
		d.log().Error("integration dispatch", "err", err)
	}
}

// lane is which messages a claim takes: requisitions only, or
// requisitions first and then every kind, from one share-th of the work
// orders that have messages due (store.Tx.ClaimRuns).
type lane struct {
	requisitionsOnly bool
	share            int
}

// Step delivers every message that is due, then reads the ERP's new
// events and applies what is waiting.
func (d *Dispatcher) Step(ctx context.Context) error {
	for {
		n, err := d.deliverDue(ctx, lane{share: 1})
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	return d.events(ctx)
}

// events polls the ERP's new events when a poll is due and applies those
// waiting.
func (d *Dispatcher) events(ctx context.Context) error {
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

// deliverDue claims a batch of due messages, sends them at the same time
// (up to Concurrency; a claim never holds two messages of one work order
// or order key) and records their outcomes together. It returns how many
// it claimed, or 0 when the connector said the ERP is unavailable, so
// that the step waits for the next probe.
func (d *Dispatcher) deliverDue(ctx context.Context, l lane) (int, error) {
	if !l.requisitionsOnly {
		d.polling.RLock()
		defer d.polling.RUnlock()
	}
	if l.requisitionsOnly {
		var due bool
		// One statement: no read transaction around it (two round trips
		// more on PostgreSQL, at every wake-up of the lane).
		if err := d.DB.Lookup(ctx, func(tx *store.Tx) (err error) { due, err = tx.RequisitionsDue(ctx); return err }); err != nil || !due {
			return 0, err
		}
	}
	var ms []integration.OutboxMessage
	_, runs := d.Connector.(integration.BatchSender)
	err := d.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		switch {
		case l.requisitionsOnly:
			ms, err = tx.ClaimRequisitions(ctx, batch, d.lease())
		case runs:
			ms, err = tx.ClaimRuns(ctx, batch, l.share, d.lease())
		default:
			ms, err = tx.ClaimMessages(ctx, batch, d.lease())
		}
		return err
	})
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	stop := d.keepLeases(ctx, ms)
	sent := d.send(ctx, ms)
	stop()
	if ctx.Err() != nil {
		return 0, ctx.Err() // the leases run out and the messages go again
	}
	if err := d.record(ctx, ms, sent); err != nil {
		return len(ms), err
	}
	for i := range ms {
		if errors.Is(sent[i].err, integration.ErrUnavailable) {
			return 0, nil // the connector has said why; no log line per message
		}
	}
	return len(ms), nil
}

// keepLeases renews the leases of a claim's messages every third of the
// lease until stop is called, so a send that takes longer than the lease
// is not claimed again by another dispatcher, while the claims of a
// process that died run out within one lease.
func (d *Dispatcher) keepLeases(ctx context.Context, ms []integration.OutboxMessage) (stop func()) {
	ids := make([]string, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(max(d.lease()/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			err := d.DB.InTx(ctx, func(tx *store.Tx) error { return tx.RenewLeases(ctx, ids, d.lease()) })
			if err != nil && ctx.Err() == nil && d.Log != nil {
				d.Log.Warn("integration: renewing the leases of messages being sent", "messages", len(ids), "err", err)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// send sends a claim's messages: in one call to a connector that takes a
// batch (the embedded ERP applies them in one transaction), else at the
// same time, up to Concurrency.
func (d *Dispatcher) send(ctx context.Context, ms []integration.OutboxMessage) []sent {
	out := make([]sent, len(ms))
	if b, ok := d.Connector.(integration.BatchSender); ok {
		msgs := make([]integration.Message, len(ms))
		for i := range ms {
			msgs[i] = ms[i].Message
		}
		events, errs := b.SendBatch(ctx, msgs, func(i int, errs []error) bool { return follows(ms, i, errs) })
		for i := range out {
			out[i] = sent{events[i], errs[i]}
		}
		return out
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, d.concurrency())
	for i := range ms {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			out[i].events, out[i].err = d.Connector.Send(ctx, ms[i].Message)
		})
	}
	wg.Wait()
	return out
}

// follows reports whether message i of a claim must not be tried, given
// the answers to the ones before it: one of its work order or order key
// was not applied, or, for a message other than an item master, an item
// master was not (as ClaimMessages holds everything back while one is
// pending).
func follows(ms []integration.OutboxMessage, i int, errs []error) bool {
	m := &ms[i]
	for j, err := range errs {
		if err == nil {
			continue
		}
		e := &ms[j]
		switch {
		case m.WorkOrderID != "" && e.WorkOrderID == m.WorkOrderID,
			m.OrderKey != "" && e.OrderKey == m.OrderKey,
			m.Kind != string(integration.KindItemMaster) && e.Kind == string(integration.KindItemMaster):
			return true
		}
	}
	return false
}

// sent is what the connector answered to one message.
type sent struct {
	events []integration.Event
	err    error
}

// record records the outcomes of a claim in one transaction; when that
// fails (applying one answer's events, say), each in its own, so that one
// message's trouble holds up no other. It returns the first error.
func (d *Dispatcher) record(ctx context.Context, ms []integration.OutboxMessage, sent []sent) error {
	err := d.DB.InTx(ctx, func(tx *store.Tx) error {
		// The delivered messages are marked so in one statement at the
		// end, unless an answer carries a stock level: that one is applied
		// against the movements not yet delivered (syncStock), so each
		// message's status must be written before its events are applied.
		var delivered []string
		together := true
		for i := range sent {
			for _, ev := range sent[i].events {
				together = together && ev.Kind != integration.EventStockLevelChanged
			}
		}
		for i := range ms {
			m := ms[i] // a copy: a rolled-back outcome leaves ms as claimed
			if together && sent[i].err == nil {
				delivered = append(delivered, m.ID)
			}
			if err := d.outcome(ctx, tx, &m, sent[i], together); err != nil {
				return err
			}
		}
		return tx.MarkDelivered(ctx, delivered)
	})
	if err == nil || len(ms) == 1 {
		d.logFailures(ms, sent, err)
		return err
	}
	var first error
	for i := range ms {
		m := ms[i]
		if err := d.DB.InTx(ctx, func(tx *store.Tx) error { return d.outcome(ctx, tx, &m, sent[i], false) }); err != nil && first == nil {
			first = err
		}
	}
	d.logFailures(ms, sent, first)
	return first
}

// logFailures logs each message the ERP did not take, once recorded, and
// one line for those the connector held back, the ERP being unavailable.
func (d *Dispatcher) logFailures(ms []integration.OutboxMessage, sent []sent, err error) {
	if err != nil {
		return
	}
	var held int
	var why error
	for i := range ms {
		switch e := sent[i].err; {
		case e == nil:
			d.heldLogged.Store(false)
		case errors.Is(e, integration.ErrNotTried):
		case errors.Is(e, integration.ErrUnavailable):
			held, why = held+1, e
		default:
			d.log().Warn("integration message not delivered", "id", ms[i].ID, "kind", ms[i].Kind, "attempts", ms[i].Attempts, "err", e)
		}
	}
	if held > 0 && d.heldLogged.CompareAndSwap(false, true) { // once per outage, not once per step
		d.log().Warn("integration messages not delivered: the ERP is unavailable; they wait for its next probe", "messages", held, "err", why)
	}
}

// outcome records what the connector answered to one claimed message: its
// status, its audit entry, and the events of the answer, applied. With
// marked, a delivered message's status is left to the caller
// (store.Tx.MarkDelivered).
func (d *Dispatcher) outcome(ctx context.Context, tx *store.Tx, m *integration.OutboxMessage, s sent, marked bool) error {
	now := tx.Now()
	sendErr := s.err
	switch kind := millwright.ErrorKind(sendErr); {
	case sendErr == nil:
		m.Status, m.LastError, m.DeliveredAt = integration.StatusDelivered, "", &now
	case kind == millwright.Invalid || kind == millwright.Rule || kind == millwright.Conflict:
		m.Status, m.LastError = integration.StatusFailed, sendErr.Error()+"; "+fix(m.ID, sendErr)
		if err := blockLines(ctx, tx, m, sendErr); err != nil {
			return err
		}
	case errors.Is(sendErr, integration.ErrNotTried):
		// One it follows was not applied: it goes again with that one,
		// and the attempt does not count.
		m.Attempts = max(m.Attempts-1, 0)
		m.NextAttemptAt = now
	case errors.Is(sendErr, integration.ErrUnavailable):
		// Not tried: the connector knows the ERP is down. The attempt
		// does not count, and the message waits for the next probe.
		m.Attempts = max(m.Attempts-1, 0)
		m.LastError, m.NextAttemptAt = sendErr.Error(), now.Add(d.backoff())
	case m.Attempts >= d.maxAttempts():
		m.Status, m.LastError = integration.StatusDead, sendErr.Error()
	default:
		m.LastError, m.NextAttemptAt = sendErr.Error(), now.Add(d.retryDelay(m.Attempts))
	}
	if sendErr != nil || !marked {
		if err := tx.SaveOutboxMessage(ctx, m); err != nil {
			return err
		}
	}
	if err := tx.Audit(ctx, "integration_message", m.ID, "deliver", nil, map[string]any{
		"status": m.Status, "attempts": m.Attempts, "last_error": m.LastError}); err != nil {
		return err
	}
	if sendErr != nil {
		return nil
	}
	// The events the ERP answered are recorded and applied with the
	// delivery, in one transaction: one commit fewer per event on the
	// dispatcher's path (they do not move the polling position: ERP
	// users' events before them may not have been polled yet).
	for _, ev := range s.events {
		if err := recordAndApply(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
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

// applyPolled applies a page of polled events. Most are answers to
// deliveries, recorded already: when all are, the polling position only
// moves past them, and the deliveries in flight go on.
func (d *Dispatcher) applyPolled(ctx context.Context, events []integration.Event) error {
	if len(events) == 0 {
		return nil
	}
	var fresh []integration.Event
	if err := d.DB.View(ctx, func(tx *store.Tx) (err error) {
		fresh, err = tx.UnrecordedEvents(ctx, events)
		return err
	}); err != nil {
		return err
	}
	if len(fresh) == 0 {
		return d.DB.InTx(ctx, func(tx *store.Tx) error { return advance(ctx, tx, lastSeq(events)) })
	}
	d.polling.Lock() // see Dispatcher.polling
	defer d.polling.Unlock()
	return d.apply(ctx, events)
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
		if err := d.applyPolled(ctx, events); err != nil {
			return err
		}
		if len(events) < batch {
			return nil
		}
	}
}
