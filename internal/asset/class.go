package asset

import (
	"context"
	"strings"
)

// Validate checks an asset class's fields, trimming them.
func (c *Class) Validate() error {
	c.Code, c.Name = strings.TrimSpace(c.Code), strings.TrimSpace(c.Name)
	switch {
	case c.Code == "":
		return missing("code", "an asset class")
	case c.Name == "":
		return missing("name", "an asset class")
	}
	return checkCode("asset class code", c.Code)
}

// ClassPatch is a change to an asset class; nil fields stay as they are.
type ClassPatch struct {
	Code                *string `json:"code"`
	Name                *string `json:"name"`
	AutoRequestMaterial *bool   `json:"auto_request_material"`
}

// CreateClass creates an asset class. Classes are shared by every site.
func CreateClass(ctx context.Context, tx Tx, c *Class) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := tx.CreateClass(ctx, c); err != nil {
		return err
	}
	return tx.Audit(ctx, "asset_class", c.ID, "create", nil, c)
}

// UpdateClass changes an asset class. A changed auto_request_material
// applies at once to every asset of the class that does not set its own.
func UpdateClass(ctx context.Context, tx Tx, id string, p ClassPatch) (*Class, error) {
	c, err := tx.ClassForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	before := *c
	set(&c.Code, p.Code)
	set(&c.Name, p.Name)
	set(&c.AutoRequestMaterial, p.AutoRequestMaterial)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := tx.SaveClass(ctx, c); err != nil {
		return nil, err
	}
	return c, tx.Audit(ctx, "asset_class", c.ID, "update", before, c)
}

// ClassBOM returns the maintenance BOM of an asset class.
func ClassBOM(ctx context.Context, tx Tx, classID string) ([]BOMLine, error) {
	if _, err := tx.Class(ctx, classID); err != nil {
		return nil, err
	}
	return tx.ClassBOM(ctx, classID)
}

// SetClassBOM replaces the maintenance BOM of an asset class with lines.
func SetClassBOM(ctx context.Context, tx Tx, classID string, lines []BOMLine) ([]BOMLine, error) {
	c, err := tx.ClassForUpdate(ctx, classID)
	if err != nil {
		return nil, err
	}
	if err := checkBOM(ctx, tx, lines); err != nil {
		return nil, err
	}
	before, err := tx.ClassBOM(ctx, classID)
	if err != nil {
		return nil, err
	}
	if err := tx.SetClassBOM(ctx, classID, lines); err != nil {
		return nil, err
	}
	return lines, tx.Audit(ctx, "asset_class", c.ID, "set_bom", before, lines)
}
