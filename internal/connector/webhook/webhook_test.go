package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/connector/config"
	"github.com/millwright-cmms/millwright/internal/connector/webhook"
	"github.com/millwright-cmms/millwright/internal/connector/webhook/webhooktest"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

const secret = "webhook-test-secret-3f9a"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// rig is a CMMS (its database, dispatcher and API with the webhook
// route) and a counterpart over an ERP of its own, joined by the webhook
// connector.
type rig struct {
	cmms *store.DB
	cp   *webhooktest.Counterpart
	conn *webhook.Connector
	d    *outbox.Dispatcher
	api  *httptest.Server
}

func mustRig(t *testing.T, e store.Engine, s webhook.Settings) *rig {
	t.Helper()
	r := &rig{cmms: storetest.Open(t, e), cp: webhooktest.New(storetest.Open(t, e), secret)}
	t.Cleanup(r.cp.Close)
	s.URL = r.cp.URL()
	if s.Backoff == 0 {
		s.Backoff = config.Duration(20 * time.Millisecond)
	}
	conn, err := webhook.New(s, secret)
	if err != nil {
		t.Fatal(err)
	}
	r.conn = conn
	r.d = &outbox.Dispatcher{DB: r.cmms, Connector: conn, Log: quiet, Interval: 20 * time.Millisecond, Backoff: 20 * time.Millisecond}
	r.api = httptest.NewServer(httpapi.New(r.cmms, quiet, httpapi.Webhook(webhook.Name, secret, r.d.Receive)).WithConnector(conn))
	t.Cleanup(r.api.Close)
	r.cp.Webhook = r.api.URL + "/api/v1/integration/webhooks/" + webhook.Name
	return r
}

func mustMessage(t *testing.T, key string, p integration.Payload) integration.Message {
	t.Helper()
	m, err := integration.NewMessage(key, "", "NORTH", "pat", time.Now(), p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func item(code string) integration.ItemMaster {
	return integration.ItemMaster{ERPItemCode: code, Description: "Bearing " + code, Unit: "EA", StockType: "direct", Vendor: "SKF", Price: millwright.MustMoney("12.50")}
}

func requisition(code string) integration.RequisitionRequest {
	return integration.RequisitionRequest{Priority: 3, CostCenter: "CC-100", WorkOrderID: "wo_1", WorkOrderNumber: "WO-000001",
		Lines: []integration.RequisitionLine{{WorkOrderID: "wo_1", MaterialLineID: "ml_1", ERPItemCode: code,
			Quantity: millwright.MustQty("2"), Unit: "EA", EstimatedUnitPrice: millwright.MustMoney("12.50")}}}
}

func erpEvents(t *testing.T, cp *webhooktest.Counterpart, kind integration.EventKind) []integration.Event {
	t.Helper()
	all, err := cp.ERP.Events(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []integration.Event
	for _, ev := range all {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// Every message kind of the port reaches the endpoint signed, is applied
// once, and its events come back in the answer; a repeat is absorbed.
func TestEveryMessageKind(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := mustRig(t, db.Engine, webhook.Settings{})
		ctx := t.Context()
		stock := item("BRG-2")
		stock.StockType = "stock"
		msgs := []integration.Message{
			mustMessage(t, "item:BRG-1", item("BRG-1")),
			mustMessage(t, "item:BRG-2", stock),
			mustMessage(t, "req:1", requisition("BRG-1")),
			mustMessage(t, "move:1", integration.StockMovement{Movement: integration.MoveAdjustment, ERPItemCode: "BRG-2", Warehouse: "MAIN",
				Quantity: millwright.MustQty("5"), Value: millwright.MustMoney("62.50")}),
			mustMessage(t, "level:1", integration.StockLevel{ERPItemCode: "BRG-2", Warehouse: "MAIN", OnHand: millwright.MustQty("5"),
				ReorderPoint: millwright.MustQty("1"), ReorderQuantity: millwright.MustQty("4"), MaxQuantity: millwright.MustQty("9")}),
			mustMessage(t, "labor:1", integration.LaborCost{WorkOrderID: "wo_1", CostCenter: "CC-100", Hours: millwright.MustQty("2"),
				Amount: millwright.MustMoney("96.00"), Technician: "tom"}),
			mustMessage(t, "status:1", integration.WorkOrderStatus{WorkOrderID: "wo_1", WorkOrderNumber: "WO-000001", Status: "completed"}),
		}
		kinds := map[integration.MessageKind]bool{}
		for _, m := range msgs {
			first, err := r.conn.Send(ctx, m)
			if err != nil {
				t.Fatalf("Send(%s) = %v; want it applied", m.IdempotencyKey, err)
			}
			again, err := r.conn.Send(ctx, m)
			if err != nil || len(again) != len(first) {
				t.Fatalf("Send(%s) again = %d events, %v; want the first answer's %d", m.IdempotencyKey, len(again), err, len(first))
			}
			kinds[m.Kind] = true
		}
		for _, k := range webhook.MessageKinds {
			if !kinds[k] {
				t.Errorf("no %s message was sent; the test must cover every kind", k)
			}
		}
		if s := r.cp.Stats(); s.Applied != len(msgs) || s.Repeats != len(msgs) {
			t.Errorf("counterpart stats = %+v; want %d applied, %d repeats absorbed", s, len(msgs), len(msgs))
		}
		if n := len(erpEvents(t, r.cp, integration.EventRequisitionCreated)); n != 1 {
			t.Errorf("the ERP created %d requisitions; want 1", n)
		}
	})
}

// The endpoint's answers: 4xx refuses the message with the endpoint's
// reason, as a kind that parks it; 401, 404, 429 and 5xx may be retried.
func TestAnswers(t *testing.T) {
	var status int
	var body, ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	conn, err := webhook.New(webhook.Settings{URL: srv.URL, Attempts: 1}, secret)
	if err != nil {
		t.Fatal(err)
	}
	m := mustMessage(t, "item:X", item("X"))
	for _, tt := range []struct {
		status      int
		ctype, body string
		kind        millwright.Kind
		code, want  string
	}{
		{400, "application/json", `{"error":{"code":"unknown_vendor","message":"vendor SKF is not in the vendor list"}}`, millwright.Invalid, "unknown_vendor", "vendor SKF is not in the vendor list"},
		{422, "application/json", `{"message":"cost center CC-9 is closed"}`, millwright.Rule, "refused_by_endpoint", "cost center CC-9 is closed"},
		{409, "text/plain", "key reused for another order", millwright.Conflict, "refused_by_endpoint", "key reused for another order"},
		{400, "application/json", `{"error":"missing field unit"}`, millwright.Invalid, "refused_by_endpoint", "missing field unit"},
		{401, "text/plain", "bad signature", 0, "", "refused the signature"},
		{404, "text/plain", "no such flow", 0, "", "404"},
		{429, "text/plain", "slow down", 0, "", "429"},
		{500, "text/plain", "boom", 0, "", "500"},
		{200, "text/plain", "not json", 0, "", "not {\"events\""},
	} {
		status, ctype, body = tt.status, tt.ctype, tt.body
		conn.Breaker.Done(false, nil) // each case starts with a closed breaker
		_, err := conn.Send(t.Context(), m)
		if err == nil || millwright.ErrorKind(err) != tt.kind || (tt.code != "" && millwright.ErrorCode(err) != tt.code) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("answer %d %s = %v (kind %d); want kind %d, code %q, saying %q", tt.status, tt.body, err, millwright.ErrorKind(err), tt.kind, tt.code, tt.want)
		}
	}
	status, body = 204, ""
	if evs, err := conn.Send(t.Context(), m); err != nil || evs == nil || len(evs) != 0 {
		t.Errorf("answer 204 = %v, %v; want applied, no events", evs, err)
	}
}

// A message the endpoint refuses is parked as failed with its reason, on
// the message and on the material lines it asked for; the others go on.
func TestRefusalParksMessage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := mustRig(t, db.Engine, webhook.Settings{})
		ctx := t.Context()
		err := r.cmms.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Enqueue(ctx, mustMessage(t, "req:nope", requisition("NOPE")), ""); err != nil {
				return err
			}
			return tx.Enqueue(ctx, mustMessage(t, "item:OK", item("OK")), "")
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.d.Step(ctx); err != nil {
			t.Fatal(err)
		}
		got := messages(t, r.cmms)
		if m := got["req:nope"]; m.Status != integration.StatusFailed || !strings.Contains(m.LastError, "NOPE") || !strings.Contains(m.LastError, "webhook endpoint refused") {
			t.Errorf("refused message = %s %q; want failed, with the endpoint's reason naming NOPE", m.Status, m.LastError)
		}
		if m := got["item:OK"]; m.Status != integration.StatusDelivered {
			t.Errorf("other message = %s %q; want delivered", m.Status, m.LastError)
		}
	})
}

func messages(t *testing.T, db *store.DB) map[string]integration.OutboxMessage {
	t.Helper()
	out := map[string]integration.OutboxMessage{}
	err := db.View(t.Context(), func(tx *store.Tx) error {
		p, err := tx.OutboxMessages(t.Context(), integration.MessageFilter{Limit: 500})
		for _, m := range p.Items {
			out[m.IdempotencyKey] = m
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Retry-After is honoured: a short one is waited within the delivery, a
// long one holds every message back, untried, until it has passed.
func TestRetryAfter(t *testing.T) {
	r := mustRig(t, store.SQLite, webhook.Settings{Attempts: 3, MaxRetryAfter: config.Duration(2 * time.Second)})
	ctx := t.Context()
	r.cp.Fail(2, http.StatusServiceUnavailable, "1")
	start := time.Now()
	if _, err := r.conn.Send(ctx, mustMessage(t, "item:A", item("A"))); err != nil {
		t.Fatalf("Send through two 503s with Retry-After: 1 = %v; want delivered on the third try", err)
	}
	if took, s := time.Since(start), r.cp.Stats(); took < 2*time.Second || s.Requests != 3 || s.Applied != 1 {
		t.Errorf("took %s with %+v; want 3 requests, the last applied, at least 2 s apart in all", took, s)
	}

	r.cp.Fail(1, http.StatusTooManyRequests, "120")
	if _, err := r.conn.Send(ctx, mustMessage(t, "item:B", item("B"))); err == nil || millwright.ErrorKind(err) != 0 {
		t.Fatalf("Send answered 429 Retry-After: 120 = %v; want an error that may be retried", err)
	}
	before := r.cp.Stats().Requests
	_, err := r.conn.Send(ctx, mustMessage(t, "item:C", item("C")))
	if !errors.Is(err, integration.ErrUnavailable) || r.cp.Stats().Requests != before {
		t.Errorf("Send during Retry-After = %v (requests %d → %d); want ErrUnavailable, untried", err, before, r.cp.Stats().Requests)
	}
	r.conn.Now = func() time.Time { return time.Now().Add(121 * time.Second) }
	if _, err := r.conn.Send(ctx, mustMessage(t, "item:C", item("C"))); err != nil {
		t.Errorf("Send after Retry-After passed = %v; want delivered", err)
	}
}

// While the endpoint is down the breaker lets one probe through per
// interval, messages do not die, and the backlog clears once it is back.
func TestBreakerAndBacklog(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := mustRig(t, db.Engine, webhook.Settings{BreakerInterval: config.Duration(200 * time.Millisecond)})
		ctx := t.Context()
		const n = 30
		err := r.cmms.InTx(ctx, func(tx *store.Tx) error {
			for i := range n {
				if err := tx.Enqueue(ctx, mustMessage(t, fmt.Sprintf("item:I-%02d", i), item(fmt.Sprintf("I-%02d", i))), ""); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		r.cp.SetDown(true)
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- r.d.Run(runCtx) }()
		defer func() { cancel(); <-done }()
		time.Sleep(1500 * time.Millisecond)
		down := r.cp.Stats().Dropped
		if down == 0 || down > 20 {
			t.Errorf("the endpoint, down for 1.5 s, saw %d requests; want a few probes (at most 20), not one per message and retry", down)
		}
		for _, m := range messages(t, r.cmms) {
			if m.Status != integration.StatusPending {
				t.Errorf("message %s is %s while the endpoint is down; want pending", m.IdempotencyKey, m.Status)
			}
		}
		r.cp.SetDown(false)
		back := time.Now()
		deadline := time.Now().Add(15 * time.Second)
		for r.cp.Stats().Applied < n && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		s := r.cp.Stats()
		t.Logf("down 1.5 s: %d requests reached it; backlog of %d cleared %s after it came back; %+v", down, n, time.Since(back).Round(time.Millisecond), s)
		if s.Applied != n {
			t.Fatalf("applied %d of %d messages after the endpoint came back; want all", s.Applied, n)
		}
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			delivered := 0
			for _, m := range messages(t, r.cmms) {
				if m.Status == integration.StatusDelivered {
					delivered++
				}
			}
			if delivered == n {
				return
			}
		}
		t.Errorf("not every message is marked delivered: %v", messages(t, r.cmms))
	})
}

// An answer lost after the endpoint applied the message: the retry
// carries the same key, and the endpoint applies it once.
func TestLostAnswerAppliesOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := mustRig(t, db.Engine, webhook.Settings{})
		ctx := t.Context()
		if _, err := r.conn.Send(ctx, mustMessage(t, "item:BRG-1", item("BRG-1"))); err != nil {
			t.Fatal(err)
		}
		r.cp.LoseAnswers(1)
		evs, err := r.conn.Send(ctx, mustMessage(t, "req:1", requisition("BRG-1")))
		if err != nil || len(evs) == 0 {
			t.Fatalf("Send with the first answer lost = %v, %v; want the retry's answer", evs, err)
		}
		if n := r.cp.Deliveries("req:1"); n != 2 {
			t.Errorf("the requisition was delivered %d times; want 2 (the lost answer, then the retry)", n)
		}
		if got := erpEvents(t, r.cp, integration.EventRequisitionCreated); len(got) != 1 {
			t.Errorf("the ERP created %d requisitions; want 1", len(got))
		}
	})
}

// Events pushed twice, and out of order, are recorded once each.
func TestDuplicatedShuffledEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := mustRig(t, db.Engine, webhook.Settings{})
		ctx := t.Context()
		r.cp.SetInline(false)
		r.cp.SetPushFaults(true, true)
		const n = 7
		for i := range n {
			m := mustMessage(t, fmt.Sprintf("labor:%d", i), integration.LaborCost{WorkOrderID: "wo_9", CostCenter: "CC-100",
				Hours: millwright.MustQty("1"), Amount: millwright.MustMoney("48.00")})
			if evs, err := r.conn.Send(ctx, m); err != nil || len(evs) != 0 {
				t.Fatalf("Send = %v, %v; want applied, events left to the push", evs, err)
			}
		}
		want := erpEvents(t, r.cp, integration.EventCostPosted)
		if len(want) != n {
			t.Fatalf("the ERP posted %d costs; want %d", len(want), n)
		}
		for range 3 { // the batch, then the same batch again, late
			if _, err := r.cp.Push(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var got []integration.Event
		if err := r.cmms.View(ctx, func(tx *store.Tx) (err error) {
			got, err = tx.WorkOrderEvents(ctx, "wo_9")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		seen := map[int64]int{}
		for _, ev := range got {
			seen[ev.Seq]++
		}
		for _, ev := range want {
			if seen[ev.Seq] != 1 {
				t.Errorf("event %d is recorded %d times; want once", ev.Seq, seen[ev.Seq])
			}
		}
		if len(got) != n || r.cp.Stats().Pushes < 3 {
			t.Errorf("recorded %d events after %d pushes; want %d, after at least 3 pushes", len(got), r.cp.Stats().Pushes, n)
		}
	})
}

// The events_url fallback: events the endpoint did not push are polled.
func TestEventsPolled(t *testing.T) {
	r := mustRig(t, store.SQLite, webhook.Settings{})
	r.conn.EventsURL = r.cp.EventsURL()
	if _, err := r.conn.Send(t.Context(), mustMessage(t, "item:P", item("P"))); err != nil {
		t.Fatal(err)
	}
	evs, err := r.conn.Events(t.Context(), 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Kind != integration.EventItemChanged {
		t.Fatalf("Events = %+v, %v; want the item_changed event", evs, err)
	}
	r.conn.EventsURL = ""
	if evs, err := r.conn.Events(t.Context(), 0, 10); err != nil || len(evs) != 0 {
		t.Errorf("Events without events_url = %+v, %v; want none: events come by webhook", evs, err)
	}
}

// Check: a live counterpart passes every check; a wrong secret, an
// endpoint that checks no signature and one that is down fail, saying how
// to fix it.
func TestCheck(t *testing.T) {
	cp := webhooktest.New(storetest.Open(t, store.SQLite), secret)
	defer cp.Close()
	failed := func(conn *webhook.Connector) (out []string) {
		for _, c := range conn.Check(t.Context()) {
			if !c.OK {
				if c.Fix == "" {
					t.Errorf("check %s failed with no fix: %s", c.Name, c.Detail)
				}
				out = append(out, c.Name+": "+c.Detail)
			}
		}
		return out
	}
	good, _ := webhook.New(webhook.Settings{URL: cp.URL(), EventsURL: cp.EventsURL()}, secret)
	if f := failed(good); len(f) != 0 {
		t.Errorf("Check of a sound connection failed: %q", f)
	}
	wrong, _ := webhook.New(webhook.Settings{URL: cp.URL()}, "another-secret")
	if f := failed(wrong); len(f) != 1 || !strings.Contains(f[0], "refused") {
		t.Errorf("Check with a wrong secret = %q; want the signed ping refused", f)
	}
	lax := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer lax.Close()
	open, _ := webhook.New(webhook.Settings{URL: lax.URL}, secret)
	if f := failed(open); len(f) != 1 || !strings.Contains(f[0], "wrong secret was answered 200") {
		t.Errorf("Check of an endpoint that checks no signature = %q; want that gap", f)
	}
	cp.SetDown(true)
	if f := failed(good); len(f) < 2 || !strings.HasPrefix(f[0], "reachable") {
		t.Errorf("Check of an endpoint that is down = %q; want not reachable", f)
	}
}

// Bad settings are refused with a fix, and never quote the secret.
func TestOpenSettings(t *testing.T) {
	env := config.Env{Getenv: func(k string) string {
		return map[string]string{"HOOK_SECRET": secret, "MILLWRIGHT_CONNECTOR_SECRET": "fallback-" + secret}[k]
	}, ReadFile: func(p string) ([]byte, error) {
		if p == "/run/secrets/hook" {
			return []byte(secret + "\n"), nil
		}
		return nil, errors.New("no such file")
	}}
	for _, tt := range []struct{ settings, want string }{
		{`{"url":"https://ipaas.example.com/mw","secret_env":"HOOK_SECRET"}`, secret},
		{`{"url":"https://ipaas.example.com/mw","secret_file":"/run/secrets/hook"}`, secret},
		{`{"url":"https://ipaas.example.com/mw"}`, "fallback-" + secret},
	} {
		c, err := webhook.Open([]byte(tt.settings), env)
		if err != nil || c.Secret != tt.want {
			t.Errorf("Open(%s) = %v; want the secret from where it says", tt.settings, err)
		}
	}
	for _, bad := range []string{
		`{"url":"ftp://x"}`,
		`{}`,
		`{"url":"https://u:p@ipaas.example.com/mw"}`,
		`{"url":"https://ipaas.example.com/mw","secret":"` + secret + `"}`,
		`{"url":"https://ipaas.example.com/mw","sekret_env":"X"}`,
		`{"url":"https://ipaas.example.com/mw","timeout":10}`,
		`{"url":"https://ipaas.example.com/mw","secret_env":"UNSET"}`,
		`{"url":"https://ipaas.example.com/mw","secret_file":"/nope"}`,
		`{"url":"https://ipaas.example.com/mw","headers":{"X-Millwright-Signature":"x"}}`,
		`{"url":`,
	} {
		_, err := webhook.Open([]byte(bad), env)
		if millwright.ErrorKind(err) != millwright.Invalid || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%s) = %v; want one line of kind Invalid, without the secret", bad, err)
		}
	}
}

// Reconciliation reads the ERP's side through balances_url, signed;
// without one the connector says, as a rule, that it cannot reconcile.
func TestBalances(t *testing.T) {
	cp := webhooktest.New(storetest.Open(t, store.SQLite), secret)
	defer cp.Close()
	none, err := webhook.New(webhook.Settings{URL: cp.URL()}, secret)
	if err != nil {
		t.Fatal(err)
	}
	var e *millwright.Error
	if _, err := none.Balances(t.Context()); !errors.As(err, &e) || e.Kind != millwright.Rule || e.Code != "not_reconcilable" {
		t.Errorf("Balances without balances_url = %v; want Rule not_reconcilable", err)
	}
	c, err := webhook.New(webhook.Settings{URL: cp.URL(), BalancesURL: cp.BalancesURL()}, secret)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := c.Balances(t.Context()); err != nil || b == nil || b.At.IsZero() {
		t.Errorf("Balances = %+v, %v; want the ERP's balances as of now", b, err)
	}
	wrong, _ := webhook.New(webhook.Settings{URL: cp.URL(), BalancesURL: cp.BalancesURL(), Attempts: 1}, "not-"+secret)
	if _, err := wrong.Balances(t.Context()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("Balances signed with a wrong secret = %v; want refused (401)", err)
	}
}
