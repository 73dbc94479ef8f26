// Package webhook is the generic connector: every message the CMMS sends
// is POSTed as signed JSON to a URL the customer gives (an integration
// platform such as Boomi, MuleSoft or n8n, or their own code), and the
// ERP's events come back to the CMMS's webhook
// POST /api/v1/integration/webhooks/webhook, signed with the same secret.
//
// The contract with the endpoint (docs/connectors/webhook.md):
//
//   - The body is an integration.Message; the header X-Millwright-Signature
//     (t=UNIX,v1=HEX, the HMAC-SHA256 of "t.body" with the shared secret)
//     signs it, and Idempotency-Key repeats its idempotency_key.
//   - 2xx: the message is applied. The endpoint applies each idempotency
//     key once: a repeat answers 2xx again with no second effect. The body
//     may be empty, or {"events":[...]} with the events applying it made.
//   - 4xx (except 401, 403, 404, 408, 425 and 429): the message cannot be
//     applied as it is. The body says why, as
//     {"error":{"code":"…","message":"…"}}, {"message":"…"} or plain text;
//     409 is Conflict, 422 Rule, any other Invalid: the CMMS parks the
//     message as failed with that reason until the data is fixed.
//   - Anything else — no answer, a timeout, 5xx, 401, 403, 404, 408, 425,
//     429 — is retried: a few times at once with backoff (Retry-After is
//     honoured), then by the outbox with its own backoff. A circuit
//     breaker sends one probe per interval while the endpoint is down.
//   - A message of kind "ping" is a probe from `millwright connector
//     check`: answer 2xx and apply nothing.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/connector/config"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
)

// Name is the connector's name: `serve --connector webhook`, and the
// path of its inbound webhook, /api/v1/integration/webhooks/webhook.
const Name = "webhook"

// KindPing is the kind of the probe `connector check` sends.
const KindPing integration.MessageKind = "ping"

// Settings are the webhook connector's settings file (--connector-config).
type Settings struct {
	// URL receives every message: https://host/path (http only for loopback and tests).
	URL string `json:"url"`
	// EventsURL, when set, is polled for events as a fallback to the
	// webhook: GET EventsURL?after=SEQ&limit=N, signed over its request
	// URI, answering {"events":[...]} in sequence order.
	EventsURL string `json:"events_url,omitempty"`
	// BalancesURL, when set, answers the ERP's side of the books for
	// reconciliation: GET BalancesURL, signed over its request URI,
	// answering an integration.Balances. Without it the CMMS says it
	// cannot reconcile.
	BalancesURL string `json:"balances_url,omitempty"`
	// ERPURL is where the ERP's users (buyers, approvers) work, named to
	// CMMS users who look for the ERP's pages; default: url's origin.
	ERPURL string `json:"erp_url,omitempty"`
	// The shared secret: secret_env or secret_file; default
	// MILLWRIGHT_CONNECTOR_SECRET.
	config.Secret
	Timeout          config.Duration   `json:"timeout,omitempty"`           // one request, answer included; default 10s
	Attempts         int               `json:"attempts,omitempty"`          // tries within one delivery; default 3
	Backoff          config.Duration   `json:"backoff,omitempty"`           // first wait between those tries, doubled each time; default 200ms
	MaxRetryAfter    config.Duration   `json:"max_retry_after,omitempty"`   // the longest Retry-After waited within a delivery; longer holds every message back that long; default 5s
	BreakerThreshold int               `json:"breaker_threshold,omitempty"` // failures in a row that open the breaker; default 3
	BreakerInterval  config.Duration   `json:"breaker_interval,omitempty"`  // time between probes while it is open; default 2s
	Headers          map[string]string `json:"headers,omitempty"`           // extra headers on every request, e.g. a platform's routing header (not for secrets)
}

// Connector is the generic webhook connector: an integration.Connector.
type Connector struct {
	URL         string
	EventsURL   string
	BalancesURL string
	ERPURL      string // where the ERP's users work (Settings.ERPURL)
	Secret      string
	HTTP        *http.Client
	Breaker     *remote.Breaker
	Headers     map[string]string

	Attempts      int
	Backoff       time.Duration
	MaxRetryAfter time.Duration
	Now           func() time.Time

	mu        sync.Mutex
	holdUntil time.Time // the endpoint asked, by Retry-After, not to be called before
}

var _ integration.Connector = (*Connector)(nil)

// Open reads settings (the JSON of --connector-config) and the secret
// (from env) and returns the connector. An error is Invalid, names the
// field and says how to fix it; it never holds the secret.
func Open(settings []byte, env config.Env) (*Connector, error) {
	var s Settings
	if err := config.Decode(Name, settings, &s); err != nil {
		return nil, err
	}
	secret, err := s.Secret.Resolve(Name, env)
	if err != nil {
		return nil, err
	}
	return New(s, secret)
}

// New returns the connector of s, signing with secret.
func New(s Settings, secret string) (*Connector, error) {
	if err := checkURL("url", s.URL, true); err != nil {
		return nil, err
	}
	if err := checkURL("events_url", s.EventsURL, false); err != nil {
		return nil, err
	}
	if err := checkURL("balances_url", s.BalancesURL, false); err != nil {
		return nil, err
	}
	if secret == "" {
		return nil, millwright.Errorf(millwright.Invalid, "no_secret",
			"the webhook connector needs the secret shared with the endpoint: set %s, or secret_env or secret_file in its settings", config.SecretEnv)
	}
	if s.Attempts < 0 || s.BreakerThreshold < 0 {
		return nil, millwright.Errorf(millwright.Invalid, "bad_connector_config",
			"the webhook connector's attempts and breaker_threshold must be positive (or left out for the defaults 3 and 3)")
	}
	for k := range s.Headers {
		if http.CanonicalHeaderKey(k) == remote.SignatureHeader || strings.EqualFold(k, "Idempotency-Key") || strings.EqualFold(k, "Content-Type") {
			return nil, millwright.Errorf(millwright.Invalid, "bad_connector_config",
				"the webhook connector's headers may not set %s: the connector sets it itself", k)
		}
	}
	if err := checkURL("erp_url", s.ERPURL, false); err != nil {
		return nil, err
	}
	if s.ERPURL == "" {
		u, _ := url.Parse(s.URL)
		s.ERPURL = u.Scheme + "://" + u.Host
	}
	return &Connector{
		URL: s.URL, EventsURL: s.EventsURL, BalancesURL: s.BalancesURL, ERPURL: s.ERPURL, Secret: secret, Headers: s.Headers,
		HTTP:          &http.Client{Timeout: s.Timeout.Or(remote.DefaultTimeout)},
		Breaker:       &remote.Breaker{Threshold: s.BreakerThreshold, Interval: time.Duration(s.BreakerInterval)},
		Attempts:      s.Attempts,
		Backoff:       time.Duration(s.Backoff),
		MaxRetryAfter: time.Duration(s.MaxRetryAfter),
	}, nil
}

func checkURL(field, raw string, required bool) error {
	if raw == "" && !required {
		return nil
	}
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return millwright.Errorf(millwright.Invalid, "bad_connector_config",
			"the webhook connector's %s must be an http(s) URL such as https://integration.example.com/millwright, where the endpoint takes messages", field)
	}
	if u.User != nil {
		return millwright.Errorf(millwright.Invalid, "bad_connector_config",
			"the webhook connector's %s holds a user name or password; the signature authenticates each request: take them out", field)
	}
	return nil
}

func (c *Connector) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Connector) attempts() int {
	if c.Attempts <= 0 {
		return 3
	}
	return c.Attempts
}

func (c *Connector) backoff() time.Duration {
	if c.Backoff <= 0 {
		return 200 * time.Millisecond
	}
	return c.Backoff
}

func (c *Connector) maxRetryAfter() time.Duration {
	if c.MaxRetryAfter <= 0 {
		return 5 * time.Second
	}
	return c.MaxRetryAfter
}

// Send POSTs m to the endpoint; see integration.Connector and the
// package's contract. It tries up to Attempts times, waiting Backoff
// (doubled, with jitter) or the endpoint's Retry-After between tries.
func (c *Connector) Send(ctx context.Context, m integration.Message) ([]integration.Event, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out answer
	if err := c.retry(ctx, http.MethodPost, c.URL, body, m.IdempotencyKey, &out); err != nil {
		return nil, err
	}
	if out.Events == nil {
		out.Events = []integration.Event{}
	}
	return out.Events, nil
}

// Events polls EventsURL, when set, for the events after seq; without it
// the endpoint pushes every event to the webhook, and Events has none.
func (c *Connector) Events(ctx context.Context, after int64, limit int) ([]integration.Event, error) {
	if c.EventsURL == "" {
		return nil, nil
	}
	u, err := url.Parse(c.EventsURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("after", strconv.FormatInt(after, 10))
	q.Set("limit", strconv.Itoa(limit))
	u.RawQuery = q.Encode()
	var out answer
	if err := c.retry(ctx, http.MethodGet, u.String(), nil, "", &out); err != nil {
		return nil, err
	}
	return out.Events, nil
}

var _ integration.Reconciler = (*Connector)(nil)

// Balances reads the ERP's stock and work-order costs from BalancesURL,
// for reconciliation; without it there is nothing to compare with.
func (c *Connector) Balances(ctx context.Context) (*integration.Balances, error) {
	if c.BalancesURL == "" {
		return nil, millwright.Errorf(millwright.Rule, "not_reconcilable",
			"the webhook connector has no balances_url, so the ERP's side of the books cannot be read; set balances_url in its settings (docs/connectors/webhook.md), or reconcile in the ERP's own reports")
	}
	var b integration.Balances
	if err := c.retry(ctx, http.MethodGet, c.BalancesURL, nil, "", &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// answer is a 2xx body: empty, or {"events":[...]}.
type answer struct {
	Events []integration.Event `json:"events"`
}

// retry does one request up to Attempts times.
func (c *Connector) retry(ctx context.Context, method, target string, body []byte, key string, out any) error {
	if until := c.held(); !until.IsZero() {
		return fmt.Errorf("%w: %s asked, by Retry-After, not to be called before %s",
			integration.ErrUnavailable, redact(target), until.UTC().Format(time.RFC3339))
	}
	wait := c.backoff()
	var err error
	for attempt := 1; ; attempt++ {
		var retryAfter time.Duration
		var retryable bool
		err, retryable, retryAfter = c.do(ctx, method, target, body, key, out)
		if err == nil || !retryable || errors.Is(err, integration.ErrUnavailable) || attempt >= c.attempts() {
			return err
		}
		d := wait + time.Duration(rand.Int64N(int64(wait)/2+1))
		if retryAfter > 0 {
			if retryAfter > c.maxRetryAfter() {
				c.hold(c.now().Add(retryAfter))
				return err
			}
			d = retryAfter
		}
		wait *= 2
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func (c *Connector) held() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.holdUntil.IsZero() && !c.now().Before(c.holdUntil) {
		c.holdUntil = time.Time{}
	}
	return c.holdUntil
}

func (c *Connector) hold(until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holdUntil = until
}

// do sends one signed request through the breaker. It reports whether the
// failure may be retried, and how long the endpoint asked to wait.
func (c *Connector) do(ctx context.Context, method, target string, body []byte, key string, out any) (err error, retryable bool, retryAfter time.Duration) {
	if err := c.Breaker.Allow(); err != nil {
		return fmt.Errorf("%s %s: %w", method, redact(target), err), true, 0
	}
	err, down, retryable, retryAfter := c.roundTrip(ctx, method, target, body, key, out)
	if ctx.Err() != nil {
		c.Breaker.Abandon()
	} else {
		c.Breaker.Done(down, err)
	}
	return err, retryable, retryAfter
}

// roundTrip reports down when the endpoint did not answer or answered 5xx:
// what opens the breaker.
func (c *Connector) roundTrip(ctx context.Context, method, target string, body []byte, key string, out any) (err error, down, retryable bool, retryAfter time.Duration) {
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return err, false, false, 0
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	signed := body
	if method == http.MethodGet {
		signed = []byte(req.URL.RequestURI())
	}
	req.Header.Set(remote.SignatureHeader, remote.Sign(c.Secret, c.now(), signed))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "millwright-webhook/1")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	where := method + " " + redact(target)
	res, err := c.HTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said once, redacted
		}
		return fmt.Errorf("%s: no answer: %w", where, err), true, true, 0
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", where, err), true, true, 0
	}
	retryAfter = parseRetryAfter(res.Header.Get("Retry-After"), c.now())
	switch s := res.StatusCode; {
	case s >= 200 && s < 300:
		if len(bytes.TrimSpace(b)) == 0 {
			return nil, false, false, 0
		}
		if err := json.Unmarshal(b, out); err != nil {
			shape, fix := `{"events":[...]}`, `answer an empty body or {"events":[]}`
			if _, ok := out.(*answer); !ok {
				shape, fix = "the ERP's balances", `answer {"at","stock","work_order_costs"} (docs/connectors/webhook.md)`
			}
			return fmt.Errorf("%s: the endpoint answered %d with a body that is not %s: %v; %s", where, s, shape, err, fix), false, true, 0
		}
		return nil, false, false, 0
	case s >= 500:
		return fmt.Errorf("%s: the endpoint answered %s: %s", where, res.Status, reason(b)), true, true, retryAfter
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return fmt.Errorf("%s: the endpoint refused the signature (%s: %s); the endpoint and the CMMS must share one secret, and both clocks be right", where, res.Status, reason(b)), false, true, retryAfter
	case s == http.StatusNotFound:
		return fmt.Errorf("%s: the endpoint answered 404 (%s); check the url in the connector's settings", where, reason(b)), false, true, retryAfter
	case s == http.StatusRequestTimeout || s == http.StatusTooEarly || s == http.StatusTooManyRequests || s < 400:
		return fmt.Errorf("%s: the endpoint answered %s: %s", where, res.Status, reason(b)), false, true, retryAfter
	}
	return refusal(res.StatusCode, b), false, false, 0
}

// refusal turns a 4xx answer into the millwright error that parks the message.
func refusal(status int, body []byte) error {
	kind := millwright.Invalid
	switch status {
	case http.StatusConflict:
		kind = millwright.Conflict
	case http.StatusUnprocessableEntity:
		kind = millwright.Rule
	}
	var e struct {
		Error   json.RawMessage `json:"error"`
		Code    string          `json:"code"`
		Message string          `json:"message"`
	}
	code, msg := "", ""
	if json.Unmarshal(body, &e) == nil {
		var inner struct{ Code, Message string }
		if json.Unmarshal(e.Error, &inner) == nil && (inner.Code != "" || inner.Message != "") {
			code, msg = inner.Code, inner.Message
		} else if s := ""; json.Unmarshal(e.Error, &s) == nil && s != "" {
			msg = s
		} else {
			code, msg = e.Code, e.Message
		}
	}
	if msg == "" {
		msg = reason(body)
	}
	if code == "" || !snake(code) {
		code = "refused_by_endpoint"
	}
	return &millwright.Error{Kind: kind, Code: code,
		Message: fmt.Sprintf("the webhook endpoint refused the message (%d): %s", status, msg)}
}

// snake reports whether s is a snake_case code, the only kind kept.
func snake(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// reason is a short, one-line form of an answer's body.
func reason(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return "(no body)"
	}
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

// parseRetryAfter reads Retry-After: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// redact is a URL without its query, which may carry a platform's key.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the endpoint"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}
