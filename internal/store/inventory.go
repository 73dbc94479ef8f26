package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/inventory"
)

const itemCols = `id, part_number, description, unit, stock_type, unit_cost, vendor, item_group, expense_account, created_at, updated_at`

func scanItem(r interface{ Scan(...any) error }) (inventory.Item, error) {
	var it inventory.Item
	err := r.Scan(&it.ID, &it.PartNumber, &it.Description, &it.Unit, &it.StockType, &it.UnitCost,
		&it.Vendor, &it.ItemGroup, &it.ExpenseAccount, (*dbTime)(&it.CreatedAt), (*dbTime)(&it.UpdatedAt))
	return it, err
}

// Tx serves the inventory use-cases.
var _ inventory.Tx = (*Tx)(nil)

// CreateItem stores a new item with its unit conversions.
func (tx *Tx) CreateItem(ctx context.Context, it *inventory.Item) error {
	it.ID, it.CreatedAt, it.UpdatedAt = millwright.NewID("itm"), tx.now, tx.now
	if _, err := tx.exec(ctx, `INSERT INTO items (`+itemCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.ID, it.PartNumber, it.Description, it.Unit, it.StockType, it.UnitCost,
		it.Vendor, it.ItemGroup, it.ExpenseAccount, it.CreatedAt, it.UpdatedAt); err != nil {
		return duplicate(err, "an item with part number %s already exists; part numbers are unique", it.PartNumber)
	}
	return tx.setConversions(ctx, it)
}

// SaveItem stores changes to an item, conversions included.
func (tx *Tx) SaveItem(ctx context.Context, it *inventory.Item) error {
	it.UpdatedAt = tx.now
	if _, err := tx.exec(ctx, `
		UPDATE items SET part_number = ?, description = ?, unit = ?, stock_type = ?, unit_cost = ?,
			vendor = ?, item_group = ?, expense_account = ?, updated_at = ?
		WHERE id = ?`,
		it.PartNumber, it.Description, it.Unit, it.StockType, it.UnitCost,
		it.Vendor, it.ItemGroup, it.ExpenseAccount, it.UpdatedAt, it.ID); err != nil {
		return duplicate(err, "an item with part number %s already exists; part numbers are unique", it.PartNumber)
	}
	if _, err := tx.exec(ctx, `DELETE FROM item_units WHERE item_id = ?`, it.ID); err != nil {
		return err
	}
	return tx.setConversions(ctx, it)
}

func (tx *Tx) setConversions(ctx context.Context, it *inventory.Item) error {
	for _, c := range it.Conversions {
		if _, err := tx.exec(ctx, `INSERT INTO item_units (item_id, unit, factor) VALUES (?, ?, ?)`,
			it.ID, c.Unit, c.Factor); err != nil {
			return duplicate(err, "part %s lists unit %s twice in its conversions", it.PartNumber, c.Unit)
		}
	}
	return nil
}

func (tx *Tx) loadConversions(ctx context.Context, it *inventory.Item) error {
	rows, err := tx.query(ctx, `SELECT unit, factor FROM item_units WHERE item_id = ? ORDER BY unit`, it.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	it.Conversions = []inventory.Conversion{}
	for rows.Next() {
		var c inventory.Conversion
		if err := rows.Scan(&c.Unit, &c.Factor); err != nil {
			return err
		}
		it.Conversions = append(it.Conversions, c)
	}
	return rows.Err()
}

// Item returns the item with id.
func (tx *Tx) Item(ctx context.Context, id string) (*inventory.Item, error) {
	return tx.item(ctx, id, "")
}

// ItemForUpdate returns the item with id, locked until the transaction ends.
func (tx *Tx) ItemForUpdate(ctx context.Context, id string) (*inventory.Item, error) {
	return tx.item(ctx, id, tx.rowLock())
}

func (tx *Tx) item(ctx context.Context, id, lock string) (*inventory.Item, error) {
	it, err := scanItem(tx.queryRow(ctx, `SELECT `+itemCols+` FROM items WHERE id = ?`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "item %s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	return &it, tx.loadConversions(ctx, &it)
}

// ItemByPartNumber returns the item with part number pn.
func (tx *Tx) ItemByPartNumber(ctx context.Context, pn string) (*inventory.Item, error) {
	it, err := scanItem(tx.queryRow(ctx, `SELECT `+itemCols+` FROM items WHERE part_number = ?`, pn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "no item has part number %s", pn)
	}
	if err != nil {
		return nil, err
	}
	return &it, tx.loadConversions(ctx, &it)
}

// CreateStoreroom stores a new storeroom.
func (tx *Tx) CreateStoreroom(ctx context.Context, s *inventory.Storeroom) error {
	s.ID, s.CreatedAt = millwright.NewID("str"), tx.now
	_, err := tx.exec(ctx, `INSERT INTO storerooms (id, code, name, site_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		s.ID, s.Code, s.Name, s.SiteID, s.CreatedAt)
	return duplicate(err, "a storeroom with code %s already exists at this site", s.Code)
}

// Storeroom returns the storeroom with id.
func (tx *Tx) Storeroom(ctx context.Context, id string) (*inventory.Storeroom, error) {
	s, err := scanStoreroom(tx.queryRow(ctx, `SELECT `+storeroomCols+` FROM storerooms WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "storeroom %s does not exist", id)
	}
	return &s, err
}

const stockCols = `storeroom_id, item_id, on_hand, reserved, value, reorder_point, reorder_quantity, max_quantity, updated_at`

func scanStock(r interface{ Scan(...any) error }) (inventory.Stock, error) {
	var s inventory.Stock
	err := r.Scan(&s.StoreroomID, &s.ItemID, &s.OnHand, &s.Reserved, &s.Value,
		&s.ReorderPoint, &s.ReorderQuantity, &s.MaxQuantity, (*dbTime)(&s.UpdatedAt))
	s.Derive()
	return s, err
}

// StockForUpdate returns the stock of an item in a storeroom, locked until
// the transaction ends, so that concurrent issues never oversell. A stock
// row that does not exist yet is returned empty (and saved by SaveStock).
func (tx *Tx) StockForUpdate(ctx context.Context, storeroomID, itemID string) (*inventory.Stock, error) {
	s, err := scanStock(tx.queryRow(ctx, `SELECT `+stockCols+` FROM stock
		WHERE storeroom_id = ? AND item_id = ?`+tx.forUpdate(), storeroomID, itemID))
	if errors.Is(err, sql.ErrNoRows) {
		s = inventory.Stock{StoreroomID: storeroomID, ItemID: itemID}
		if _, err := tx.exec(ctx, `
			INSERT INTO stock (`+stockCols+`) VALUES (?, ?, '0', '0', '0', '0', '0', '0', ?)
			ON CONFLICT (storeroom_id, item_id) DO NOTHING`, storeroomID, itemID, tx.now); err != nil {
			return nil, err
		}
		return tx.StockForUpdate(ctx, storeroomID, itemID)
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// SaveStock stores a stock row read with StockForUpdate.
func (tx *Tx) SaveStock(ctx context.Context, s *inventory.Stock) error {
	s.UpdatedAt = tx.now
	_, err := tx.exec(ctx, `
		UPDATE stock SET on_hand = ?, reserved = ?, value = ?, reorder_point = ?, reorder_quantity = ?,
			max_quantity = ?, updated_at = ?
		WHERE storeroom_id = ? AND item_id = ?`,
		s.OnHand, s.Reserved, s.Value, s.ReorderPoint, s.ReorderQuantity, s.MaxQuantity, s.UpdatedAt,
		s.StoreroomID, s.ItemID)
	return err
}

// AddMovement records a stock movement.
func (tx *Tx) AddMovement(ctx context.Context, m *inventory.Movement) error {
	m.ID, m.At, m.Actor = millwright.NewID("mov"), tx.now, tx.Actor().Username
	_, err := tx.exec(ctx, `
		INSERT INTO stock_movements (id, storeroom_id, item_id, kind, quantity, value, work_order_id, reason, actor, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.StoreroomID, m.ItemID, m.Kind, m.Quantity, m.Value, null(m.WorkOrderID), m.Reason, m.Actor, m.At)
	return err
}

// StockMoved reports whether any movement has changed the stock of an item
// in a storeroom.
func (tx *Tx) StockMoved(ctx context.Context, storeroomID, itemID string) (bool, error) {
	var one int
	err := tx.queryRow(ctx, `SELECT 1 FROM stock_movements WHERE storeroom_id = ? AND item_id = ? LIMIT 1`,
		storeroomID, itemID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Items lists items by id. The query matches part of the part number or
// the description in any case.
func (tx *Tx) Items(ctx context.Context, f inventory.ItemFilter) (millwright.Page[inventory.Item], error) {
	n := page(f.Limit)
	like := "%" + likeEscaper.Replace(strings.ToLower(f.Query)) + "%"
	rows, err := tx.query(ctx, `SELECT `+itemCols+` FROM items
		WHERE id > ?
			AND (? = '' OR stock_type = ?)
			AND (? = '' OR LOWER(part_number) LIKE ? ESCAPE '\' OR LOWER(description) LIKE ? ESCAPE '\')
		ORDER BY id LIMIT ?`,
		f.Cursor, f.StockType, f.StockType, f.Query, like, like, n)
	if err != nil {
		return millwright.Page[inventory.Item]{}, err
	}
	items, err := scanAll(rows, scanItem)
	if err != nil {
		return millwright.Page[inventory.Item]{}, err
	}
	p := millwright.NewPage(items, n, func(it inventory.Item) string { return it.ID })
	return p, tx.loadAllConversions(ctx, p.Items)
}

// loadAllConversions fills the conversions of items with one query.
func (tx *Tx) loadAllConversions(ctx context.Context, items []inventory.Item) error {
	if len(items) == 0 {
		return nil
	}
	at := map[string]*inventory.Item{}
	args := make([]any, len(items))
	for i := range items {
		items[i].Conversions = []inventory.Conversion{}
		at[items[i].ID], args[i] = &items[i], items[i].ID
	}
	rows, err := tx.query(ctx, `SELECT item_id, unit, factor FROM item_units
		WHERE item_id IN `+inList(len(items))+` ORDER BY item_id, unit`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id string
			c  inventory.Conversion
		)
		if err := rows.Scan(&id, &c.Unit, &c.Factor); err != nil {
			return err
		}
		at[id].Conversions = append(at[id].Conversions, c)
	}
	return rows.Err()
}

// ItemHasStock reports whether any storeroom holds or reserves the item.
// The test is done on decimals, not in SQL, because SQLite keeps them as text.
func (tx *Tx) ItemHasStock(ctx context.Context, itemID string) (bool, error) {
	rows, err := tx.query(ctx, `SELECT on_hand, reserved FROM stock WHERE item_id = ?`, itemID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var onHand, reserved millwright.Qty
		if err := rows.Scan(&onHand, &reserved); err != nil {
			return false, err
		}
		if !onHand.IsZero() || !reserved.IsZero() {
			return true, nil
		}
	}
	return false, rows.Err()
}

const storeroomCols = `id, code, name, site_id, created_at`

func scanStoreroom(r interface{ Scan(...any) error }) (inventory.Storeroom, error) {
	var s inventory.Storeroom
	err := r.Scan(&s.ID, &s.Code, &s.Name, &s.SiteID, (*dbTime)(&s.CreatedAt))
	return s, err
}

// Storerooms lists storerooms by id.
func (tx *Tx) Storerooms(ctx context.Context, f inventory.StoreroomFilter) (millwright.Page[inventory.Storeroom], error) {
	n := page(f.Limit)
	rows, err := tx.query(ctx, `SELECT `+storeroomCols+` FROM storerooms
		WHERE id > ? AND (? = '' OR site_id = ?) ORDER BY id LIMIT ?`, f.Cursor, f.SiteID, f.SiteID, n)
	if err != nil {
		return millwright.Page[inventory.Storeroom]{}, err
	}
	out, err := scanAll(rows, scanStoreroom)
	return millwright.NewPage(out, n, func(s inventory.Storeroom) string { return s.ID }), err
}

// Stock lists stock rows by storeroom and item. The cursor is
// "storeroom_id.item_id" of the last row of the previous page.
func (tx *Tx) Stock(ctx context.Context, f inventory.StockFilter) (millwright.Page[inventory.Stock], error) {
	afterRoom, afterItem, ok := strings.Cut(f.Cursor, ".")
	if f.Cursor != "" && !ok {
		return millwright.Page[inventory.Stock]{}, millwright.Errorf(millwright.Invalid, "bad_cursor",
			"cursor %q is not one this API returned; pass next_cursor from the previous page", f.Cursor)
	}
	n := page(f.Limit)
	rows, err := tx.query(ctx, `
		SELECT st.storeroom_id, st.item_id, st.on_hand, st.reserved, st.value,
			st.reorder_point, st.reorder_quantity, st.max_quantity, st.updated_at
		FROM stock st JOIN storerooms r ON r.id = st.storeroom_id
		WHERE (st.storeroom_id > ? OR (st.storeroom_id = ? AND st.item_id > ?))
			AND (? = '' OR r.site_id = ?)
			AND (? = '' OR st.storeroom_id = ?)
			AND (? = '' OR st.item_id = ?)
		ORDER BY st.storeroom_id, st.item_id LIMIT ?`,
		afterRoom, afterRoom, afterItem, f.SiteID, f.SiteID, f.StoreroomID, f.StoreroomID, f.ItemID, f.ItemID, n)
	if err != nil {
		return millwright.Page[inventory.Stock]{}, err
	}
	out, err := scanAll(rows, scanStock)
	return millwright.NewPage(out, n, func(s inventory.Stock) string { return s.StoreroomID + "." + s.ItemID }), err
}

// Movements lists stock movements in the order they were made.
func (tx *Tx) Movements(ctx context.Context, f inventory.MovementFilter) (millwright.Page[inventory.Movement], error) {
	n := page(f.Limit)
	rows, err := tx.query(ctx, `
		SELECT m.id, m.storeroom_id, m.item_id, m.kind, m.quantity, m.value, m.work_order_id, m.reason, m.actor, m.at
		FROM stock_movements m JOIN storerooms r ON r.id = m.storeroom_id
		WHERE m.id > ?
			AND (? = '' OR r.site_id = ?)
			AND (? = '' OR m.storeroom_id = ?)
			AND (? = '' OR m.item_id = ?)
			AND (? = '' OR m.work_order_id = ?)
		ORDER BY m.id LIMIT ?`,
		f.Cursor, f.SiteID, f.SiteID, f.StoreroomID, f.StoreroomID, f.ItemID, f.ItemID, f.WorkOrderID, f.WorkOrderID, n)
	if err != nil {
		return millwright.Page[inventory.Movement]{}, err
	}
	out, err := scanAll(rows, func(r interface{ Scan(...any) error }) (inventory.Movement, error) {
		var m inventory.Movement
		err := r.Scan(&m.ID, &m.StoreroomID, &m.ItemID, &m.Kind, &m.Quantity, &m.Value,
			(*nullStr)(&m.WorkOrderID), &m.Reason, &m.Actor, (*dbTime)(&m.At))
		return m, err
	})
	return millwright.NewPage(out, n, func(m inventory.Movement) string { return m.ID }), err
}
