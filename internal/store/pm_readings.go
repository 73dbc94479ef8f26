package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/pm"
)

// PMReadings reads an asset's stored readings for PM (pm.Readings), in
// transaction tx. A meter's value is its running total: for a counter, the
// count continued across replacements; for a gauge, the reading itself.
type PMReadings struct{ Tx *Tx }

var _ pm.Readings = PMReadings{}

// Since returns the readings of a meter at or after since, oldest first.
func (r PMReadings) Since(ctx context.Context, assetID, meter string, since time.Time) ([]pm.Point, error) {
	rows, err := r.Tx.query(ctx, `SELECT r.total, r.at FROM readings r JOIN meters m ON m.id = r.meter_id
		WHERE r.asset_id = ? AND m.name = ? AND r.at >= ? ORDER BY r.at, r.id`, assetID, meter, since)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanPoint)
}

// Latest returns the last reading of a meter at or before at.
func (r PMReadings) Latest(ctx context.Context, assetID, meter string, at time.Time) (pm.Point, bool, error) {
	p, err := scanPoint(r.Tx.queryRow(ctx, `SELECT r.total, r.at FROM readings r JOIN meters m ON m.id = r.meter_id
		WHERE r.asset_id = ? AND m.name = ? AND r.at <= ? ORDER BY r.at DESC, r.id DESC LIMIT 1`, assetID, meter, at))
	if errors.Is(err, sql.ErrNoRows) {
		return pm.Point{}, false, nil
	}
	return p, err == nil, err
}

func scanPoint(s interface{ Scan(...any) error }) (pm.Point, error) {
	var (
		p pm.Point
		v millwright.Qty
	)
	err := s.Scan(&v, (*dbTime)(&p.At))
	p.Value = v.InexactFloat64()
	return p, err
}
