package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/audit"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// measureRemote runs the flow measurements with the embedded ERP over HTTP,
// as `erp serve` and `serve --erp` run it: the ERP on a database of its
// own behind the signed connector endpoints, pushing its events to the
// CMMS webhook; the CMMS on a fresh demo plant. Both listen on loopback.
func measureRemote(ctx context.Context, e store.Engine, pg string, d time.Duration) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	erpDB, closeERP, err := freshStore(ctx, e, pg)
	if err != nil {
		return err
	}
	defer closeERP()
	cmmsDB, closeCMMS, err := freshStore(ctx, e, pg)
	if err != nil {
		return err
	}
	defer closeCMMS()

	const secret = "bench-secret"
	embedded := erp.New(erpDB)
	erpMux := http.NewServeMux()
	erpMux.Handle("/connector/", remote.Handler(embedded, secret, quiet))
	erpMux.Handle("/", httpapi.New(erpDB, quiet, httpapi.OnlyERP()))
	erpSrv := httptest.NewServer(erpMux)
	defer erpSrv.Close()
	erpTokens, err := erpUsers(ctx, erpDB)
	if err != nil {
		return err
	}

	res, err := loadDemo(ctx, cmmsDB)
	if err != nil {
		return err
	}
	conn, err := remote.NewClient(erpSrv.URL, secret)
	if err != nil {
		return err
	}
	dispatcher := &outbox.Dispatcher{DB: cmmsDB, Connector: conn, Log: quiet}
	cmmsSrv := httptest.NewServer(httpapi.New(cmmsDB, quiet, httpapi.WithoutERP("http", erpSrv.URL),
		httpapi.Webhook("http", secret, dispatcher.Receive)).WithConnector(conn))
	defer cmmsSrv.Close()
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go dispatcher.Run(rctx)
	pusher := &remote.Pusher{Log: embedded, DB: erpDB, URL: cmmsSrv.URL + "/api/v1/integration/webhooks/http",
		Secret: secret, Logger: quiet, Wake: erpDB.Wake()}
	go pusher.Run(rctx)

	// The demo's item master and its released work orders reach the ERP first.
	if err := delivered(ctx, cmmsDB, "the ERP over HTTP", 60*time.Second); err != nil {
		return err
	}
	busy, err := firstWorkOrder(ctx, cmmsDB, workorder.InProgress)
	if err != nil {
		return err
	}
	return measureFlows(ctx, string(e)+"/http", client{base: cmmsSrv.URL, tokens: res.Tokens},
		embeddedERP{client{base: erpSrv.URL, tokens: erpTokens}}, busy, d, flowClients, loadRate)
}

// freshStore opens a fresh, migrated database on engine e; close drops it.
func freshStore(ctx context.Context, e store.Engine, pg string) (db *store.DB, close func(), err error) {
	dsn, cleanup, err := freshDB(e, pg)
	if err != nil {
		return nil, nil, err
	}
	db, err = store.Open(ctx, dsn)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		cleanup()
		return nil, nil, err
	}
	stopSealer := startSealer(db)
	return db, func() { stopSealer(); db.Close(); cleanup() }, nil
}

// startSealer runs the audit sealer on db, as serve does, until stop.
func startSealer(db *store.DB) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s := &audit.Sealer{Store: db, Wake: db.SealWake(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	go func() { s.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

// delivered waits until db's outbox holds no pending message: the demo's
// item master and released work orders have reached the ERP (named by
// where, for the error) before the flows are measured.
func delivered(ctx context.Context, db *store.DB, where string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var pending millwright.Page[integration.OutboxMessage]
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			pending, err = tx.OutboxMessages(ctx, integration.MessageFilter{Status: integration.StatusPending, Limit: 1})
			return err
		}); err != nil {
			return err
		}
		if len(pending.Items) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the demo's messages did not reach %s in %s", where, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Say so when some did not go (a mapping gap the ERP refused): the
	// flows are measured all the same, beside those messages.
	for _, status := range []string{integration.StatusFailed, integration.StatusDead} {
		var p millwright.Page[integration.OutboxMessage]
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			p, err = tx.OutboxMessages(ctx, integration.MessageFilter{Status: status, Limit: 500})
			return err
		}); err != nil {
			return err
		}
		if len(p.Items) > 0 {
			fmt.Fprintf(os.Stderr, "bench: %d of the demo's messages to %s are %s; the first, %s: %s\n",
				len(p.Items), where, status, p.Items[0].Kind, p.Items[0].LastError)
		}
	}
	return nil
}

// erpUsers makes, in the ERP's database, the demo's approver, buyer,
// storekeeper and finance users, and returns their tokens.
func erpUsers(ctx context.Context, db *store.DB) (map[string]string, error) {
	tokens := map[string]string{}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for name, role := range map[string]millwright.Role{"alan": millwright.Approver, "bea": millwright.Buyer,
			"sam": millwright.Storekeeper, "fiona": millwright.Finance} {
			u := &store.User{Username: name, Role: role}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			tok, hash := auth.NewToken()
			if _, err := tx.CreateToken(ctx, u.ID, hash); err != nil {
				return err
			}
			tokens[name] = tok
		}
		return nil
	})
	return tokens, err
}
