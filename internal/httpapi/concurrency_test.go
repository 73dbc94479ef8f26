package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/inventory"
	"github.com/millwright-cmms/millwright/internal/store"
)

// TestConcurrentIssuesNeverOversell fires 20 issues of one unit at a stock
// of 5 at once: exactly 5 succeed, 15 are refused as insufficient stock,
// and the stock ends at zero with zero value. It runs once with all issues
// on one work order (the work order's lock serialises them) and once with
// the issues spread over four work orders (only the stock row's lock
// does: SELECT … FOR UPDATE on PostgreSQL, the single writer on SQLite).
func TestConcurrentIssuesNeverOversell(t *testing.T) {
	runAPI(t, func(t *testing.T, a *api) {
		p := mustPlant(t, a)
		tech := a.token("tom", millwright.Technician, "")
		var all []string // every work order so far, for the invariants
		for _, tc := range []struct {
			part       string
			workOrders int
		}{
			{"GSK-1", 1},
			{"GSK-4", 4},
		} {
			t.Run(fmt.Sprintf("%d work orders", tc.workOrders), func(t *testing.T) {
				item := mustFiveInStock(t, a, p, tc.part)
				var wos []string
				for range tc.workOrders {
					wos = append(wos, mustReleased(t, a, p))
				}
				all = append(all, wos...)

				const tries = 20
				statuses := make(chan string, tries)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range tries {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						statuses <- postIssue(t, a, tech, wos[i%len(wos)], item, p.Store)
					}()
				}
				close(start)
				wg.Wait()
				close(statuses)
				counts := map[string]int{}
				for s := range statuses {
					counts[s]++
				}
				if counts["201"] != 5 || counts["409 insufficient_stock"] != 15 || len(counts) != 2 {
					t.Fatalf("results of %d concurrent issues = %v; want 5 × 201 and 15 × 409 insufficient_stock", tries, counts)
				}
				st := mustStock(t, a, p.Store, item)
				if !st.OnHand.IsZero() || !st.Value.IsZero() || !st.Reserved.IsZero() {
					t.Errorf("stock after the issues: on hand %s, value %s, reserved %s; want 0, 0, 0", st.OnHand, st.Value, st.Reserved)
				}
				var moves []inventory.Movement
				for _, w := range wos {
					a.db.View(t.Context(), func(tx *store.Tx) error {
						m, err := tx.WorkOrderMovements(t.Context(), w)
						moves = append(moves, m...)
						return err
					})
				}
				if len(moves) != 5 {
					t.Errorf("issue movements = %d; want 5", len(moves))
				}
				checkInvariants(t, a, p, all...)
			})
		}
	})
}

// mustFiveInStock makes a stock item with 5 on hand in p.Store, counted in
// two lots (3 at 1.00, 2 at 1.01) so that the average cost does not divide
// evenly, and no reservations.
func mustFiveInStock(t *testing.T, a *api, p *plant, part string) string {
	t.Helper()
	it := &inventory.Item{PartNumber: part, Description: "Gasket", Unit: "EA", StockType: inventory.StockItem,
		UnitCost: millwright.MustMoney("1.00")}
	if err := a.db.InTx(t.Context(), func(tx *store.Tx) error { return tx.CreateItem(t.Context(), it) }); err != nil {
		t.Fatal(err)
	}
	p.mustAdjust(t, a, p.Store, it.ID, "3", "1.00")
	p.mustAdjust(t, a, p.Store, it.ID, "2", "1.01")
	return it.ID
}

// postIssue issues one unit and returns "201" or "STATUS code". It runs in
// its own goroutine, so it reports trouble with Errorf, never Fatal.
func postIssue(t *testing.T, a *api, token, workOrderID, itemID, storeroomID string) string {
	body, _ := json.Marshal(map[string]any{"item_id": itemID, "storeroom_id": storeroomID, "quantity": 1})
	req, err := http.NewRequestWithContext(t.Context(), "POST", a.srv.URL+woPath(workOrderID, "issues"), bytes.NewReader(body))
	if err != nil {
		t.Errorf("new request: %v", err)
		return err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST issue: %v", err)
		return err.Error()
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusCreated {
		return "201"
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(raw, &e)
	return fmt.Sprintf("%d %s", res.StatusCode, e.Error.Code)
}
