// Package millwright holds the vocabulary every part of Millwright shares:
// the error a user can act on, exact decimal money and quantities, ids,
// and the acting user carried in a request's context.
package millwright

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// Kind classifies an Error; it picks the HTTP status.
type Kind int

// The kinds of Error.
const (
	Invalid      Kind = iota + 1 // 400: malformed input
	NotFound                     // 404: no such resource in the path
	Conflict                     // 409: illegal state change, duplicate key
	Rule                         // 422: valid input that breaks a business rule
	Unauthorized                 // 401: no or bad credentials
	Forbidden                    // 403: role or site does not allow it
)

// Error is a failure a user can act on. Any other error is internal.
type Error struct {
	Kind    Kind   // picks the status
	Code    string // stable snake_case code, for programs
	Message string // what is wrong and how to fix it, for people
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error of kind k with a formatted message.
func Errorf(k Kind, code, format string, args ...any) error {
	return &Error{Kind: k, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorKind returns the Kind of the *Error in err's chain, or 0 when there is none.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// ErrorCode returns the Code of the *Error in err's chain, or "" when there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

var (
	idMu      sync.Mutex
	idEntropy = ulid.Monotonic(rand.Reader, 0)
)

// NewID returns a new sortable id with the given prefix, such as "wo_01JD...".
// Ids made later sort after ids made earlier in the same process.
func NewID(prefix string) string {
	idMu.Lock()
	id := ulid.MustNew(ulid.Timestamp(time.Now()), idEntropy)
	idMu.Unlock()
	return prefix + "_" + strings.ToLower(id.String())
}

// Role is what a user may do; see docs/authorization.md.
type Role string

// The roles of API.md.
const (
	Admin       Role = "admin"
	Planner     Role = "planner"
	Technician  Role = "technician"
	Storekeeper Role = "storekeeper"
	Buyer       Role = "buyer"
	Approver    Role = "approver"
	Finance     Role = "finance"
	Integration Role = "integration"
)

// Roles lists every role in the order the documentation shows them.
var Roles = []Role{Admin, Planner, Technician, Storekeeper, Buyer, Approver, Finance, Integration}

// ValidRole reports whether r is one of Roles.
func ValidRole(r Role) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Principal is the acting user of a request or a job.
type Principal struct {
	UserID   string
	Username string
	Role     Role
	SiteID   string // empty: every site
}

// System is the principal of background work that no user caused.
var System = Principal{UserID: "system", Username: "system", Role: Admin}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or System when there is none.
func PrincipalFrom(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return System
}

// CheckSite returns a Forbidden error when the principal in ctx is scoped
// to a site other than siteID.
func CheckSite(ctx context.Context, siteID string) error {
	p := PrincipalFrom(ctx)
	if p.SiteID != "" && p.SiteID != siteID {
		return Errorf(Forbidden, "site_forbidden",
			"user %s is limited to another site and cannot see or change records of site %s", p.Username, siteID)
	}
	return nil
}

// CheckEverySite returns a Forbidden error when the principal in ctx is
// scoped to a site: what spans every site and cannot be cut to one (why
// says what it is) is for users of every site.
func CheckEverySite(ctx context.Context, why string) error {
	p := PrincipalFrom(ctx)
	if p.SiteID == "" {
		return nil
	}
	return Errorf(Forbidden, "site_forbidden",
		"%s, and user %s is limited to one site; only a user of every site (made without --site) with the %s role may read it",
		why, p.Username, p.Role)
}

// Page is one page of a list: {"items":[...],"next_cursor":"..."}.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// NewPage makes a page from rows fetched with a limit of n (one more than
// the page size): when all n came back, the last is dropped and the cursor
// points after the one before it.
func NewPage[T any](rows []T, n int, cursor func(T) string) Page[T] {
	p := Page[T]{Items: rows}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(rows) == n {
		p.Items = rows[:n-1]
		p.NextCursor = cursor(p.Items[len(p.Items)-1])
	}
	return p
}
