package store_test

import (
	"errors"
	"testing"

	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// Rows held to be written later are there for every statement of their
// transaction that reads their table, are written at its end without one,
// go with a savepoint that is undone when held inside it and stay when
// held before it, and a held row that cannot be written fails its
// transaction whole.
func TestHeldRows(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		state := func(tx *store.Tx, key string) string {
			t.Helper()
			v, err := tx.IntegrationState(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		refused := errors.New("refused")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			tx.HoldStateForTest("read", "1")
			if v := state(tx, "read"); v != "1" {
				t.Errorf("a held row read in its transaction = %q; want 1", v)
			}
			tx.HoldStateForTest("before", "2")
			if err := tx.Savepoint(ctx, func() error {
				tx.HoldStateForTest("inside", "3")
				return refused
			}); !errors.Is(err, refused) {
				t.Errorf("savepoint = %v; want %v", err, refused)
			}
			if err := tx.Savepoint(ctx, func() error {
				tx.HoldStateForTest("written inside", "4")
				if v := state(tx, "written inside"); v != "4" {
					t.Errorf("a row held in a savepoint, read there = %q; want 4", v)
				}
				return refused
			}); !errors.Is(err, refused) {
				t.Errorf("savepoint = %v; want %v", err, refused)
			}
			tx.HoldStateForTest("at the end", "5")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			for key, want := range map[string]string{"read": "1", "before": "2", "inside": "", "written inside": "", "at the end": "5"} {
				if v := state(tx, key); v != want {
					t.Errorf("after the commit, %q = %q; want %q", key, v, want)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		// A held row that cannot be written (its key is taken) fails the
		// transaction, whether a read or the commit writes it out.
		for _, read := range []bool{true, false} {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.SetIntegrationState(ctx, "other", "6"); err != nil {
					return err
				}
				tx.HoldStateForTest("read", "7")
				if read {
					tx.IntegrationState(ctx, "read")
				}
				return nil
			})
			if err == nil || !store.IsDuplicate(err) {
				t.Errorf("a held row whose key is taken (written by a read: %v): InTx = %v; want a duplicate key", read, err)
			}
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if v := state(tx, "other"); v != "" {
				t.Errorf("a transaction whose held row failed wrote %q; want nothing", v)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
