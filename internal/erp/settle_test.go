package erp_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/erp/ledger"
	"github.com/millwright-cmms/millwright/internal/erp/procurement"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// Batches of labor postings applied at the same time, over one cost
// center whose budget they cross together, leave the books as one at a
// time would: entries and events numbered without a gap, every answer
// equal to what the ERP stored (and answered again to a resend), the
// entries' audit records with their final numbers, one budget alert, and
// running budget totals equal to the journal. On PostgreSQL a batch
// numbers its work at its end, so a release's requisition is applied
// while a batch is still open.
func TestConcurrentBatchesSettle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := as(context.Background(), "fin", millwright.Finance)
		e := erp.New(db)
		mustItem(t, e, "BRG-6205", procurement.DirectItem, "SKF", "40.00")
		period := ledger.Period(time.Now(), time.UTC)
		if err := inERP(ctx, db, func(tx *erp.Tx) error {
			_, err := erp.SaveBudget(ctx, tx, "CC-1", period, millwright.MustMoney("1000.00"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		const batches, per = 3, 20 // 60 postings of 25.00: the budget is crossed once, by one of them
		labor := func(b, i int) integration.Message {
			return message(t, fmt.Sprintf("labor/%d/%d", b, i), "tom", integration.LaborCost{WorkOrderID: fmt.Sprintf("wo_%d_%d", b, i),
				CostCenter: "CC-1", Hours: millwright.MustQty("0.5"), Amount: millwright.MustMoney("25.00"), Technician: "tom"})
		}
		sent := make([][]integration.Message, batches)
		answers := make([][][]integration.Event, batches)
		var wg sync.WaitGroup
		for b := range batches {
			for i := range per {
				sent[b] = append(sent[b], labor(b, i))
			}
			var requisition chan error
			if b == 0 && db.Engine == store.Postgres {
				requisition = make(chan error, 1)
			}
			wg.Go(func() {
				var errs []error
				answers[b], errs = e.SendBatch(context.Background(), sent[b], func(i int, _ []error) bool {
					if i == 1 && requisition != nil {
						// One posting is applied and the batch is open: a
						// requisition must not wait for it to commit.
						go func() {
							_, err := e.Send(context.Background(), message(t, "release/1", "pat", integration.RequisitionRequest{Priority: 1,
								WorkOrderID: "wo_r", Lines: []integration.RequisitionLine{{ERPItemCode: "BRG-6205", Quantity: millwright.NewQty(1)}}}))
							requisition <- err
						}()
						select {
						case err := <-requisition:
							if err != nil {
								t.Errorf("requisition beside an open batch = %v", err)
							}
						case <-time.After(10 * time.Second):
							t.Errorf("a requisition waited more than 10 s for an open batch of postings; want it applied at once")
						}
						requisition = nil
					}
					return false
				})
				for i, err := range errs {
					if err != nil {
						t.Errorf("batch %d message %d: %v", b, i, err)
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}

		var log []integration.Event
		var entries millwright.Page[ledger.Entry]
		var drift []string
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			if log, err = tx.ERPEvents(ctx, 0, 1000); err != nil {
				return err
			}
			if entries, err = tx.ERPEntries(ctx, store.ERPEntryFilter{Limit: 500}); err != nil {
				return err
			}
			drift, err = tx.ERPBudgetUseDrift(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		stored := map[int64]integration.Event{}
		alerts := 0
		for i, ev := range log {
			if ev.Seq != int64(i+1) {
				t.Fatalf("event %d of the log has seq %d; want %d (no gap)", i+1, ev.Seq, i+1)
			}
			if strings.Contains(string(ev.Payload), "JE-?") {
				t.Errorf("event %d's payload still holds a placeholder: %s", ev.Seq, ev.Payload)
			}
			if ev.Kind == integration.EventBudgetAlert {
				alerts++
			}
			stored[ev.Seq] = ev
		}
		if alerts != 1 {
			t.Errorf("budget alerts = %d; want 1 (the postings crossed the budget once)", alerts)
		}
		numbers := map[string]bool{}
		for _, en := range entries.Items {
			numbers[en.Number] = true
		}
		for n := 1; n <= len(entries.Items); n++ {
			if !numbers[fmt.Sprintf("JE-%06d", n)] {
				t.Errorf("entry JE-%06d is missing among %d entries; want them numbered without a gap", n, len(entries.Items))
			}
		}
		if len(entries.Items) != batches*per {
			t.Errorf("entries = %d; want %d", len(entries.Items), batches*per)
		}
		if len(drift) > 0 {
			t.Errorf("running budget totals differ from the journal: %v", drift)
		}
		for b := range batches {
			again, errs := e.SendBatch(context.Background(), sent[b], nil)
			for i := range sent[b] {
				if errs[i] != nil {
					t.Fatalf("batch %d sent again, message %d: %v", b, i, errs[i])
				}
				if len(answers[b][i]) == 0 {
					t.Fatalf("batch %d message %d answered no event", b, i)
				}
				for j, ev := range answers[b][i] {
					if s, ok := stored[ev.Seq]; !ok || string(s.Payload) != string(ev.Payload) || s.Kind != ev.Kind {
						t.Errorf("batch %d message %d answered event %d %s %s; the log holds %s %s", b, i, ev.Seq, ev.Kind, ev.Payload, s.Kind, s.Payload)
					}
					if a := again[i]; len(a) != len(answers[b][i]) || a[j].Seq != ev.Seq || string(a[j].Payload) != string(ev.Payload) {
						t.Errorf("batch %d message %d sent again answered %v; want the first answer %v", b, i, a, answers[b][i])
					}
				}
			}
		}
		if _, err := db.SealAudit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.View(ctx, func(tx *store.Tx) error {
			p, err := tx.AuditEntries(ctx, store.AuditFilter{EntityType: "erp_entry", Limit: 500})
			if len(p.Items) != batches*per {
				t.Errorf("audit records of entries = %d; want %d", len(p.Items), batches*per)
			}
			for _, a := range p.Items {
				if strings.Contains(string(a.After), "JE-?") {
					t.Errorf("audit record of entry %s holds a placeholder: %s", a.EntityID, a.After)
				}
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
