package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// The paths of the connector endpoints, below an ERP's base URL.
const (
	MessagesPath = "/connector/v1/messages"
	EventsPath   = "/connector/v1/events"
	BalancesPath = "/connector/v1/balances"
	// MasterDataPath answers the ERP's item master and chart of accounts.
	MasterDataPath = "/connector/v1/master-data"
)

// DefaultTimeout bounds one request to the ERP, answer included.
const DefaultTimeout = 10 * time.Second

// Client is an ERP reached over HTTP: an integration.Connector. Use
// NewClient; the zero fields of its result have defaults.
type Client struct {
	BaseURL string       // http://host:port of `millwright erp serve`
	Secret  string       // the shared secret requests are signed with
	HTTP    *http.Client // default: DefaultTimeout per request
	Breaker *Breaker     // one per endpoint
	Now     func() time.Time
}

var (
	_ integration.Connector  = (*Client)(nil)
	_ integration.Reconciler = (*Client)(nil)
)

// NewClient returns a client of the ERP at base, signing with secret. It
// refuses a base URL that is not http(s)://host[:port][/path].
func NewClient(base, secret string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, millwright.Errorf(millwright.Invalid, "bad_erp_url",
			"the ERP URL %q must be http://host:port (where `millwright erp serve` listens)", base)
	}
	return &Client{BaseURL: u.String(), Secret: secret, HTTP: &http.Client{Timeout: DefaultTimeout}, Breaker: &Breaker{}}, nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Send posts m to the ERP; see integration.Connector. An answer of kind
// Invalid, Rule or Conflict comes back as a millwright error of that kind;
// no answer, a timeout or a 5xx is an error the sender may retry.
func (c *Client) Send(ctx context.Context, m integration.Message) ([]integration.Event, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out struct {
		Events []integration.Event `json:"events"`
	}
	if err := c.do(ctx, http.MethodPost, MessagesPath, body, m.IdempotencyKey, &out); err != nil {
		return nil, err
	}
	if out.Events == nil {
		out.Events = []integration.Event{}
	}
	return out.Events, nil
}

// Events reads the ERP's events after seq; see integration.Connector.
func (c *Client) Events(ctx context.Context, after int64, limit int) ([]integration.Event, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(limit)}}
	var out struct {
		Events []integration.Event `json:"events"`
	}
	if err := c.do(ctx, http.MethodGet, EventsPath+"?"+q.Encode(), nil, "", &out); err != nil {
		return nil, err
	}
	return out.Events, nil
}

// Balances reads the ERP's stock and work-order costs, for
// reconciliation; see integration.Reconciler.
func (c *Client) Balances(ctx context.Context) (*integration.Balances, error) {
	var b integration.Balances
	if err := c.do(ctx, http.MethodGet, BalancesPath, nil, "", &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// MasterData reads the ERP's item master and chart, for the data-quality
// report; see integration.MasterDataReader.
func (c *Client) MasterData(ctx context.Context) (*integration.MasterData, error) {
	var md integration.MasterData
	if err := c.do(ctx, http.MethodGet, MasterDataPath, nil, "", &md); err != nil {
		return nil, err
	}
	return &md, nil
}

// Health asks the ERP's /healthz, unsigned and past the breaker: it tells
// whether the process answers at all.
func (c *Client) Health(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/healthz", nil)
	if err != nil {
		return err
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s/healthz answered %s", c.BaseURL, res.Status)
	}
	return nil
}

// do sends one signed request through the breaker and decodes a 2xx
// answer into out.
func (c *Client) do(ctx context.Context, method, path string, body []byte, key string, out any) error {
	if err := c.Breaker.Allow(); err != nil {
		return fmt.Errorf("%s %s%s: %w", method, c.BaseURL, path, err)
	}
	err, failed := c.roundTrip(ctx, method, path, body, key, out)
	if ctx.Err() != nil { // our own cancellation says nothing about the ERP
		c.Breaker.Abandon()
	} else {
		c.Breaker.Done(failed, err)
	}
	return err
}

// roundTrip reports failed when the endpoint did not answer or answered
// 5xx: what opens the breaker.
func (c *Client) roundTrip(ctx context.Context, method, path string, body []byte, key string, out any) (err error, failed bool) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return err, false
	}
	signed := body
	if method == http.MethodGet {
		signed = []byte(req.URL.RequestURI())
	}
	req.Header.Set(SignatureHeader, Sign(c.Secret, c.now(), signed))
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, req.URL.Redacted(), err), true
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, req.URL.Redacted(), err), true
	}
	if res.StatusCode >= 500 {
		return fmt.Errorf("%s %s: the ERP answered %s: %s", method, req.URL.Redacted(), res.Status, snippet(b)), true
	}
	if res.StatusCode >= 300 {
		return answerError(res.StatusCode, b, req.URL.Redacted()), false
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: the ERP's answer is not the JSON expected: %v", method, req.URL.Redacted(), err), true
	}
	return nil, false
}

// answerError turns an ERP's 3xx/4xx answer into an error: a millwright
// error of the status's kind, with the ERP's code and message.
func answerError(status int, body []byte, where string) error {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	if e.Error.Code == "" {
		e.Error.Code, e.Error.Message = "erp_error", fmt.Sprintf("%s answered %d: %s", where, status, snippet(body))
	}
	kind, ok := map[int]millwright.Kind{
		http.StatusBadRequest:          millwright.Invalid,
		http.StatusUnauthorized:        millwright.Unauthorized,
		http.StatusForbidden:           millwright.Forbidden,
		http.StatusNotFound:            millwright.NotFound,
		http.StatusConflict:            millwright.Conflict,
		http.StatusUnprocessableEntity: millwright.Rule,
	}[status]
	if !ok { // 429 and the like: may be retried
		return errors.New(e.Error.Code + ": " + e.Error.Message)
	}
	if status == http.StatusNotFound && e.Error.Code == "not_found" {
		e.Error.Message += fmt.Sprintf("; is %s the base URL of `millwright erp serve`?", strings.TrimSuffix(where, "?"))
	}
	return &millwright.Error{Kind: kind, Code: e.Error.Code, Message: e.Error.Message}
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
