// Package web is Millwright's browser interface under /ui/: server-rendered
// pages (html/template, assets embedded in the binary, no build step) for
// the technician on a phone, the planner, the approver, the controller,
// the integration administrator and the storekeeper. Its handlers call the
// same domain use-cases as the JSON API, in one db.InTx per change, under
// the same authorisation matrix and site scoping.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/ingest"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Prefix is where the interface is mounted.
const Prefix = "/ui/"

// SessionTTL is how long a sign-in lasts.
const SessionTTL = 12 * time.Hour

const (
	sessionCookie = "mw_session"
	loginCookie   = "mw_login_csrf"
	flashCookie   = "mw_flash"
)

// Handler serves the web interface.
type Handler struct {
	db       *store.DB
	log      *slog.Logger
	mux      *http.ServeMux
	pages    map[string]*template.Template
	cop      *http.CrossOriginProtection
	readings *ingest.Recorder      // stores readings, as the API and MQTT do
	conn     integration.Connector // the ERP reconciliation reads balances from; nil: the embedded one
	erpURL   string                // the ERP's own process (serve --erp); "": the ERP is embedded
	tls      bool                  // served over HTTPS by a proxy in front (serve --tls-proxy)
}

// New returns the web interface over db.
func New(db *store.DB, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{db: db, log: log, mux: http.NewServeMux(), pages: map[string]*template.Template{},
		cop: http.NewCrossOriginProtection(), readings: &ingest.Recorder{DB: db, Hook: ingest.PMHook}}
	h.parse()
	static, _ := fs.Sub(assets, "static")
	h.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", cacheStatic(http.FileServerFS(static))))
	h.mux.HandleFunc("GET /ui/login", h.loginPage)
	h.mux.HandleFunc("POST /ui/login", h.login)
	for _, p := range h.routes() {
		h.mux.Handle(p.pattern, h.wrap(p))
	}
	h.mux.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, nil, millwright.Errorf(millwright.NotFound, "not_found", "there is no page at %s", r.URL.Path))
	})
	return h
}

// SetRecorder makes the interface store readings through rc, the recorder
// the API and the MQTT subscriber share, with its hook. Call it before serving.
func (h *Handler) SetRecorder(rc *ingest.Recorder) { h.readings = rc }

// WithConnector sets the ERP connector that reconciliation reads the
// ERP's balances from; without one it is the embedded ERP over the same
// database.
func (h *Handler) WithConnector(c integration.Connector) *Handler {
	h.conn = c
	return h
}

// BehindTLSProxy says a proxy in front serves the interface over HTTPS
// although this process speaks plain HTTP to it: its cookies are marked
// Secure, so a browser never sends a session over plain HTTP.
func (h *Handler) BehindTLSProxy() *Handler {
	h.tls = true
	return h
}

// overTLS marks a request's context when a TLS proxy is in front.
type overTLS struct{}

// secure reports whether the browser reached r over HTTPS: directly, or
// through the proxy BehindTLSProxy names.
func secure(r *http.Request) bool { return r.TLS != nil || r.Context().Value(overTLS{}) != nil }

// WithRemoteERP says the ERP runs in its own process at url: its pages
// (approvals, budgets, the ledger) are not in this database, and the
// interface says where they are instead of showing them empty.
func (h *Handler) WithRemoteERP(url string) *Handler {
	h.erpURL = url
	return h
}

// inERP serves an ERP page when the ERP is embedded; with the ERP in its
// own process it says where the page's data lives.
func (h *Handler) inERP(f func(w http.ResponseWriter, r *http.Request, s *session) error) func(w http.ResponseWriter, r *http.Request, s *session) error {
	return func(w http.ResponseWriter, r *http.Request, s *session) error {
		if h.erpURL == "" {
			return f(w, r, s)
		}
		h.render(w, r, s, http.StatusOK, "error.html", "In the ERP", map[string]any{"Status": http.StatusOK, "Code": "erp_elsewhere",
			"Message": "The ERP runs as its own process at " + h.erpURL + ": requisitions to approve, budgets and ledger entries are kept there. " +
				"Open this page on the ERP's own screens (" + h.erpURL + r.URL.Path + ", signed in as a user of the ERP's database); here the CMMS shows its own data only."})
		return nil
	}
}

func (h *Handler) connector() integration.Connector {
	if h.conn == nil {
		return erp.New(h.db)
	}
	return h.conn
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")
	if h.tls {
		r = r.WithContext(context.WithValue(r.Context(), overTLS{}, true))
	}
	h.cop.Handler(h.mux).ServeHTTP(w, r)
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// page is one entry of the route table: a pattern, the action the role
// must be allowed (auth.Matrix, as in the API), and the handler. GET
// handlers render; POST handlers change and redirect.
type page struct {
	pattern string
	action  auth.Action
	handle  func(w http.ResponseWriter, r *http.Request, s *session) error
}

// uploads are the routes whose form may carry a file (multipart), up to
// a photo's size; every other form is at most 1 MB.
var uploads = map[string]bool{"POST /ui/my-work/{id}/photo": true}

// session is the signed-in user of a request.
type session struct {
	ID   string
	User *store.User
	CSRF string
}

// wrap signs the request in from its session cookie, checks the page's
// action against the matrix and, for a POST, the form's CSRF token.
func (h *Handler) wrap(p page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := h.session(r)
		if err != nil {
			if millwright.ErrorKind(err) == millwright.Unauthorized {
				next := r.URL.RequestURI()
				if r.Method != http.MethodGet {
					next = Prefix
				}
				http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(next), http.StatusSeeOther)
				return
			}
			h.renderError(w, r, nil, err)
			return
		}
		r = r.WithContext(millwright.WithPrincipal(r.Context(), s.User.Principal()))
		if err := auth.Require(r.Context(), p.action); err != nil {
			h.renderError(w, r, s, err)
			return
		}
		if r.Method == http.MethodPost {
			var err error
			if uploads[p.pattern] && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				r.Body = http.MaxBytesReader(w, r.Body, workorder.MaxPhotoBytes+1<<20)
				err = r.ParseMultipartForm(1 << 20) // beyond 1 MB the file waits on disk
			} else {
				r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
				err = r.ParseForm()
			}
			if err != nil {
				h.renderError(w, r, s, millwright.Errorf(millwright.Invalid, "bad_form", "cannot read the form: %v", err))
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.CSRF)) != 1 {
				h.renderError(w, r, s, millwright.Errorf(millwright.Forbidden, "bad_csrf",
					"the form is out of date or did not come from this site; reload the page and try again"))
				return
			}
			if err := checkForm(r); err != nil {
				h.renderError(w, r, s, err)
				return
			}
		}
		if err := p.handle(w, r, s); err != nil {
			h.renderError(w, r, s, err)
		}
	})
}

func (h *Handler) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, millwright.Errorf(millwright.Unauthorized, "unauthorized", "sign in first")
	}
	var s session
	err = h.db.View(r.Context(), func(tx *store.Tx) error {
		ws, u, err := tx.WebSessionByHash(r.Context(), auth.HashToken(c.Value))
		if err != nil {
			return err
		}
		s = session{ID: ws.ID, User: u, CSRF: ws.CSRF}
		return nil
	})
	return &s, err
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// change runs fn in one write transaction as the signed-in user; on
// success it redirects to `to` with a notice, on a user error back to
// `back` with the error's message.
func (h *Handler) change(w http.ResponseWriter, r *http.Request, back, to, notice string, fn func(ctx context.Context, tx *store.Tx) error) error {
	return h.changeSaying(w, r, back, to, func(ctx context.Context, tx *store.Tx) (string, error) { return notice, fn(ctx, tx) })
}

// changeSaying is change whose notice says what fn did (a document's
// number, say).
func (h *Handler) changeSaying(w http.ResponseWriter, r *http.Request, back, to string, fn func(ctx context.Context, tx *store.Tx) (string, error)) error {
	var notice string
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		notice, err = fn(r.Context(), tx)
		return err
	})
	var e *millwright.Error
	switch {
	case err == nil:
		redirect(w, r, to, "notice", notice)
	case errors.As(err, &e) && e.Kind != millwright.Forbidden && e.Kind != millwright.Unauthorized:
		redirect(w, r, back, "error", e.Message)
	default:
		return err
	}
	return nil
}

// view runs fn in a read-only transaction.
func (h *Handler) view(r *http.Request, fn func(ctx context.Context, tx *store.Tx) error) error {
	return h.db.View(r.Context(), func(tx *store.Tx) error { return fn(r.Context(), tx) })
}

// redirect answers a form with 303 to the page to show next, carrying a
// notice or an error for that page in a short-lived cookie (a message in
// the URL could be forged by a link from anywhere).
func redirect(w http.ResponseWriter, r *http.Request, to, kind, msg string) {
	if msg != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: kind + "." + base64.RawURLEncoding.EncodeToString([]byte(msg)),
			Path: Prefix, MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(r)})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// flash reads and clears the message a redirect left for this page.
func flash(w http.ResponseWriter, r *http.Request) (notice, errMsg string) {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return "", ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure(r)})
	kind, enc, _ := strings.Cut(c.Value, ".")
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", ""
	}
	if kind == "error" {
		return "", string(b)
	}
	return string(b), ""
}

var statusOf = map[millwright.Kind]int{
	millwright.Invalid:      http.StatusBadRequest,
	millwright.NotFound:     http.StatusNotFound,
	millwright.Conflict:     http.StatusConflict,
	millwright.Rule:         http.StatusUnprocessableEntity,
	millwright.Unauthorized: http.StatusUnauthorized,
	millwright.Forbidden:    http.StatusForbidden,
}

// renderError shows an error page: 403 when the role or site does not
// allow it, 404 for what does not exist, and "internal error" (logged) for
// anything that is not a *millwright.Error.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var e *millwright.Error
	if !errors.As(err, &e) {
		h.log.Error("web: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &millwright.Error{Code: "internal", Message: "internal error; the server log has the details"}
	}
	status := statusOf[e.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	title := map[int]string{403: "Not allowed", 404: "Not found", 401: "Sign in"}[status]
	if title == "" {
		title = "Something went wrong"
	}
	h.render(w, r, s, status, "error.html", title, map[string]any{"Status": status, "Code": e.Code, "Message": e.Message})
}

// view data common to every page.
type pageData struct {
	Title  string
	User   *store.User
	CSRF   string
	Nav    []navLink
	Notice string
	Error  string
	Path   string
	Data   any
}

type navLink struct {
	Href, Label string
	Current     bool
}

// nav is the menu of a role: the pages its actions open.
func nav(u *store.User, path string) []navLink {
	if u == nil {
		return nil
	}
	var links []navLink
	add := func(a auth.Action, href, label string) {
		if auth.Allowed(u.Role, a) {
			links = append(links, navLink{Href: href, Label: label, Current: strings.HasPrefix(path, href)})
		}
	}
	add(auth.DoWork, "/ui/my-work", "My work")
	add(auth.Read, "/ui/work-orders", "Work orders")
	add(auth.RequestWork, "/ui/requests", "Requests")
	add(auth.PlanWork, "/ui/board", "Board")
	add(auth.PlanPM, "/ui/pm-plans", "PM plans")
	add(auth.PlanWork, "/ui/crafts", "Crafts")
	add(auth.Read, "/ui/approvals", "Approvals")
	add(auth.Read, "/ui/costs", "Costs")
	if auth.Allowed(u.Role, auth.PlanWork) || auth.Allowed(u.Role, auth.ManageFinance) {
		add(auth.Read, "/ui/kpis", "KPIs")
	}
	add(auth.ManageIntegration, "/ui/integration", "Integration")
	add(auth.Read, "/ui/stock", "Stock")
	add(auth.ReceiveGoods, "/ui/receipts", "Receipts")
	add(auth.Read, "/ui/assets", "Assets")
	add(auth.ManageUsers, "/ui/admin/users", "Users")
	add(auth.ManageItems, "/ui/items", "Items")
	add(auth.ManageItems, "/ui/storerooms", "Storerooms")
	return links
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, s *session, status int, name, title string, data any) {
	t, ok := h.pages[name]
	if !ok {
		h.log.Error("web: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	pd := pageData{Title: title, Data: data, Path: r.URL.Path}
	pd.Notice, pd.Error = flash(w, r)
	if s != nil {
		pd.User, pd.CSRF, pd.Nav = s.User, s.CSRF, nav(s.User, r.URL.Path)
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		h.log.Error("web: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprint(w, buf.String())
}

// parse builds one template set per page: the layout and the page.
func (h *Handler) parse() {
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t := template.Must(template.New(base).Funcs(funcs).ParseFS(assets, "templates/layout.html", n))
		h.pages[base] = t
	}
}
