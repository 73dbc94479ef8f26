package outbox

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
)

// Receive takes events an ERP pushed (its signed webhook): it records
// each once, by sequence number, in one transaction, and wakes the
// dispatcher, which applies them in order per document as it applies
// polled ones — the dispatcher stays the only one that applies, so no
// event is applied twice however webhooks and polls interleave. An event
// seen before is ignored; one about a line not known yet waits. The
// polling position moves past the received events while they follow it
// without a gap, so polling does not fetch them again. It returns how
// many events were new.
func (d *Dispatcher) Receive(ctx context.Context, events []integration.Event) (int, error) {
	events = slices.Clone(events)
	slices.SortFunc(events, func(a, b integration.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, ev := range events {
		if ev.Seq <= 0 || ev.Kind == "" || ev.DocumentKey == "" {
			return 0, millwright.Errorf(millwright.Invalid, "bad_event",
				"every event needs a positive seq, a kind and a document_key; event %d (%q, %q) has not", ev.Seq, ev.Kind, ev.DocumentKey)
		}
	}
	fresh := 0
	err := d.DB.InTx(ctx, func(tx *store.Tx) error {
		fresh = 0
		v, err := tx.LockIntegrationState(ctx, lastSeqKey)
		if err != nil {
			return err
		}
		pos, _ := strconv.ParseInt(v, 10, 64)
		start := pos
		for _, ev := range events {
			if ev.Seq == pos+1 {
				pos = ev.Seq
			}
			ok, err := tx.RecordEvent(ctx, ev)
			if err != nil {
				return err
			}
			if ok {
				fresh++
			}
		}
		if pos != start {
			if err := tx.SetIntegrationState(ctx, lastSeqKey, strconv.FormatInt(pos, 10)); err != nil {
				return err
			}
		}
		tx.WakeDispatcher()
		return nil
	})
	return fresh, err
}
