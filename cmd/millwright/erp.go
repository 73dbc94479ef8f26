package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/audit"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
	"github.com/millwright-cmms/millwright/internal/store"
)

// webhookConnector is the name of the connector of `serve --erp URL`: its
// events come to /api/v1/integration/webhooks/http.
const webhookConnector = "http"

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// remoteFlags are serve's flags for an ERP reached over HTTP.
type remoteFlags struct {
	url, secret string
	poll, lease time.Duration
}

func erpFlags(fs *flag.FlagSet, getenv func(string) string) *remoteFlags {
	r := &remoteFlags{}
	fs.StringVar(&r.url, "erp", getenv("MILLWRIGHT_ERP"), "base URL of an ERP process (millwright erp serve); default: the embedded ERP in this process")
	fs.StringVar(&r.secret, "erp-secret", getenv("MILLWRIGHT_ERP_SECRET"), "secret shared with the ERP process (default $MILLWRIGHT_ERP_SECRET)")
	fs.DurationVar(&r.poll, "erp-poll", 0, "how often to poll the ERP for events besides its webhooks (0: at every dispatcher step, about once a second)")
	fs.DurationVar(&r.lease, "outbox-lease", 0, "how long a message being sent is left alone before it is sent again when the process sending it stops answering (default 20s; renewed while the send runs)")
	return r
}

// erpServe runs the embedded ERP as its own process: the connector
// endpoints the CMMS calls, the ERP's own API for buyers and approvers,
// and the pusher of its events to the CMMS webhook.
func erpServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("erp serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dsn := fs.String("db", envOr(getenv, "MILLWRIGHT_ERP_DB", "sqlite:./millwright-erp.db"), "the ERP's own database: sqlite:PATH or postgres://user@host:port/db")
	addr := fs.String("addr", envOr(getenv, "MILLWRIGHT_ERP_ADDR", "127.0.0.1:8090"), "address to listen on")
	webhook := fs.String("webhook", getenv("MILLWRIGHT_ERP_WEBHOOK"), "the CMMS webhook to push events to, e.g. http://127.0.0.1:8080/api/v1/integration/webhooks/http")
	secret := fs.String("secret", getenv("MILLWRIGHT_ERP_SECRET"), "secret shared with the CMMS (default $MILLWRIGHT_ERP_SECRET)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *secret == "" {
		return usagef("erp serve: no secret; give --secret S or set MILLWRIGHT_ERP_SECRET, and the same to the CMMS (serve --erp-secret)")
	}
	if *webhook != "" {
		if u, err := url.Parse(*webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("erp serve: --webhook %q is not an http(s) URL such as http://127.0.0.1:8080/api/v1/integration/webhooks/http", *webhook)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return usagef("cannot listen on %s: %v", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	embedded := erp.New(db)
	mux := http.NewServeMux()
	mux.Handle("/connector/", remote.Handler(embedded, *secret, log))
	mux.Handle("/", httpapi.New(db, log, httpapi.OnlyERP()))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	fmt.Fprintf(stdout, "millwright erp listening on %s (database %s)\n", base, *dsn)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	sealer := &audit.Sealer{Store: db, Wake: db.SealWake(), Log: log}
	g.Go(func() error { return sealer.Run(ctx) })
	if *webhook != "" {
		fmt.Fprintf(stdout, "millwright erp: pushing events to %s\n", *webhook)
		p := &remote.Pusher{Log: embedded, DB: db, URL: *webhook, Secret: *secret, Logger: log, Wake: db.Wake()}
		g.Go(func() error { return p.Run(ctx) })
	}
	g.Go(func() error {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	})
	return g.Wait()
}

// check is one line of connector check.
type check struct {
	name, detail, fix string
	ok                bool
}

// connectorCheck checks a live ERP connection: reachable, authenticated,
// mappings complete. It prints each check and exits 1 when one fails.
func connectorCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := flags("connector check", getenv, stderr)
	name := fs.String("connector", "", "the connector to check: embedded, http, webhook or odoo")
	settings := fs.String("connector-config", getenv("MILLWRIGHT_CONNECTOR_CONFIG"), "the connector's settings file (webhook, odoo)")
	erpURL := fs.String("erp", getenv("MILLWRIGHT_ERP"), "base URL of the ERP process (connector http)")
	secret := fs.String("secret", getenv("MILLWRIGHT_ERP_SECRET"), "secret shared with the ERP process (default $MILLWRIGHT_ERP_SECRET)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" && *erpURL != "" {
		*name = webhookConnector
	}
	var (
		checks []check
		conn   integration.Connector // nil: the embedded ERP in the CMMS's database
	)
	switch *name {
	case "embedded":
		checks = checkEmbedded(ctx, *dsn)
	case webhookConnector:
		if *erpURL == "" {
			return usagef("connector check: --connector http needs --erp URL (or MILLWRIGHT_ERP), where `millwright erp serve` listens")
		}
		if *secret == "" {
			return usagef("connector check: --connector http needs the shared secret: --secret S or MILLWRIGHT_ERP_SECRET")
		}
		c, err := remote.NewClient(*erpURL, *secret)
		if err != nil {
			return err
		}
		checks, conn = checkHTTP(ctx, c), c
	case "":
		return usagef("connector check: --connector is required: embedded, http, webhook or odoo")
	default:
		opened, err := openConnector("connector check", *name, *settings, &remoteFlags{}, getenv)
		if err != nil {
			return err
		}
		checks, conn = checkOpened(ctx, opened)
	}
	checks = append(checks, checkMappings(ctx, *dsn, conn))
	failed := 0
	for _, c := range checks {
		mark := "ok  "
		if !c.ok {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "%s %-14s %s\n", mark, c.name, c.detail)
		if !c.ok && c.fix != "" {
			fmt.Fprintf(stdout, "     %-14s fix: %s\n", "", c.fix)
		}
	}
	if failed > 0 {
		return fmt.Errorf("connector check: %d of %d checks failed", failed, len(checks))
	}
	fmt.Fprintf(stdout, "connector %s: all %d checks passed\n", *name, len(checks))
	return nil
}

func checkEmbedded(ctx context.Context, dsn string) []check {
	reach := check{name: "reachable", ok: true, detail: "the embedded ERP runs in the CMMS process over " + dsn}
	db, err := openDB(ctx, dsn)
	if err == nil {
		defer db.Close()
		if err = db.Migrate(ctx); err == nil {
			_, err = erp.New(db).Events(ctx, 0, 1)
		}
	}
	if err != nil {
		reach = check{name: "reachable", detail: "cannot read the embedded ERP in " + dsn + ": " + err.Error(),
			fix: "check --db (or MILLWRIGHT_DB): the database `millwright serve` uses"}
	}
	return []check{reach, {name: "authenticated", ok: true, detail: "in process: there is nothing to authenticate"}}
}

func checkHTTP(ctx context.Context, c *remote.Client) []check {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	startIt := "start it with `millwright erp serve --addr HOST:PORT --secret S`, or correct --erp"
	if err := c.Health(ctx); err != nil {
		return []check{
			{name: "reachable", detail: "cannot reach " + c.BaseURL + ": " + err.Error(), fix: startIt},
			{name: "authenticated", detail: "not checked: the ERP is not reachable", fix: startIt},
		}
	}
	out := []check{{name: "reachable", ok: true, detail: c.BaseURL + " answers /healthz"}}
	auth := check{name: "authenticated", ok: true, detail: "a request signed with the secret is accepted"}
	if _, err := c.Events(ctx, 0, 1); err != nil {
		auth = check{name: "authenticated", detail: "a signed request was not accepted: " + err.Error(),
			fix: "give the CMMS the ERP's secret: the same value to `erp serve --secret` and to `serve --erp-secret` (or MILLWRIGHT_ERP_SECRET on both)"}
		if k := millwright.ErrorKind(err); k != millwright.Unauthorized {
			auth.fix = "is " + c.BaseURL + " the address of `millwright erp serve` (not of the CMMS)? see the ERP's log"
		}
	}
	out = append(out, auth)
	wrong := *c
	wrong.Secret, wrong.Breaker = c.Secret+"-not-the-secret", &remote.Breaker{}
	refuse := check{name: "authenticated", ok: true, detail: "a request signed with a wrong secret is refused (401)"}
	if _, err := wrong.Events(ctx, 0, 1); millwright.ErrorKind(err) != millwright.Unauthorized {
		what := "accepted"
		if err != nil {
			what = "answered " + err.Error()
		}
		refuse = check{name: "authenticated", detail: "a request signed with a wrong secret was " + what,
			fix: c.BaseURL + " does not check signatures: point --erp at `millwright erp serve`, which does"}
	}
	return append(out, refuse)
}

// checkMappings reports the master-data gaps that would stop a message
// (outbox.DataQuality): the CMMS's own, and its mappings checked against
// the ERP's item master and chart of accounts, read through conn (the
// embedded ERP in the CMMS's database when nil).
func checkMappings(ctx context.Context, dsn string, conn integration.Connector) check {
	c := check{name: "mappings"}
	db, err := openDB(ctx, dsn)
	if err != nil {
		c.detail, c.fix = "cannot open the CMMS database: "+err.Error(), "give the CMMS database with --db (or MILLWRIGHT_DB)"
		return c
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		c.detail, c.fix = "cannot read the CMMS database: "+err.Error(), "give the CMMS database with --db (or MILLWRIGHT_DB)"
		return c
	}
	if conn == nil {
		conn = erp.New(db)
	}
	// A connector that cannot show the ERP's master data (webhook) has
	// the CMMS's own gaps checked only.
	var md *integration.MasterData
	var mdErr error
	_, readable := conn.(integration.MasterDataReader)
	if readable {
		md, mdErr = outbox.ReadMasterData(ctx, conn)
	}
	var gaps []outbox.Gap
	if err := db.View(ctx, func(tx *store.Tx) (err error) {
		gaps, err = outbox.DataQuality(ctx, tx, "", md, mdErr)
		return err
	}); err != nil {
		c.detail, c.fix = "cannot list the data-quality gaps: "+err.Error(), "see GET /api/v1/integration/data-quality"
		return c
	}
	if len(gaps) == 0 && !readable {
		c.ok, c.detail = true, "every item is mapped to an ERP item code, in a unit, and every asset has a cost center; the connector cannot show the ERP's item master, so the endpoint must know those codes ("+dsn+")"
		return c
	}
	if len(gaps) == 0 {
		c.ok, c.detail = true, "every item is mapped to an ERP item code the ERP has, in its unit, every asset has a cost center, and the mapped accounts are in the ERP's chart ("+dsn+")"
		return c
	}
	var lines []string
	for i, g := range gaps {
		if i == 10 {
			lines = append(lines, fmt.Sprintf("… and %d more", len(gaps)-10))
			break
		}
		lines = append(lines, g.Message)
	}
	c.detail = fmt.Sprintf("%d master-data gaps would stop messages:\n       - %s", len(gaps), strings.Join(lines, "\n       - "))
	c.fix = "add the mappings and cost centers named above; GET /api/v1/integration/data-quality lists them all"
	return c
}
