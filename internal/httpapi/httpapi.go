// Package httpapi is Millwright's JSON API under /api/v1: routes, bearer
// authentication, the authorisation matrix applied per route, idempotent
// POSTs, and the one place where errors become statuses.
package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/ingest"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Handler serves the API.
type Handler struct {
	db       *store.DB
	log      *slog.Logger
	mux      *http.ServeMux
	conn     integration.Connector // the ERP, for reconciliation; nil: the embedded one
	readings *ingest.Recorder      // stores readings; SetRecorder shares one with MQTT

	keep         func(pattern string) bool // the routes served; nil: all
	erpConnector string                    // the connector to an ERP elsewhere (WithoutERP); "": the ERP is here
	erpURL       string                    // where that ERP is
	webhooks     map[string]webhook        // by connector name
}

// New returns the API handler over db, configured by opts.
func New(db *store.DB, log *slog.Logger, opts ...Option) *Handler {
	h := &Handler{db: db, log: log, mux: http.NewServeMux(), readings: &ingest.Recorder{DB: db, Hook: ingest.PMHook}}
	for _, o := range opts {
		o(h)
	}
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	h.mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	for _, rt := range h.routes() {
		if h.keep == nil || h.keep(rt.pattern) {
			h.mux.Handle(rt.pattern, h.wrap(rt))
		}
	}
	if h.erpConnector != "" {
		h.mux.HandleFunc("/api/v1/erp/", func(w http.ResponseWriter, r *http.Request) {
			if h.erpConnector == "http" { // Millwright's own ERP, run as its own process
				h.writeError(w, r, millwright.Errorf(millwright.NotFound, "erp_elsewhere",
					"the ERP runs as its own process: send %s %s to %s%s, with a token made in the ERP's database (go run ./cmd/millwright token create --db <the ERP's DSN> ...)",
					r.Method, r.URL.Path, strings.TrimSuffix(h.erpURL, "/"), r.URL.RequestURI()))
				return
			}
			h.writeError(w, r, millwright.Errorf(millwright.NotFound, "erp_elsewhere",
				"this CMMS works with the ERP at %s through the %s connector: its requisitions, purchase orders, receipts, invoices and ledger are kept there, not under %s here; "+
					"the CMMS's side of them is on each work order (GET /api/v1/work-orders/{id}/materials, /costs and /trace) and in GET /api/v1/integration/messages",
				h.erpURL, h.erpConnector, r.URL.Path))
		})
	}
	h.mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, millwright.Errorf(millwright.NotFound, "not_found",
			"%s %s is not part of the API; see /api/v1/openapi.json", r.Method, r.URL.Path))
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// route is one entry of the route table: a ServeMux pattern, the action
// the caller's role must be allowed, and the handler.
type route struct {
	pattern string
	action  auth.Action
	handle  func(w http.ResponseWriter, r *http.Request) error
}

// wrap authenticates the caller, checks the route's action against the
// matrix, makes POSTs idempotent, and writes any error.
func (h *Handler) wrap(rt route) http.Handler {
	if rt.action == auth.Signed { // no token: the handler checks the signature
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r = r.WithContext(millwright.WithPrincipal(r.Context(), millwright.System))
			if err := rt.handle(w, r); err != nil {
				h.writeError(w, r, err)
			}
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, tokenID, err := h.authenticate(r)
		if err == nil {
			err = auth.Require(ctx, rt.action)
		}
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		r = r.WithContext(ctx)
		if r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") != "" {
			h.idempotent(w, r, tokenID, rt)
			return
		}
		if err := rt.handle(w, r); err != nil {
			h.writeError(w, r, err)
		}
	})
}

func (h *Handler) authenticate(r *http.Request) (context.Context, string, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return nil, "", millwright.Errorf(millwright.Unauthorized, "unauthorized",
			"send an API token as 'Authorization: Bearer TOKEN'; create one with: millwright token create --user NAME --role ROLE")
	}
	var (
		u       *store.User
		tokenID string
	)
	// One statement, outside a transaction: it is on every request.
	err := h.db.Lookup(r.Context(), func(tx *store.Tx) (err error) {
		u, tokenID, err = tx.UserByTokenHash(r.Context(), auth.HashToken(token))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return millwright.WithPrincipal(r.Context(), u.Principal()), tokenID, nil
}

// idempotent runs a POST once per Idempotency-Key and token: a repeat with
// the same body gets the first response again, a repeat with another body
// gets 409. The key is reserved before the handler runs, so two concurrent
// requests with one key cannot both take effect, and the response is
// stored before it is sent, so a client that has it can always replay it.
func (h *Handler) idempotent(w http.ResponseWriter, r *http.Request, tokenID string, rt route) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		h.writeError(w, r, millwright.Errorf(millwright.Invalid, "bad_idempotency_key",
			"the Idempotency-Key header has %d characters; use at most %d, such as a UUID", len(key), maxIdempotencyKey))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		h.writeError(w, r, millwright.Errorf(millwright.Invalid, "bad_request", "cannot read the request body: %v", err))
		return
	}
	if len(body) > maxBody {
		h.writeError(w, r, millwright.Errorf(millwright.Invalid, "body_too_large",
			"the request body is larger than %d bytes; send less", maxBody))
		return
	}
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), body...))
	reqHash := hex.EncodeToString(sum[:])
	var prior *store.IdempotentResponse
	err = h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		prior, err = tx.ReserveIdempotencyKey(r.Context(), tokenID, key, reqHash)
		return err
	})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if prior != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(prior.Status)
		w.Write(prior.Body)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{header: w.Header()}
	if err := rt.handle(rec, r); err != nil {
		h.writeError(rec, r, err)
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	// The answer is stored even when the client has gone away meanwhile:
	// the change is made, and its retry must find the answer, not redo it.
	// A server error is not remembered, so the client may retry with the same key.
	ctx := context.WithoutCancel(r.Context())
	err = h.db.InTx(ctx, func(tx *store.Tx) error {
		if rec.status >= 500 {
			return tx.ForgetIdempotencyKey(ctx, tokenID, key)
		}
		return tx.SaveIdempotentResponse(ctx, tokenID, key, rec.status, rec.body.Bytes())
	})
	if err != nil {
		h.log.Error("idempotency: save response", "key", key, "err", err)
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
}

// maxIdempotencyKey is the longest Idempotency-Key accepted, in bytes.
const maxIdempotencyKey = 255

// recorder keeps a response to send it later. Headers go straight to the
// real response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// writeError is the only place that turns an error into a status and an
// error body. Errors that are not *millwright.Error are logged and answered
// "internal error".
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *millwright.Error
	if !errors.As(err, &e) {
		h.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &millwright.Error{Code: "internal", Message: "internal error; the server log has the details"}
	}
	status := map[millwright.Kind]int{
		millwright.Invalid:      http.StatusBadRequest,
		millwright.NotFound:     http.StatusNotFound,
		millwright.Conflict:     http.StatusConflict,
		millwright.Rule:         http.StatusUnprocessableEntity,
		millwright.Unauthorized: http.StatusUnauthorized,
		millwright.Forbidden:    http.StatusForbidden,
	}[e.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

const maxBody = 1 << 20

// decode reads a JSON body into v. Unknown fields are refused, so a typo
// in a field name is an error rather than a silently ignored value.
//
// Before anything is read into v, the body is checked against the bounds
// of v's fields (millwright.CheckJSON): amounts as decimal strings within
// their decimals and magnitude, quantities as numbers, text without
// control characters and within its length, timestamps within years
// 1900–2099. The first field out of bounds is named in a 400.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(&io.LimitedReader{R: r.Body, N: maxBody + 1})
	if len(body) > maxBody {
		return millwright.Errorf(millwright.Invalid, "body_too_large",
			"the request body is larger than %d bytes; send less", maxBody)
	}
	if err != nil {
		return millwright.Errorf(millwright.Invalid, "bad_json", "cannot read the request body: %v", err)
	}
	if err := millwright.CheckJSON(body, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return millwright.Errorf(millwright.Invalid, "bad_json", "the request body is empty; send a JSON object")
		case errors.As(err, &syn):
			return millwright.Errorf(millwright.Invalid, "bad_json", "the request body is not valid JSON (at byte %d): %v", syn.Offset, err)
		case errors.As(err, &typ):
			return millwright.Errorf(millwright.Invalid, "bad_json", "field %s must be a %s, not a JSON %s", typ.Field, typ.Type, typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return millwright.Errorf(millwright.Invalid, "unknown_field", "%s; see /api/v1/openapi.json for the fields", strings.TrimPrefix(err.Error(), "json: "))
		default:
			return millwright.Errorf(millwright.Invalid, "bad_json", "cannot read the request body: %v", err)
		}
	}
	if dec.More() {
		return millwright.Errorf(millwright.Invalid, "bad_json", "the request body holds more than one JSON value")
	}
	return nil
}

// listParams reads ?limit= and ?cursor=.
func listParams(r *http.Request) (cursor string, limit int, err error) {
	q := r.URL.Query()
	if s := q.Get("limit"); s != "" {
		limit, err = strconv.Atoi(s)
		if err != nil || limit < 1 || limit > 500 {
			return "", 0, millwright.Errorf(millwright.Invalid, "bad_limit", "limit must be a whole number from 1 to 500, not %q", s)
		}
	}
	return q.Get("cursor"), limit, nil
}

// siteListParams reads ?limit=, ?cursor= and the site a list is limited
// to (see siteFilter): what every site-scoped list handler starts with.
func siteListParams(r *http.Request) (cursor string, limit int, site string, err error) {
	if cursor, limit, err = listParams(r); err != nil {
		return "", 0, "", err
	}
	site, err = siteFilter(r)
	return cursor, limit, site, err
}

// scope returns the site the caller is limited to, or "" for every site.
func scope(r *http.Request) string { return millwright.PrincipalFrom(r.Context()).SiteID }

// siteFilter returns the site a list is limited to: the caller's own site
// when it has one (asking for another is 403), else ?site_id=.
func siteFilter(r *http.Request) (string, error) {
	asked := r.URL.Query().Get("site_id")
	own := scope(r)
	if own == "" {
		return asked, nil
	}
	if asked != "" && asked != own {
		return "", millwright.CheckSite(r.Context(), asked)
	}
	return own, nil
}

var errNotImplemented = fmt.Errorf("not implemented yet")
