// Package scheduler runs the PM plans: a background worker that, at each
// tick, makes the work orders that calendar plans owe, lead time ahead.
// Meter and condition plans are run by the readings ingestion through
// pm.OnReading, when a reading arrives.
//
// Each plan is decided in its own transaction with the plan's row locked,
// and each occurrence is stored once under a unique key, so two
// schedulers over one database (two serve processes on one PostgreSQL)
// never make two work orders of one occurrence.
package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/pm"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// DefaultInterval is how often a Scheduler with no Interval looks at the plans.
const DefaultInterval = time.Minute

// Scheduler generates the due work orders of calendar plans.
type Scheduler struct {
	DB       *store.DB
	Log      *slog.Logger
	Interval time.Duration
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Run generates due work orders at once and then every Interval, until
// ctx is cancelled.
func (s *Scheduler) Run(ctx context.Context) error {
	interval := s.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Step(ctx); err != nil && ctx.Err() == nil {
			s.log().Error("pm scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Step looks once at every active calendar plan and makes the work orders
// that are due; it returns them. A plan that fails is logged and the
// others go on; the first error is returned at the end.
func (s *Scheduler) Step(ctx context.Context) ([]*workorder.WorkOrder, error) {
	ctx = millwright.WithPrincipal(ctx, millwright.System)
	// Which plans are due is decided from one read of them all; the write
	// lock is taken only for those, and the decision made again under it.
	var ids []string
	err := s.DB.View(ctx, func(tx *store.Tx) (err error) {
		ids, err = pm.DueCalendarPlans(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	var (
		made  []*workorder.WorkOrder
		first error
	)
	for _, id := range ids {
		if ctx.Err() != nil {
			return made, ctx.Err()
		}
		var w *workorder.WorkOrder
		err := s.DB.InTx(ctx, func(tx *store.Tx) (err error) {
			w, err = pm.ScheduleCalendar(ctx, tx, id)
			return err
		})
		if err != nil {
			s.log().Error("pm scheduler: plan", "plan", id, "err", err)
			if first == nil {
				first = err
			}
			continue
		}
		if w != nil {
			s.log().Info("pm scheduler: work order generated", "plan", id, "work_order", w.Number)
			made = append(made, w)
		}
	}
	return made, first
}

// *store.Tx is the transaction PM use-cases run in.
var (
	_ pm.Tx    = (*store.Tx)(nil)
	_ pm.Actor = (*store.Tx)(nil)
)
