package httpapi

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/audit"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// caller is the answer of GET /api/v1/me: who the caller is, where it may
// act, and what its role allows.
type caller struct {
	ID       string          `json:"id"`
	Username string          `json:"username"`
	Role     millwright.Role `json:"role"`
	SiteID   string          `json:"site_id"`
	Actions  []auth.Action   `json:"actions"`
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request) error {
	p := millwright.PrincipalFrom(r.Context())
	m := caller{ID: p.UserID, Username: p.Username, Role: p.Role, SiteID: p.SiteID, Actions: []auth.Action{}}
	for _, a := range slices.Sorted(maps.Keys(auth.Matrix)) {
		if auth.Allowed(p.Role, a) {
			m.Actions = append(m.Actions, a)
		}
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	if cursor != "" && !strings.HasPrefix(cursor, "usr_") {
		return badCursor(cursor)
	}
	site, err := siteFilter(r)
	if err != nil {
		return err
	}
	role := millwright.Role(r.URL.Query().Get("role"))
	if role != "" && !millwright.ValidRole(role) {
		return invalidRole(role)
	}
	var page millwright.Page[store.User]
	err = h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		page, err = tx.Users(r.Context(), store.UserFilter{SiteID: site, Role: role, Cursor: cursor, Limit: limit})
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// newUser is the body of POST /api/v1/users.
type newUser struct {
	Username string          `json:"username"`
	Role     millwright.Role `json:"role"`
	SiteID   string          `json:"site_id"`  // empty: every site
	Password string          `json:"password"` // empty: no web login
	Craft    string          `json:"craft"`    // the code of a craft; empty: none
}

func (in *newUser) validate() error {
	in.Username, in.SiteID = strings.TrimSpace(in.Username), strings.TrimSpace(in.SiteID)
	return auth.CheckUser(in.Username, in.Role, in.Password)
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) error {
	var in newUser
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	// An administrator limited to a site makes users of that site only:
	// otherwise it could make a user for every site, or for another.
	if own := scope(r); own != "" && in.SiteID == "" {
		in.SiteID = own
	}
	if err := millwright.CheckSite(r.Context(), in.SiteID); err != nil {
		return err
	}
	u := &store.User{Username: in.Username, Role: in.Role, SiteID: in.SiteID, Craft: in.Craft}
	if in.Password != "" {
		u.PasswordHash = auth.HashPassword(in.Password)
	}
	err := h.db.InTx(r.Context(), func(tx *store.Tx) error {
		if u.SiteID != "" {
			if _, err := tx.Site(r.Context(), u.SiteID); millwright.ErrorKind(err) == millwright.NotFound {
				return millwright.Errorf(millwright.Rule, "unknown_site",
					"site %s does not exist; use the id of an existing site, or leave site_id out for every site", u.SiteID)
			} else if err != nil {
				return err
			}
		}
		var err error
		if u.Craft, err = workorder.CheckUserCraft(r.Context(), tx, u.Craft, u.SiteID); err != nil {
			return err
		}
		if err := tx.CreateUser(r.Context(), u); err != nil {
			return err
		}
		return tx.Audit(r.Context(), "user", u.ID, "create", nil, u)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

// listAudit lists the audit trail. Its entries are not tied to a site, so
// a user limited to one site may not read it.
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	if cursor != "" {
		if _, err := strconv.ParseUint(cursor, 10, 63); err != nil {
			return badCursor(cursor)
		}
	}
	if p := millwright.PrincipalFrom(r.Context()); p.SiteID != "" {
		return millwright.Errorf(millwright.Forbidden, "site_forbidden",
			"user %s is limited to one site, and the audit trail spans every site; ask a user with no site", p.Username)
	}
	// Seal first, so that the list is the chain up to now (AuditEntries
	// lists what commits meanwhile after it, unsealed).
	if _, err := h.db.SealAudit(r.Context()); err != nil {
		return err
	}
	q := r.URL.Query()
	var page millwright.Page[audit.Entry]
	err = h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		page, err = tx.AuditEntries(r.Context(), store.AuditFilter{
			EntityType: q.Get("entity_type"), EntityID: q.Get("entity_id"), Cursor: cursor, Limit: limit})
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (h *Handler) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	v, err := h.db.VerifyAudit(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func badCursor(cursor string) error {
	return millwright.Errorf(millwright.Invalid, "bad_cursor",
		"cursor %q is not one this list returned; pass next_cursor from the previous page unchanged, or leave it out for the first page", cursor)
}

func invalidRole(r millwright.Role) error {
	return millwright.Errorf(millwright.Invalid, "invalid_role", "role %q is not a role; use one of %s", r, roleNames())
}

func roleNames() string {
	names := make([]string, len(millwright.Roles))
	for i, r := range millwright.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
