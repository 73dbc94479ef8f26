package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
)

// EventLog is where a Pusher reads the ERP's events: the Events half of
// an integration.Connector.
type EventLog interface {
	Events(ctx context.Context, after int64, limit int) ([]integration.Event, error)
}

// Pusher pushes an ERP's new events to the CMMS's webhook
// (POST /api/v1/integration/webhooks/{connector}), signed, in batches in
// sequence order. It remembers in DB the last sequence number the webhook
// accepted, so a restart goes on from there; an answer that is not 2xx,
// or none, is retried with exponential backoff, never skipped. The CMMS
// ignores an event it has seen, so a batch sent twice does no harm.
type Pusher struct {
	Log    EventLog  // the ERP's event log
	DB     *store.DB // keeps the position
	URL    string    // the CMMS webhook
	Secret string
	HTTP   *http.Client
	Logger *slog.Logger
	Wake   <-chan struct{} // signalled when the ERP commits events; may be nil

	Interval   time.Duration // how often the event log is read when nothing wakes; default 250 ms
	Batch      int           // events per request; default 100
	MinBackoff time.Duration // first retry delay; default 250 ms, doubled up to MaxBackoff
	MaxBackoff time.Duration // default 30 s
	Now        func() time.Time
}

func (p *Pusher) key() string { return "webhook_pushed_seq " + p.URL }

func (p *Pusher) batch() int {
	if p.Batch <= 0 {
		return 100
	}
	return p.Batch
}

func (p *Pusher) logger() *slog.Logger {
	if p.Logger == nil {
		return slog.Default()
	}
	return p.Logger
}

// Run pushes events until ctx is cancelled.
func (p *Pusher) Run(ctx context.Context) error {
	interval, minB, maxB := p.Interval, p.MinBackoff, p.MaxBackoff
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	if minB <= 0 {
		minB = 250 * time.Millisecond
	}
	if maxB <= 0 {
		maxB = 30 * time.Second
	}
	var backoff time.Duration
	for {
		n, err := p.Push(ctx)
		wait := interval
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			backoff = min(max(backoff*2, minB), maxB)
			wait = backoff + time.Duration(rand.Int64N(int64(backoff)/4+1))
			p.logger().Warn("webhook push failed; retrying", "url", p.URL, "in", wait.Round(time.Millisecond), "err", err)
		case n == p.batch():
			backoff = 0
			continue // more are waiting
		default:
			backoff = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-p.Wake:
			if err != nil { // a wake-up does not cut a backoff short
				select {
				case <-ctx.Done():
				case <-t.C:
				}
			}
		case <-t.C:
		}
		t.Stop()
	}
}

// Position returns the last sequence number the webhook accepted.
func (p *Pusher) Position(ctx context.Context) (int64, error) {
	var after int64
	err := p.DB.View(ctx, func(tx *store.Tx) error {
		v, err := tx.IntegrationState(ctx, p.key())
		if err != nil || v == "" {
			return err
		}
		after, err = strconv.ParseInt(v, 10, 64)
		return err
	})
	return after, err
}

// Push sends the next batch of events, if any, and moves the position past
// it once the webhook accepted it. It returns how many it pushed.
func (p *Pusher) Push(ctx context.Context) (int, error) {
	after, err := p.Position(ctx)
	if err != nil {
		return 0, err
	}
	events, err := p.Log.Events(ctx, after, p.batch())
	if err != nil || len(events) == 0 {
		return 0, err
	}
	if err := p.post(ctx, events); err != nil {
		return 0, err
	}
	// Accepted is accepted: the position moves even if ctx ends meanwhile.
	last, ctx := events[len(events)-1].Seq, context.WithoutCancel(ctx)
	err = p.DB.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetIntegrationState(ctx, p.key(), strconv.FormatInt(last, 10))
	})
	return len(events), err
}

func (p *Pusher) post(ctx context.Context, events []integration.Event) error {
	body, err := json.Marshal(map[string]any{"events": events})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(p.Secret, now, body))
	req.Header.Set("Idempotency-Key", fmt.Sprintf("events-%d-%d", events[0].Seq, events[len(events)-1].Seq))
	c := p.HTTP
	if c == nil {
		c = &http.Client{Timeout: DefaultTimeout}
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s answered %s: %s", req.URL.Redacted(), res.Status, snippet(b))
	}
	return nil
}
