package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright/internal/connector/webhook/webhooktest"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

const hookSecret = "s3cr3t-of-the-webhook-7c1e"

// lockedBuffer is a bytes.Buffer several goroutines may write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// inProcess is `serve` run by run in this process, as a test drives it.
type inProcess struct {
	base           string // http://host:port it listens on
	stdout, stderr *lockedBuffer
	done           chan error // run's answer, once ctx ends
}

// serveInProcess runs serve with args in this process until ctx ends and
// waits until it listens.
func serveInProcess(t *testing.T, ctx context.Context, args []string, getenv func(string) string) *inProcess {
	t.Helper()
	p := &inProcess{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	pr, pw := io.Pipe()
	go func() {
		p.done <- run(ctx, append([]string{"serve"}, args...), getenv, strings.NewReader(""), io.MultiWriter(pw, p.stdout), p.stderr)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "millwright listening on "); ok {
			p.base = strings.Fields(rest)[0]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if p.base == "" {
		t.Fatalf("serve exited before listening: %v\n%s", <-p.done, p.stderr.String())
	}
	return p
}

func writeSettings(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "connector.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// serve --connector webhook delivers the demo's messages to the endpoint,
// takes its events back at /api/v1/integration/webhooks/webhook, and the
// secret appears in no log line, no output, no error and nowhere in the
// database (the audit trail included), through 500s, refusals and
// wrongly signed webhooks.
func TestServeWebhookConnectorKeepsSecret(t *testing.T) {
	cp := webhooktest.New(storetest.Open(t, store.SQLite), hookSecret)
	defer cp.Close()
	// Enough 500s that the messages sent at once run out of the
	// connector's own retries (or open its breaker), and are logged.
	cp.Fail(30, 500, "")
	settings := writeSettings(t, `{"url":"`+cp.URL()+`","secret_env":"HOOK_SECRET","backoff":"20ms","breaker_interval":"100ms"}`)
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "cmms.db")
	getenv := env(map[string]string{"HOOK_SECRET": hookSecret})

	ctx, cancel := context.WithCancel(t.Context())
	srv := serveInProcess(t, ctx, []string{"--addr", "127.0.0.1:0", "--db", dsn, "--demo", "--connector", "webhook",
		"--connector-config", settings, "--reconcile-every", "0", "--pm-interval", "0"}, getenv)
	base, stdout, stderr, done := srv.base, srv.stdout, srv.stderr, srv.done
	cp.Webhook = base + "/api/v1/integration/webhooks/webhook"
	pushCtx, stopPush := context.WithCancel(ctx)
	pushed := make(chan error, 1)
	go func() { pushed <- cp.Run(pushCtx, 50*time.Millisecond) }()

	deadline := time.Now().Add(30 * time.Second)
	for (cp.Stats().Applied < 10 || cp.Stats().Pushes == 0) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// A wrongly signed webhook is refused, without saying the secret.
	wrong := &webhooktest.Counterpart{Secret: "not-" + hookSecret, ERP: cp.ERP, Webhook: cp.Webhook}
	if _, err := wrong.Push(ctx); err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), hookSecret) {
		t.Errorf("a push signed with a wrong secret = %v; want 401, without the secret", err)
	}
	s := cp.Stats()
	stopPush()
	<-pushed
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve = %v; want nil after shutdown", err)
	}
	t.Logf("endpoint: %+v", s)
	if s.Applied < 10 || s.Pushes == 0 {
		t.Fatalf("the endpoint applied %d messages and the CMMS accepted %d pushes; want the demo's messages delivered and events back\n%s", s.Applied, s.Pushes, stderr.String())
	}
	if !strings.Contains(stdout.String(), "connector webhook") || !strings.Contains(stderr.String(), "not delivered") {
		t.Errorf("want the connector on stdout and the 500s logged; got\n%s\n%s", stdout.String(), stderr.String())
	}
	for name, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		if strings.Contains(text, hookSecret) {
			t.Errorf("%s holds the secret:\n%s", name, text)
		}
	}
	noSecretInFiles(t, filepath.Join(dir, "cmms.db*"), hookSecret)
}

// noSecretInFiles fails when a file matching pattern (the database and its
// WAL) holds secret.
func noSecretInFiles(t *testing.T, pattern, secret string) {
	t.Helper()
	files, _ := filepath.Glob(pattern)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue // SQLite removed its shared-memory file when the last connection closed
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the database file %s holds the secret", filepath.Base(f))
		}
	}
}

// Choosing a connector: bad input is one line, exit status 2, saying how
// to fix it, and never quoting the secret.
func TestConnectorBadInput(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "x.db")
	good := writeSettings(t, `{"url":"https://ipaas.example.com/millwright","secret_env":"HOOK_SECRET"}`)
	inline := writeSettings(t, `{"url":"https://ipaas.example.com/millwright","secret":"`+hookSecret+`"}`)
	odooInline := writeSettings(t, `{"url":"https://odoo.example.com","api_key":"`+hookSecret+`"}`)
	badJSON := writeSettings(t, `{"url":"https://ipaas.example.com/millwright",`+hookSecret)
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"serve", "--db", db, "--connector", "sap"}, nil, "unknown connector"},
		{[]string{"serve", "--db", db, "--connector", "odoo", "--connector-config", good}, nil, "api_key_env"},
		{[]string{"serve", "--db", db, "--connector", "odoo", "--connector-config", odooInline}, nil, "api_key_env"},
		{[]string{"serve", "--db", db, "--connector", "webhook"}, nil, "--connector-config"},
		{[]string{"serve", "--db", db, "--connector", "webhook", "--connector-config", filepath.Join(dir, "none.json")}, nil, "cannot read"},
		{[]string{"serve", "--db", db, "--connector", "webhook", "--connector-config", good}, nil, "HOOK_SECRET"},
		{[]string{"serve", "--db", db, "--connector", "webhook", "--connector-config", inline}, nil, "keep secrets out"},
		{[]string{"serve", "--db", db, "--connector", "webhook", "--connector-config", badJSON}, nil, "invalid JSON"},
		{[]string{"serve", "--db", db, "--connector", "webhook", "--connector-config", good, "--erp", "http://127.0.0.1:1"}, map[string]string{"HOOK_SECRET": hookSecret}, "--erp"},
		{[]string{"connector", "check", "--db", db, "--connector", "webhook"}, nil, "--connector-config"},
		{[]string{"connector", "check", "--db", db, "--connector", "webhook", "--connector-config", inline}, nil, "keep secrets out"},
	} {
		err := run(t.Context(), tt.args, env(tt.env), nil, io.Discard, io.Discard)
		if err == nil || exitCode(err) != 2 || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), hookSecret) {
			t.Errorf("run(%q) = %v (exit %d); want one line saying %q, exit status 2, without the secret", tt.args, err, exitCode(err), tt.want)
		}
	}
}

// connector check --connector webhook: every check passes against a sound
// endpoint; with the wrong secret it names the gap and exits non-zero.
func TestConnectorCheckWebhook(t *testing.T) {
	cp := webhooktest.New(storetest.Open(t, store.SQLite), hookSecret)
	defer cp.Close()
	db := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
	settings := writeSettings(t, `{"url":"`+cp.URL()+`","events_url":"`+cp.EventsURL()+`"}`)
	var out bytes.Buffer
	args := []string{"connector", "check", "--connector", "webhook", "--connector-config", settings, "--db", db}
	if err := run(t.Context(), args, env(map[string]string{"MILLWRIGHT_CONNECTOR_SECRET": hookSecret}), nil, &out, io.Discard); err != nil {
		t.Fatalf("connector check against a sound endpoint = %v; want all passed\n%s", err, out.String())
	}
	for _, want := range []string{"ok   reachable", "ok   authenticated", "ok   events", "ok   mappings", "all 5 checks passed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("connector check printed\n%s\nwant %q", out.String(), want)
		}
	}
	out.Reset()
	err := run(t.Context(), args, env(map[string]string{"MILLWRIGHT_CONNECTOR_SECRET": "not-" + hookSecret}), nil, &out, io.Discard)
	if err == nil || exitCode(err) != 1 || !strings.Contains(out.String(), "FAIL authenticated") || !strings.Contains(out.String(), "fix:") {
		t.Errorf("connector check with a wrong secret = %v (exit %d); want FAIL authenticated with a fix, exit 1\n%s", err, exitCode(err), out.String())
	}
	if strings.Contains(out.String(), hookSecret) {
		t.Errorf("connector check printed the secret:\n%s", out.String())
	}
}
