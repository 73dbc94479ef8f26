package odoo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
)

// client calls Odoo's JSON-2 API: POST <url>/json/2/<model>/<method> with
// the API key as bearer token. Each call is one Odoo transaction.
type client struct {
	url      string
	database string
	key      string // never logged, never in an error
	http     *http.Client
	breaker  *remote.Breaker
	// retries bounds how often one call is repeated after 429 or 503;
	// maxWait bounds one Retry-After wait.
	retries int
	maxWait time.Duration
}

// Error is an error answer of Odoo, in its JSON-2 shape.
type Error struct {
	Status    int    `json:"-"`
	Name      string `json:"name"`    // odoo.exceptions.UserError, builtins.ValueError, ...
	Message   string `json:"message"` // Odoo's sentence
	Model     string `json:"-"`
	Method    string `json:"-"`
	Arguments []any  `json:"arguments"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("odoo %s/%s answered %d %s: %s", e.Model, e.Method, e.Status, e.Name, e.Message)
}

// retryAfter is an answer that asks the caller to come back later.
type retryAfter struct {
	wait time.Duration
	err  *Error
}

func (r *retryAfter) Error() string { return r.err.Error() }
func (r *retryAfter) Unwrap() error { return r.err }

// call runs model.method with params and decodes the answer into out (nil:
// ignored). Answers 429 and 503 are waited out (Retry-After, at most
// maxWait each) and retried a few times; an answer that says the request
// cannot succeed as it is comes back as a *millwright.Error of kind
// Invalid, Rule, NotFound, Unauthorized or Forbidden, with Odoo's
// sentence in it; anything else (no answer, 5xx) is an error the sender may
// retry.
func (c *client) call(ctx context.Context, model, method string, params map[string]any, out any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, model, method, body, out)
		var ra *retryAfter
		if !errors.As(err, &ra) || attempt >= c.retries {
			if ra != nil {
				return fmt.Errorf("odoo %s/%s: still busy after %d attempts: %w", model, method, attempt+1, ra.err)
			}
			return err
		}
		t := time.NewTimer(ra.wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (c *client) once(ctx context.Context, model, method string, body []byte, out any) error {
	if err := c.breaker.Allow(); err != nil {
		return fmt.Errorf("odoo %s/%s: %w", model, method, err)
	}
	err, failed := c.roundTrip(ctx, model, method, body, out)
	if ctx.Err() != nil {
		c.breaker.Abandon()
	} else {
		c.breaker.Done(failed, err)
	}
	return err
}

func (c *client) roundTrip(ctx context.Context, model, method string, body []byte, out any) (err error, failed bool) {
	where := c.url + "/json/2/" + model + "/" + method
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, where, bytes.NewReader(body))
	if err != nil {
		return err, false
	}
	req.Header.Set("Authorization", "bearer "+c.key)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	if c.database != "" {
		req.Header.Set("X-Odoo-Database", c.database)
	}
	res, err := c.http.Do(req)
	if err != nil {
		// The error of http.Client names the URL, never the headers.
		return fmt.Errorf("odoo %s/%s: no answer: %w", model, method, err), true
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("odoo %s/%s: reading the answer: %w", model, method, err), true
	}
	if res.StatusCode == http.StatusOK {
		if out == nil {
			return nil, false
		}
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("odoo %s/%s: the answer is not the JSON expected: %v", model, method, err), true
		}
		return nil, false
	}
	oe := &Error{Status: res.StatusCode, Model: model, Method: method}
	if json.Unmarshal(b, oe) != nil || oe.Name == "" {
		oe.Name, oe.Message = http.StatusText(res.StatusCode), snippet(b)
	}
	if res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable {
		return &retryAfter{wait: c.waitFor(res.Header.Get("Retry-After")), err: oe}, res.StatusCode == http.StatusServiceUnavailable
	}
	return classify(oe), res.StatusCode >= 500 && !dataError(oe)
}

// waitFor reads a Retry-After header (seconds or an HTTP date), bounded
// by maxWait; none waits one second.
func (c *client) waitFor(h string) time.Duration {
	wait := time.Second
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil {
		wait = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		wait = time.Until(t)
	}
	return min(max(wait, 0), c.maxWait)
}

// dataError reports whether Odoo refused the data of the call — a value
// its ORM cannot take (ValueError, KeyError, TypeError: answered 500 by
// JSON-2) or a rule of Odoo (UserError, ValidationError: 422) — rather
// than failed: sending it again unchanged fails again.
func dataError(e *Error) bool {
	switch e.Name {
	case "builtins.ValueError", "builtins.KeyError", "builtins.TypeError", "builtins.AttributeError",
		"odoo.exceptions.UserError", "odoo.exceptions.ValidationError", "odoo.exceptions.RedirectWarning":
		return true
	}
	return false
}

// classify turns an Odoo error answer into a Millwright error of the
// right kind, with Odoo's sentence and what to fix. An answer of no known
// kind stays an *Error, which the sender retries.
func classify(e *Error) error {
	kind, code, fix := millwright.Kind(0), "", ""
	switch {
	case e.Status == http.StatusUnauthorized:
		kind, code, fix = millwright.Unauthorized, "odoo_unauthorized",
			"the API key was refused: create a new one in Odoo (Preferences → Account Security → New API Key) and put it where api_key_env or api_key_file says"
	case e.Status == http.StatusForbidden || e.Name == "odoo.exceptions.AccessError":
		kind, code, fix = millwright.Forbidden, "odoo_forbidden",
			"the Odoo user of the API key may not do this: give it the Purchase, Inventory and Accounting rights the connector needs"
	case e.Name == "odoo.exceptions.MissingError":
		kind, code, fix = millwright.Invalid, "odoo_missing_record",
			"a record the message refers to does not exist in Odoo (deleted, or a mapping names a wrong id); fix the mapping and replay the message"
	case e.Status == http.StatusNotFound:
		kind, code, fix = millwright.NotFound, "odoo_not_found",
			"is the URL Odoo's, and is the module that has this model installed? `millwright connector check --connector odoo` lists what is missing"
	case e.Name == "odoo.exceptions.UserError" || e.Name == "odoo.exceptions.ValidationError" || e.Status == http.StatusUnprocessableEntity:
		kind, code, fix = millwright.Rule, "odoo_refused", "change the data in the CMMS or in Odoo as Odoo's message says, then replay the message"
	case dataError(e):
		kind, code, fix = millwright.Invalid, "odoo_bad_value",
			"Odoo cannot read a value the connector sent; check the mappings (items, units, locations, analytic accounts) and replay the message"
	case e.Status == http.StatusBadRequest:
		kind, code, fix = millwright.Invalid, "odoo_bad_request", "the request was malformed; report it with the message id"
	}
	if kind == 0 {
		return e
	}
	return &millwright.Error{Kind: kind, Code: code,
		Message: fmt.Sprintf("Odoo refused %s/%s: %s (%s); %s", e.Model, e.Method, firstLine(e.Message), e.Name, fix)}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
