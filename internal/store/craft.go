package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// Crafts and the photos and notes of work orders.

var _ workorder.CraftTx = (*Tx)(nil)

const craftCols = `id, code, site_id, name, rate, created_at, updated_at`

func scanCraft(r interface{ Scan(...any) error }) (workorder.Craft, error) {
	var c workorder.Craft
	err := r.Scan(&c.ID, &c.Code, &c.SiteID, &c.Name, &c.Rate, (*dbTime)(&c.CreatedAt), (*dbTime)(&c.UpdatedAt))
	return c, err
}

// CraftAt returns the craft of code that applies at a site: the site's
// own first, then the one of every site.
func (tx *Tx) CraftAt(ctx context.Context, code, siteID string) (*workorder.Craft, error) {
	c, err := scanCraft(tx.queryRow(ctx, `SELECT `+craftCols+` FROM crafts
		WHERE code = ? AND (site_id = ? OR site_id = '') ORDER BY site_id DESC LIMIT 1`, code, siteID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "craft %s does not exist at site %s", code, siteID)
	}
	return &c, err
}

// CraftOf returns the craft of code saved for exactly siteID ("" for
// every site).
func (tx *Tx) CraftOf(ctx context.Context, code, siteID string) (*workorder.Craft, error) {
	c, err := scanCraft(tx.queryRow(ctx, `SELECT `+craftCols+` FROM crafts WHERE code = ? AND site_id = ?`, code, siteID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "craft %s does not exist", code)
	}
	return &c, err
}

// SaveCraft creates a craft or stores its name and rate.
func (tx *Tx) SaveCraft(ctx context.Context, c *workorder.Craft) error {
	_, err := tx.exec(ctx, `INSERT INTO crafts (`+craftCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, rate = excluded.rate, updated_at = excluded.updated_at`,
		c.ID, c.Code, c.SiteID, c.Name, c.Rate, c.CreatedAt, c.UpdatedAt)
	return duplicate(err, "craft %s already exists at that site", c.Code)
}

// Crafts lists the crafts of a site and of every site (all of them when
// siteID is empty), by code and site.
func (tx *Tx) Crafts(ctx context.Context, siteID string) ([]workorder.Craft, error) {
	rows, err := tx.query(ctx, `SELECT `+craftCols+` FROM crafts
		WHERE ? = '' OR site_id = ? OR site_id = '' ORDER BY code, site_id LIMIT 1000`, siteID, siteID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanCraft)
}

// UserCraft returns the code of a user's default craft.
func (tx *Tx) UserCraft(ctx context.Context, username string) (string, error) {
	var code string
	err := tx.queryRow(ctx, `SELECT craft FROM users WHERE username = ?`, username).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", millwright.Errorf(millwright.NotFound, "not_found", "user %s does not exist", username)
	}
	return code, err
}

// AddAttachment stores a photo or a note of a work order.
func (tx *Tx) AddAttachment(ctx context.Context, a *workorder.Attachment) error {
	a.ID, a.CreatedBy, a.CreatedAt = millwright.NewID("att"), tx.Actor().Username, tx.now
	_, err := tx.exec(ctx, `INSERT INTO wo_attachments (id, work_order_id, site_id, kind, content_type, file_name, size, data, note, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.WorkOrderID, a.SiteID, a.Kind, a.ContentType, a.FileName, a.Size, a.Data, a.Note, a.CreatedBy, a.CreatedAt)
	return err
}

const attachmentCols = `id, work_order_id, site_id, kind, content_type, file_name, size, note, created_by, created_at`

func scanAttachment(r interface{ Scan(...any) error }) (workorder.Attachment, error) {
	var a workorder.Attachment
	err := r.Scan(&a.ID, &a.WorkOrderID, &a.SiteID, &a.Kind, &a.ContentType, &a.FileName, &a.Size, &a.Note, &a.CreatedBy, (*dbTime)(&a.CreatedAt))
	return a, err
}

// Attachments lists a work order's photos and notes, oldest first,
// without the photos' bytes.
func (tx *Tx) Attachments(ctx context.Context, workOrderID string) ([]workorder.Attachment, error) {
	rows, err := tx.query(ctx, `SELECT `+attachmentCols+` FROM wo_attachments WHERE work_order_id = ? ORDER BY created_at, id LIMIT 500`, workOrderID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanAttachment)
}

// AttachmentData returns an attachment with its bytes.
func (tx *Tx) AttachmentData(ctx context.Context, id string) (*workorder.Attachment, error) {
	var a workorder.Attachment
	err := tx.queryRow(ctx, `SELECT `+attachmentCols+`, data FROM wo_attachments WHERE id = ?`, id).
		Scan(&a.ID, &a.WorkOrderID, &a.SiteID, &a.Kind, &a.ContentType, &a.FileName, &a.Size, &a.Note, &a.CreatedBy, (*dbTime)(&a.CreatedAt), &a.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "attachment %s does not exist", id)
	}
	return &a, err
}
