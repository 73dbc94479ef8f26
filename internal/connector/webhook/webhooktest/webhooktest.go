// Package webhooktest is a small counterpart of the webhook connector for
// tests: an httptest server that verifies each message's signature,
// applies it once per idempotency key to an embedded ERP over its own
// database, answers the events inline, and pushes the ERP's events to the
// CMMS's webhook — with knobs for the faults a real integration platform
// shows: down for a while, 5xx and Retry-After, answers lost after the
// apply, events duplicated and out of order.
package webhooktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Counterpart is the endpoint a webhook connector posts to.
type Counterpart struct {
	Secret string
	ERP    *erp.ERP
	DB     *store.DB // the ERP's own database
	Server *httptest.Server
	// Webhook is the CMMS's webhook the ERP's events are pushed to:
	// …/api/v1/integration/webhooks/webhook. Empty: nothing is pushed.
	Webhook string

	mu         sync.Mutex
	down       bool
	fail       int // the next fail message requests answer failStatus
	failStatus int
	retryAfter string
	lose       int // the next lose applied messages lose their answer
	noInline   bool
	duplicate  bool
	shuffle    bool

	dropped    int            // requests hung up on while down
	requests   int            // signed message requests, pings excluded
	deliveries map[string]int // per idempotency key, answered or not
	applied    map[string]bool
	pushed     int64 // the last seq the webhook accepted
	pushes     int
	pushedDup  []integration.Event // the last batch, sent again when duplicating
}

// New starts a counterpart over an embedded ERP in db, verifying signatures
// with secret. Close it with Close (or t.Cleanup(c.Close)).
func New(db *store.DB, secret string) *Counterpart {
	c := &Counterpart{Secret: secret, DB: db, ERP: erp.New(db), deliveries: map[string]int{}, applied: map[string]bool{}}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	return c
}

// URL is where messages go: the webhook connector's url.
func (c *Counterpart) URL() string { return c.Server.URL + "/millwright/messages" }

// EventsURL answers polls: the webhook connector's events_url.
func (c *Counterpart) EventsURL() string { return c.Server.URL + "/millwright/events" }

// BalancesURL answers the ERP's balances: the webhook connector's balances_url.
func (c *Counterpart) BalancesURL() string { return c.Server.URL + "/millwright/balances" }

// Close stops the server.
func (c *Counterpart) Close() { c.Server.Close() }

// SetDown makes every request fail with no answer (the connection is
// closed) while down is true.
func (c *Counterpart) SetDown(down bool) { c.mu.Lock(); c.down = down; c.mu.Unlock() }

// Fail makes the next n message requests answer status, with the header
// Retry-After: retryAfter when it is not empty, without applying them.
func (c *Counterpart) Fail(n, status int, retryAfter string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail, c.failStatus, c.retryAfter = n, status, retryAfter
}

// LoseAnswers makes the next n messages be applied and their answer lost:
// the connection closes before the 2xx is written.
func (c *Counterpart) LoseAnswers(n int) { c.mu.Lock(); c.lose = n; c.mu.Unlock() }

// SetInline says whether a 2xx answer carries the events (the default)
// or leaves them to the push.
func (c *Counterpart) SetInline(inline bool) { c.mu.Lock(); c.noInline = !inline; c.mu.Unlock() }

// SetPushFaults makes the push send each batch again later (duplicate) and
// send a batch's second half before its first, each half shuffled
// (shuffle).
func (c *Counterpart) SetPushFaults(duplicate, shuffle bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.duplicate, c.shuffle = duplicate, shuffle
}

// Stats is what the counterpart saw.
type Stats struct {
	Dropped    int // requests hung up on while it was down
	Requests   int // signed message requests that reached it (pings excluded)
	Deliveries int // of those, the ones handed to the ERP
	Applied    int // distinct idempotency keys the ERP applied
	Repeats    int // deliveries of a key already applied: absorbed by the key
	Pushes     int // webhook posts the CMMS accepted
}

// Stats returns the counts so far.
func (c *Counterpart) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Dropped: c.dropped, Requests: c.requests, Applied: len(c.applied), Pushes: c.pushes}
	for _, n := range c.deliveries {
		s.Deliveries += n
	}
	s.Repeats = s.Deliveries - s.Applied
	return s
}

// Deliveries returns how many times the message with key was handed to the ERP.
func (c *Counterpart) Deliveries(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deliveries[key]
}

func (c *Counterpart) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	c.mu.Lock()
	down := c.down
	c.mu.Unlock()
	if down {
		c.mu.Lock()
		c.dropped++
		c.mu.Unlock()
		hangUp(w)
		return
	}
	signed := body
	if r.Method == http.MethodGet {
		signed = []byte(r.URL.RequestURI())
	}
	if err := remote.Verify(c.Secret, r.Header.Get(remote.SignatureHeader), signed, time.Now()); err != nil {
		writeError(w, http.StatusUnauthorized, err)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/millwright/events":
		after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		evs, err := c.ERP.Events(r.Context(), after, max(min(limit, 500), 1))
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"events": evs})
		return
	case r.Method == http.MethodGet && r.URL.Path == "/millwright/balances":
		b, err := c.ERP.Balances(r.Context())
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		writeJSON(w, http.StatusOK, b)
		return
	case r.Method != http.MethodPost || r.URL.Path != "/millwright/messages":
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{"code": "not_found", "message": "post messages to /millwright/messages"}})
		return
	}
	var m integration.Message
	if err := json.Unmarshal(body, &m); err != nil {
		writeError(w, http.StatusBadRequest, millwright.Errorf(millwright.Invalid, "bad_json", "the body is not a message: %v", err))
		return
	}
	if m.Kind == "ping" {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	if m.IdempotencyKey != r.Header.Get("Idempotency-Key") {
		writeError(w, http.StatusBadRequest, millwright.Errorf(millwright.Invalid, "bad_key", "the Idempotency-Key header must repeat the message's idempotency_key"))
		return
	}
	c.mu.Lock()
	c.requests++
	if c.fail > 0 {
		c.fail--
		status, ra := c.failStatus, c.retryAfter
		c.mu.Unlock()
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		writeJSON(w, status, map[string]any{"error": map[string]string{"code": "try_later", "message": "the platform is busy"}})
		return
	}
	c.deliveries[m.IdempotencyKey]++
	c.mu.Unlock()
	// The embedded ERP applies each key once and answers a repeat with
	// the first application's events: the contract's idempotency.
	events, err := c.ERP.Send(r.Context(), m)
	if err != nil {
		status := map[millwright.Kind]int{millwright.Invalid: 400, millwright.Conflict: 409, millwright.Rule: 422}[millwright.ErrorKind(err)]
		if status == 0 {
			status = http.StatusInternalServerError
		}
		writeError(w, status, err)
		return
	}
	c.mu.Lock()
	c.applied[m.IdempotencyKey] = true
	lose := c.lose > 0
	if lose {
		c.lose--
	}
	inline := !c.noInline
	c.mu.Unlock()
	if lose {
		hangUp(w)
		return
	}
	if !inline {
		events = []integration.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	code, msg := "internal", err.Error()
	if e, ok := err.(*millwright.Error); ok {
		code, msg = e.Code, e.Message
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// Run pushes the ERP's events to Webhook every interval until ctx ends.
func (c *Counterpart) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		_, _ = c.Push(ctx) // a failed push is tried again at the next tick
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Push sends the events after the last accepted one (at most 100) to
// Webhook, with the faults set, and returns how many it sent.
func (c *Counterpart) Push(ctx context.Context) (int, error) {
	if c.Webhook == "" {
		return 0, nil
	}
	c.mu.Lock()
	after, dup, shuffle, again := c.pushed, c.duplicate, c.shuffle, c.pushedDup
	c.mu.Unlock()
	events, err := c.ERP.Events(ctx, after, 100)
	if err != nil || len(events) == 0 {
		if dup && len(again) > 0 { // the last batch once more, late
			if err := c.post(ctx, again); err == nil {
				c.mu.Lock()
				c.pushedDup = nil
				c.mu.Unlock()
			}
		}
		return 0, err
	}
	batches := [][]integration.Event{events}
	if shuffle && len(events) > 1 {
		first, second := slices.Clone(events[:len(events)/2]), slices.Clone(events[len(events)/2:])
		rand.Shuffle(len(first), func(i, j int) { first[i], first[j] = first[j], first[i] })
		rand.Shuffle(len(second), func(i, j int) { second[i], second[j] = second[j], second[i] })
		batches = [][]integration.Event{second, first}
	}
	for _, b := range batches {
		if dup {
			b = append(b, b[:(len(b)+1)/2]...) // some twice in one post too
		}
		if err := c.post(ctx, b); err != nil {
			return 0, err
		}
	}
	c.mu.Lock()
	c.pushed = events[len(events)-1].Seq
	if dup {
		c.pushedDup = events
	}
	c.mu.Unlock()
	return len(events), nil
}

func (c *Counterpart) post(ctx context.Context, events []integration.Event) error {
	body, err := json.Marshal(map[string]any{"events": events})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(remote.SignatureHeader, remote.Sign(c.Secret, time.Now(), body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s answered %s: %s", c.Webhook, res.Status, b)
	}
	c.mu.Lock()
	c.pushes++
	c.mu.Unlock()
	return nil
}
