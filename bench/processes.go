package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/erp"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// measureProcesses drains one backlog of n labor postings with one
// dispatcher process, then an equal backlog in a fresh database with two
// processes at once, as two `serve` processes on one PostgreSQL share the
// outbox, and prints both rates and their ratio: once with each process's
// default lanes (4 on PostgreSQL, which already use the machine), once
// with one delivery lane per process (how far the sharing itself scales).
// The processes are this program again (drainWorker), each with its own
// connections.
func measureProcesses(ctx context.Context, pg string, n int) error {
	for _, lanes := range []int{0, 1} {
		label := "default lanes"
		if lanes > 0 {
			label = fmt.Sprintf("%d lane each", lanes)
		}
		var rates [2]float64
		for k := 1; k <= 2; k++ {
			dsn, cleanup, err := freshDB(store.Postgres, pg)
			if err != nil {
				return err
			}
			rate, err := drainWith(ctx, dsn, n, k, lanes)
			cleanup()
			if err != nil {
				return err
			}
			rates[k-1] = rate
			fmt.Printf("%-17s %-28s %10.1f   (%d labor postings, %d dispatcher process%s, %s)\n", "postgres", fmt.Sprintf("outbox drain, %d process%s", k, map[bool]string{true: "es"}[k > 1]),
				rate, n, k, map[bool]string{true: "es"}[k > 1], label)
		}
		fmt.Printf("%-17s %-28s %9.2fx   (%s)\n", "postgres", "two processes / one", rates[1]/rates[0], label)
	}
	return nil
}

// drainWith loads the demo into dsn, writes n labor postings with no
// dispatcher running, then starts k worker processes and times them until
// the outbox holds nothing pending.
func drainWith(ctx context.Context, dsn string, n, k, lanes int) (float64, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return 0, err
	}
	if _, err := loadDemo(ctx, db); err != nil {
		return 0, err
	}
	// Deliver the demo's own messages first, in process, so the workers
	// time the labor postings only.
	if err := drainInProcess(ctx, db, 0); err != nil {
		return 0, err
	}
	wos, err := underWay(ctx, db, 32)
	if err != nil {
		return 0, err
	}
	tom := millwright.WithPrincipal(ctx, millwright.Principal{Username: "tom", Role: millwright.Technician})
	rate := millwright.MustMoney("48.00")
	for i := 0; i < n; i += 100 {
		err := db.InTx(tom, func(tx *store.Tx) error {
			for j := i; j < min(i+100, n); j++ {
				if _, err := workorder.LogLabor(tom, tx, wos[j%len(wos)], workorder.NewLabor{Technician: "tom", Craft: "mechanic",
					Hours: millwright.MustQty("0.25"), Rate: &rate}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	start := time.Now()
	var workers []*exec.Cmd
	for range k {
		cmd := exec.CommandContext(ctx, os.Args[0], "-drain-worker", dsn, "-drain-lanes", fmt.Sprint(lanes))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		workers = append(workers, cmd)
	}
	for _, w := range workers {
		if err := w.Wait(); err != nil {
			return 0, fmt.Errorf("drain worker: %w", err)
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// drainInProcess delivers what the outbox holds with a dispatcher in this
// process, with lanes delivery lanes (0: the default).
func drainInProcess(ctx context.Context, db *store.DB, lanes int) error {
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	d := &outbox.Dispatcher{DB: db, Connector: erp.New(db), Workers: lanes, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	go d.Run(dctx)
	return waitEmpty(ctx, db, 3*time.Minute)
}

// drainWorker is the worker process of measureProcesses: a dispatcher
// with the embedded ERP over dsn, as serve runs it, until the outbox holds
// nothing pending.
func drainWorker(dsn string, lanes int) error {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return drainInProcess(ctx, db, lanes)
}

// waitEmpty waits until db's outbox holds no pending message.
func waitEmpty(ctx context.Context, db *store.DB, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var p millwright.Page[integration.OutboxMessage]
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			p, err = tx.OutboxMessages(ctx, integration.MessageFilter{Status: integration.StatusPending, Limit: 1})
			return err
		}); err != nil {
			return err
		}
		if len(p.Items) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the outbox did not empty in %s", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// underWay starts k corrective work orders on the asset of the demo's
// first work order under way, through the same use-cases as the API, so
// that labor postings spread over k work orders (the outbox keeps each
// work order's messages in order; different ones go at once).
func underWay(ctx context.Context, db *store.DB, k int) ([]string, error) {
	first, err := firstWorkOrder(ctx, db, workorder.InProgress)
	if err != nil {
		return nil, err
	}
	paula := millwright.WithPrincipal(ctx, millwright.Principal{Username: "paula", Role: millwright.Planner})
	ids := []string{first}
	err = db.InTx(paula, func(tx *store.Tx) error {
		w, err := workorder.Get(paula, tx, first)
		if err != nil {
			return err
		}
		for len(ids) < k {
			n, err := workorder.Create(paula, tx, workorder.New{Type: workorder.Corrective, AssetID: w.AssetID, Title: fmt.Sprintf("Bench work %d", len(ids))})
			if err != nil {
				return err
			}
			for _, v := range []string{"approve", "release", "start"} {
				if _, err := workorder.Transition(paula, tx, n.ID, v); err != nil {
					return fmt.Errorf("%s: %w", v, err)
				}
			}
			ids = append(ids, n.ID)
		}
		return nil
	})
	return ids, err
}
