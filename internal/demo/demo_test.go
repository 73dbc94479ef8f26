package demo_test

import (
	"testing"

	"github.com/millwright-cmms/millwright/internal/demo"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

func TestLoad(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		res, err := demo.Load(ctx, db)
		if err != nil {
			t.Fatalf("Load = %v", err)
		}
		for kind, min := range map[string]int{"sites": 2, "assets": 40, "items": 60, "storerooms": 2, "users": 8, "work_orders": 10, "pm_plans": 4} {
			if got := res.Counts[kind]; got < min {
				t.Errorf("loaded %d %s; want at least %d", got, kind, min)
			}
		}
		if len(res.Tokens) != 8 {
			t.Errorf("got %d tokens; want one per role (8)", len(res.Tokens))
		}
		seen := map[workorder.Status]bool{}
		err = db.View(ctx, func(tx *store.Tx) error {
			page, err := workorder.List(ctx, tx, workorder.Filter{Limit: 500})
			for _, w := range page.Items {
				seen[w.Status] = true
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []workorder.Status{workorder.Requested, workorder.Approved, workorder.Planned, workorder.Released,
			workorder.InProgress, workorder.WaitingForParts, workorder.Completed, workorder.Closed, workorder.Cancelled} {
			if !seen[s] {
				t.Errorf("no demo work order is %s; want one in every state", s)
			}
		}
		again, err := demo.Load(ctx, db)
		if err != nil || again.Loaded {
			t.Fatalf("second Load = %+v, %v; want nothing loaded into a database that holds a plant", again.Loaded, err)
		}
	})
}
