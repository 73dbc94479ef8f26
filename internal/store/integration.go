package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// Wake is signalled after each commit that wrote an outbox message, so the
// dispatcher delivers it at once instead of at its next tick.
func (db *DB) Wake() <-chan struct{} { return db.wake }

// Enqueue writes m to the outbox in this transaction: it commits with the
// change that causes it, or not at all. workOrderID (may be empty) orders
// the messages of one work order; lines are the material lines it asks for.
func (tx *Tx) Enqueue(ctx context.Context, m integration.Message, workOrderID string, lines ...string) error {
	return tx.EnqueueMessage(ctx, m, integration.Outgoing{WorkOrderID: workOrderID, Lines: lines})
}

// EnqueueMessage writes m to the outbox in this transaction, as o says:
// pending where integration is live, skipped with the reason where the
// phased rollout has not reached it, and failed with o.Reason when it
// waits for an item's ERP mapping.
func (tx *Tx) EnqueueMessage(ctx context.Context, m integration.Message, o integration.Outgoing) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	status, why, err := tx.scopeStatus(ctx, m.SiteID, o.WorkOrderID)
	if err != nil {
		return err
	}
	if status == integration.StatusPending && o.Reason != "" {
		status, why = integration.StatusFailed, o.Reason
	}
	id := millwright.NewID("msg")
	err = tx.insertSoon(ctx, "integration_messages", enqueueCols,
		id, m.Kind, m.SiteID, o.WorkOrderID, m.IdempotencyKey, string(b), status, 0, why, tx.now, tx.now, o.OrderKey, o.WaitsForItem)
	if err := duplicate(err, "message %s is already in the outbox", m.IdempotencyKey); err != nil {
		return err
	}
	for _, l := range o.Lines {
		if err := tx.insertSoon(ctx, "integration_message_lines", []string{"message_id", "material_line_id"}, id, l); err != nil {
			return err
		}
	}
	if status == integration.StatusPending {
		tx.WakeDispatcher()
	}
	return nil
}

// MessagesWaitingForItem lists the undelivered messages that wait for an
// item's ERP mapping, oldest first.
func (tx *Tx) MessagesWaitingForItem(ctx context.Context, itemID string) ([]integration.OutboxMessage, error) {
	rows, err := tx.query(ctx, `SELECT `+messageCols+` FROM integration_messages
		WHERE waits_for_item = ? AND status <> ? ORDER BY id`, itemID, integration.StatusDelivered)
	return tx.scanMessages(ctx, rows, err)
}

// RewriteOutboxMessage stores a message completed after it was queued (its
// item mapped): its content, what it waits for, status, error and times.
func (tx *Tx) RewriteOutboxMessage(ctx context.Context, m *integration.OutboxMessage) error {
	b, err := json.Marshal(m.Message)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `UPDATE integration_messages SET message = ?, waits_for_item = ?, status = ?, attempts = ?,
			last_error = ?, next_attempt_at = ? WHERE id = ?`,
		string(b), m.WaitsForItem, m.Status, m.Attempts, m.LastError, m.NextAttemptAt, m.ID)
	return err
}

// WakeDispatcher wakes the dispatcher once this transaction commits.
func (tx *Tx) WakeDispatcher() {
	if tx.wake == nil {
		return
	}
	tx.AfterCommit(func() {
		select {
		case tx.wake <- struct{}{}:
		default:
		}
	})
}

// enqueueCols are the columns EnqueueMessage writes.
var enqueueCols = []string{"id", "kind", "site_id", "work_order_id", "idempotency_key", "message", "status", "attempts",
	"last_error", "next_attempt_at", "created_at", "order_key", "waits_for_item"}

const messageCols = `id, kind, site_id, work_order_id, idempotency_key, message, status, attempts, last_error,
	next_attempt_at, created_at, delivered_at, order_key, waits_for_item`

func (tx *Tx) scanMessages(ctx context.Context, rows *sql.Rows, err error) ([]integration.OutboxMessage, error) {
	out, err := scanMessageRows(rows, err)
	if err != nil {
		return nil, err
	}
	return out, tx.messageLines(ctx, out)
}

// scanMessageRows reads messages without their material lines: a claim
// reads more candidates than it keeps, and fetches the lines of those it
// keeps (messageLines).
func scanMessageRows(rows *sql.Rows, err error) ([]integration.OutboxMessage, error) {
	if err != nil {
		return nil, err
	}
	out := []integration.OutboxMessage{}
	for rows.Next() {
		var (
			m   integration.OutboxMessage
			raw string
		)
		if err := rows.Scan(&m.ID, &m.Kind, &m.SiteID, &m.WorkOrderID, &m.IdempotencyKey, &raw, &m.Status,
			&m.Attempts, &m.LastError, (*dbTime)(&m.NextAttemptAt), (*dbTime)(&m.CreatedAt), nullTime{&m.DeliveredAt}, &m.OrderKey, &m.WaitsForItem); err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &m.Message); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	return out, rows.Err()
}

// messageLines sets the material lines of ms, with one statement per
// maxParams messages (one per message was a round trip each, 200 of them
// in a claim on PostgreSQL).
func (tx *Tx) messageLines(ctx context.Context, ms []integration.OutboxMessage) error {
	at := make(map[string]*integration.OutboxMessage, len(ms))
	for i := range ms {
		ms[i].MaterialLineIDs = []string{}
		at[ms[i].ID] = &ms[i]
	}
	for chunk := range slices.Chunk(ms, maxParams) {
		args := make([]any, len(chunk))
		for i := range chunk {
			args[i] = chunk[i].ID
		}
		rows, err := tx.query(ctx, `SELECT message_id, material_line_id FROM integration_message_lines
			WHERE message_id IN `+inList(len(args))+` ORDER BY message_id, material_line_id`, args...)
		if err != nil {
			return err
		}
		lines, err := scanAll(rows, func(r interface{ Scan(...any) error }) (l [2]string, err error) {
			return l, r.Scan(&l[0], &l[1])
		})
		if err != nil {
			return err
		}
		for _, l := range lines {
			if m := at[l[0]]; m != nil {
				m.MaterialLineIDs = append(m.MaterialLineIDs, l[1])
			}
		}
	}
	return nil
}

// OutboxMessage returns the outbox message with id.
func (tx *Tx) OutboxMessage(ctx context.Context, id string) (*integration.OutboxMessage, error) {
	rows, err := tx.query(ctx, `SELECT `+messageCols+` FROM integration_messages WHERE id = ?`, id)
	ms, err := tx.scanMessages(ctx, rows, err)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "outbox message %s does not exist", id)
	}
	return &ms[0], nil
}

// OutboxMessages lists outbox messages by id, filtered.
func (tx *Tx) OutboxMessages(ctx context.Context, f integration.MessageFilter) (millwright.Page[integration.OutboxMessage], error) {
	n := page(f.Limit)
	after, order := "id > ?", "id"
	if f.Newest {
		after, order = "(? = '' OR id < ?)", "id DESC"
	}
	args := []any{f.Cursor}
	if f.Newest {
		args = append(args, f.Cursor)
	}
	args = append(args, f.Status, f.Status, f.WorkOrderID, f.WorkOrderID, f.SiteID, f.SiteID, n)
	rows, err := tx.query(ctx, `SELECT `+messageCols+` FROM integration_messages
		WHERE `+after+` AND (? = '' OR status = ?) AND (? = '' OR work_order_id = ?) AND (? = '' OR site_id = ?)
		ORDER BY `+order+` LIMIT ?`, args...)
	ms, err := tx.scanMessages(ctx, rows, err)
	if err != nil {
		return millwright.Page[integration.OutboxMessage]{}, err
	}
	return millwright.NewPage(ms, n, func(m integration.OutboxMessage) string { return m.ID }), nil
}

// ClaimMessages takes up to limit pending messages that are due, the
// requisitions first (a release's request does not wait behind a backlog
// of labor postings), then the others, oldest first; the first
// undelivered one of each work order and of each order key only, so the
// messages of a work order, or of a stock row, go out in order (and a
// claim holds at most one of each, so they may be sent at once); and
// nothing else while an item_master message is pending, so the ERP knows
// an item before a requisition or a stock message names it, a replayed
// one too. Each is leased until lease from now: its next attempt moves
// there and its attempts count up, so another dispatcher leaves it alone
// and a crash mid-send only delays it. On PostgreSQL the rows are taken
// FOR UPDATE SKIP LOCKED, so several processes share the work.
func (tx *Tx) ClaimMessages(ctx context.Context, limit int, lease time.Duration) ([]integration.OutboxMessage, error) {
	return tx.claimMessages(ctx, limit, lease, 0)
}

// ClaimRuns is ClaimMessages for a sender that applies a claim in order
// (integration.BatchSender): after the requisitions, it takes several
// messages of a work order or order key at once, in order, as long as no
// earlier one of theirs is out of the claim (leased elsewhere, or waiting
// for a retry), and a message other than an item master only when every
// pending item master is in the claim before it.
//
// A claim takes the runs of one share-th of the work orders and order
// keys that have messages due (share > 1), leaving the others to the
// claims made beside it: the dispatcher's other lanes and other
// processes, which could otherwise find every work order's next message
// in the first claim and nothing to take. Claims need no turn: on
// PostgreSQL a run is kept only from its first message on, and only as
// far as this claim could lock each of its messages still due (lockRuns),
// so no claim runs ahead of another taking the same rows.
func (tx *Tx) ClaimRuns(ctx context.Context, limit, share int, lease time.Duration) ([]integration.OutboxMessage, error) {
	return tx.claimMessages(ctx, limit, lease, max(share, 1))
}

// ClaimRequisitions is ClaimMessages for requisitions only: the lane of a
// release's request, which never waits for a claim of other kinds. It
// takes the first undelivered message of a work order only.
func (tx *Tx) ClaimRequisitions(ctx context.Context, limit int, lease time.Duration) ([]integration.OutboxMessage, error) {
	ms, err := tx.claim(ctx, integration.KindRequisitionRequest, true, limit)
	if err != nil {
		return nil, err
	}
	return ms, tx.leaseClaimed(ctx, ms, lease)
}

// RequisitionsDue reports whether a requisition is pending and due: the
// requisition lane looks before it opens a write transaction to claim,
// which on SQLite would take the one writer at every wake-up.
func (tx *Tx) RequisitionsDue(ctx context.Context) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM integration_messages`+tx.indexedBy("integration_messages_kind_pending")+`
		WHERE status = ? AND kind = ? AND next_attempt_at <= ? LIMIT 1) AS due`,
		integration.StatusPending, integration.KindRequisitionRequest, tx.now).Scan(&n)
	return n > 0, err
}

// claimMessages claims as ClaimMessages, or as ClaimRuns when share > 0.
func (tx *Tx) claimMessages(ctx context.Context, limit int, lease time.Duration, share int) ([]integration.OutboxMessage, error) {
	runs := share > 0
	ms, err := tx.claim(ctx, integration.KindRequisitionRequest, true, limit)
	if err != nil {
		return nil, err
	}
	if len(ms) < limit {
		kind := integration.KindRequisitionRequest // every kind but requisitions
		var rest []integration.OutboxMessage
		if runs {
			rest, err = tx.runCandidates(ctx, limit*share)
			if err == nil {
				rest, err = tx.lockRuns(ctx, shareOf(rest, share))
			}
		} else {
			rest, err = tx.claim(ctx, kind, false, limit)
		}
		if err != nil {
			return nil, err
		}
		taken := map[string]bool{}
		for _, m := range ms {
			taken[m.ID] = true
		}
		for _, m := range rest {
			if !taken[m.ID] && len(ms) < limit {
				ms = append(ms, m)
			}
		}
	}
	return ms, tx.leaseClaimed(ctx, ms, lease)
}

// leaseClaimed reads the material lines of the claimed messages (claim
// reads its candidates without them), counts an attempt of each and
// leaves it alone until lease from now, in one statement.
func (tx *Tx) leaseClaimed(ctx context.Context, ms []integration.OutboxMessage, lease time.Duration) error {
	if len(ms) == 0 {
		return nil
	}
	if err := tx.messageLines(ctx, ms); err != nil {
		return err
	}
	args := []any{tx.now.Add(lease)}
	for i := range ms {
		ms[i].Attempts++
		args = append(args, ms[i].ID)
	}
	_, err := tx.exec(ctx, `UPDATE integration_messages SET attempts = attempts + 1, next_attempt_at = ? WHERE id IN `+inList(len(ms)), args...)
	return err
}

// lockRuns reads in full the messages of a claim's runs (runCandidates
// read their keys only) and, on PostgreSQL, locks their rows, skipping
// those another claim holds or has leased since they were read; it keeps
// of each work order and order key the messages before the first it could
// not take, and nothing after an item master it could not take. (SQLite's
// single writer claims one at a time: every row read is there to take.)
func (tx *Tx) lockRuns(ctx context.Context, ms []integration.OutboxMessage) ([]integration.OutboxMessage, error) {
	if len(ms) == 0 {
		return ms, nil
	}
	args := make([]any, len(ms))
	for i, m := range ms {
		args[i] = m.ID
	}
	lock := ""
	if tx.engine == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	// By id only, so that both planners take the primary key; whether a
	// row is still pending and due (not leased since it was read) is
	// looked at here.
	rows, err := tx.query(ctx, `SELECT `+messageCols+` FROM integration_messages WHERE id IN `+inList(len(ms))+lock, args...)
	taken, err := scanMessageRows(rows, err)
	if err != nil {
		return nil, err
	}
	full := make(map[string]integration.OutboxMessage, len(taken))
	for _, m := range taken {
		if m.Status == integration.StatusPending && !m.NextAttemptAt.After(tx.now) {
			full[m.ID] = m
		}
	}
	out, stopped := ms[:0], map[string]bool{}
	for _, m := range ms {
		wo, key := "wo:"+m.WorkOrderID, "key:"+m.OrderKey
		f, ok := full[m.ID]
		switch {
		case !ok && m.Kind == string(integration.KindItemMaster):
			return out, nil
		case !ok:
			stopped[wo], stopped[key] = m.WorkOrderID != "", m.OrderKey != ""
		case !stopped[wo] && !stopped[key]:
			out = append(out, f)
		}
	}
	return out, nil
}

// runCandidates lists, oldest first and by their keys only (id, kind,
// work order, order key), up to limit pending messages of every kind that
// a claim of runs may take: due, with no earlier message of their work
// order or order key pending but not due (leased, or waiting for a
// retry), and, unless an item master, with no pending item master not due
// or after them (a requisition behind its work order's postings comes in
// its turn).
//
// It reads the few messages not due first, then walks the pending ones in
// id order and decides in Go. The same rule as one statement asked, per
// pending message, "is an earlier one of its work order not due?": with a
// backlog of a few thousand labor postings over a few work orders that
// walked each work order's backlog again for every message, and
// PostgreSQL's planner, whose statistics lag behind a backlog that has
// just grown, evaluated it for every pending row before sorting (0.5 s a
// claim over 2,200 pending, in the drain measurement).
func (tx *Tx) runCandidates(ctx context.Context, limit int) ([]integration.OutboxMessage, error) {
	const cols = `id, kind, work_order_id, order_key, next_attempt_at`
	scan := func(r interface{ Scan(...any) error }) (m integration.OutboxMessage, err error) {
		return m, r.Scan(&m.ID, &m.Kind, &m.WorkOrderID, &m.OrderKey, (*dbTime)(&m.NextAttemptAt))
	}
	rows, err := tx.query(ctx, `SELECT `+cols+` FROM integration_messages`+tx.indexedBy("integration_messages_due")+`
			WHERE status = '`+integration.StatusPending+`' AND next_attempt_at > ?
		UNION ALL SELECT `+cols+` FROM integration_messages`+tx.indexedBy("integration_messages_kind_pending")+`
			WHERE status = '`+integration.StatusPending+`' AND kind = ?`, tx.now, integration.KindItemMaster)
	if err != nil {
		return nil, err
	}
	held, err := scanAll(rows, scan)
	if err != nil {
		return nil, err
	}
	// The lowest id not due of each work order and order key.
	heldWO, heldKey := map[string]string{}, map[string]string{}
	hold := func(at map[string]string, k, id string) {
		if cur, ok := at[k]; k != "" && (!ok || id < cur) {
			at[k] = id
		}
	}
	var imHeld bool
	var lastIM string
	for _, m := range held {
		due := !m.NextAttemptAt.After(tx.now)
		if m.Kind == string(integration.KindItemMaster) {
			lastIM = max(lastIM, m.ID)
			imHeld = imHeld || !due
		}
		if due {
			continue
		}
		hold(heldWO, m.WorkOrderID, m.ID)
		hold(heldKey, m.OrderKey, m.ID)
	}
	blocked := func(at map[string]string, k, id string) bool { cur, ok := at[k]; return ok && cur < id }
	// While an item master is not due, nothing else may go: only item
	// masters are walked. Otherwise the runs held back are left out in the
	// statement (a work order whose next message is leased holds its whole
	// backlog), unless they are too many to name.
	var skip strings.Builder
	var skipArgs []any
	if imHeld {
		skip.WriteString(" AND kind = '" + string(integration.KindItemMaster) + "'")
	} else if len(heldWO)+len(heldKey) <= 64 {
		// In key order: the statement's text depends on how many there
		// are only, and each text is prepared once per connection.
		not := func(col string, at map[string]string) {
			for _, k := range slices.Sorted(maps.Keys(at)) {
				skip.WriteString(" AND NOT (" + col + " = ? AND id > ?)")
				skipArgs = append(skipArgs, k, at[k])
			}
		}
		not("work_order_id", heldWO)
		not("order_key", heldKey)
	}
	page := max(limit, 64)
	// The work orders and order keys whose run stopped at a message not
	// taken: what follows it waits for it.
	stoppedWO, stoppedKey := map[string]bool{}, map[string]bool{}
	out := []integration.OutboxMessage{}
	// Each page also reads the newest pending item master: one committed
	// after the first statement with the messages it must precede, made
	// pending by the same transaction (a part mapped, its stock messages
	// sent), is seen with them by the statement that sees them, and they
	// wait for it.
	imOf := func(r interface{ Scan(...any) error }) (m integration.OutboxMessage, err error) {
		var im sql.NullString
		err = r.Scan(&m.ID, &m.Kind, &m.WorkOrderID, &m.OrderKey, (*dbTime)(&m.NextAttemptAt), &im)
		lastIM = max(lastIM, im.String)
		return m, err
	}
	// A bounded walk: past 16 pages of messages held back, what follows
	// waits for the next claim (those held go as their runs are delivered).
	after := ""
	for range 16 {
		rows, err := tx.query(ctx, `SELECT `+cols+`,
				(SELECT MAX(id) FROM integration_messages`+tx.indexedBy("integration_messages_kind_pending")+`
					WHERE status = '`+integration.StatusPending+`' AND kind = '`+string(integration.KindItemMaster)+`')
			FROM integration_messages`+tx.indexedBy("integration_messages_pending_id")+`
			WHERE status = '`+integration.StatusPending+`' AND id > ?`+skip.String()+` ORDER BY id LIMIT ?`, append(append([]any{after}, skipArgs...), page)...)
		if err != nil {
			return nil, err
		}
		ms, err := scanAll(rows, imOf)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			after = m.ID
			if m.NextAttemptAt.After(tx.now) ||
				blocked(heldWO, m.WorkOrderID, m.ID) || blocked(heldKey, m.OrderKey, m.ID) ||
				stoppedWO[m.WorkOrderID] || stoppedKey[m.OrderKey] ||
				m.Kind != string(integration.KindItemMaster) && (imHeld || m.ID < lastIM) {
				stoppedWO[m.WorkOrderID], stoppedKey[m.OrderKey] = m.WorkOrderID != "", m.OrderKey != ""
				continue
			}
			if out = append(out, m); len(out) == limit {
				return out, nil
			}
		}
		if len(ms) < page {
			break
		}
	}
	return out, nil
}

// shareOf keeps, of the messages of a claim in order, those of the first
// share-th of their work orders and order keys (at least one): whole runs,
// since each one's messages are a run from its first due one. A claim
// that holds an item master is kept whole, as the messages after it may
// need it.
func shareOf(ms []integration.OutboxMessage, share int) []integration.OutboxMessage {
	if share <= 1 {
		return ms
	}
	key := func(m *integration.OutboxMessage) string {
		switch {
		case m.WorkOrderID != "":
			return "wo:" + m.WorkOrderID
		case m.OrderKey != "":
			return "key:" + m.OrderKey
		}
		return "id:" + m.ID
	}
	var order []string
	seen := map[string]bool{}
	for i := range ms {
		if ms[i].Kind == string(integration.KindItemMaster) {
			return ms
		}
		if k := key(&ms[i]); !seen[k] {
			seen[k] = true
			order = append(order, k)
		}
	}
	keep := map[string]bool{}
	for _, k := range order[:(len(order)+share-1)/share] {
		keep[k] = true
	}
	return slices.DeleteFunc(ms, func(m integration.OutboxMessage) bool { return !keep[key(&m)] })
}

// RenewLeases extends the leases of claimed messages still pending to
// lease from now (outbox.Dispatcher does while it sends them).
func (tx *Tx) RenewLeases(ctx context.Context, ids []string, lease time.Duration) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{tx.now.Add(lease), integration.StatusPending}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := tx.exec(ctx, `UPDATE integration_messages SET next_attempt_at = ? WHERE status = ? AND id IN `+inList(len(ids)), args...)
	return err
}

// claim selects up to limit claimable messages of kind (only) or of every
// other kind, oldest first: an earlier pending message of the same work
// order or order key, or any pending item master, holds a message back.
// On PostgreSQL the rows are locked, skipping those another claim holds.
func (tx *Tx) claim(ctx context.Context, kind integration.MessageKind, only bool, limit int) ([]integration.OutboxMessage, error) {
	lock := ""
	if tx.engine == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	args := []any{kind, tx.now, integration.StatusPending, integration.StatusPending,
		integration.KindItemMaster, integration.KindItemMaster, integration.StatusPending, limit}
	// The status is written out, not bound, so that both engines may walk
	// the pending messages' own index (integration_messages_pending_id)
	// in id order and stop at the limit; a claim of one kind walks that
	// kind's.
	lane, index := "m.kind <> ?", "integration_messages_pending_id"
	if only {
		lane, index = "m.kind = ?", "integration_messages_kind_pending"
	}
	rows, err := tx.query(ctx, `SELECT `+messageCols+` FROM integration_messages m`+tx.indexedBy(index)+`
		WHERE m.status = '`+integration.StatusPending+`' AND `+lane+` AND m.next_attempt_at <= ?
			AND (m.work_order_id = '' OR NOT EXISTS (SELECT 1 FROM integration_messages e
				WHERE e.work_order_id = m.work_order_id AND e.status = ? AND e.id < m.id))
			AND (m.order_key = '' OR NOT EXISTS (SELECT 1 FROM integration_messages e
				WHERE e.order_key = m.order_key AND e.status = ? AND e.id < m.id))
			AND (m.kind = ? OR NOT EXISTS (SELECT 1 FROM integration_messages e`+tx.indexedBy("integration_messages_kind_pending")+`
				WHERE e.kind = ? AND e.status = ?))
		ORDER BY m.id LIMIT ?`+lock, args...)
	return scanMessageRows(rows, err)
}

// SaveOutboxMessage stores a message's status, attempts, error and times.
func (tx *Tx) SaveOutboxMessage(ctx context.Context, m *integration.OutboxMessage) error {
	_, err := tx.exec(ctx, `UPDATE integration_messages SET status = ?, attempts = ?, last_error = ?,
			next_attempt_at = ?, delivered_at = ? WHERE id = ?`,
		m.Status, m.Attempts, m.LastError, m.NextAttemptAt, m.DeliveredAt, m.ID)
	return err
}

// MarkDelivered records the messages with ids as delivered now, in one
// statement: what SaveOutboxMessage writes for a delivered message, whose
// attempts and lease the claim wrote already.
func (tx *Tx) MarkDelivered(ctx context.Context, ids []string) error {
	for chunk := range slices.Chunk(ids, maxParams) {
		args := []any{integration.StatusDelivered, tx.now}
		for _, id := range chunk {
			args = append(args, id)
		}
		if _, err := tx.exec(ctx, `UPDATE integration_messages SET status = ?, last_error = '', delivered_at = ?
			WHERE id IN `+inList(len(chunk)), args...); err != nil {
			return err
		}
	}
	return nil
}

// ItemMapping returns the ERP cross-reference of an item at a site: the
// site's own mapping first, then the global one.
func (tx *Tx) ItemMapping(ctx context.Context, itemID, siteID string) (*integration.ItemMapping, error) {
	var m integration.ItemMapping
	err := tx.queryRow(ctx, `SELECT item_id, site_id, erp_item_code, erp_unit, factor, updated_at FROM item_mappings
		WHERE item_id = ? AND (site_id = ? OR site_id = '') ORDER BY site_id DESC LIMIT 1`, itemID, siteID).
		Scan(&m.ItemID, &m.SiteID, &m.ERPItemCode, &m.ERPUnit, &m.Factor, (*dbTime)(&m.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "item %s has no ERP mapping for site %s", itemID, siteID)
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// ItemMappingsAt returns, by item, the mappings that apply at a site to
// the given items (the site's own, else the company's), in one statement;
// an item with none is absent.
func (tx *Tx) ItemMappingsAt(ctx context.Context, siteID string, itemIDs []string) (map[string]*integration.ItemMapping, error) {
	out := make(map[string]*integration.ItemMapping, len(itemIDs))
	if len(itemIDs) == 0 {
		return out, nil
	}
	args := []any{siteID}
	for _, id := range itemIDs {
		args = append(args, id)
	}
	rows, err := tx.query(ctx, `SELECT item_id, site_id, erp_item_code, erp_unit, factor, updated_at FROM item_mappings
		WHERE (site_id = ? OR site_id = '') AND item_id IN `+inList(len(itemIDs))+` ORDER BY item_id, site_id`, args...)
	ms, err := scanAll(rows, func(r interface{ Scan(...any) error }) (m integration.ItemMapping, err error) {
		err = r.Scan(&m.ItemID, &m.SiteID, &m.ERPItemCode, &m.ERPUnit, &m.Factor, (*dbTime)(&m.UpdatedAt))
		return m, err
	})
	if err != nil {
		return nil, err
	}
	for i := range ms { // the site's own after the company's ('')
		out[ms[i].ItemID] = &ms[i]
	}
	return out, nil
}

// SaveItemMapping creates or replaces the mapping of an item at a site.
func (tx *Tx) SaveItemMapping(ctx context.Context, m *integration.ItemMapping) error {
	m.UpdatedAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO item_mappings (item_id, site_id, erp_item_code, erp_unit, factor, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (item_id, site_id) DO UPDATE SET erp_item_code = excluded.erp_item_code,
			erp_unit = excluded.erp_unit, factor = excluded.factor, updated_at = excluded.updated_at`,
		m.ItemID, m.SiteID, m.ERPItemCode, m.ERPUnit, m.Factor, m.UpdatedAt)
	return err
}

// ItemMappings lists every item mapping, by item and site.
func (tx *Tx) ItemMappings(ctx context.Context, itemID string) ([]integration.ItemMapping, error) {
	rows, err := tx.query(ctx, `SELECT item_id, site_id, erp_item_code, erp_unit, factor, updated_at FROM item_mappings
		WHERE (? = '' OR item_id = ?) ORDER BY item_id, site_id`, itemID, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []integration.ItemMapping{}
	for rows.Next() {
		var m integration.ItemMapping
		if err := rows.Scan(&m.ItemID, &m.SiteID, &m.ERPItemCode, &m.ERPUnit, &m.Factor, (*dbTime)(&m.UpdatedAt)); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// InboundEvent is an ERP event as the CMMS keeps it.
type InboundEvent struct {
	integration.Event
	Status string // applied or waiting
	Note   string
}

// UnrecordedEvents returns the events of events whose sequence numbers
// were not recorded yet, in order.
func (tx *Tx) UnrecordedEvents(ctx context.Context, events []integration.Event) ([]integration.Event, error) {
	if len(events) == 0 {
		return nil, nil
	}
	args := make([]any, len(events))
	for i, ev := range events {
		args[i] = ev.Seq
	}
	rows, err := tx.query(ctx, `SELECT seq FROM inbound_events WHERE seq IN `+inList(len(events)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[int64]bool{}
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, err
		}
		seen[seq] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(slices.Clone(events), func(ev integration.Event) bool { return seen[ev.Seq] }), nil
}

// RecordEvent keeps ev once, as waiting; it reports false when ev's
// sequence number was seen before.
func (tx *Tx) RecordEvent(ctx context.Context, ev integration.Event) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO inbound_events (seq, kind, document_key, payload, status, received_at, actor, at)
		VALUES (?, ?, ?, ?, 'waiting', ?, ?, ?) ON CONFLICT (seq) DO NOTHING`,
		ev.Seq, ev.Kind, ev.DocumentKey, string(ev.Payload), tx.now, ev.Actor, ev.At)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, err
	}
	// The links to its work orders are held and written with the
	// transaction's others before it commits (writeEventLinks): a new
	// event's sequence number cannot have links yet.
	for _, wo := range workOrdersIn(ev.Payload) {
		tx.eventLinks = append(tx.eventLinks, []any{wo, ev.Seq})
	}
	return true, nil
}

// RecordAppliedEvent keeps ev once, as applied at once: an event the CMMS
// takes no action on. It is written with the transaction's others of its
// kind (insertLater), and one whose sequence number was seen before is
// left as it was: the dispatcher records fifty answers of a claim in one
// statement.
func (tx *Tx) RecordAppliedEvent(ev integration.Event) {
	tx.hold("inbound_events", " ON CONFLICT (seq) DO NOTHING", inboundEventCols, []any{
		ev.Seq, ev.Kind, ev.DocumentKey, string(ev.Payload), "applied", tx.now, ev.Actor, ev.At, tx.now})
	// Its work orders' links too (writeEventLinks ignores a link that
	// is there, as it is when the event was seen before).
	for _, wo := range workOrdersIn(ev.Payload) {
		tx.eventLinks = append(tx.eventLinks, []any{wo, ev.Seq})
	}
}

var inboundEventCols = []string{"seq", "kind", "document_key", "payload", "status", "received_at", "actor", "at", "applied_at"}

// workOrdersIn returns the distinct work_order_id values anywhere in a
// JSON payload: the work orders an event is about.
func workOrdersIn(payload json.RawMessage) []string {
	var v any
	if json.Unmarshal(payload, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "work_order_id" && s != "" && !slices.Contains(out, s) {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// writeEventLinks inserts the links of the events the transaction
// recorded to their work orders, in one statement; DB.InTx calls it before
// the commit.
func (tx *Tx) writeEventLinks(ctx context.Context) error {
	if len(tx.eventLinks) == 0 {
		return nil
	}
	rows := tx.eventLinks
	tx.eventLinks = nil
	return tx.insertRows(ctx, "inbound_event_work_orders", eventLinkCols, rows, " ON CONFLICT DO NOTHING")
}

// eventLinkCols are the columns of an event's work-order link as the
// transaction holds it (Tx.eventLinks).
var eventLinkCols = []string{"work_order_id", "seq"}

// WorkOrderEvents lists the ERP events received about a work order, in
// sequence order.
func (tx *Tx) WorkOrderEvents(ctx context.Context, workOrderID string) ([]integration.Event, error) {
	if tx.savepointDepth == 0 {
		if err := tx.writeEventLinks(ctx); err != nil {
			return nil, err
		}
	}
	rows, err := tx.query(ctx, `SELECT e.seq, e.kind, e.document_key, e.payload, e.at, e.actor FROM inbound_events e
		JOIN inbound_event_work_orders w ON w.seq = e.seq WHERE w.work_order_id = ? ORDER BY e.seq`, workOrderID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r interface{ Scan(...any) error }) (ev integration.Event, err error) {
		var payload string
		err = r.Scan(&ev.Seq, &ev.Kind, &ev.DocumentKey, &payload, (*dbTime)(&ev.At), &ev.Actor)
		ev.Payload = json.RawMessage(payload)
		return ev, err
	})
}

// WaitingEvents lists the events not yet applied, in sequence order.
func (tx *Tx) WaitingEvents(ctx context.Context, limit int) ([]integration.Event, error) {
	rows, err := tx.query(ctx, `SELECT seq, kind, document_key, payload, received_at FROM inbound_events
		WHERE status = 'waiting' ORDER BY seq LIMIT ?`, limit)
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
		if err := rows.Scan(&ev.Seq, &ev.Kind, &ev.DocumentKey, &payload, (*dbTime)(&ev.At)); err != nil {
			return nil, err
		}
		ev.Payload = json.RawMessage(payload)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// MarkEventApplied records that the event with seq was applied.
func (tx *Tx) MarkEventApplied(ctx context.Context, seq int64, note string) error {
	_, err := tx.exec(ctx, `UPDATE inbound_events SET status = 'applied', note = ?, applied_at = ? WHERE seq = ?`,
		note, tx.now, seq)
	return err
}

// IntegrationState returns a value the integration engine keeps, "" when unset.
func (tx *Tx) IntegrationState(ctx context.Context, key string) (string, error) {
	var v string
	err := tx.queryRow(ctx, `SELECT value FROM integration_state WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// LockIntegrationState returns a value the integration engine keeps, as
// IntegrationState does, and holds its row until the transaction ends, so
// that whoever changes it next waits (and takes it before anything else,
// one lock order for the webhook and the poller).
func (tx *Tx) LockIntegrationState(ctx context.Context, key string) (string, error) {
	var v string
	err := tx.queryRow(ctx, `INSERT INTO integration_state (key, value) VALUES (?, '')
		ON CONFLICT (key) DO UPDATE SET value = integration_state.value RETURNING value`, key).Scan(&v)
	return v, err
}

// SetIntegrationState stores a value the integration engine keeps.
func (tx *Tx) SetIntegrationState(ctx context.Context, key, value string) error {
	_, err := tx.exec(ctx, `INSERT INTO integration_state (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// MaterialLine returns the work-order material line with id, locked until
// the transaction ends.
func (tx *Tx) MaterialLine(ctx context.Context, id string) (*workorder.Material, error) {
	m, err := scanMaterial(tx.queryRow(ctx, `SELECT `+materialCols+`, i.part_number
		FROM wo_materials m JOIN items i ON i.id = m.item_id WHERE m.id = ?`+lockOf(tx, "m"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "material line %s does not exist", id)
	}
	return m, err
}

// lockOf is the row-lock suffix that locks only the rows of table alias t.
func lockOf(tx *Tx, t string) string {
	if tx.engine == Postgres {
		return " FOR UPDATE OF " + t
	}
	return ""
}

// StillWaiting reports whether the recorded event seq still waits, and
// holds its row until the transaction ends: of two appliers that listed
// it waiting (a delivery's answer and the waiting events' pass, or two
// processes), one applies it and the other finds it applied.
func (tx *Tx) StillWaiting(ctx context.Context, seq int64) (bool, error) {
	var status string
	err := tx.queryRow(ctx, `SELECT status FROM inbound_events WHERE seq = ?`+tx.forUpdate(), seq).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return status == "waiting", err
}

// EarlierWaiting reports whether an event of the same document with a
// lower sequence number is still waiting.
func (tx *Tx) EarlierWaiting(ctx context.Context, documentKey string, seq int64) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM inbound_events WHERE document_key = ? AND seq < ? AND status = 'waiting'`,
		documentKey, seq).Scan(&n)
	return n > 0, err
}

// BlockedMaterials lists the blocked material lines of an item (of every
// item when itemID is empty), oldest first.
func (tx *Tx) BlockedMaterials(ctx context.Context, itemID string) ([]workorder.Material, error) {
	// The status is written out so that both engines use the partial
	// index of blocked lines (wo_materials_blocked).
	var c conds
	c.add("m.procurement_status = '" + workorder.ProcurementBlocked + "'")
	c.eq("m.item_id", itemID)
	rows, err := tx.query(ctx, `SELECT `+materialCols+`, i.part_number
		FROM wo_materials m`+tx.indexedBy("wo_materials_blocked")+` JOIN items i ON i.id = m.item_id WHERE `+c.where()+` ORDER BY m.id`, c.args...)
	if err != nil {
		return nil, err
	}
	return scanMaterials(rows)
}

// UnmappedItem is an item with no ERP mapping for a site.
type UnmappedItem struct {
	ItemID, PartNumber, SiteID, SiteCode string
}

// UnmappedItems lists, for every site (or one), the items that have
// neither a mapping for that site nor a global one, by site and part.
func (tx *Tx) UnmappedItems(ctx context.Context, siteID string) ([]UnmappedItem, error) {
	rows, err := tx.query(ctx, `SELECT i.id, i.part_number, s.id, s.code FROM items i CROSS JOIN sites s
		WHERE (? = '' OR s.id = ?) AND NOT EXISTS (SELECT 1 FROM item_mappings m
			WHERE m.item_id = i.id AND (m.site_id = '' OR m.site_id = s.id))
		ORDER BY s.code, i.part_number`, siteID, siteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []UnmappedItem{}
	for rows.Next() {
		var u UnmappedItem
		if err := rows.Scan(&u.ItemID, &u.PartNumber, &u.SiteID, &u.SiteCode); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// AssetNoCostCenter is an asset with no cost center.
type AssetNoCostCenter struct {
	AssetID, Tag, SiteID string
}

// AssetsWithoutCostCenter lists the assets of a site (or every site) with
// no cost center, by tag.
func (tx *Tx) AssetsWithoutCostCenter(ctx context.Context, siteID string) ([]AssetNoCostCenter, error) {
	rows, err := tx.query(ctx, `SELECT id, tag, site_id FROM assets
		WHERE cost_center = '' AND (? = '' OR site_id = ?) ORDER BY tag`, siteID, siteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AssetNoCostCenter{}
	for rows.Next() {
		var a AssetNoCostCenter
		if err := rows.Scan(&a.AssetID, &a.Tag, &a.SiteID); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AutoRequestTrigger returns when work orders of type t request material;
// release unless set.
func (tx *Tx) AutoRequestTrigger(ctx context.Context, t workorder.Type) (string, error) {
	v, err := tx.IntegrationState(ctx, "auto_request_trigger:"+string(t))
	if v == "" && err == nil {
		v = workorder.TriggerRelease
	}
	return v, err
}

// SetAutoRequestTrigger sets when work orders of type t request material.
func (tx *Tx) SetAutoRequestTrigger(ctx context.Context, t workorder.Type, trigger string) error {
	return tx.SetIntegrationState(ctx, "auto_request_trigger:"+string(t), trigger)
}

// WorkOrderMessages lists the outbox messages about a work order, oldest first.
func (tx *Tx) WorkOrderMessages(ctx context.Context, workOrderID string) ([]integration.OutboxMessage, error) {
	rows, err := tx.query(ctx, `SELECT `+messageCols+` FROM integration_messages WHERE work_order_id = ? ORDER BY id`, workOrderID)
	return tx.scanMessages(ctx, rows, err)
}

// SentItemMasters returns the item_master messages delivered to the ERP
// or still on their way (pending), oldest first.
func (tx *Tx) SentItemMasters(ctx context.Context) ([]integration.ItemMaster, error) {
	rows, err := tx.query(ctx, `SELECT message FROM integration_messages WHERE kind = ? AND status IN (?, ?) ORDER BY id`,
		integration.KindItemMaster, integration.StatusPending, integration.StatusDelivered)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []integration.ItemMaster
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var m integration.Message
		var p integration.ItemMaster
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, err
		}
		if err := m.Decode(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
