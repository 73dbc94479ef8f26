package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/pm/scheduler"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// measureScheduler loads n calendar plans on the demo's assets, one in
// every hundred due now, and times the scheduler's pass over all of them:
// the first pass makes the due work orders, the second finds nothing to do
// (the steady state at every tick).
func measureScheduler(ctx context.Context, label string, db *store.DB, n int) error {
	ctx = millwright.WithPrincipal(ctx, millwright.System)
	var assets []asset.Asset
	if err := db.View(ctx, func(tx *store.Tx) error {
		p, err := tx.Assets(ctx, asset.Filter{Limit: 500})
		assets = p.Items
		return err
	}); err != nil {
		return err
	}
	f := false
	start := time.Now()
	for done := 0; done < n; {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := 0; i < 5000 && done < n; i, done = i+1, done+1 {
				a := assets[done%len(assets)]
				// Every hundredth plan started yesterday and is due; the
				// others start next year.
				startAt := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
				if done%100 == 0 {
					startAt = time.Now().AddDate(0, 0, -1).Format("2006-01-02")
				}
				now := tx.Now()
				p := &pm.Plan{SiteID: a.SiteID, AssetID: a.ID, Name: fmt.Sprintf("bench plan %d", done),
					Trigger:   pm.Trigger{Kind: pm.Calendar, EveryDays: 30, Schedule: "fixed", Start: startAt},
					WorkOrder: pm.Template{Type: workorder.Inspection, Priority: 3, Title: "bench inspection", CopyBOM: &f, AutoRelease: &f},
					Active:    true, CreatedBy: "bench", CreatedAt: now.AddDate(0, 0, -2), UpdatedAt: now}
				if err := tx.CreatePlan(ctx, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	fmt.Printf("%-17s %-28s %10.0f   (plans loaded per second, %d plans)\n", label, "PM plans bulk load", float64(n)/time.Since(start).Seconds(), n)
	s := &scheduler.Scheduler{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, pass := range []string{"first pass (1% due)", "steady pass (none due)"} {
		t := time.Now()
		made, err := s.Step(ctx)
		if err != nil {
			return err
		}
		d := time.Since(t)
		fmt.Printf("%-17s %-28s %9.2fs   (%d work orders made; %.0f plans/s)\n", label, "scheduler "+pass, d.Seconds(), len(made), float64(n)/d.Seconds())
	}
	return nil
}
