// Command millwright is the Millwright CMMS: the server, its migrations,
// and the administration commands of API.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/audit"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/demo"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/ingest"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/integration/reconcile"
	"github.com/millwright-cmms/millwright/internal/pm/scheduler"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil && !errors.Is(err, errHelp) {
		fmt.Fprintln(os.Stderr, "millwright:", err)
		os.Exit(exitCode(err))
	}
}

// usageError is bad input on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// errHelp ends a command after -h printed its flags: exit status 0.
var errHelp = errors.New("help printed")

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || millwright.ErrorKind(err) == millwright.Invalid || millwright.ErrorKind(err) == millwright.Rule {
		return 2
	}
	return 1
}

const usage = `usage:
  millwright serve [--addr 127.0.0.1:8080] [--db DSN] [--demo] [--pm-interval 1m] [--mqtt tcp://HOST:PORT]
                   [--reconcile-every 1h] [--erp URL --erp-secret S] [--erp-poll 1s]
                   [--connector embedded|http|webhook|odoo --connector-config PATH] [--tls-proxy]
  millwright migrate [--db DSN]
  millwright token create [--db DSN] --user NAME --role ROLE [--site CODE]
  millwright user password [--db DSN] --user NAME [--role ROLE] [--site CODE]   (password on stdin)
  millwright user role [--db DSN] --user NAME --role ROLE [--site CODE]   (changes an existing user's role)
  millwright erp serve [--addr 127.0.0.1:8090] [--db DSN] [--webhook URL] --secret S
  millwright connector check --connector embedded|http [--db DSN] [--erp URL] [--secret S]
  millwright connector check --connector webhook|odoo --connector-config PATH [--db DSN]
DSN is sqlite:PATH (default sqlite:./millwright.db) or postgres://user@host:port/db.
MILLWRIGHT_DB, MILLWRIGHT_ADDR and MILLWRIGHT_MQTT set --db, --addr and --mqtt;
MILLWRIGHT_ERP and MILLWRIGHT_ERP_SECRET set --erp and the shared secret of the ERP
process (erp serve: MILLWRIGHT_ERP_DB, default sqlite:./millwright-erp.db, and
MILLWRIGHT_ERP_WEBHOOK). See docs/integration.md.
MILLWRIGHT_CONNECTOR and MILLWRIGHT_CONNECTOR_CONFIG set --connector and --connector-config;
a connector's secret is read from MILLWRIGHT_CONNECTOR_SECRET unless its settings name
another variable (secret_env) or a file (secret_file). See docs/connectors/.`

// run is the whole program; tests call it with their own arguments.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("no command given; run 'millwright help' for the commands")
	}
	switch cmd := strings.Join(args[:min(2, len(args))], " "); {
	case args[0] == "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case args[0] == "migrate":
		fs, dsn := flags("migrate", getenv, stderr)
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "schema of %s is up to date\n", *dsn)
		return nil
	case cmd == "token create":
		return tokenCreate(ctx, args[2:], getenv, stdout, stderr)
	case cmd == "user password":
		return userPassword(ctx, args[2:], getenv, stdin, stdout, stderr)
	case cmd == "user role":
		return userRole(ctx, args[2:], getenv, stdout, stderr)
	case cmd == "erp serve":
		return erpServe(ctx, args[2:], getenv, stdout, stderr)
	case cmd == "connector check":
		return connectorCheck(ctx, args[2:], getenv, stdout, stderr)
	case args[0] == "help", args[0] == "-h", args[0] == "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		return usagef("unknown command %q; run 'millwright help' for the commands", cmd)
	}
}

func flags(name string, getenv func(string) string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors come back as one line; -h prints the flags (parse)
	def := getenv("MILLWRIGHT_DB")
	if def == "" {
		def = store.DefaultDSN
	}
	return fs, fs.String("db", def, "database: sqlite:PATH or postgres://user@host:port/db")
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stdout)
			fmt.Printf("usage of millwright %s:\n", fs.Name())
			fs.PrintDefaults()
			return errHelp
		}
		return usagef("%s: %v; run 'millwright %s -h' for its flags", fs.Name(), err, fs.Name())
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

func openDB(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return db, nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := flags("serve", getenv, stderr)
	defAddr := getenv("MILLWRIGHT_ADDR")
	if defAddr == "" {
		defAddr = "127.0.0.1:8080"
	}
	addr := fs.String("addr", defAddr, "address to listen on")
	loadDemo := fs.Bool("demo", false, "load a demonstration plant into an empty database")
	reconcileEvery := fs.Duration("reconcile-every", time.Hour, "how often to reconcile stock and work-order costs with the ERP (0: never)")
	pmInterval := fs.Duration("pm-interval", scheduler.DefaultInterval, "how often the PM scheduler looks for due calendar plans (0 turns it off)")
	mqttURL := fs.String("mqtt", getenv("MILLWRIGHT_MQTT"), "MQTT broker to take readings from, such as tcp://127.0.0.1:1883 (default off)")
	remoteERP := erpFlags(fs, getenv)
	connName, connSettings := connectorFlags(fs, getenv)
	tlsProxy := fs.Bool("tls-proxy", getenv("MILLWRIGHT_TLS_PROXY") == "1",
		"a proxy in front serves the web interface over HTTPS: mark its cookies Secure (MILLWRIGHT_TLS_PROXY=1)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if l := remoteERP.lease; l != 0 && l < time.Second {
		return usagef("serve: --outbox-lease %s is too short; give at least 1s, such as 20s (the default)", l)
	}
	if *mqttURL != "" {
		if _, _, err := ingest.ParseBroker(*mqttURL); err != nil {
			return err
		}
	}
	conn, err := openConnector("serve", *connName, *connSettings, remoteERP, getenv)
	if err != nil {
		return err
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
	// Mappings saved before the CMMS fed the ERP's item master go to it once.
	if n, err := outbox.SendExistingItemMasters(ctx, db); err != nil {
		return fmt.Errorf("send the existing item mappings to the ERP's item master: %w", err)
	} else if n > 0 {
		log.Info("sent the existing item mappings to the ERP's item master", "mappings", n)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return usagef("cannot listen on %s: %v", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	if *loadDemo {
		res, err := demo.LoadFor(ctx, db, conn.Name == "embedded")
		if err != nil {
			ln.Close()
			return fmt.Errorf("demo: %w", err)
		}
		demo.PrintWelcome(stdout, res, base, *dsn)
	}
	// The integration engine: the outbox to, and the events from, the ERP:
	// the embedded one in process, or one over HTTP (--erp).
	dispatcher := &outbox.Dispatcher{DB: db, Connector: erp.New(db), Log: log,
		PollInterval: remoteERP.poll, Lease: remoteERP.lease}
	var apiOpts []httpapi.Option
	if conn.Name != "embedded" {
		dispatcher.Connector = conn.Connector
	}
	if dispatcher.PollInterval == 0 {
		dispatcher.PollInterval = conn.PollInterval // an ERP polled for its events (Odoo) sets its own pace
	}
	if conn.ERPURL != "" {
		apiOpts = append(apiOpts, httpapi.WithoutERP(conn.Name, conn.ERPURL))
	}
	if conn.WebhookSecret != "" {
		apiOpts = append(apiOpts, httpapi.Webhook(conn.Name, conn.WebhookSecret, dispatcher.Receive))
	}
	// Readings, over HTTP and MQTT alike, go through one recorder. Its
	// hook runs the meter and condition PM plans in the transaction that
	// stores a reading.
	readings := &ingest.Recorder{DB: db, Hook: ingest.PMHook}
	api := httpapi.New(db, log, apiOpts...).WithConnector(dispatcher.Connector)
	api.SetRecorder(readings)
	// The JSON API at /api/v1, the web interface at /ui/; / opens the interface.
	root := http.NewServeMux()
	root.Handle("/", api)
	ui := web.New(db, log).WithConnector(dispatcher.Connector)
	if *tlsProxy {
		ui.BehindTLSProxy()
	}
	if conn.ERPURL != "" {
		ui.WithRemoteERP(conn.ERPURL)
	}
	ui.SetRecorder(readings)
	root.Handle(web.Prefix, ui)
	root.Handle("GET /{$}", http.RedirectHandler(web.Prefix, http.StatusSeeOther))
	srv := &http.Server{
		Handler:           root,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	fmt.Fprintf(stdout, "millwright listening on %s (database %s)\n", base, *dsn)
	if conn.WebhookSecret != "" {
		fmt.Fprintf(stdout, "millwright: connector %s, ERP at %s; it pushes events to %s/api/v1/integration/webhooks/%s\n",
			conn.Name, conn.ERPURL, base, conn.Name)
	} else if conn.ERPURL != "" {
		fmt.Fprintf(stdout, "millwright: connector %s, ERP at %s; its events are polled every %s\n", conn.Name, conn.ERPURL, dispatcher.PollInterval)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error { return dispatcher.Run(ctx) })
	// The audit sealer: every write's entry joins the hash chain within
	// a moment of its commit. Several serve processes on one database
	// take turns at the chain's head.
	sealer := &audit.Sealer{Store: db, Wake: db.SealWake(), Log: log}
	g.Go(func() error { return sealer.Run(ctx) })
	if *reconcileEvery > 0 {
		g.Go(func() error { return reconcile.Schedule(ctx, db, dispatcher.Connector, *reconcileEvery, log) })
	}
	// The PM scheduler: work orders of calendar plans, lead time ahead. Two
	// serve processes on one database make each occurrence's order once.
	if *pmInterval > 0 {
		pmScheduler := &scheduler.Scheduler{DB: db, Log: log, Interval: *pmInterval}
		g.Go(func() error { return pmScheduler.Run(ctx) })
	}
	if *mqttURL != "" {
		sub := &ingest.Subscriber{Broker: *mqttURL, Recorder: readings, Log: log}
		g.Go(func() error { return sub.Run(ctx) })
		fmt.Fprintf(stdout, "millwright takes readings from %s (topic millwright/{site_code}/{asset_tag}/{meter})\n", *mqttURL)
	}
	g.Go(func() error {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	})
	return g.Wait()
}

// ensureUser finds the user called name, or creates it with role and site.
// An existing user keeps its role and site: cmd (token create, user
// password) refuses to change them, since a token or a password made for one
// role must not quietly grant another; 'millwright user role' changes them on
// purpose, in the audit trail.
func ensureUser(ctx context.Context, tx *store.Tx, cmd, name, role, siteCode string) (*store.User, error) {
	var siteID string
	if siteCode != "" {
		s, err := tx.SiteByCode(ctx, siteCode)
		if err != nil {
			return nil, usagef("no site has code %s; create it first or leave out --site", siteCode)
		}
		siteID = s.ID
	}
	u, err := tx.UserByName(ctx, name)
	if millwright.ErrorKind(err) == millwright.NotFound {
		if role == "" {
			return nil, usagef("user %s does not exist; give --role to create it", name)
		}
		u = &store.User{Username: name, Role: millwright.Role(role), SiteID: siteID}
		if err := tx.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		return u, tx.Audit(ctx, "user", u.ID, "create", nil, u)
	}
	if err != nil {
		return nil, err
	}
	if role != "" && u.Role != millwright.Role(role) {
		return nil, usagef("%s: user %s has role %s, not %s, and %s does not change a role; "+
			"to change it on purpose run 'millwright user role --user %s --role %s' (with the same --db), or give --role %s to keep it",
			cmd, name, u.Role, role, cmd, name, role, u.Role)
	}
	if siteCode != "" && u.SiteID != siteID {
		where, err := userSite(ctx, tx, u)
		if err != nil {
			return nil, err
		}
		return nil, usagef("%s: user %s %s, not site %s, and %s does not change a site; "+
			"to change it on purpose run 'millwright user role --user %s --role %s --site %s' (with the same --db), or leave out --site",
			cmd, name, where, siteCode, cmd, name, u.Role, siteCode)
	}
	return u, nil
}

func userFlags(name string, getenv func(string) string, stderr io.Writer, args []string, needRole bool) (dsn, user, role, site string, err error) {
	fs, d := flags(name, getenv, stderr)
	u := fs.String("user", "", "user name")
	r := fs.String("role", "", "role: "+roleList())
	s := fs.String("site", "", "site code the user is limited to (default: every site)")
	if err := parse(fs, args); err != nil {
		return "", "", "", "", err
	}
	switch {
	case *u == "":
		return "", "", "", "", usagef("%s: --user is required", name)
	case needRole && *r == "":
		return "", "", "", "", usagef("%s: --role is required (%s)", name, roleList())
	case *r != "" && !millwright.ValidRole(millwright.Role(*r)):
		return "", "", "", "", usagef("%s: unknown role %q; use one of %s", name, *r, roleList())
	}
	return *d, *u, *r, *s, nil
}

func roleList() string {
	var names []string
	for _, r := range millwright.Roles {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

func tokenCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	dsn, name, role, site, err := userFlags("token create", getenv, stderr, args, true)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	token, hash := auth.NewToken()
	err = db.InTx(millwright.WithPrincipal(ctx, millwright.Principal{Username: "cli", Role: millwright.Admin}), func(tx *store.Tx) error {
		u, err := ensureUser(ctx, tx, "token create", name, role, site)
		if err != nil {
			return err
		}
		id, err := tx.CreateToken(ctx, u.ID, hash)
		if err != nil {
			return err
		}
		// Never the token nor its hash: the trail says who got a token for what.
		return tx.Audit(ctx, "token", id, "create", nil, map[string]string{
			"user": u.Username, "user_id": u.ID, "role": string(u.Role), "site_id": u.SiteID})
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

func userPassword(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	dsn, name, role, site, err := userFlags("user password", getenv, stderr, args, false)
	if err != nil {
		return err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	password := strings.TrimRight(line, "\r\n")
	if len(password) < 8 {
		return usagef("user password: the password read from stdin must have at least 8 characters")
	}
	db, err := openDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	err = db.InTx(millwright.WithPrincipal(ctx, millwright.Principal{Username: "cli", Role: millwright.Admin}), func(tx *store.Tx) error {
		u, err := ensureUser(ctx, tx, "user password", name, role, site)
		if err != nil {
			return err
		}
		u.PasswordHash = auth.HashPassword(password)
		if err := tx.SaveUser(ctx, u); err != nil {
			return err
		}
		return tx.Audit(ctx, "user", u.ID, "set_password", nil, map[string]string{"user": u.Username})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password set for %s\n", name)
	return nil
}
