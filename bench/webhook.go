package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/millwright-cmms/millwright/internal/connector/webhook"
	"github.com/millwright-cmms/millwright/internal/connector/webhook/webhooktest"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// webhookPush is how often the counterpart pushes the ERP's events to the
// CMMS webhook, as an integration platform's schedule would.
const webhookPush = 50 * time.Millisecond

// measureWebhook runs the flow measurements through the generic webhook
// connector, as `serve --connector webhook` runs it with the settings'
// defaults (timeouts, retries, breaker): each message POSTed, signed, to
// a counterpart (webhooktest) that applies it once to an embedded ERP on
// a database of its own and answers its events inline, and pushes the
// ERP's later events (approval, order, receipt, invoice) to the CMMS
// webhook every webhookPush. The ERP's users work in its API over that
// database. Everything listens on loopback.
func measureWebhook(ctx context.Context, e store.Engine, pg string, d time.Duration) error {
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

	const secret = "bench-webhook-secret"
	cp := webhooktest.New(erpDB, secret)
	defer cp.Close()
	erpSrv := httptest.NewServer(httpapi.New(erpDB, quiet, httpapi.OnlyERP()))
	defer erpSrv.Close()
	erpTokens, err := erpUsers(ctx, erpDB)
	if err != nil {
		return err
	}

	res, err := loadDemo(ctx, cmmsDB)
	if err != nil {
		return err
	}
	conn, err := webhook.New(webhook.Settings{URL: cp.URL(), BalancesURL: cp.BalancesURL(), ERPURL: erpSrv.URL}, secret)
	if err != nil {
		return err
	}
	dispatcher := &outbox.Dispatcher{DB: cmmsDB, Connector: conn, Log: quiet}
	cmmsSrv := httptest.NewServer(httpapi.New(cmmsDB, quiet, httpapi.WithoutERP(webhook.Name, erpSrv.URL),
		httpapi.Webhook(webhook.Name, secret, dispatcher.Receive)).WithConnector(conn))
	defer cmmsSrv.Close()
	cp.Webhook = cmmsSrv.URL + "/api/v1/integration/webhooks/" + webhook.Name

	rctx, stop := context.WithCancel(ctx)
	var running sync.WaitGroup
	defer running.Wait()
	defer stop()
	running.Go(func() { dispatcher.Run(rctx) })
	running.Go(func() { cp.Run(rctx, webhookPush) })

	if err := delivered(ctx, cmmsDB, "the webhook counterpart", 60*time.Second); err != nil {
		return err
	}
	busy, err := firstWorkOrder(ctx, cmmsDB, workorder.InProgress)
	if err != nil {
		return err
	}
	return measureFlows(ctx, string(e)+"/webhook", client{base: cmmsSrv.URL, tokens: res.Tokens},
		embeddedERP{client{base: erpSrv.URL, tokens: erpTokens}}, busy, d, flowClients, loadRate)
}
