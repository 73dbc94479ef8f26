package store

import (
	"context"
	"database/sql"
	"errors"

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
	it, err := scanItem(tx.queryRow(ctx, `SELECT `+itemCols+` FROM items WHERE id = ?`, id))
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
	var s inventory.Storeroom
	err := tx.queryRow(ctx, `SELECT id, code, name, site_id, created_at FROM storerooms WHERE id = ?`, id).
		Scan(&s.ID, &s.Code, &s.Name, &s.SiteID, (*dbTime)(&s.CreatedAt))
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
