package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp/budget"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/integration"
)

// ERPNextNumber returns the next value of one of the ERP's own counters.
func (tx *Tx) ERPNextNumber(ctx context.Context, name string) (int64, error) {
	// An ERP transaction may number several documents (a receipt, its
	// journal entry, its event); one lock taken before the first keeps
	// them in one order on PostgreSQL, where two transactions taking two
	// counters in opposite orders would deadlock (found only after
	// deadlock_timeout, a second). The audit chain's head served as that
	// lock while every write took it; writes no longer do (audit.go).
	if err := tx.lockERPNumbering(ctx); err != nil {
		return 0, err
	}
	return tx.heldNumber(ctx, name)
}

// heldCounter is an ERP counter a transaction took numbers from: read
// once, counted in memory, written back at the commit (writeCounters;
// on PostgreSQL with the transaction's other held rows, writeEnd). The
// transaction holds the numbering lock from its first number to its
// commit (SQLite's one writer holds everything), so nobody else takes a
// number meanwhile. A receipt took a number for itself, its entry and
// each of its four or five events: a round trip each, under the lock
// every other ERP write waits for.
type heldCounter struct{ read, value int64 }

func (tx *Tx) heldNumber(ctx context.Context, name string) (int64, error) {
	c := tx.counters[name]
	if c == nil {
		var v int64
		err := tx.queryRow(ctx, `SELECT value FROM erp_counters WHERE name = ?`, name).Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		c = &heldCounter{read: v, value: v}
		if tx.counters == nil {
			tx.counters = map[string]*heldCounter{}
		}
		tx.counters[name] = c
	}
	c.value++
	return c.value, nil
}

// writeCounters writes back the counters the transaction took numbers
// from; DB.InTx calls it before the commit.
func (tx *Tx) writeCounters(ctx context.Context) error {
	for name, c := range tx.counters {
		if c.value == c.read {
			continue
		}
		if _, err := tx.exec(ctx, `INSERT INTO erp_counters (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, c.value); err != nil {
			return err
		}
		c.read = c.value
	}
	return nil
}

// counterRows are the held counters whose value changed, as rows of
// erp_counters (name, value) in name order, and the counters themselves.
func (tx *Tx) counterRows(changed *[]*heldCounter) [][]any {
	var rows [][]any
	for _, name := range slices.Sorted(maps.Keys(tx.counters)) {
		if c := tx.counters[name]; c.value != c.read {
			rows = append(rows, []any{name, c.value})
			*changed = append(*changed, c)
		}
	}
	return rows
}

// counterMark is the held counters' values when a savepoint began.
func (tx *Tx) counterMark() map[string]int64 {
	if len(tx.counters) == 0 {
		return nil
	}
	m := make(map[string]int64, len(tx.counters))
	for name, c := range tx.counters {
		m[name] = c.value
	}
	return m
}

// undoCounters gives back the numbers taken since a savepoint began.
func (tx *Tx) undoCounters(m map[string]int64) {
	for name, c := range tx.counters {
		if v, ok := m[name]; ok {
			c.value = v
		} else {
			c.value = c.read
		}
	}
}

// lockERPNumbering takes the ERP's numbering lock until the transaction
// ends: a transaction-scoped advisory lock, keyed by the schema so that
// databases sharing a server do not share it (a no-op on SQLite, whose
// single writer holds every lock at once).
func (tx *Tx) lockERPNumbering(ctx context.Context) error {
	if tx.engine != Postgres || tx.numbering {
		return nil
	}
	if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.erp_numbering'))`); err != nil {
		return fmt.Errorf("ERP numbering lock: %w", err)
	}
	tx.numbering = true
	return nil
}

// SaveERPSite records a site the ERP has heard of and its time zone. A
// site already recorded as it is is only read: every message names its
// site, and an upsert would hold the site's row until the commit, one
// message's transaction after the other.
func (tx *Tx) SaveERPSite(ctx context.Context, siteID, code, timeZone string) error {
	want := [2]string{code, timeZone}
	if tx.reads().sites[siteID] == want {
		return nil
	}
	var have [2]string
	err := tx.queryRow(ctx, `SELECT code, time_zone FROM erp_sites WHERE site_id = ?`, siteID).Scan(&have[0], &have[1])
	switch {
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return err
	case err != nil || have != want:
		if _, err := tx.exec(ctx, `
			INSERT INTO erp_sites (site_id, code, time_zone, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (site_id) DO UPDATE SET code = excluded.code, time_zone = excluded.time_zone, updated_at = excluded.updated_at`,
			siteID, code, timeZone, tx.now); err != nil {
			return err
		}
	}
	tx.reads().sites[siteID] = want
	return nil
}

// ERPSiteTimeZone returns the time zone of a site: the one its messages
// gave the ERP; before the ERP has heard from it, the CMMS's site's (the
// embedded ERP shares its database: a buyer's requisition made by hand
// before any message is ordered in the plant's days, not UTC's); UTC for
// a site neither knows.
func (tx *Tx) ERPSiteTimeZone(ctx context.Context, siteID string) (*time.Location, error) {
	tz, ok := tx.reads().sites[siteID]
	if !ok {
		err := tx.queryRow(ctx, `SELECT code, time_zone FROM erp_sites WHERE site_id = ?`, siteID).Scan(&tz[0], &tz[1])
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// Not kept in reads().sites: that says what erp_sites holds
			// (SaveERPSite).
			err = tx.queryRow(ctx, `SELECT code, time_zone FROM sites WHERE id = ?`, siteID).Scan(&tz[0], &tz[1])
			if errors.Is(err, sql.ErrNoRows) {
				return time.UTC, nil
			}
			if err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		default:
			tx.reads().sites[siteID] = tz
		}
	}
	if tz[1] == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz[1])
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}

// ERPAccount returns an account of the chart.
func (tx *Tx) ERPAccount(ctx context.Context, code string) (*ledger.Account, error) {
	if a, ok := tx.reads().accounts[code]; ok {
		return &a, nil
	}
	var a ledger.Account
	err := tx.queryRow(ctx, `SELECT code, name, type FROM erp_accounts WHERE code = ?`, code).Scan(&a.Code, &a.Name, &a.Type)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "account %s is not in the chart of accounts", code)
	}
	if err == nil {
		tx.reads().accounts[code] = a
	}
	return &a, err
}

// ERPAccounts lists the chart of accounts.
func (tx *Tx) ERPAccounts(ctx context.Context) ([]ledger.Account, error) {
	rows, err := tx.query(ctx, `SELECT code, name, type FROM erp_accounts ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ledger.Account{}
	for rows.Next() {
		var a ledger.Account
		if err := rows.Scan(&a.Code, &a.Name, &a.Type); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// EnsureERPCostCenter creates a cost center the first time it is named.
func (tx *Tx) EnsureERPCostCenter(ctx context.Context, code string) error {
	if tx.reads().costCenters[code] {
		return nil
	}
	_, err := tx.exec(ctx, `INSERT INTO erp_cost_centers (code, name, created_at) VALUES (?, ?, ?)
		ON CONFLICT (code) DO NOTHING`, code, code, tx.now)
	if err == nil {
		tx.reads().costCenters[code] = true
	}
	return err
}

// erpReads is what one transaction has read or made sure of in the ERP's
// master data (accounts, sites, cost centers), which every posting of a
// batch asks for again: each is read once per transaction. A savepoint
// undone forgets it all, as what it held may have been written there.
type erpReads struct {
	accounts    map[string]ledger.Account
	sites       map[string][2]string   // code and time zone, as stored
	costCenters map[string]bool        // known to exist
	messages    map[string]*erpMessage // by idempotency key; nil: not applied (PrefetchERPMessages)
}

// erpMessage is an applied message as erp_messages keeps it.
type erpMessage struct {
	key, hash string
	events    string // JSON
}

func (tx *Tx) reads() *erpReads {
	if tx.erpReads == nil {
		tx.erpReads = &erpReads{accounts: map[string]ledger.Account{}, sites: map[string][2]string{}, costCenters: map[string]bool{},
			messages: map[string]*erpMessage{}}
	}
	return tx.erpReads
}

// SaveERPCostCenter creates or renames a cost center.
func (tx *Tx) SaveERPCostCenter(ctx context.Context, c *ledger.CostCenter) error {
	c.CreatedAt = tx.now
	return tx.queryRow(ctx, `INSERT INTO erp_cost_centers (code, name, created_at) VALUES (?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name
		RETURNING created_at`, c.Code, c.Name, tx.now).Scan((*dbTime)(&c.CreatedAt))
}

// ERPCostCenters lists the cost centers.
func (tx *Tx) ERPCostCenters(ctx context.Context) ([]ledger.CostCenter, error) {
	rows, err := tx.query(ctx, `SELECT code, name, created_at FROM erp_cost_centers ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ledger.CostCenter{}
	for rows.Next() {
		var c ledger.CostCenter
		if err := rows.Scan(&c.Code, &c.Name, (*dbTime)(&c.CreatedAt)); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// InsertERPEntry stores a posted journal entry with its lines and number.
// Entries are never updated or deleted.
func (tx *Tx) InsertERPEntry(ctx context.Context, e *ledger.Entry) error {
	e.ID = millwright.NewID("je")
	if d := tx.deferred; d != nil {
		e.Number = entryPlaceholder(e.ID)
		d.entries = append(d.entries, deferredEntry{e.ID, e.Number})
	} else {
		n, err := tx.ERPNextNumber(ctx, "entry")
		if err != nil {
			return err
		}
		e.Number = fmt.Sprintf("JE-%06d", n)
	}
	// A batch's entries, and on PostgreSQL any transaction's outside a
	// savepoint, are written with its other held rows (insertLater): their
	// ids and numbers are their own. A reversal is written at once: its
	// reversed entry is unique, and a second reversal is the message's
	// conflict.
	if e.ReversesID == "" && (tx.deferred != nil || tx.holding()) {
		tx.insertLater("erp_entries", entryInsertCols, e.ID, e.Number, e.At, e.Period, e.SiteID, e.Memo, e.Source, e.SourceID, nil, e.CreatedBy)
		for i, l := range e.Lines {
			tx.insertLater("erp_entry_lines", entryLineCols, e.ID, i+1, l.Account, l.Debit, l.Credit, l.CostCenter, l.WorkOrderID, l.AssetID)
		}
	} else {
		if _, err := tx.exec(ctx, `
		INSERT INTO erp_entries (id, number, at, period, site_id, memo, source, source_id, reverses_id, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.Number, e.At, e.Period, e.SiteID, e.Memo, e.Source, e.SourceID, null(e.ReversesID), e.CreatedBy); err != nil {
			if IsDuplicate(err) {
				return millwright.Errorf(millwright.Conflict, "already_reversed", "entry %s is already reversed; an entry is reversed once", e.ReversesID)
			}
			return err
		}
		// The lines in one statement: a posting is a round trip less per line.
		rows := make([][]any, len(e.Lines))
		for i, l := range e.Lines {
			rows[i] = []any{e.ID, i + 1, l.Account, l.Debit, l.Credit, l.CostCenter, l.WorkOrderID, l.AssetID}
		}
		if err := tx.InsertRows(ctx, "erp_entry_lines", entryLineCols, rows); err != nil {
			return err
		}
	}
	for _, l := range e.Lines {
		if err := tx.addBudgetUse(ctx, e, l); err != nil {
			return err
		}
	}
	return nil
}

var entryInsertCols = []string{"id", "number", "at", "period", "site_id", "memo", "source", "source_id", "reverses_id", "created_by"}

var entryLineCols = []string{"entry_id", "position", "account", "debit", "credit", "cost_center", "work_order_id", "asset_id"}

// addBudgetUse adds a line on an expense account to the running use of
// its cost center's budget for the entry's period and site, in cents, each
// side rounded to its cents as the journal's sums are.
func (tx *Tx) addBudgetUse(ctx context.Context, e *ledger.Entry, l ledger.Line) error {
	if l.CostCenter == "" {
		return nil
	}
	cents := l.Debit.Shift(2).Round(0).Sub(l.Credit.Shift(2).Round(0)).IntPart()
	if cents == 0 {
		return nil
	}
	if a, ok := tx.reads().accounts[l.Account]; ok && a.Type != ledger.Expense {
		return nil // known, as the posting read it, and not an expense account
	}
	u := budgetUse{costCenter: l.CostCenter, period: e.Period, siteID: e.SiteID, account: l.Account, cents: cents}
	if d := tx.deferred; d != nil {
		d.budget = append(d.budget, u)
		return nil
	}
	return tx.upsertBudgetUse(ctx, u)
}

// upsertBudgetUse adds u to its running total when its account is an
// expense account.
func (tx *Tx) upsertBudgetUse(ctx context.Context, u budgetUse) error {
	_, err := tx.exec(ctx, `
		INSERT INTO erp_budget_use (cost_center, period, site_id, actual_cents)
		SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT)
		WHERE EXISTS (SELECT 1 FROM erp_accounts WHERE code = ? AND type = 'expense')
		ON CONFLICT (cost_center, period, site_id) DO UPDATE SET actual_cents = erp_budget_use.actual_cents + excluded.actual_cents`,
		u.costCenter, u.period, u.siteID, u.cents, u.account)
	return err
}

const entryCols = `e.id, e.number, e.at, e.period, e.site_id, e.memo, e.source, e.source_id, e.reverses_id, e.created_by,
	(SELECT r.id FROM erp_entries r WHERE r.reverses_id = e.id)`

func scanEntry(r interface{ Scan(...any) error }) (ledger.Entry, error) {
	var (
		e                  ledger.Entry
		reverses, reversed nullStr
	)
	err := r.Scan(&e.ID, &e.Number, (*dbTime)(&e.At), &e.Period, &e.SiteID, &e.Memo, &e.Source, &e.SourceID,
		&reverses, &e.CreatedBy, &reversed)
	e.ReversesID, e.ReversedBy = string(reverses), string(reversed)
	return e, err
}

// ERPEntry returns a journal entry with its lines.
func (tx *Tx) ERPEntry(ctx context.Context, id string) (*ledger.Entry, error) {
	e, err := scanEntry(tx.queryRow(ctx, `SELECT `+entryCols+` FROM erp_entries e WHERE e.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "journal entry %s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	es := []ledger.Entry{e}
	if err := tx.erpEntryLines(ctx, es); err != nil {
		return nil, err
	}
	return &es[0], nil
}

func (tx *Tx) erpEntryLines(ctx context.Context, es []ledger.Entry) error {
	for i := range es {
		rows, err := tx.query(ctx, `
			SELECT account, debit, credit, cost_center, work_order_id, asset_id
			FROM erp_entry_lines WHERE entry_id = ? ORDER BY position`, es[i].ID)
		if err != nil {
			return err
		}
		es[i].Lines = []ledger.Line{}
		for rows.Next() {
			var l ledger.Line
			if err := rows.Scan(&l.Account, &l.Debit, &l.Credit, &l.CostCenter, &l.WorkOrderID, &l.AssetID); err != nil {
				rows.Close()
				return err
			}
			es[i].Lines = append(es[i].Lines, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// ERPEntryFilter selects journal entries.
type ERPEntryFilter struct {
	SiteID, WorkOrderID, CostCenter, Period string
	Cursor                                  string
	Limit                                   int
}

// ERPEntries lists journal entries that have a line with the work order or
// cost center, oldest first.
func (tx *Tx) ERPEntries(ctx context.Context, f ERPEntryFilter) (millwright.Page[ledger.Entry], error) {
	n := page(f.Limit)
	rows, err := tx.query(ctx, `SELECT `+entryCols+` FROM erp_entries e
		WHERE e.id > ? AND (? = '' OR e.period = ?) AND (? = '' OR e.site_id = ?)
		  AND (? = '' OR EXISTS (SELECT 1 FROM erp_entry_lines l WHERE l.entry_id = e.id AND l.work_order_id = ?))
		  AND (? = '' OR EXISTS (SELECT 1 FROM erp_entry_lines l WHERE l.entry_id = e.id AND l.cost_center = ?))
		ORDER BY e.id LIMIT ?`,
		f.Cursor, f.Period, f.Period, f.SiteID, f.SiteID, f.WorkOrderID, f.WorkOrderID, f.CostCenter, f.CostCenter, n)
	if err != nil {
		return millwright.Page[ledger.Entry]{}, err
	}
	var es []ledger.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			rows.Close()
			return millwright.Page[ledger.Entry]{}, err
		}
		es = append(es, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return millwright.Page[ledger.Entry]{}, err
	}
	if err := tx.erpEntryLines(ctx, es); err != nil {
		return millwright.Page[ledger.Entry]{}, err
	}
	return millwright.NewPage(es, n, func(e ledger.Entry) string { return e.ID }), nil
}

// ERPTrialBalance sums every account's debits and credits. The sums are
// made in Go: SQLite keeps decimals as text.
func (tx *Tx) ERPTrialBalance(ctx context.Context) (ledger.TrialBalance, error) {
	return tx.ERPSiteTrialBalance(ctx, "")
}

// ERPSiteTrialBalance sums the debits and credits of the lines of one
// site's entries, or of every entry when siteID is "". Each entry
// balances, so a site's trial balance does too.
func (tx *Tx) ERPSiteTrialBalance(ctx context.Context, siteID string) (ledger.TrialBalance, error) {
	accounts, err := tx.ERPAccounts(ctx)
	if err != nil {
		return ledger.TrialBalance{}, err
	}
	idx := map[string]int{}
	bal := make([]ledger.Balance, len(accounts))
	for i, a := range accounts {
		bal[i] = ledger.Balance{Account: a.Code, Name: a.Name, Type: a.Type}
		idx[a.Code] = i
	}
	rows, err := tx.query(ctx, `SELECT l.account, l.debit, l.credit FROM erp_entry_lines l
		JOIN erp_entries e ON e.id = l.entry_id
		WHERE ? = '' OR e.site_id = ?`, siteID, siteID)
	if err != nil {
		return ledger.TrialBalance{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			acct          string
			debit, credit millwright.Money
		)
		if err := rows.Scan(&acct, &debit, &credit); err != nil {
			return ledger.TrialBalance{}, err
		}
		b := &bal[idx[acct]]
		b.Debit, b.Credit = b.Debit.Add(debit), b.Credit.Add(credit)
	}
	if err := rows.Err(); err != nil {
		return ledger.TrialBalance{}, err
	}
	return ledger.NewTrialBalance(bal), nil
}

// ERPWorkOrderCost is a work order's cost in the ledger: debits minus
// credits of its lines on expense accounts.
func (tx *Tx) ERPWorkOrderCost(ctx context.Context, workOrderID string) (millwright.Money, error) {
	return tx.erpSum(ctx, `FROM erp_entry_lines l JOIN erp_accounts a ON a.code = l.account
		WHERE a.type = 'expense' AND l.work_order_id = ?`, workOrderID)
}

// erpSum is the sum of debits minus credits of the entry lines "from"
// selects (a FROM clause with its joins and WHERE, lines as l), summed by
// the database: exactly on PostgreSQL's NUMERIC; on SQLite, whose numbers
// are binary floating point, as whole cents, each line's amount rounded
// to its cents first, which is exact because the ledger takes no
// fractions of a cent and amounts below 10^12.
func (tx *Tx) erpSum(ctx context.Context, from string, args ...any) (millwright.Money, error) {
	if tx.engine == Postgres {
		var sum millwright.Money
		err := tx.queryRow(ctx, `SELECT COALESCE(SUM(l.debit), 0) - COALESCE(SUM(l.credit), 0) `+from, args...).Scan(&sum)
		return sum, err
	}
	var cents int64
	err := tx.queryRow(ctx, `SELECT COALESCE(SUM(CAST(ROUND(CAST(l.debit AS REAL) * 100) AS INTEGER)
		- CAST(ROUND(CAST(l.credit AS REAL) * 100) AS INTEGER)), 0) `+from, args...).Scan(&cents)
	return millwright.Money{Decimal: decimal.New(cents, -2)}, err
}

// ERPBudgetUse is a cost center's actual (expense postings of the period)
// and committed (unreceived value of open purchase-order lines for direct
// items charged to it, placed in the period).
func (tx *Tx) ERPBudgetUse(ctx context.Context, costCenter, period string) (actual, committed millwright.Money, err error) {
	return tx.ERPSiteBudgetUse(ctx, "", costCenter, period)
}

// ERPSiteBudgetUse is ERPBudgetUse counting only the entries and purchase
// orders of one site, or of every site when siteID is "".
func (tx *Tx) ERPSiteBudgetUse(ctx context.Context, siteID, costCenter, period string) (actual, committed millwright.Money, err error) {
	var cents int64
	if err = tx.queryRow(ctx, `SELECT COALESCE(SUM(actual_cents), 0) FROM erp_budget_use
		WHERE cost_center = ? AND period = ? AND (? = '' OR site_id = ?)`,
		costCenter, period, siteID, siteID).Scan(&cents); err != nil {
		return
	}
	actual = millwright.Money{Decimal: decimal.New(cents, -2)}
	rows, err := tx.query(ctx, `SELECT l.quantity, l.received_quantity, l.unit_price FROM erp_po_lines l
		JOIN erp_purchase_orders p ON p.id = l.purchase_order_id
		WHERE l.cost_center = ? AND p.period = ? AND l.direct = ? AND p.status IN ('open', 'partially_received')
		  AND (? = '' OR p.site_id = ?)`,
		costCenter, period, true, siteID, siteID)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var q, r millwright.Qty
		var price millwright.Money
		if err = rows.Scan(&q, &r, &price); err != nil {
			return
		}
		if open := q.Sub(r); open.IsPositive() {
			committed = committed.Add(price.Times(open))
		}
	}
	err = rows.Err()
	return
}

// ERPBudgetUseDrift recounts the budget use of every cost center, period
// and site from the journal and returns where the running totals that
// ERPBudgetUse reads differ from it ("CC/2026-03/site: 12.00 kept, 15.00
// in the journal"); none when they agree, as they always should.
func (tx *Tx) ERPBudgetUseDrift(ctx context.Context) ([]string, error) {
	recount := `SELECT l.cost_center, e.period, e.site_id,
		SUM(CAST(ROUND(CAST(l.debit AS REAL) * 100) AS INTEGER) - CAST(ROUND(CAST(l.credit AS REAL) * 100) AS INTEGER))`
	if tx.engine == Postgres {
		recount = `SELECT l.cost_center, e.period, e.site_id, ((SUM(l.debit) - SUM(l.credit)) * 100)::BIGINT`
	}
	type key struct{ cc, period, site string }
	sums := func(q string) (map[key]int64, error) {
		rows, err := tx.query(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[key]int64{}
		for rows.Next() {
			var k key
			var c int64
			if err := rows.Scan(&k.cc, &k.period, &k.site, &c); err != nil {
				return nil, err
			}
			if c != 0 {
				out[k] = c
			}
		}
		return out, rows.Err()
	}
	journal, err := sums(recount + ` FROM erp_entry_lines l
		JOIN erp_accounts a ON a.code = l.account JOIN erp_entries e ON e.id = l.entry_id
		WHERE a.type = 'expense' AND l.cost_center <> '' GROUP BY l.cost_center, e.period, e.site_id`)
	if err != nil {
		return nil, err
	}
	kept, err := sums(`SELECT cost_center, period, site_id, actual_cents FROM erp_budget_use`)
	if err != nil {
		return nil, err
	}
	for k := range journal {
		if _, ok := kept[k]; !ok {
			kept[k] = 0
		}
	}
	var drift []string
	for k, c := range kept {
		if j := journal[k]; j != c {
			drift = append(drift, fmt.Sprintf("%s/%s/%s: %s kept, %s in the journal", k.cc, k.period, k.site,
				decimal.New(c, -2).StringFixed(2), decimal.New(j, -2).StringFixed(2)))
		}
	}
	slices.Sort(drift)
	return drift, nil
}

// ERPBudget returns a budget.
func (tx *Tx) ERPBudget(ctx context.Context, costCenter, period string) (*budget.Budget, error) {
	return tx.erpBudget(ctx, costCenter, period, "")
}

// ERPBudgetForUpdate returns a budget, locked until the transaction ends.
func (tx *Tx) ERPBudgetForUpdate(ctx context.Context, costCenter, period string) (*budget.Budget, error) {
	return tx.erpBudget(ctx, costCenter, period, tx.forUpdate())
}

func (tx *Tx) erpBudget(ctx context.Context, costCenter, period, lock string) (*budget.Budget, error) {
	var b budget.Budget
	err := tx.queryRow(ctx, `SELECT cost_center, period, amount, alerted, created_at, updated_at FROM erp_budgets
		WHERE cost_center = ? AND period = ?`+lock, costCenter, period).
		Scan(&b.CostCenter, &b.Period, &b.Amount, &b.Alerted, (*dbTime)(&b.CreatedAt), (*dbTime)(&b.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "cost center %s has no budget for %s", costCenter, period)
	}
	return &b, err
}

// SaveERPBudget creates or changes a budget; it reports whether it was new.
func (tx *Tx) SaveERPBudget(ctx context.Context, b *budget.Budget) error {
	if b.CreatedAt.IsZero() {
		b.CreatedAt = tx.now
	}
	b.UpdatedAt = tx.now
	_, err := tx.exec(ctx, `
		INSERT INTO erp_budgets (cost_center, period, amount, alerted, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (cost_center, period) DO UPDATE SET amount = excluded.amount, alerted = excluded.alerted, updated_at = excluded.updated_at`,
		b.CostCenter, b.Period, b.Amount, b.Alerted, b.CreatedAt, b.UpdatedAt)
	return err
}

// siteCostCenters selects the cost centers of a site (three arguments,
// the site's id): those its assets, its journal entries' lines and its
// purchase orders' lines name.
const siteCostCenters = `
	SELECT cost_center FROM assets WHERE site_id = ? AND cost_center <> ''
	UNION SELECT l.cost_center FROM erp_entry_lines l JOIN erp_entries e ON e.id = l.entry_id
		WHERE e.site_id = ? AND l.cost_center <> ''
	UNION SELECT l.cost_center FROM erp_po_lines l JOIN erp_purchase_orders p ON p.id = l.purchase_order_id
		WHERE p.site_id = ? AND l.cost_center <> ''`

// ERPSiteCostCenters returns the codes of the cost centers of a site: those
// its assets name, or the lines of its journal entries or purchase orders.
func (tx *Tx) ERPSiteCostCenters(ctx context.Context, siteID string) (map[string]bool, error) {
	rows, err := tx.query(ctx, siteCostCenters, siteID, siteID, siteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out[c] = true
	}
	return out, rows.Err()
}

// ERPBudgets lists budgets, by cost center and period; with siteID, only
// those of the site's cost centers (see ERPSiteCostCenters).
func (tx *Tx) ERPBudgets(ctx context.Context, siteID, costCenter, period, cursor string, limit int) (millwright.Page[budget.Budget], error) {
	n := page(limit)
	rows, err := tx.query(ctx, `SELECT cost_center, period, amount, alerted, created_at, updated_at FROM erp_budgets
		WHERE (cost_center || '/' || period) > ? AND (? = '' OR cost_center = ?) AND (? = '' OR period = ?)
		  AND (? = '' OR cost_center IN (`+siteCostCenters+`))
		ORDER BY cost_center, period LIMIT ?`, cursor, costCenter, costCenter, period, period, siteID, siteID, siteID, siteID, n)
	if err != nil {
		return millwright.Page[budget.Budget]{}, err
	}
	defer rows.Close()
	var out []budget.Budget
	for rows.Next() {
		var b budget.Budget
		if err := rows.Scan(&b.CostCenter, &b.Period, &b.Amount, &b.Alerted, (*dbTime)(&b.CreatedAt), (*dbTime)(&b.UpdatedAt)); err != nil {
			return millwright.Page[budget.Budget]{}, err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return millwright.Page[budget.Budget]{}, err
	}
	return millwright.NewPage(out, n, func(b budget.Budget) string { return b.CostCenter + "/" + b.Period }), nil
}

// EmitERPEvent appends an event to the ERP's event log, in this
// transaction, with the next sequence number.
func (tx *Tx) EmitERPEvent(ctx context.Context, kind integration.EventKind, documentKey, actor string, payload any) (integration.Event, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return integration.Event{}, fmt.Errorf("encode %s event: %w", kind, err)
	}
	var seq int64
	if d := tx.deferred; d != nil {
		seq, err = d.nextSeq()
	} else {
		seq, err = tx.ERPNextNumber(ctx, "event")
	}
	if err != nil {
		return integration.Event{}, err
	}
	ev := integration.Event{Seq: seq, Kind: kind, DocumentKey: documentKey, At: tx.now, Actor: actor, Payload: b}
	if d := tx.deferred; d != nil {
		// Its placeholder seq is its own: written with the batch's others.
		d.events = append(d.events, ev)
		tx.insertLater("erp_events", eventCols, ev.Seq, ev.Kind, ev.DocumentKey, string(ev.Payload), ev.At, ev.Actor)
	} else {
		// Its seq is its own: taken under the numbering lock.
		err = tx.insertSoon(ctx, "erp_events", eventCols, ev.Seq, ev.Kind, ev.DocumentKey, string(ev.Payload), ev.At, ev.Actor)
	}
	// Whoever reads the event log (the dispatcher in process, the webhook
	// pusher of `erp serve`) hears of the event once it commits.
	tx.WakeDispatcher()
	return ev, err
}

var eventCols = []string{"seq", "kind", "document_key", "payload", "created_at", "actor"}

// ERPEvents lists events with a sequence number above after, in order.
func (tx *Tx) ERPEvents(ctx context.Context, after int64, limit int) ([]integration.Event, error) {
	switch {
	case limit <= 0:
		limit = 100
	case limit > 1000:
		limit = 1000
	}
	rows, err := tx.query(ctx, `SELECT seq, kind, document_key, payload, created_at, actor FROM erp_events
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []integration.Event{}
	for rows.Next() {
		var (
			ev      integration.Event
			payload string
		)
		if err := rows.Scan(&ev.Seq, &ev.Kind, &ev.DocumentKey, &payload, (*dbTime)(&ev.At), &ev.Actor); err != nil {
			return nil, err
		}
		ev.Payload = json.RawMessage(payload)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// ERPMessage returns the stored result of a port message already applied:
// its request hash and the events it emitted. found is false for a new key.
func (tx *Tx) ERPMessage(ctx context.Context, key string) (hash string, events []integration.Event, found bool, err error) {
	if m, ok := tx.reads().messages[key]; ok {
		if m == nil {
			return "", nil, false, nil
		}
		return m.hash, events, true, json.Unmarshal([]byte(m.events), &events)
	}
	var js string
	err = tx.queryRow(ctx, `SELECT request_hash, events_json FROM erp_messages WHERE idempotency_key = ?`, key).Scan(&hash, &js)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, false, nil
	}
	if err != nil {
		return "", nil, false, err
	}
	return hash, events, true, json.Unmarshal([]byte(js), &events)
}

// PrefetchERPMessages reads which of keys were applied, in one statement,
// so that ERPMessage answers for them without one each (a batch of
// messages looks up every key). What a savepoint undoes is read again.
func (tx *Tx) PrefetchERPMessages(ctx context.Context, keys []string) error {
	known := tx.reads().messages
	for chunk := range slices.Chunk(keys, maxParams) {
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k
			known[k] = nil
		}
		rows, err := tx.query(ctx, `SELECT idempotency_key, request_hash, events_json FROM erp_messages
			WHERE idempotency_key IN `+inList(len(args)), args...)
		if err != nil {
			return err
		}
		applied, err := scanAll(rows, func(r interface{ Scan(...any) error }) (m erpMessage, err error) {
			return m, r.Scan(&m.key, &m.hash, &m.events)
		})
		if err != nil {
			return err
		}
		for i := range applied {
			known[applied[i].key] = &applied[i]
		}
	}
	return nil
}

var messageRecordCols = []string{"idempotency_key", "kind", "request_hash", "events_json", "applied_at"}

// SaveERPMessage records a port message as applied, with its events.
// A concurrent application of the same key fails with a duplicate key.
func (tx *Tx) SaveERPMessage(ctx context.Context, key string, kind integration.MessageKind, hash string, events []integration.Event) error {
	if events == nil {
		events = []integration.Event{}
	}
	if d := tx.deferred; d != nil {
		d.messages = append(d.messages, deferredMessage{key, slices.Clone(events)})
	}
	b, err := json.Marshal(events)
	if err != nil {
		return err
	}
	if tx.deferred != nil {
		// Written with the batch's others: a process applying the same
		// key at the same time fails the batch, which goes again and
		// finds the key applied.
		tx.insertLater("erp_messages", messageRecordCols, key, kind, hash, string(b), tx.now)
	} else if _, err = tx.exec(ctx, `INSERT INTO erp_messages (idempotency_key, kind, request_hash, events_json, applied_at) VALUES (?, ?, ?, ?, ?)`,
		key, kind, hash, string(b), tx.now); err != nil {
		return err
	}
	if known := tx.reads().messages; known != nil {
		known[key] = &erpMessage{key: key, hash: hash, events: string(b)}
	}
	return nil
}

// ERPSettingsMap returns the ERP's settings as stored.
func (tx *Tx) ERPSettingsMap(ctx context.Context) (map[string]string, error) {
	rows, err := tx.query(ctx, `SELECT key, value FROM erp_settings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}

// SetERPSetting stores one setting.
func (tx *Tx) SetERPSetting(ctx context.Context, key, value string) error {
	_, err := tx.exec(ctx, `INSERT INTO erp_settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}
