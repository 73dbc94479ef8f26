package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// The setup screens: what a new plant needs before its first work order
// (sites and users, PM plans, budgets and approval rules, integration
// mappings), each a form over the use-case its API route calls.

func init() {
	// errattr and fielderr are invalid and fielderror (masterdata.go) with
	// the reason's id made of a prefix and the field: errID.
	funcs["errattr"] = func(f form, field, prefix string) template.HTMLAttr {
		if a := invalidAttr(f, field, errID(prefix, field)); a != "" {
			return " " + a
		}
		return ""
	}
	funcs["fielderr"] = func(f form, field, prefix string) template.HTML {
		return fieldErrorHTML(f, field, errID(prefix, field))
	}
	funcs["checked"] = func(f form, field string) template.HTMLAttr {
		if v := f.Get(field); v != "" && v != "off" && v != "false" {
			return " checked"
		}
		return ""
	}
	funcs["selected"] = func(f form, field string, v any) template.HTMLAttr {
		if f.Get(field) == toString(v) {
			return " selected"
		}
		return ""
	}
}

// errID is the id of the reason beside a field, less its "-error":
// <prefix>-<field>.
func errID(prefix, field string) string {
	return prefix + "-" + strings.ReplaceAll(field, "_", "-")
}

// placing says where a refusal's message goes on a form: beside the
// field an atField error names; else the field its code is about (codes);
// else the field its message starts with, by the form's name for it
// (fields) or the API's (alias: message prefix → form field, the longest
// prefixes first); else above the form.
type placing struct {
	fields []string
	alias  [][2]string
	codes  map[string]string
}

// place is the form shown again after err: what was typed (values) and
// the reason where it belongs. Messages lose the API's "send it in the
// request body".
func (p placing) place(values url.Values, err error) form {
	msg := strings.TrimSuffix(errText(err), "; send it in the request body")
	f := form{Values: values, Errors: map[string]string{}}
	var fe *fieldError
	var e *millwright.Error
	switch {
	case errors.As(err, &fe):
		f.Errors[fe.field] = msg
		return f
	case errors.As(err, &e) && p.codes[e.Code] != "":
		f.Errors[p.codes[e.Code]] = msg
		return f
	}
	names := func(field string) bool { return strings.HasPrefix(msg, field+":") || strings.HasPrefix(msg, field+" ") }
	for _, name := range p.fields {
		if names(name) {
			f.Errors[name] = msg
			return f
		}
	}
	for _, a := range p.alias {
		if names(a[0]) {
			f.Errors[a[1]] = msg
			return f
		}
	}
	f.Error = msg
	return f
}

// fieldError names the form field an error is about, when its message
// does not start with the field's name.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

func atField(field string, err error) error {
	if err == nil {
		return nil
	}
	return &fieldError{field, err}
}

// submit runs fn, a form's change, in one transaction as the signed-in
// user. On success it redirects to the page fn names with its notice; a
// refusal the user can act on shows the form again (show) with what was
// typed and the reason beside its field, 400, 409 or 422 as the API
// answers (422 too for a record the form names that does not exist);
// forbidden is an error page.
func (h *Handler) submit(w http.ResponseWriter, r *http.Request, p placing, show func(status int, f form) error,
	fn func(ctx context.Context, tx *store.Tx) (to, notice string, err error)) error {
	var to, notice string
	err := h.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		to, notice, err = fn(r.Context(), tx)
		return err
	})
	var e *millwright.Error
	switch {
	case err == nil:
		redirect(w, r, to, "notice", notice)
		return nil
	case errors.As(err, &e) && e.Kind != millwright.Forbidden && e.Kind != millwright.Unauthorized:
		status := statusOf[e.Kind]
		if e.Kind == millwright.NotFound { // a record the form names, not the page
			status = http.StatusUnprocessableEntity
		}
		return show(status, p.place(r.PostForm, err))
	default:
		return err
	}
}

// siteChoice is a site in a select.
type siteChoice struct {
	ID, Code, Name string
}

// Users.

var userPlacing = placing{
	alias: [][2]string{{"username", "username"}, {"role", "role"}, {"site", "site_id"}, {"user", "username"}},
	codes: map[string]string{"password_too_short": "password", "unknown_site": "site_id", "site_forbidden": "site_id",
		"duplicate_key": "username", "own_role": "role", "unknown_craft": "craft"},
}

type userRow struct {
	store.User
	SiteCode string
}

// users lists the users an administrator manages (those of their site
// when limited to one), with the form that makes a new one.
func (h *Handler) users(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showUsers(w, r, s, http.StatusOK, form{Values: url.Values{"role": {string(millwright.Technician)}, "site_id": {s.User.SiteID}}})
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var (
		rows   []userRow
		sites  []asset.Site
		crafts []craftRow
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if sites, err = sitesOf(ctx, tx, s.User); err != nil {
			return err
		}
		codes := siteCodes(sites)
		if crafts, err = craftRows(ctx, tx, codes); err != nil {
			return err
		}
		p, err := tx.Users(ctx, store.UserFilter{SiteID: s.User.SiteID, Limit: 500})
		for _, u := range p.Items {
			rows = append(rows, userRow{User: u, SiteCode: codes[u.SiteID]})
		}
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "users.html", "Users", map[string]any{
		"Users": rows, "Sites": sites, "Crafts": crafts, "Roles": millwright.Roles, "Form": f, "EverySite": s.User.SiteID == ""})
	return nil
}

// createUser makes a user as POST /api/v1/users does: the same checks
// (auth.CheckUser), an administrator limited to a site makes users of
// that site only, and the audit trail keeps it.
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	show := func(status int, f form) error { return h.showUsers(w, r, s, status, f) }
	return h.submit(w, r, userPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		u := &store.User{Username: strings.TrimSpace(v.Get("username")), Role: millwright.Role(v.Get("role")), SiteID: strings.TrimSpace(v.Get("site_id"))}
		password := v.Get("password")
		if err := auth.CheckUser(u.Username, u.Role, password); err != nil {
			return "", "", err
		}
		if err := userSite(ctx, tx, u); err != nil {
			return "", "", err
		}
		var err error
		if u.Craft, err = workorder.CheckUserCraft(ctx, tx, v.Get("craft"), u.SiteID); err != nil {
			return "", "", err
		}
		if password != "" {
			u.PasswordHash = auth.HashPassword(password)
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return "", "", err
		}
		return "/ui/admin/users", "user " + u.Username + " created: " + string(u.Role) + " of " + siteName(ctx, tx, u.SiteID) + craftNote(u.Craft),
			tx.Audit(ctx, "user", u.ID, "create", nil, u)
	})
}

// userSite checks the site a user is given: it exists, and an
// administrator limited to a site gives only theirs (and gives it when
// none is chosen).
func userSite(ctx context.Context, tx *store.Tx, u *store.User) error {
	if own := millwright.PrincipalFrom(ctx).SiteID; own != "" && u.SiteID == "" {
		u.SiteID = own
	}
	if err := millwright.CheckSite(ctx, u.SiteID); err != nil {
		return err
	}
	if u.SiteID == "" {
		return nil
	}
	if _, err := tx.Site(ctx, u.SiteID); millwright.ErrorKind(err) == millwright.NotFound {
		return millwright.Errorf(millwright.Rule, "unknown_site", "site %s does not exist; choose one of the list, or every site", u.SiteID)
	} else if err != nil {
		return err
	}
	return nil
}

func siteName(ctx context.Context, tx *store.Tx, id string) string {
	if id == "" {
		return "every site"
	}
	if s, err := tx.Site(ctx, id); err == nil {
		return "site " + s.Code
	}
	return "site " + id
}

// userOf returns a user the administrator may manage.
func userOf(ctx context.Context, tx *store.Tx, id string) (*store.User, error) {
	u, err := tx.User(ctx, id)
	if err != nil {
		return nil, err
	}
	return u, millwright.CheckSite(ctx, u.SiteID)
}

// editUser shows a user's role, site and a new password to set.
func (h *Handler) editUser(w http.ResponseWriter, r *http.Request, s *session) error {
	var u *store.User
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		u, err = userOf(ctx, tx, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	return h.showUser(w, r, s, http.StatusOK, form{Values: url.Values{"role": {string(u.Role)}, "site_id": {u.SiteID}, "craft": {u.Craft}}})
}

func (h *Handler) showUser(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var (
		u      *store.User
		sites  []asset.Site
		crafts []craftRow
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if u, err = userOf(ctx, tx, r.PathValue("id")); err != nil {
			return err
		}
		if sites, err = sitesOf(ctx, tx, s.User); err != nil {
			return err
		}
		crafts, err = craftRows(ctx, tx, siteCodes(sites))
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "user.html", "User "+u.Username, map[string]any{
		"U": u, "Sites": sites, "Crafts": crafts, "Roles": millwright.Roles, "Form": f, "EverySite": s.User.SiteID == "", "Self": u.ID == s.User.ID})
	return nil
}

// updateUser changes a user's role and site, and their password when a
// new one is typed, with the checks of a new user. An administrator does
// not change their own role or site: they would lock themselves out.
func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	show := func(status int, f form) error { return h.showUser(w, r, s, status, f) }
	return h.submit(w, r, userPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		u, err := userOf(ctx, tx, r.PathValue("id"))
		if err != nil {
			return "", "", err
		}
		before := *u
		u.Role, u.SiteID = millwright.Role(v.Get("role")), strings.TrimSpace(v.Get("site_id"))
		password := v.Get("password")
		if err := auth.CheckUser(u.Username, u.Role, password); err != nil {
			return "", "", err
		}
		if u.ID == s.User.ID && (u.Role != before.Role || u.SiteID != before.SiteID) {
			return "", "", millwright.Errorf(millwright.Rule, "own_role",
				"you cannot change your own role or site: you could lock yourself out; ask another administrator")
		}
		if err := userSite(ctx, tx, u); err != nil {
			return "", "", err
		}
		if u.Craft, err = workorder.CheckUserCraft(ctx, tx, v.Get("craft"), u.SiteID); err != nil {
			return "", "", err
		}
		if password != "" {
			u.PasswordHash = auth.HashPassword(password)
		}
		if err := tx.SaveUser(ctx, u); err != nil {
			return "", "", err
		}
		return "/ui/admin/users", "user " + u.Username + " saved: " + string(u.Role) + " of " + siteName(ctx, tx, u.SiteID) + craftNote(u.Craft),
			tx.Audit(ctx, "user", u.ID, "update", before, u)
	})
}

// Sites.

var sitePlacing = placing{
	alias: [][2]string{{"code", "code"}, {"name", "name"}, {"currency", "currency"}, {"time_zone", "time_zone"}, {"site", "code"}},
	codes: map[string]string{"invalid_currency": "currency", "invalid_time_zone": "time_zone", "duplicate_key": "code"},
}

// sites lists the sites with the form that creates one.
func (h *Handler) sites(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showSites(w, r, s, http.StatusOK, form{Values: url.Values{}})
}

func (h *Handler) showSites(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var sites []asset.Site
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		sites, err = sitesOf(ctx, tx, s.User)
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "sites.html", "Sites", map[string]any{
		"Sites": sites, "Form": f, "CanCreate": s.User.SiteID == "", "Default": asset.DefaultTimeZone})
	return nil
}

// createSite creates a site with asset.CreateSite, as POST /api/v1/sites.
func (h *Handler) createSite(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	show := func(status int, f form) error { return h.showSites(w, r, s, status, f) }
	return h.submit(w, r, sitePlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		site := &asset.Site{Code: strings.TrimSpace(v.Get("code")), Name: strings.TrimSpace(v.Get("name")),
			Currency: strings.TrimSpace(v.Get("currency")), TimeZone: strings.TrimSpace(v.Get("time_zone"))}
		if err := asset.CreateSite(ctx, tx, site); err != nil {
			return "", "", err
		}
		return "/ui/admin/sites", "site " + site.Code + " created (" + site.Currency + ", " + site.TimeZone + ")", nil
	})
}
