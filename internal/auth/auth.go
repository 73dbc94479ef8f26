// Package auth decides who may do what: the authorisation matrix, API
// tokens stored as hashes, and passwords stored with argon2id.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/millwright-cmms/millwright"
)

// Action is something a role may be allowed to do.
type Action string

// The actions of the matrix. Reading is open to every role, within its site.
const (
	Read              Action = "read"               // read what the site holds
	ManageSites       Action = "manage_sites"       // create and edit sites
	ManageUsers       Action = "manage_users"       // users and tokens
	PlanAssets        Action = "plan_assets"        // assets, locations, asset classes, BOMs
	ManageItems       Action = "manage_items"       // items, storerooms, stock settings
	AdjustStock       Action = "adjust_stock"       // stock counts and opening balances
	RequestWork       Action = "request_work"       // file a work request (a work order in status requested)
	PlanWork          Action = "plan_work"          // create and edit work orders and planned materials
	DirectWork        Action = "direct_work"        // approve, release, cancel, close work orders
	DoWork            Action = "do_work"            // start and complete work orders
	LogLabor          Action = "log_labor"          // labor entries
	IssueParts        Action = "issue_parts"        // issues and returns of parts
	AddDirectItem     Action = "add_direct_item"    // add a direct (non-stock) item to a work order
	RecordReadings    Action = "record_readings"    // meter and sensor readings
	PlanPM            Action = "plan_pm"            // PM plans: create, edit, deactivate
	ReviewReadings    Action = "review_readings"    // readings that arrived over MQTT but matched nothing
	ReadAudit         Action = "read_audit"         // the audit trail and its verification
	Purchase          Action = "purchase"           // requisitions and purchase orders
	ApproveRequest    Action = "approve_request"    // approve or reject a routed requisition
	ReceiveGoods      Action = "receive_goods"      // goods receipts
	PostInvoices      Action = "post_invoices"      // vendor invoices
	ManageFinance     Action = "manage_finance"     // ledger, budgets, cost reports
	ManageIntegration Action = "manage_integration" // mappings, messages, replay, data quality, reconciliation
)

// Signed is no action of the matrix: a route that names it takes no
// bearer token, and its handler authenticates the request by its
// signature (an ERP's webhook), with no user and no role.
const Signed Action = "signed"

// Matrix lists, for each action, the roles that may do it besides admin,
// who may do everything. docs/authorization.md is this table in prose; a
// test keeps the two in step.
var Matrix = map[Action][]millwright.Role{
	Read:              {millwright.Planner, millwright.Technician, millwright.Storekeeper, millwright.Buyer, millwright.Approver, millwright.Finance, millwright.Integration},
	ManageSites:       {},
	ManageUsers:       {},
	PlanAssets:        {millwright.Planner},
	ManageItems:       {millwright.Storekeeper},
	AdjustStock:       {millwright.Storekeeper},
	RequestWork:       {millwright.Planner, millwright.Technician, millwright.Storekeeper, millwright.Buyer, millwright.Approver, millwright.Finance, millwright.Integration},
	PlanWork:          {millwright.Planner},
	DirectWork:        {millwright.Planner},
	DoWork:            {millwright.Technician},
	LogLabor:          {millwright.Technician},
	IssueParts:        {millwright.Technician, millwright.Storekeeper},
	AddDirectItem:     {millwright.Planner, millwright.Technician},
	RecordReadings:    {millwright.Technician},
	PlanPM:            {millwright.Planner},
	ReviewReadings:    {millwright.Planner, millwright.Integration},
	ReadAudit:         {millwright.Finance, millwright.Integration},
	Purchase:          {millwright.Buyer},
	ApproveRequest:    {millwright.Approver},
	ReceiveGoods:      {millwright.Storekeeper},
	PostInvoices:      {millwright.Buyer, millwright.Finance},
	ManageFinance:     {millwright.Finance},
	ManageIntegration: {millwright.Integration},
}

// Allowed reports whether role r may do a.
func Allowed(r millwright.Role, a Action) bool {
	if r == millwright.Admin {
		return true
	}
	return slices.Contains(Matrix[a], r)
}

// Require returns a Forbidden error unless the principal in ctx may do a.
func Require(ctx context.Context, a Action) error {
	p := millwright.PrincipalFrom(ctx)
	if Allowed(p.Role, a) {
		return nil
	}
	return millwright.Errorf(millwright.Forbidden, "forbidden",
		"role %s may not %s; ask an administrator for a user with one of the roles %s", p.Role, describe[a], rolesFor(a))
}

func rolesFor(a Action) string {
	var names []string
	for _, r := range Matrix[a] {
		names = append(names, string(r))
	}
	return strings.Join(append(names, "admin"), ", ")
}

var describe = map[Action]string{
	Read:              "read records",
	ManageSites:       "create or edit sites",
	ManageUsers:       "manage users and tokens",
	PlanAssets:        "create or edit assets, locations, asset classes or BOMs",
	ManageItems:       "create or edit items, storerooms or stock settings",
	AdjustStock:       "adjust stock",
	RequestWork:       "file work requests",
	PlanWork:          "create or edit work orders and their planned materials",
	DirectWork:        "approve, release, cancel or close work orders",
	DoWork:            "start or complete work orders",
	LogLabor:          "log labor",
	IssueParts:        "issue or return parts",
	AddDirectItem:     "add direct items to work orders",
	RecordReadings:    "record readings",
	PlanPM:            "create, edit or deactivate PM plans",
	ReviewReadings:    "review unmatched readings",
	ReadAudit:         "read the audit trail",
	Purchase:          "manage requisitions and purchase orders",
	ApproveRequest:    "approve or reject requisitions",
	ReceiveGoods:      "receive goods",
	PostInvoices:      "post invoices",
	ManageFinance:     "manage the ledger, budgets and cost reports",
	ManageIntegration: "manage the integration",
}

// NewToken returns a new random API token and the hash to store for it.
// The token itself is never stored.
func NewToken() (token, hash string) {
	b := make([]byte, 24)
	rand.Read(b)
	token = "mw_" + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the stored form of a token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// argon2id parameters: OWASP's minimum for argon2id (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash of password in PHC string form.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// MaxPassword is the longest password worth hashing: a longer one is
// wrong without costing the server a hash.
const MaxPassword = 1024

// hashSlots bounds how many password hashes run at once. Each takes 19 MiB
// and a core for tens of milliseconds; a flood of sign-ins waits for a
// slot, up to HashWait, instead of taking the server's memory and CPU.
var hashSlots = make(chan struct{}, max(2, runtime.NumCPU()))

// HashWait is how long a sign-in waits for a free hashing slot.
const HashWait = 2 * time.Second

// ErrBusy is the answer to a sign-in that found every hashing slot taken
// for HashWait.
var ErrBusy = millwright.Errorf(millwright.Conflict, "busy",
	"the server is busy checking other sign-ins; try again in a few seconds")

// VerifyPassword is CheckPassword within the server's hashing budget:
// at most len(hashSlots) hashes at once, a password over MaxPassword
// wrong at once, and ErrBusy after waiting HashWait (or until ctx ends)
// for a slot.
func VerifyPassword(ctx context.Context, hash, password string) (bool, error) {
	if len(password) > MaxPassword {
		return false, nil
	}
	wait := time.NewTimer(HashWait)
	defer wait.Stop()
	select {
	case hashSlots <- struct{}{}:
	case <-wait.C:
		return false, ErrBusy
	case <-ctx.Done():
		return false, ErrBusy
	}
	defer func() { <-hashSlots }()
	return CheckPassword(hash, password), nil
}

// CheckPassword reports whether password matches a hash from HashPassword.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// Throttle is how failed sign-ins of one key (an account, or an address)
// slow it down (ASVS 5.0 V6.3): below Threshold failures in a row nothing
// happens; from there on each failure locks the key for Base, doubled per
// further failure, up to Max. Failures older than Window are forgotten.
// A locked key is refused before any password is hashed, so guessing
// costs the attacker time and the server no CPU.
type Throttle struct {
	Threshold int
	Window    time.Duration
	Base, Max time.Duration
}

// Sign-in throttling: an account is locked after 5 failures in a row, an
// address after 20 (it may be a plant's one NAT address), each for a
// minute, doubling up to 15 minutes.
var (
	AccountThrottle = Throttle{Threshold: 5, Window: 15 * time.Minute, Base: time.Minute, Max: 15 * time.Minute}
	AddressThrottle = Throttle{Threshold: 20, Window: 15 * time.Minute, Base: time.Minute, Max: 15 * time.Minute}
)

// Lock is how long the key is locked after its n-th failure in a row.
func (th Throttle) Lock(n int) time.Duration {
	if n < th.Threshold {
		return 0
	}
	d := th.Base
	for i := th.Threshold; i < n && d < th.Max; i++ {
		d *= 2
	}
	return min(d, th.Max)
}
