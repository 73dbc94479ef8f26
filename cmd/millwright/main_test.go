package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// start runs "serve" with args and returns its base URL once it listens.
func start(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), env(nil), strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after shutdown; want nil", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop within 15 s of its context ending")
		}
	})
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "millwright listening on "); ok {
			go io.Copy(io.Discard, pr)
			return strings.Fields(rest)[0]
		}
	}
	t.Fatalf("serve exited before listening: %v", <-done)
	return ""
}

func TestServeAndTokenCreate(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			dsn := storetest.DSN(t, e)
			base := start(t, "--db", dsn)
			var out bytes.Buffer
			if err := run(t.Context(), []string{"token", "create", "--db", dsn, "--user", "alice", "--role", "admin"},
				env(nil), nil, &out, io.Discard); err != nil {
				t.Fatalf("token create = %v", err)
			}
			token := strings.TrimSpace(out.String())
			if !strings.HasPrefix(token, "mw_") || strings.Contains(token, "\n") {
				t.Fatalf("token create printed %q; want one token alone", out.String())
			}
			for _, c := range []struct {
				token string
				want  int
			}{{token, 200}, {"", 401}, {"mw_nope", 401}} {
				req, _ := http.NewRequestWithContext(t.Context(), "GET", base+"/api/v1/audit/verify", nil)
				if c.token != "" {
					req.Header.Set("Authorization", "Bearer "+c.token)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != c.want && !(c.want == 200 && res.StatusCode == 500) {
					t.Errorf("GET /api/v1/audit/verify with token %q = %d; want %d", c.token, res.StatusCode, c.want)
				}
			}
		})
	}
}

func TestMigrateUsesEnvironment(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "env.db")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"migrate"}, env(map[string]string{"MILLWRIGHT_DB": dsn}), nil, &out, io.Discard); err != nil {
		t.Fatalf("migrate = %v", err)
	}
	if !strings.Contains(out.String(), dsn) {
		t.Fatalf("migrate printed %q; want it to name %s", out.String(), dsn)
	}
}

func TestBadInputExitsTwo(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"serve", "--no-such-flag"},
		{"serve", "--db", "mysql://localhost/x"},
		{"token", "create", "--db", db, "--role", "admin"},
		{"token", "create", "--db", db, "--user", "bob"},
		{"token", "create", "--db", db, "--user", "bob", "--role", "wizard"},
		{"token", "create", "--db", db, "--user", "bob", "--role", "planner", "--site", "NOPE"},
		{"user", "password", "--db", db, "--user", "bob", "--role", "planner"},
		{"serve", "--db", db, "--outbox-lease", "500ms"},
	} {
		err := run(t.Context(), args, env(nil), strings.NewReader("short\n"), io.Discard, io.Discard)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("run(%q) = %v (exit %d); want an error with exit status 2", args, err, exitCode(err))
		}
	}
}

func TestUserPassword(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
	var out bytes.Buffer
	err := run(t.Context(), []string{"user", "password", "--db", db, "--user", "tess", "--role", "technician"},
		env(nil), strings.NewReader("correct horse battery\n"), &out, io.Discard)
	if err != nil {
		t.Fatalf("user password = %v", err)
	}
	if !strings.Contains(out.String(), "tess") {
		t.Fatalf("user password printed %q", out.String())
	}
}

func TestBadInputIsOneLine(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"token", "create", "--user", "x"}} {
		err := run(t.Context(), args, env(nil), nil, io.Discard, io.Discard)
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("run(%q) = %q; want a one-line error", args, err)
		}
	}
}

// serve mounts the web interface at /ui/ beside the API, and / opens it.
func TestServeMountsWeb(t *testing.T) {
	base := start(t, "--db", "sqlite:"+filepath.Join(t.TempDir(), "web.db"))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		path, location string
		want           int
	}{{"/", "/ui/", 303}, {"/ui/", "/ui/login?next=%2Fui%2F", 303}, {"/ui/login", "", 200}, {"/healthz", "", 200}} {
		res, err := client.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want || res.Header.Get("Location") != c.location {
			t.Errorf("GET %s = %d to %q; want %d to %q", c.path, res.StatusCode, res.Header.Get("Location"), c.want, c.location)
		}
	}
}

// The ERP process and the HTTP connector refuse to run without a shared
// secret, with one line and exit status 2.
func TestRemoteERPNeedsSecret(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
	for _, args := range [][]string{
		{"erp", "serve", "--db", db, "--addr", "127.0.0.1:0"},
		{"serve", "--db", db, "--addr", "127.0.0.1:0", "--erp", "http://127.0.0.1:1"},
		{"erp", "serve", "--db", db, "--secret", "s", "--webhook", "ftp://x"},
		{"serve", "--db", db, "--erp", "localhost:8090", "--erp-secret", "s"},
		{"connector", "check", "--db", db},
		{"connector", "check", "--db", db, "--connector", "sap"},
		{"connector", "check", "--db", db, "--connector", "http", "--secret", "s"},
		{"connector", "check", "--db", db, "--connector", "http", "--erp", "http://127.0.0.1:1"},
	} {
		err := run(t.Context(), args, env(nil), nil, io.Discard, io.Discard)
		if err == nil || exitCode(err) != 2 || strings.Contains(err.Error(), "\n") {
			t.Errorf("run(%q) = %v (exit %d); want a one-line error with exit status 2", args, err, exitCode(err))
		}
	}
}

// connector check prints each check with ok or FAIL and exits 0 only when
// all pass.
func TestConnectorCheck(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"connector", "check", "--connector", "embedded", "--db", db}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("connector check of the embedded ERP on an empty database = %v; want all passed\n%s", err, out.String())
	}
	for _, want := range []string{"ok   reachable", "ok   authenticated", "ok   mappings"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("connector check printed\n%s\nwant a line %q", out.String(), want)
		}
	}
	out.Reset()
	err := run(t.Context(), []string{"connector", "check", "--connector", "http", "--db", db, "--erp", "http://127.0.0.1:1", "--secret", "s"},
		env(nil), nil, &out, io.Discard)
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("connector check of an ERP that is not there = %v (exit %d); want exit 1", err, exitCode(err))
	}
	if !strings.Contains(out.String(), "FAIL reachable") || !strings.Contains(out.String(), "fix: start it with") {
		t.Errorf("connector check printed\n%s\nwant FAIL reachable with how to fix it", out.String())
	}
}

// connector check compares the CMMS's mappings with the ERP's own master
// data: an item mapped to a code the ERP's item master lacks fails the
// mappings check, naming the part.
func TestConnectorCheckAgainstERPMasterData(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(t.Context(), func(tx *store.Tx) error {
		it := &inventory.Item{PartNumber: "BRG-9", Description: "Bearing", Unit: "EA", StockType: inventory.DirectItem}
		if err := tx.CreateItem(t.Context(), it); err != nil {
			return err
		}
		return tx.SaveItemMapping(t.Context(), &integration.ItemMapping{ItemID: it.ID, ERPItemCode: "ERP-NOWHERE", ERPUnit: "EA",
			Factor: millwright.NewQty(1)})
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var out bytes.Buffer
	err = run(t.Context(), []string{"connector", "check", "--connector", "embedded", "--db", dsn}, env(nil), nil, &out, io.Discard)
	if exitCode(err) != 1 || !strings.Contains(out.String(), "FAIL mappings") || !strings.Contains(out.String(), "ERP-NOWHERE") {
		t.Errorf("connector check = %v (exit %d), printed\n%s\nwant exit 1 and FAIL mappings naming ERP-NOWHERE", err, exitCode(err), out.String())
	}
}
