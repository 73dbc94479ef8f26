package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/demo"
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
	open := func() (*store.DB, func(), error) {
		dsn, cleanup, err := freshDB(e, pg)
		if err != nil {
			return nil, nil, err
		}
		db, err := store.Open(ctx, dsn)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			cleanup()
			return nil, nil, err
		}
		return db, func() { db.Close(); cleanup() }, nil
	}
	erpDB, closeERP, err := open()
	if err != nil {
		return err
	}
	defer closeERP()
	cmmsDB, closeCMMS, err := open()
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

	res, err := demo.Load(ctx, cmmsDB)
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
	deadline := time.Now().Add(60 * time.Second)
	for {
		var pending millwright.Page[integration.OutboxMessage]
		if err := cmmsDB.View(ctx, func(tx *store.Tx) (err error) {
			pending, err = tx.OutboxMessages(ctx, integration.MessageFilter{Status: integration.StatusPending, Limit: 1})
			return err
		}); err != nil {
			return err
		}
		if len(pending.Items) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the demo's messages did not reach the ERP over HTTP in 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	busy, err := firstWorkOrder(ctx, cmmsDB, workorder.InProgress)
	if err != nil {
		return err
	}
	return measureFlows(ctx, string(e)+"/http", client{base: cmmsSrv.URL, tokens: res.Tokens},
		client{base: erpSrv.URL, tokens: erpTokens}, busy, d, flowClients, loadRate)
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
