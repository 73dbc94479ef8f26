package remote_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

const secret = "test-secret-of-the-connector"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func mustClient(t *testing.T, base, secret string) *remote.Client {
	t.Helper()
	c, err := remote.NewClient(base, secret)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func itemMessage(t *testing.T, key, code string) integration.Message {
	t.Helper()
	m, err := integration.NewMessage(key, "site_1", "NORTH", "pat", time.Now(),
		integration.ItemMaster{ERPItemCode: code, Description: "Bearing", Unit: "EA", StockType: "direct", Vendor: "SKF", Price: millwright.MustMoney("12.50")})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The client and the ERP-side handler over the embedded ERP: a message is
// applied once per key, a refusal keeps its kind, events read back in
// order, and a wrong secret is refused.
func TestClientAndHandler(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		srv := httptest.NewServer(remote.Handler(erp.New(db), secret, quiet))
		defer srv.Close()
		c := mustClient(t, srv.URL, secret)

		m := itemMessage(t, "item:BRG-1", "BRG-1")
		first, err := c.Send(ctx, m)
		if err != nil || len(first) != 1 || first[0].Kind != integration.EventItemChanged {
			t.Fatalf("Send = %+v, %v; want one item_changed event", first, err)
		}
		again, err := c.Send(ctx, m)
		if err != nil || len(again) != 1 || again[0].Seq != first[0].Seq {
			t.Fatalf("Send again = %+v, %v; want the first answer (seq %d) again", again, err, first[0].Seq)
		}
		other := itemMessage(t, "item:BRG-1", "BRG-2")
		if _, err := c.Send(ctx, other); millwright.ErrorKind(err) != millwright.Conflict || millwright.ErrorCode(err) != "idempotency_key_reused" {
			t.Fatalf("Send with a reused key = %v; want Conflict idempotency_key_reused", err)
		}
		bad := m
		bad.IdempotencyKey, bad.Kind = "bad:1", "teleport"
		if _, err := c.Send(ctx, bad); millwright.ErrorKind(err) != millwright.Invalid {
			t.Fatalf("Send of an unknown kind = %v; want Invalid", err)
		}
		req := itemMessage(t, "req:1", "")
		req.Kind, req.Payload = integration.KindRequisitionRequest, json.RawMessage(`{"priority":3,"lines":[{"erp_item_code":"NOPE","quantity":1,"unit":"EA","estimated_unit_price":"1.00"}]}`)
		_, err = c.Send(ctx, req)
		if k := millwright.ErrorKind(err); k != millwright.Rule && k != millwright.Invalid {
			t.Fatalf("Send of a requisition for an unknown item = %v; want Rule or Invalid", err)
		}
		if _, err := c.Send(ctx, itemMessage(t, "item:BRG-3", "BRG-3")); err != nil {
			t.Fatal(err)
		}
		evs, err := c.Events(ctx, 0, 10)
		if err != nil || len(evs) != 2 || evs[0].Seq >= evs[1].Seq {
			t.Fatalf("Events(0, 10) = %+v, %v; want two events in order", evs, err)
		}
		if evs, err := c.Events(ctx, evs[0].Seq, 10); err != nil || len(evs) != 1 {
			t.Fatalf("Events(after the first) = %+v, %v; want one", evs, err)
		}

		if b, err := c.Balances(ctx); err != nil || b == nil || b.At.IsZero() {
			t.Fatalf("Balances = %+v, %v; want the ERP's balances as of now", b, err)
		}

		wrong := mustClient(t, srv.URL, "not-the-secret")
		if _, err := wrong.Balances(ctx); millwright.ErrorKind(err) != millwright.Unauthorized {
			t.Fatalf("Balances with a wrong secret = %v; want Unauthorized", err)
		}
		if _, err := wrong.Send(ctx, itemMessage(t, "item:X", "X")); millwright.ErrorKind(err) != millwright.Unauthorized {
			t.Fatalf("Send with a wrong secret = %v; want Unauthorized", err)
		}
		if _, err := wrong.Events(ctx, 0, 1); millwright.ErrorKind(err) != millwright.Unauthorized {
			t.Fatalf("Events with a wrong secret = %v; want Unauthorized", err)
		}
		stale := mustClient(t, srv.URL, secret)
		stale.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) }
		if _, err := stale.Events(ctx, 0, 1); millwright.ErrorCode(err) != "stale_signature" {
			t.Fatalf("Events signed 10 minutes ago = %v; want stale_signature", err)
		}
		// A GET signs its URI: a signature for one query does not read another.
		r, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+remote.EventsPath+"?after=0&limit=1000", nil)
		r.Header.Set(remote.SignatureHeader, remote.Sign(secret, time.Now(), []byte(remote.EventsPath+"?after=0&limit=1")))
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET with another URI's signature = %d; want 401", res.StatusCode)
		}
	})
}

// Errors: 5xx, a timeout and no answer at all may be retried (no
// millwright kind); 400, 409 and 422 keep their kinds.
func TestClientErrorKinds(t *testing.T) {
	status := atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := int(status.Load())
		if s == 0 {
			time.Sleep(300 * time.Millisecond)
			s = 200
		}
		w.WriteHeader(s)
		io.WriteString(w, `{"error":{"code":"some_code","message":"what is wrong"}}`)
	}))
	defer srv.Close()
	for _, tt := range []struct {
		status int
		want   millwright.Kind
	}{
		{400, millwright.Invalid}, {409, millwright.Conflict}, {422, millwright.Rule}, {401, millwright.Unauthorized},
		{500, 0}, {503, 0}, {429, 0},
		{0, 0}, // a timeout
	} {
		status.Store(int32(tt.status))
		c := mustClient(t, srv.URL, secret)
		c.HTTP.Timeout = 100 * time.Millisecond
		_, err := c.Send(t.Context(), itemMessage(t, "k", "X"))
		if err == nil || millwright.ErrorKind(err) != tt.want {
			t.Errorf("answer %d: Send = %v (kind %d); want an error of kind %d", tt.status, err, millwright.ErrorKind(err), tt.want)
		}
		if tt.want != 0 && millwright.ErrorCode(err) != "some_code" {
			t.Errorf("answer %d: code = %q; want the ERP's some_code", tt.status, millwright.ErrorCode(err))
		}
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if _, err := mustClient(t, "http://"+addr, secret).Send(t.Context(), itemMessage(t, "k", "X")); err == nil || millwright.ErrorKind(err) != 0 {
		t.Errorf("Send to a closed port = %v; want a retryable error", err)
	}
	if _, err := remote.NewClient("ftp://x", secret); millwright.ErrorKind(err) != millwright.Invalid {
		t.Errorf("NewClient(ftp://x) = %v; want Invalid", err)
	}
}

// With the ERP down, the breaker lets one probe through per interval
// instead of every send; once the ERP is back, the next probe closes it.
func TestBreakerProbesOncePerInterval(t *testing.T) {
	var hits atomic.Int32
	var down atomic.Bool
	down.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"events":[]}`)
	}))
	defer srv.Close()
	c := mustClient(t, srv.URL, secret)
	c.Breaker = &remote.Breaker{Threshold: 3, Interval: 100 * time.Millisecond}
	start := time.Now()
	var unavailable int
	for time.Since(start) < 550*time.Millisecond {
		_, err := c.Send(t.Context(), itemMessage(t, "k", "X"))
		if errors.Is(err, integration.ErrUnavailable) {
			unavailable++
		}
		time.Sleep(time.Millisecond)
	}
	// 3 to open, then one probe per 100 ms: about 8; never hundreds.
	if n := hits.Load(); n < 4 || n > 10 {
		t.Fatalf("the ERP got %d requests in 550 ms of sending; want 3 plus about one probe per 100 ms", n)
	}
	if unavailable < 100 || !c.Breaker.Open() {
		t.Fatalf("%d sends failed fast (open %v); want most of them", unavailable, c.Breaker.Open())
	}
	down.Store(false)
	time.Sleep(120 * time.Millisecond)
	if _, err := c.Send(t.Context(), itemMessage(t, "k", "X")); err != nil || c.Breaker.Open() {
		t.Fatalf("Send after the ERP came back = %v (open %v); want the probe to close the breaker", err, c.Breaker.Open())
	}
}

// The pusher sends every event once accepted, in order, signed, retrying a
// webhook that fails; a new pusher over the same database goes on from
// where the last one stopped.
func TestPusher(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		var (
			mu       sync.Mutex
			got      []int64
			failures = 2
		)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := remote.Verify(secret, r.Header.Get(remote.SignatureHeader), body, time.Now()); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if failures > 0 {
				failures--
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			var in struct{ Events []integration.Event }
			json.Unmarshal(body, &in)
			for _, e := range in.Events {
				got = append(got, e.Seq)
			}
		}))
		defer hook.Close()
		log := &eventLog{}
		log.add(7)
		p := &remote.Pusher{Log: log, DB: db, URL: hook.URL, Secret: secret, Logger: quiet, Batch: 3,
			Interval: 10 * time.Millisecond, MinBackoff: 5 * time.Millisecond}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		waitFor(t, "7 events pushed", func() bool { pos, _ := p.Position(t.Context()); return pos == 7 })
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run = %v", err)
		}
		log.add(2)
		p2 := &remote.Pusher{Log: log, DB: db, URL: hook.URL, Secret: secret, Logger: quiet, Interval: 10 * time.Millisecond}
		ctx, cancel = context.WithCancel(t.Context())
		go func() { done <- p2.Run(ctx) }()
		waitFor(t, "9 events pushed", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 9 })
		time.Sleep(50 * time.Millisecond)
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for i, s := range got {
			if s != int64(i+1) {
				t.Fatalf("pushed %v; want 1…9 once each, in order", got)
			}
		}
		if pos, _ := p2.Position(t.Context()); pos != 9 {
			t.Fatalf("position = %d; want 9", pos)
		}
	})
}

type eventLog struct {
	mu     sync.Mutex
	events []integration.Event
}

func (l *eventLog) add(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range n {
		seq := int64(len(l.events) + 1)
		l.events = append(l.events, integration.Event{Seq: seq, Kind: integration.EventItemChanged, DocumentKey: "item:X",
			At: time.Now(), Payload: json.RawMessage(`{}`)})
	}
}

func (l *eventLog) Events(_ context.Context, after int64, limit int) ([]integration.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []integration.Event
	for _, e := range l.events {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
