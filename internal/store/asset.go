package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
)

// Tx serves the asset use-cases.
var _ asset.Tx = (*Tx)(nil)

// CreateSite stores a new site.
func (tx *Tx) CreateSite(ctx context.Context, s *asset.Site) error {
	s.ID, s.CreatedAt = millwright.NewID("site"), tx.now
	_, err := tx.exec(ctx, `
		INSERT INTO sites (id, code, name, currency, time_zone, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, s.ID, s.Code, s.Name, s.Currency, s.TimeZone, s.CreatedAt)
	return duplicate(err, "a site with code %s already exists; site codes are unique", s.Code)
}

const siteCols = `id, code, name, currency, time_zone, created_at`

func scanSite(r interface{ Scan(...any) error }) (asset.Site, error) {
	var s asset.Site
	err := r.Scan(siteDest(&s)...)
	return s, err
}

// siteDest is where the columns of siteCols scan to.
func siteDest(s *asset.Site) []any {
	return []any{&s.ID, &s.Code, &s.Name, &s.Currency, &s.TimeZone, (*dbTime)(&s.CreatedAt)}
}

// Site returns the site with id.
func (tx *Tx) Site(ctx context.Context, id string) (*asset.Site, error) { return tx.site(ctx, id, "") }

// SiteForUpdate returns the site with id, locked until the transaction
// ends. Changes to a site's asset or location hierarchy take this lock, so
// that two concurrent moves cannot together make a cycle.
func (tx *Tx) SiteForUpdate(ctx context.Context, id string) (*asset.Site, error) {
	return tx.site(ctx, id, tx.rowLock())
}

func (tx *Tx) site(ctx context.Context, id, lock string) (*asset.Site, error) {
	s, err := scanSite(tx.queryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE id = ?`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "site %s does not exist", id)
	}
	return &s, err
}

// SiteByCode returns the site with code.
func (tx *Tx) SiteByCode(ctx context.Context, code string) (*asset.Site, error) {
	s, err := scanSite(tx.queryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "site %s does not exist", code)
	}
	return &s, err
}

// Sites lists sites by id; siteID, when set, limits the list to that site.
func (tx *Tx) Sites(ctx context.Context, siteID, cursor string, limit int) (millwright.Page[asset.Site], error) {
	n := page(limit)
	rows, err := tx.query(ctx, `SELECT `+siteCols+` FROM sites
		WHERE id > ? AND (? = '' OR id = ?) ORDER BY id LIMIT ?`, cursor, siteID, siteID, n)
	if err != nil {
		return millwright.Page[asset.Site]{}, err
	}
	out, err := scanAll(rows, scanSite)
	return millwright.NewPage(out, n, func(s asset.Site) string { return s.ID }), err
}

// SaveSite stores changes to a site's name, currency and time zone.
func (tx *Tx) SaveSite(ctx context.Context, s *asset.Site) error {
	_, err := tx.exec(ctx, `UPDATE sites SET name = ?, currency = ?, time_zone = ? WHERE id = ?`,
		s.Name, s.Currency, s.TimeZone, s.ID)
	return err
}

// SiteExists reports whether a site with id exists.
func (tx *Tx) SiteExists(ctx context.Context, id string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}

const locationCols = `id, site_id, code, name, parent_id, created_at`

func scanLocation(r interface{ Scan(...any) error }) (asset.Location, error) {
	var l asset.Location
	err := r.Scan(&l.ID, &l.SiteID, &l.Code, &l.Name, (*nullStr)(&l.ParentID), (*dbTime)(&l.CreatedAt))
	return l, err
}

// CreateLocation stores a new functional location.
func (tx *Tx) CreateLocation(ctx context.Context, l *asset.Location) error {
	l.ID, l.CreatedAt = millwright.NewID("loc"), tx.now
	_, err := tx.exec(ctx, `INSERT INTO locations (`+locationCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		l.ID, l.SiteID, l.Code, l.Name, null(l.ParentID), l.CreatedAt)
	return duplicate(err, "a location with code %s already exists at this site; location codes are unique per site", l.Code)
}

// SaveLocation stores changes to a location's code, name and parent.
func (tx *Tx) SaveLocation(ctx context.Context, l *asset.Location) error {
	_, err := tx.exec(ctx, `UPDATE locations SET code = ?, name = ?, parent_id = ? WHERE id = ?`,
		l.Code, l.Name, null(l.ParentID), l.ID)
	return duplicate(err, "a location with code %s already exists at this site; location codes are unique per site", l.Code)
}

// Location returns the location with id.
func (tx *Tx) Location(ctx context.Context, id string) (*asset.Location, error) {
	return tx.location(ctx, id, "")
}

// LocationForUpdate returns the location with id, locked until the transaction ends.
func (tx *Tx) LocationForUpdate(ctx context.Context, id string) (*asset.Location, error) {
	return tx.location(ctx, id, tx.rowLock())
}

func (tx *Tx) location(ctx context.Context, id, lock string) (*asset.Location, error) {
	l, err := scanLocation(tx.queryRow(ctx, `SELECT `+locationCols+` FROM locations WHERE id = ?`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "location %s does not exist", id)
	}
	return &l, err
}

// Locations lists locations by id.
func (tx *Tx) Locations(ctx context.Context, f asset.LocationFilter) (millwright.Page[asset.Location], error) {
	n := page(f.Limit)
	rows, err := tx.query(ctx, `SELECT `+locationCols+` FROM locations
		WHERE id > ? AND (? = '' OR site_id = ?) AND (? = '' OR parent_id = ?)
		ORDER BY id LIMIT ?`, f.Cursor, f.SiteID, f.SiteID, f.ParentID, f.ParentID, n)
	if err != nil {
		return millwright.Page[asset.Location]{}, err
	}
	out, err := scanAll(rows, scanLocation)
	return millwright.NewPage(out, n, func(l asset.Location) string { return l.ID }), err
}

// CreateClass stores a new asset class.
func (tx *Tx) CreateClass(ctx context.Context, c *asset.Class) error {
	c.ID, c.CreatedAt = millwright.NewID("acl"), tx.now
	_, err := tx.exec(ctx, `
		INSERT INTO asset_classes (id, code, name, auto_request_material, created_at)
		VALUES (?, ?, ?, ?, ?)`, c.ID, c.Code, c.Name, c.AutoRequestMaterial, c.CreatedAt)
	return duplicate(err, "an asset class with code %s already exists", c.Code)
}

const classCols = `id, code, name, auto_request_material, created_at`

func scanClass(r interface{ Scan(...any) error }) (asset.Class, error) {
	var c asset.Class
	err := r.Scan(&c.ID, &c.Code, &c.Name, &c.AutoRequestMaterial, (*dbTime)(&c.CreatedAt))
	return c, err
}

// Class returns the asset class with id.
func (tx *Tx) Class(ctx context.Context, id string) (*asset.Class, error) {
	return tx.class(ctx, id, "")
}

// ClassForUpdate returns the asset class with id, locked until the
// transaction ends.
func (tx *Tx) ClassForUpdate(ctx context.Context, id string) (*asset.Class, error) {
	return tx.class(ctx, id, tx.rowLock())
}

func (tx *Tx) class(ctx context.Context, id, lock string) (*asset.Class, error) {
	c, err := scanClass(tx.queryRow(ctx, `SELECT `+classCols+` FROM asset_classes WHERE id = ?`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "asset class %s does not exist", id)
	}
	return &c, err
}

// SaveClass stores changes to an asset class.
func (tx *Tx) SaveClass(ctx context.Context, c *asset.Class) error {
	_, err := tx.exec(ctx, `UPDATE asset_classes SET code = ?, name = ?, auto_request_material = ? WHERE id = ?`,
		c.Code, c.Name, c.AutoRequestMaterial, c.ID)
	return duplicate(err, "an asset class with code %s already exists", c.Code)
}

// Classes lists asset classes by id.
func (tx *Tx) Classes(ctx context.Context, cursor string, limit int) (millwright.Page[asset.Class], error) {
	n := page(limit)
	rows, err := tx.query(ctx, `SELECT `+classCols+` FROM asset_classes WHERE id > ? ORDER BY id LIMIT ?`, cursor, n)
	if err != nil {
		return millwright.Page[asset.Class]{}, err
	}
	out, err := scanAll(rows, scanClass)
	return millwright.NewPage(out, n, func(c asset.Class) string { return c.ID }), err
}

const assetCols = `id, tag, name, site_id, asset_class_id, parent_id, location_id, criticality, cost_center, auto_request_material, created_at, updated_at`

func scanAsset(r interface{ Scan(...any) error }) (asset.Asset, error) {
	var a asset.Asset
	err := r.Scan(assetDest(&a)...)
	return a, err
}

// assetDest is where the columns of assetCols scan to.
func assetDest(a *asset.Asset) []any {
	return []any{&a.ID, &a.Tag, &a.Name, &a.SiteID, (*nullStr)(&a.ClassID), (*nullStr)(&a.ParentID), (*nullStr)(&a.LocationID),
		&a.Criticality, &a.CostCenter, nullBool{&a.AutoRequestMaterial}, (*dbTime)(&a.CreatedAt), (*dbTime)(&a.UpdatedAt)}
}

// nullBool scans a nullable boolean into a *bool that stays nil for NULL.
type nullBool struct{ p **bool }

func (n nullBool) Scan(src any) error {
	var b sql.NullBool
	if err := b.Scan(src); err != nil {
		return err
	}
	*n.p = nil
	if b.Valid {
		*n.p = &b.Bool
	}
	return nil
}

// CreateAsset stores a new asset.
func (tx *Tx) CreateAsset(ctx context.Context, a *asset.Asset) error {
	a.ID, a.CreatedAt, a.UpdatedAt = millwright.NewID("ast"), tx.now, tx.now
	_, err := tx.exec(ctx, `
		INSERT INTO assets (`+assetCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Tag, a.Name, a.SiteID, null(a.ClassID), null(a.ParentID), null(a.LocationID),
		a.Criticality, a.CostCenter, a.AutoRequestMaterial, a.CreatedAt, a.UpdatedAt)
	return duplicate(err, "an asset tagged %s already exists at this site; asset tags are unique per site", a.Tag)
}

// SaveAsset stores changes to an asset.
func (tx *Tx) SaveAsset(ctx context.Context, a *asset.Asset) error {
	a.UpdatedAt = tx.now
	_, err := tx.exec(ctx, `
		UPDATE assets SET tag = ?, name = ?, asset_class_id = ?, parent_id = ?, location_id = ?,
			criticality = ?, cost_center = ?, auto_request_material = ?, updated_at = ?
		WHERE id = ?`,
		a.Tag, a.Name, null(a.ClassID), null(a.ParentID), null(a.LocationID),
		a.Criticality, a.CostCenter, a.AutoRequestMaterial, a.UpdatedAt, a.ID)
	return duplicate(err, "an asset tagged %s already exists at this site; asset tags are unique per site", a.Tag)
}

// Asset returns the asset with id.
func (tx *Tx) Asset(ctx context.Context, id string) (*asset.Asset, error) {
	return tx.asset(ctx, id, "")
}

// AssetForUpdate returns the asset with id, locked until the transaction
// ends, so that concurrent changes to it (its BOM included) queue.
func (tx *Tx) AssetForUpdate(ctx context.Context, id string) (*asset.Asset, error) {
	return tx.asset(ctx, id, tx.rowLock())
}

func (tx *Tx) asset(ctx context.Context, id, lock string) (*asset.Asset, error) {
	a, err := scanAsset(tx.queryRow(ctx, `SELECT `+assetCols+` FROM assets WHERE id = ?`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "asset %s does not exist", id)
	}
	return &a, err
}

// SiteAndAsset returns a site and an asset in one statement: a work
// order's, which each of its cost postings and requisitions reads.
func (tx *Tx) SiteAndAsset(ctx context.Context, siteID, assetID string) (*asset.Site, *asset.Asset, error) {
	var (
		s   asset.Site
		a   asset.Asset
		err error
	)
	if tx.engine == Postgres && tx.tx != nil {
		err = tx.siteAndAssetMemo(ctx, &s, &a, siteID, assetID)
	} else {
		err = tx.queryRow(ctx, `
			SELECT s.id, s.code, s.name, s.currency, s.time_zone, s.created_at,
				a.id, a.tag, a.name, a.site_id, a.asset_class_id, a.parent_id, a.location_id, a.criticality,
				a.cost_center, a.auto_request_material, a.created_at, a.updated_at
			FROM sites s, assets a
			WHERE s.id = ? AND a.id = ?`, siteID, assetID,
		).Scan(append(siteDest(&s), assetDest(&a)...)...)
	}
	if errors.Is(err, sql.ErrNoRows) { // say which is missing
		if _, err := tx.Site(ctx, siteID); err != nil {
			return nil, nil, err
		}
		_, err := tx.Asset(ctx, assetID)
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, err
	}
	return &s, &a, nil
}

// Assets lists assets by id. The query matches part of the tag or the
// name in any case. A query of three characters or more is looked up in
// a trigram index first (SQLite: the FTS5 table assets_search; PostgreSQL:
// pg_trgm indexes on LOWER(tag) and LOWER(name)), and the LIKE below
// decides, so the answer is the same with or without the index.
func (tx *Tx) Assets(ctx context.Context, f asset.Filter) (millwright.Page[asset.Asset], error) {
	n := page(f.Limit)
	var c conds
	c.eq("site_id", f.SiteID)
	c.eq("asset_class_id", f.ClassID)
	c.eq("parent_id", f.ParentID)
	c.eq("location_id", f.LocationID)
	if f.Query != "" {
		like := "%" + likeEscaper.Replace(strings.ToLower(f.Query)) + "%"
		if tx.engine == SQLite && utf8.RuneCountInString(f.Query) >= 3 {
			// A rare text is looked up in the trigram index; a common one
			// (searchCommon matches or more) is found sooner by reading the
			// assets in id order until the page is full.
			match := `"` + strings.ReplaceAll(f.Query, `"`, `""`) + `"`
			var hits int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT rowid FROM assets_search WHERE assets_search MATCH ? LIMIT ?)`,
				match, searchCommon).Scan(&hits); err != nil {
				return millwright.Page[asset.Asset]{}, err
			}
			if hits < searchCommon {
				c.add(`rowid IN (SELECT rowid FROM assets_search WHERE assets_search MATCH ?)`, match)
			}
		}
		c.add(`(LOWER(tag) LIKE ? ESCAPE '\' OR LOWER(name) LIKE ? ESCAPE '\')`, like, like)
	}
	c.add("id > ?", f.Cursor)
	rows, err := tx.query(ctx, `SELECT `+assetCols+` FROM assets WHERE `+c.where()+` ORDER BY id LIMIT ?`,
		append(c.args, n)...)
	if err != nil {
		return millwright.Page[asset.Asset]{}, err
	}
	out, err := scanAll(rows, scanAsset)
	return millwright.NewPage(out, n, func(a asset.Asset) string { return a.ID }), err
}

// searchCommon is how many trigram matches make a search text common.
const searchCommon = 2000

// rowLock is the suffix of a SELECT of a record that the transaction goes
// on to change. Unlike forUpdate it does not block rows that merely refer
// to the record by foreign key (new assets of a locked site, say). SQLite
// needs none: a write transaction holds the database lock from BEGIN.
func (tx *Tx) rowLock() string {
	if tx.engine == Postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// likeEscaper escapes the wildcards of a LIKE pattern; the queries name \ as the escape.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// scanAll scans every row with scan and closes rows.
func scanAll[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// BOM returns the maintenance BOM of an asset (ownerCol "asset_id") or an
// asset class ("asset_class_id"), in line order.
func (tx *Tx) bom(ctx context.Context, ownerCol, ownerID string) ([]asset.BOMLine, error) {
	rows, err := tx.query(ctx, `
		SELECT id, item_id, quantity, auto_request_material FROM bom_lines
		WHERE `+ownerCol+` = ? ORDER BY position`, ownerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []asset.BOMLine{}
	for rows.Next() {
		var l asset.BOMLine
		if err := rows.Scan(&l.ID, &l.ItemID, &l.Quantity, &l.AutoRequestMaterial); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// AssetBOM returns the maintenance BOM of an asset.
func (tx *Tx) AssetBOM(ctx context.Context, assetID string) ([]asset.BOMLine, error) {
	return tx.bom(ctx, "asset_id", assetID)
}

// ClassBOM returns the maintenance BOM of an asset class.
func (tx *Tx) ClassBOM(ctx context.Context, classID string) ([]asset.BOMLine, error) {
	return tx.bom(ctx, "asset_class_id", classID)
}

func (tx *Tx) setBOM(ctx context.Context, ownerCol, ownerID string, lines []asset.BOMLine) error {
	if _, err := tx.exec(ctx, `DELETE FROM bom_lines WHERE `+ownerCol+` = ?`, ownerID); err != nil {
		return err
	}
	for i := range lines {
		lines[i].ID = millwright.NewID("bom")
		if _, err := tx.exec(ctx, `
			INSERT INTO bom_lines (id, `+ownerCol+`, item_id, quantity, auto_request_material, position)
			VALUES (?, ?, ?, ?, ?, ?)`,
			lines[i].ID, ownerID, lines[i].ItemID, lines[i].Quantity, lines[i].AutoRequestMaterial, i); err != nil {
			return err
		}
	}
	return nil
}

// SetAssetBOM replaces the maintenance BOM of an asset.
func (tx *Tx) SetAssetBOM(ctx context.Context, assetID string, lines []asset.BOMLine) error {
	return tx.setBOM(ctx, "asset_id", assetID, lines)
}

// SetClassBOM replaces the maintenance BOM of an asset class.
func (tx *Tx) SetClassBOM(ctx context.Context, classID string, lines []asset.BOMLine) error {
	return tx.setBOM(ctx, "asset_class_id", classID, lines)
}

// AssetLabel is an asset's tag and name, as a list of work shows it.
type AssetLabel struct{ Tag, Name string }

// AssetLabels returns the tag and name of each asset of ids that exists,
// by id, in one query a few hundred ids at a time.
func (tx *Tx) AssetLabels(ctx context.Context, ids []string) (map[string]AssetLabel, error) {
	out := make(map[string]AssetLabel, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rows, err := tx.query(ctx, `SELECT id, tag, name FROM assets WHERE id IN `+inList(n), args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var l AssetLabel
			if err := rows.Scan(&id, &l.Tag, &l.Name); err != nil {
				return nil, err
			}
			out[id] = l
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}
