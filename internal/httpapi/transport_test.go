package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/connector/config"
	"github.com/millwright-cmms/millwright/internal/connector/webhook"
	"github.com/millwright-cmms/millwright/internal/connector/webhook/webhooktest"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// remoteERP is the embedded ERP in its own database behind its own
// server, as `millwright erp serve` runs it, or behind an integration
// platform's endpoint: the CMMS reaches it only over signed HTTP, and it
// pushes its events to the CMMS webhook.
type remoteERP struct {
	connector  string // "http" or "webhook"
	db         *store.DB
	srv        *httptest.Server                // the ERP users' API (/api/v1/erp/)
	dispatcher *outbox.Dispatcher              // the CMMS's, sending through the connector
	push       func(ctx context.Context) error // pushes the ERP's events to the CMMS webhook until ctx ends
}

// flowOption widens runFlow.
type flowOption int

// alsoWebhook runs the flow a third way on each engine: the generic
// webhook connector posting to a counterpart (webhooktest) that applies
// each message once to an embedded ERP with its own database and pushes
// the ERP's events back to the CMMS's webhook. The from-scratch flows
// take it, to prove the flows through a connector that is not the
// embedded ERP's own; the other flow tests need not run three times.
const alsoWebhook flowOption = 1

// runFlow runs fn on SQLite and on PostgreSQL, each with the embedded ERP
// in process and over HTTP (its own database and server, signed requests
// and webhooks). The test body is the same: requests to /api/v1/erp/ go
// to wherever the ERP is, tokens work on both sides, and startDispatcher
// starts the transport's dispatcher. A flow test that passes both ways
// reaches the ERP only through the connector port. With alsoWebhook it
// runs a third time through the webhook connector.
func runFlow(t *testing.T, fn func(t *testing.T, a *api), opts ...flowOption) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		t.Run("in-process", func(t *testing.T) {
			a := &api{t: t, db: db}
			a.srv = httptest.NewServer(httpapi.New(db, slog.New(slog.NewTextHandler(io.Discard, nil))))
			t.Cleanup(a.srv.Close)
			a.admin = a.token("admin", millwright.Admin, "")
			fn(t, a)
		})
		t.Run("http", func(t *testing.T) {
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			const secret = "flow-test-secret"
			cmms := storetest.Open(t, db.Engine)
			r := &remoteERP{connector: "http", db: storetest.Open(t, db.Engine)}
			embedded := erp.New(r.db)
			mux := http.NewServeMux()
			mux.Handle("/connector/", remote.Handler(embedded, secret, quiet))
			mux.Handle("/", httpapi.New(r.db, quiet, httpapi.OnlyERP()))
			r.srv = httptest.NewServer(mux)
			t.Cleanup(r.srv.Close)
			conn, err := remote.NewClient(r.srv.URL, secret)
			if err != nil {
				t.Fatal(err)
			}
			r.dispatcher = &outbox.Dispatcher{DB: cmms, Connector: conn, Interval: 50 * time.Millisecond, Backoff: 50 * time.Millisecond}
			a := &api{t: t, db: cmms, erp: r}
			a.srv = httptest.NewServer(httpapi.New(cmms, quiet, httpapi.WithoutERP("http", r.srv.URL),
				httpapi.Webhook("http", secret, r.dispatcher.Receive)).WithConnector(conn))
			t.Cleanup(a.srv.Close)
			pusher := &remote.Pusher{Log: embedded, DB: r.db, URL: a.srv.URL + "/api/v1/integration/webhooks/http",
				Secret: secret, Logger: quiet, Wake: r.db.Wake(), Interval: 50 * time.Millisecond, MinBackoff: 20 * time.Millisecond}
			r.push = pusher.Run
			a.admin = a.token("admin", millwright.Admin, "")
			fn(t, a)
		})
		if !slices.Contains(opts, alsoWebhook) {
			return
		}
		t.Run("webhook", func(t *testing.T) {
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			const secret = "flow-test-webhook-secret"
			cmms := storetest.Open(t, db.Engine)
			r := &remoteERP{connector: "webhook", db: storetest.Open(t, db.Engine)}
			cp := webhooktest.New(r.db, secret)
			t.Cleanup(cp.Close)
			r.srv = httptest.NewServer(httpapi.New(r.db, quiet, httpapi.OnlyERP()))
			t.Cleanup(r.srv.Close)
			conn, err := webhook.New(webhook.Settings{URL: cp.URL(), BalancesURL: cp.BalancesURL(), ERPURL: r.srv.URL,
				Backoff: config.Duration(20 * time.Millisecond), BreakerInterval: config.Duration(100 * time.Millisecond)}, secret)
			if err != nil {
				t.Fatal(err)
			}
			r.dispatcher = &outbox.Dispatcher{DB: cmms, Connector: conn, Interval: 50 * time.Millisecond, Backoff: 50 * time.Millisecond}
			a := &api{t: t, db: cmms, erp: r}
			a.srv = httptest.NewServer(httpapi.New(cmms, quiet, httpapi.WithoutERP(webhook.Name, r.srv.URL),
				httpapi.Webhook(webhook.Name, secret, r.dispatcher.Receive)).WithConnector(conn))
			t.Cleanup(a.srv.Close)
			cp.Webhook = a.srv.URL + "/api/v1/integration/webhooks/" + webhook.Name
			r.push = func(ctx context.Context) error { return cp.Run(ctx, 25*time.Millisecond) }
			a.admin = a.token("admin", millwright.Admin, "")
			fn(t, a)
		})
	})
}

// erpDB is the database that holds the ERP's books: the CMMS's own when
// the ERP runs in process, the ERP's when it runs over HTTP.
func (a *api) erpDB() *store.DB {
	if a.erp != nil {
		return a.erp.db
	}
	return a.db
}

// connector is how the CMMS reaches the ERP in this test.
func (a *api) connector() integration.Connector {
	if a.erp != nil {
		return a.erp.dispatcher.Connector
	}
	return erp.New(a.db)
}

// startDispatcher delivers the outbox to the ERP and applies its events
// until the test ends; over HTTP it also runs the ERP's webhook pusher.
func startDispatcher(t *testing.T, a *api) {
	t.Helper()
	d := &outbox.Dispatcher{DB: a.db, Connector: erp.New(a.db), Interval: 50 * time.Millisecond, Backoff: 50 * time.Millisecond}
	if a.erp != nil {
		d = a.erp.dispatcher
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	run := []func(context.Context) error{d.Run}
	if a.erp != nil {
		run = append(run, a.erp.push)
	}
	for _, f := range run {
		go func() { done <- f(ctx) }()
	}
	t.Cleanup(func() {
		cancel()
		for range run {
			if err := <-done; err != nil && ctx.Err() == nil {
				t.Errorf("dispatcher Run = %v; want nil", err)
			}
		}
	})
}

// erpToken gives the ERP's database the user and token a.token made in
// the CMMS's, when the ERP has a database of its own. Users of the ERP
// see every site there (the ERP keeps no CMMS sites to scope them by).
func (a *api) erpToken(name string, role millwright.Role, hash string) {
	if a.erp == nil {
		return
	}
	err := a.erp.db.InTx(a.t.Context(), func(tx *store.Tx) error {
		u := &store.User{Username: name, Role: role}
		if err := tx.CreateUser(a.t.Context(), u); err != nil {
			return err
		}
		_, err := tx.CreateToken(a.t.Context(), u.ID, hash)
		return err
	})
	if err != nil {
		a.t.Fatalf("create ERP token for %s: %v", name, err)
	}
}
