package web

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/store"
)

// dummyHash is checked when a user does not exist, so that an unknown
// name takes as long to refuse as a wrong password.
var dummyHash = auth.HashPassword("not a password of anyone")

// loginPage shows the sign-in form. The form carries a token that must
// match a cookie set with it (double submit), besides the cross-origin
// protection every POST gets.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.showLogin(w, r, http.StatusOK, "", "")
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, username, msg string) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: token, Path: "/ui/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure(r), MaxAge: 3600})
	h.render(w, r, nil, status, "login.html", "Sign in", map[string]any{
		"Token": token, "Username": username, "Message": msg, "Next": safeNext(r.FormValue("next"))})
}

// safeNext keeps a redirect after sign-in inside the interface.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return Prefix
	}
	return next
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		h.showLogin(w, r, http.StatusBadRequest, "", "cannot read the form; try again")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		h.showLogin(w, r, http.StatusForbidden, "", "the sign-in form was out of date; try again")
		return
	}
	name, password := strings.TrimSpace(r.PostForm.Get("username")), r.PostForm.Get("password")
	keys := signInKeys(r, name)
	var u *store.User
	var now, locked time.Time
	err = h.db.View(r.Context(), func(tx *store.Tx) (err error) {
		now = tx.Now()
		for _, k := range keys {
			f, err := tx.LoginFailures(r.Context(), k.key)
			if err != nil {
				return err
			}
			if f.LockedUntil.After(locked) {
				locked = f.LockedUntil
			}
		}
		u, err = tx.UserByName(r.Context(), name)
		return err
	})
	if wait := locked.Sub(now); wait > 0 && (err == nil || millwright.ErrorKind(err) == millwright.NotFound) {
		// Refused before the password is hashed: guessing costs time, not CPU.
		h.showLogin(w, r, http.StatusTooManyRequests, name, fmt.Sprintf(
			"too many failed sign-ins for this user or from this address; try again in %s, or ask an administrator to set a new password",
			wait.Round(time.Second)))
		return
	}
	if err != nil && millwright.ErrorKind(err) != millwright.NotFound {
		h.renderError(w, r, nil, err)
		return
	}
	hash := dummyHash // an unknown user costs the same hash as a known one
	if err == nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok, busy := auth.VerifyPassword(r.Context(), hash, password)
	if busy != nil {
		w.Header().Set("Retry-After", "5")
		h.showLogin(w, r, http.StatusServiceUnavailable, name, "the server is busy checking other sign-ins; try again in a few seconds")
		return
	}
	switch {
	case err == nil && u.PasswordHash != "" && ok:
	case err == nil || millwright.ErrorKind(err) == millwright.NotFound:
		if err := h.signInFailed(r, name, keys); err != nil {
			h.renderError(w, r, nil, err)
			return
		}
		h.showLogin(w, r, http.StatusUnauthorized, name, "wrong user name or password")
		return
	default:
		h.renderError(w, r, nil, err)
		return
	}
	token := randomToken()
	ctx := millwright.WithPrincipal(r.Context(), u.Principal())
	err = h.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteExpiredWebSessions(ctx); err != nil {
			return err
		}
		if err := tx.ClearLoginFailures(ctx, keys[0].key); err != nil { // the account's; the address's run goes on
			return err
		}
		s := &store.WebSession{UserID: u.ID, CSRF: randomToken(), ExpiresAt: tx.Now().Add(SessionTTL)}
		if err := tx.CreateWebSession(ctx, s, auth.HashToken(token)); err != nil {
			return err
		}
		return tx.Audit(ctx, "web_session", s.ID, "login", nil, map[string]string{"user": u.Username})
	})
	if err != nil {
		h.renderError(w, r, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/ui/login", MaxAge: -1, Secure: secure(r)})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: Prefix, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure(r), MaxAge: int(SessionTTL.Seconds())})
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *session) error {
	err := h.db.InTx(r.Context(), func(tx *store.Tx) error {
		if err := tx.DeleteWebSession(r.Context(), s.ID); err != nil {
			return err
		}
		return tx.Audit(r.Context(), "web_session", s.ID, "logout", nil, map[string]string{"user": s.User.Username})
	})
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure(r)})
	redirect(w, r, "/ui/login", "notice", "signed out")
	return nil
}

// home is the dashboard of a role that has one (home.go), else it sends
// the role to its main screen.
func (h *Handler) home(w http.ResponseWriter, r *http.Request, s *session) error {
	if _, ok := dashboards[s.User.Role]; ok {
		return h.dashboard(w, r, s)
	}
	to := map[millwright.Role]string{
		millwright.Technician:  "/ui/my-work",
		millwright.Planner:     "/ui/work-orders",
		millwright.Approver:    "/ui/approvals",
		millwright.Buyer:       "/ui/approvals",
		millwright.Finance:     "/ui/costs",
		millwright.Integration: "/ui/integration",
		millwright.Storekeeper: "/ui/stock",
	}[s.User.Role]
	if to == "" {
		to = "/ui/work-orders"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// signInKey is what failed sign-ins are counted by: the account, or the
// address they come from, each with its throttle.
type signInKey struct {
	key      string
	throttle auth.Throttle
}

// signInKeys are the account's key and the address's. Behind a TLS proxy
// (serve --tls-proxy) the address is the one the proxy appended last to
// X-Forwarded-For, the only one it vouches for.
func signInKeys(r *http.Request, name string) []signInKey {
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	if secure(r) && r.TLS == nil {
		if fwd := r.Header.Values("X-Forwarded-For"); len(fwd) > 0 {
			hops := strings.Split(fwd[len(fwd)-1], ",")
			if last := strings.TrimSpace(hops[len(hops)-1]); last != "" {
				addr = last
			}
		}
	}
	return []signInKey{
		{"user:" + strings.ToLower(name), auth.AccountThrottle},
		{"addr:" + addr, auth.AddressThrottle},
	}
}

// signInFailed counts a failed sign-in against its keys, locks those past
// their threshold, and audits each lock.
func (h *Handler) signInFailed(r *http.Request, name string, keys []signInKey) error {
	ctx := millwright.WithPrincipal(r.Context(), millwright.System)
	return h.db.InTx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		for _, k := range keys {
			f, err := tx.LoginFailures(ctx, k.key)
			if err != nil {
				return err
			}
			if now.Sub(f.LastAt) > k.throttle.Window {
				f.Failures = 0
			}
			f.Failures++
			f.LastAt = now
			if lock := k.throttle.Lock(f.Failures); lock > 0 {
				f.LockedUntil = now.Add(lock)
				if err := tx.Audit(ctx, "login", k.key, "locked", nil, map[string]any{
					"user": name, "failures": f.Failures, "locked_until": f.LockedUntil}); err != nil {
					return err
				}
			}
			if err := tx.SaveLoginFailures(ctx, k.key, f); err != nil {
				return err
			}
		}
		return nil
	})
}
