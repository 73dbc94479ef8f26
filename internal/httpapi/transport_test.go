package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// remoteERP is the embedded ERP in its own database behind its own
// server, as `millwright erp serve` runs it: the CMMS reaches it only over
// signed HTTP, and it pushes its events to the CMMS webhook.
type remoteERP struct {
	db         *store.DB
	srv        *httptest.Server
	dispatcher *outbox.Dispatcher // the CMMS's, sending through the HTTP client
	pusher     *remote.Pusher
}

// runFlow runs fn on SQLite and on PostgreSQL, each with the embedded ERP
// in process and over HTTP (its own database and server, signed requests
// and webhooks). The test body is the same: requests to /api/v1/erp/ go
// to wherever the ERP is, tokens work on both sides, and startDispatcher
// starts the transport's dispatcher. A flow test that passes both ways
// reaches the ERP only through the connector port.
func runFlow(t *testing.T, fn func(t *testing.T, a *api)) {
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
			r := &remoteERP{db: storetest.Open(t, db.Engine)}
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
			r.pusher = &remote.Pusher{Log: embedded, DB: r.db, URL: a.srv.URL + "/api/v1/integration/webhooks/http",
				Secret: secret, Logger: quiet, Wake: r.db.Wake(), Interval: 50 * time.Millisecond, MinBackoff: 20 * time.Millisecond}
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
		run = append(run, a.erp.pusher.Run)
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
