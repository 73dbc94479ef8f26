package ingest

import (
	"context"

	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/reading"
	"github.com/millwright-cmms/millwright/internal/store"
)

// PMHook evaluates the meter and condition PM plans of a reading's meter
// in the transaction that stores it: a meter plan whose next due value is
// passed, or a condition rule that now holds, makes its work order there,
// and through Auto Request Material its parts are requested with it.
func PMHook(ctx context.Context, tx *store.Tx, r reading.Reading) error {
	_, err := pm.OnReading(ctx, tx, store.PMReadings{Tx: tx},
		pm.Reading{AssetID: r.AssetID, Meter: r.Meter, Value: r.Total.InexactFloat64(), At: r.At})
	return err
}
