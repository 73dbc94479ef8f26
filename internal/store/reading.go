package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/reading"
)

// Tx serves the reading use-cases.
var _ reading.Tx = (*Tx)(nil)

// AssetByTag returns the asset of site siteID tagged tag.
func (tx *Tx) AssetByTag(ctx context.Context, siteID, tag string) (*asset.Asset, error) {
	a, err := scanAsset(tx.queryRow(ctx, `SELECT `+assetCols+` FROM assets WHERE site_id = ? AND tag = ?`, siteID, tag))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "no asset is tagged %s at site %s", tag, siteID)
	}
	return &a, err
}

const meterCols = `id, asset_id, name, kind, unit, created_at`

func scanMeter(r interface{ Scan(...any) error }) (reading.Meter, error) {
	var m reading.Meter
	err := r.Scan(&m.ID, &m.AssetID, &m.Name, &m.Kind, &m.Unit, (*dbTime)(&m.CreatedAt))
	return m, err
}

// CreateMeter stores a new meter of an asset.
func (tx *Tx) CreateMeter(ctx context.Context, m *reading.Meter) error {
	m.ID, m.CreatedAt = millwright.NewID("mtr"), tx.now
	_, err := tx.exec(ctx, `INSERT INTO meters (`+meterCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		m.ID, m.AssetID, m.Name, m.Kind, m.Unit, m.CreatedAt)
	return duplicate(err, "the asset already has a meter named %s; meter names are unique per asset", m.Name)
}

// Meters lists the meters of an asset by name.
func (tx *Tx) Meters(ctx context.Context, assetID string) ([]reading.Meter, error) {
	rows, err := tx.query(ctx, `SELECT `+meterCols+` FROM meters WHERE asset_id = ? ORDER BY name`, assetID)
	if err != nil {
		return nil, err
	}
	out, err := scanAll(rows, scanMeter)
	if out == nil {
		out = []reading.Meter{}
	}
	return out, err
}

// MeterForUpdate returns the meter of an asset named name, locked until
// the transaction ends, so that readings of one meter queue.
func (tx *Tx) MeterForUpdate(ctx context.Context, assetID, name string) (*reading.Meter, error) {
	m, err := scanMeter(tx.queryRow(ctx, `SELECT `+meterCols+` FROM meters WHERE asset_id = ? AND name = ?`+tx.rowLock(), assetID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "asset %s has no meter %s", assetID, name)
	}
	return &m, err
}

// MeterByTopic returns the asset of the site with code siteCode tagged
// tag, and its meter named name, locked until the transaction ends: what
// an MQTT topic names, in one round trip.
func (tx *Tx) MeterByTopic(ctx context.Context, siteCode, tag, name string) (*asset.Asset, *reading.Meter, error) {
	var (
		a   asset.Asset
		m   reading.Meter
		arm sql.NullBool
	)
	lock := ""
	if tx.engine == Postgres {
		lock = " FOR NO KEY UPDATE OF m"
	}
	err := tx.queryRow(ctx, `
		SELECT a.id, a.tag, a.name, a.site_id, a.asset_class_id, a.parent_id, a.location_id, a.criticality,
			a.cost_center, a.auto_request_material, a.created_at, a.updated_at,
			m.id, m.asset_id, m.name, m.kind, m.unit, m.created_at
		FROM meters m JOIN assets a ON a.id = m.asset_id JOIN sites s ON s.id = a.site_id
		WHERE s.code = ? AND a.tag = ? AND m.name = ?`+lock, siteCode, tag, name,
	).Scan(&a.ID, &a.Tag, &a.Name, &a.SiteID, (*nullStr)(&a.ClassID), (*nullStr)(&a.ParentID), (*nullStr)(&a.LocationID),
		&a.Criticality, &a.CostCenter, &arm, (*dbTime)(&a.CreatedAt), (*dbTime)(&a.UpdatedAt),
		&m.ID, &m.AssetID, &m.Name, &m.Kind, &m.Unit, (*dbTime)(&m.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, millwright.Errorf(millwright.NotFound, "not_found", "no meter %s/%s/%s", siteCode, tag, name)
	}
	if err != nil {
		return nil, nil, err
	}
	if arm.Valid {
		a.AutoRequestMaterial = &arm.Bool
	}
	return &a, &m, nil
}

const readingCols = `r.id, r.asset_id, r.meter_id, m.name, m.kind, r.value, r.total, r.replacement, r.at, r.source, r.recorded_by, r.received_at`

func scanReading(s interface{ Scan(...any) error }) (reading.Reading, error) {
	var r reading.Reading
	err := s.Scan(&r.ID, &r.AssetID, &r.MeterID, &r.Meter, &r.Kind, &r.Value, &r.Total, &r.Replacement,
		(*dbTime)(&r.At), &r.Source, &r.RecordedBy, (*dbTime)(&r.ReceivedAt))
	return r, err
}

func (tx *Tx) oneReading(ctx context.Context, where, order string, meterID string, at time.Time) (reading.Reading, bool, error) {
	r, err := scanReading(tx.queryRow(ctx, `SELECT `+readingCols+`
		FROM readings r JOIN meters m ON m.id = r.meter_id
		WHERE r.meter_id = ? AND r.at `+where+` ?
		ORDER BY r.at `+order+` LIMIT 1`, meterID, at))
	if errors.Is(err, sql.ErrNoRows) {
		return reading.Reading{}, false, nil
	}
	return r, err == nil, err
}

// ReadingAt returns the reading of a meter at exactly at, if there is one.
func (tx *Tx) ReadingAt(ctx context.Context, meterID string, at time.Time) (reading.Reading, bool, error) {
	return tx.oneReading(ctx, "=", "", meterID, at)
}

// ReadingBefore returns the latest reading of a meter strictly before at, if any.
func (tx *Tx) ReadingBefore(ctx context.Context, meterID string, at time.Time) (reading.Reading, bool, error) {
	return tx.oneReading(ctx, "<", "DESC", meterID, at)
}

// ReadingAfter returns the earliest reading of a meter strictly after at, if any.
func (tx *Tx) ReadingAfter(ctx context.Context, meterID string, at time.Time) (reading.Reading, bool, error) {
	return tx.oneReading(ctx, ">", "ASC", meterID, at)
}

// ReadingsBetween returns the readings of a meter with from <= at <= to,
// by time: what a batch of readings of the meter could duplicate, in one
// query instead of one per reading.
func (tx *Tx) ReadingsBetween(ctx context.Context, meterID string, from, to time.Time) ([]reading.Reading, error) {
	rows, err := tx.query(ctx, `SELECT `+readingCols+`
		FROM readings r JOIN meters m ON m.id = r.meter_id
		WHERE r.meter_id = ? AND r.at >= ? AND r.at <= ?
		ORDER BY r.at`, meterID, from, to)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanReading)
}

// InsertReading stores a new reading; it sets its id.
func (tx *Tx) InsertReading(ctx context.Context, r *reading.Reading) error {
	r.ID = millwright.NewID("rdg")
	_, err := tx.execPrepared(ctx, `
		INSERT INTO readings (id, meter_id, asset_id, at, value, total, replacement, source, recorded_by, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.MeterID, r.AssetID, r.At, r.Value, r.Total, r.Replacement, r.Source, r.RecordedBy, r.ReceivedAt)
	return duplicate(err, "meter %s already has a reading at %s", r.Meter, r.At.Format(time.RFC3339Nano))
}

// Readings lists an asset's readings by time, then id. The cursor is the
// id of the last reading of the previous page.
func (tx *Tx) Readings(ctx context.Context, f reading.Filter) (millwright.Page[reading.Reading], error) {
	n := page(f.Limit)
	q := `SELECT ` + readingCols + `
		FROM readings r JOIN meters m ON m.id = r.meter_id
		WHERE r.asset_id = ?`
	args := []any{f.AssetID}
	if f.Meter != "" {
		q += ` AND m.name = ?`
		args = append(args, f.Meter)
	}
	if f.From != nil {
		q += ` AND r.at >= ?`
		args = append(args, *f.From)
	}
	if f.To != nil {
		q += ` AND r.at < ?`
		args = append(args, *f.To)
	}
	if f.Cursor != "" {
		q += ` AND (r.at, r.id) > (SELECT c.at, c.id FROM readings c WHERE c.id = ?)`
		args = append(args, f.Cursor)
	}
	rows, err := tx.query(ctx, q+` ORDER BY r.at, r.id LIMIT ?`, append(args, n)...)
	if err != nil {
		return millwright.Page[reading.Reading]{}, err
	}
	out, err := scanAll(rows, scanReading)
	return millwright.NewPage(out, n, func(r reading.Reading) string { return r.ID }), err
}

// AddUnmatched stores an MQTT message that could not become a reading.
func (tx *Tx) AddUnmatched(ctx context.Context, u *reading.Unmatched) error {
	u.ID, u.ReceivedAt = millwright.NewID("umr"), tx.now
	_, err := tx.exec(ctx, `
		INSERT INTO unmatched_readings (id, site_id, topic, payload, code, reason, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, u.ID, u.SiteID, u.Topic, u.Payload, u.Code, u.Reason, u.ReceivedAt)
	return err
}

const unmatchedCols = `id, site_id, topic, payload, code, reason, received_at, resolved_at, resolved_by, reading_id`

func scanUnmatched(s interface{ Scan(...any) error }) (reading.Unmatched, error) {
	var u reading.Unmatched
	err := s.Scan(&u.ID, &u.SiteID, &u.Topic, &u.Payload, &u.Code, &u.Reason, (*dbTime)(&u.ReceivedAt),
		nullTime{&u.ResolvedAt}, &u.ResolvedBy, &u.ReadingID)
	u.Status = reading.UnmatchedOpen
	if u.ResolvedAt != nil {
		u.Status = reading.UnmatchedResolved
	}
	return u, err
}

// UnmatchedReadings lists unmatched readings, oldest first. With a site,
// only those of the site are listed.
func (tx *Tx) UnmatchedReadings(ctx context.Context, f reading.UnmatchedFilter) (millwright.Page[reading.Unmatched], error) {
	n := page(f.Limit)
	q := `SELECT ` + unmatchedCols + ` FROM unmatched_readings WHERE id > ? AND (? = '' OR site_id = ?)`
	switch f.Status {
	case "", reading.UnmatchedOpen:
		q += ` AND resolved_at IS NULL`
	case reading.UnmatchedResolved:
		q += ` AND resolved_at IS NOT NULL`
	}
	rows, err := tx.query(ctx, q+` ORDER BY id LIMIT ?`, f.Cursor, f.SiteID, f.SiteID, n)
	if err != nil {
		return millwright.Page[reading.Unmatched]{}, err
	}
	out, err := scanAll(rows, scanUnmatched)
	return millwright.NewPage(out, n, func(u reading.Unmatched) string { return u.ID }), err
}

// UnmatchedForUpdate returns the unmatched reading with id, locked until
// the transaction ends.
func (tx *Tx) UnmatchedForUpdate(ctx context.Context, id string) (*reading.Unmatched, error) {
	u, err := scanUnmatched(tx.queryRow(ctx, `SELECT `+unmatchedCols+` FROM unmatched_readings WHERE id = ?`+tx.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "unmatched reading %s does not exist", id)
	}
	return &u, err
}

// ResolveUnmatched records that an unmatched reading became readingID,
// by the transaction's actor at its time.
func (tx *Tx) ResolveUnmatched(ctx context.Context, u *reading.Unmatched, readingID string) error {
	now := tx.now
	u.ResolvedAt, u.ResolvedBy, u.ReadingID, u.Status = &now, tx.Actor().Username, readingID, reading.UnmatchedResolved
	_, err := tx.exec(ctx, `UPDATE unmatched_readings SET resolved_at = ?, resolved_by = ?, reading_id = ? WHERE id = ?`,
		now, u.ResolvedBy, readingID, u.ID)
	return err
}
