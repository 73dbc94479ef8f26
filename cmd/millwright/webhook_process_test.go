package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/connector/webhook/webhooktest"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// startWebhookCMMS runs `serve --connector webhook` as its own process with
// the secret in HOOK_SECRET, and waits until it listens.
func startWebhookCMMS(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: "cmms", args: args, log: filepath.Join(t.TempDir(), "cmms.log")}
	p.env = []string{"HOOK_SECRET=" + hookSecret}
	p.start()
	t.Cleanup(func() { p.stop(syscall.SIGKILL) })
	return p
}

// erpUser makes an admin of the counterpart's ERP and returns its token.
func erpUser(t *testing.T, db *store.DB) string {
	t.Helper()
	tok, hash := auth.NewToken()
	if err := db.InTx(t.Context(), func(tx *store.Tx) error {
		u := &store.User{Username: "erpadmin", Role: millwright.Admin}
		if err := tx.CreateUser(t.Context(), u); err != nil {
			return err
		}
		_, err := tx.CreateToken(t.Context(), u.ID, hash)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return tok
}

// The webhook connector at the process level: `serve --connector webhook`
// delivers released work orders' requisitions to a counterpart (an
// integration platform in front of an ERP with its own database) that
// answers 500s, loses answers after applying, is down for a while, and
// pushes its events back duplicated and out of order; the CMMS is killed
// with SIGKILL mid-delivery, twice, and restarted on the same database. In
// the end every work order's request is in the ERP exactly once, none is
// lost or failed, and every line shows requested on the CMMS.
func TestWebhookProcessFaults(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			erpDB := storetest.Open(t, e)
			cp := webhooktest.New(erpDB, hookSecret)
			t.Cleanup(cp.Close)
			erpAPI := httptest.NewServer(httpapi.New(erpDB, slog.New(slog.NewTextHandler(io.Discard, nil)), httpapi.OnlyERP()))
			t.Cleanup(erpAPI.Close)
			erpAdmin := caller{t, erpAPI.URL, erpUser(t, erpDB)}

			addr := freeAddr(t)
			base := "http://" + addr
			cp.Webhook = base + "/api/v1/integration/webhooks/webhook"
			settings := writeSettings(t, `{"url":"`+cp.URL()+`","secret_env":"HOOK_SECRET","timeout":"2s","backoff":"20ms","breaker_interval":"200ms"}`)
			dsn := storetest.DSN(t, e)
			cp.Fail(5, 500, "")
			cmms := startWebhookCMMS(t, "serve", "--addr", addr, "--db", dsn, "--demo", "--connector", "webhook",
				"--connector-config", settings, "--outbox-lease", "3s", "--reconcile-every", "0", "--pm-interval", "0")
			ctx, stopPush := context.WithCancel(context.Background())
			pushed := make(chan error, 1)
			go func() { pushed <- cp.Run(ctx, 50*time.Millisecond) }()
			defer func() { stopPush(); <-pushed }()

			w := &twoProcesses{cmmsBase: base, cmmsDSN: dsn}
			w.planner = caller{t, base, mustToken(t, dsn, "rita", "planner")}
			w.cmmsAdmin = caller{t, base, mustToken(t, dsn, "root", "admin")}
			asset := w.assetID(t, "P-101")
			var item string
			for _, it := range w.cmmsAdmin.all("/api/v1/items?q=IMP-P101-8IN") {
				if it["part_number"] == "IMP-P101-8IN" {
					item = s(it["id"])
				}
			}
			if item == "" {
				t.Fatal("no demo item IMP-P101-8IN")
			}
			const n = 24
			var wos []string
			ours := map[string]bool{}
			for i := range n {
				id := w.faultWorkOrder(t, asset, item, i)
				wos = append(wos, id)
				ours[id] = true
			}
			// count returns how many requisition lines of our work orders
			// the ERP holds, and by work order.
			count := func() (int, map[string]int) {
				per := map[string]int{}
				total := 0
				for _, r := range erpAdmin.all("/api/v1/erp/requisitions") {
					for _, l := range r["lines"].([]any) {
						if wo := s(l.(map[string]any)["work_order_id"]); ours[wo] {
							per[wo]++
							total++
						}
					}
				}
				return total, per
			}
			release := func(ids []string) {
				for _, id := range ids {
					w.planner.must(200, "POST", "/api/v1/work-orders/"+id+"/release", nil)
				}
			}

			within(t, 30*time.Second, "the demo's messages delivered, through the first 500s", func() string {
				if p := w.cmmsAdmin.all("/api/v1/integration/messages?status=pending"); len(p) > 0 {
					return fmt.Sprintf("%d pending", len(p))
				}
				return ""
			})

			// 1. 500s and answers lost after the apply; the CMMS is killed
			// once delivery has begun.
			cp.Fail(4, 500, "")
			cp.LoseAnswers(3)
			release(wos[:8])
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if got, _ := count(); got > 0 {
					break
				}
			}
			cmms.stop(syscall.SIGKILL)
			atKill, _ := count()
			t.Logf("CMMS killed with 8 released: the ERP held %d of their requisitions", atKill)
			cmms.start()

			// 2. The counterpart is down; releases go on, into the outbox.
			cp.SetDown(true)
			release(wos[8:16])
			time.Sleep(2 * time.Second)
			down := w.cmmsAdmin.all("/api/v1/integration/messages?status=pending")
			t.Logf("counterpart down: %d messages pending in the CMMS", len(down))
			cp.SetDown(false)

			// 3. Events pushed twice and out of order, answers carry none;
			// the CMMS is killed again as the backlog drains.
			cp.SetInline(false)
			cp.SetPushFaults(true, true)
			release(wos[16:])
			time.Sleep(300 * time.Millisecond)
			cmms.stop(syscall.SIGKILL)
			mid, _ := count()
			t.Logf("CMMS killed again while draining: the ERP held %d of %d", mid, n)
			cmms.start()

			got, attempts, retried := deliveredOnce(t, w.cmmsAdmin, w.planner, wos, "requisition lines", count)
			if tb := erpAdmin.must(200, "GET", "/api/v1/erp/ledger/trial-balance", nil); tb["balanced"] != true {
				t.Fatalf("ERP trial balance = %v; want balanced", tb)
			}
			st := cp.Stats()
			t.Logf("%s: released %d, ERP requisition lines %d (one per work order); %d delivery attempts on the CMMS, %d messages sent more than once; counterpart: %d requests, %d dropped while down, %d handed to the ERP, %d keys applied, %d repeats absorbed by the key, %d webhook pushes accepted",
				e, n, got, attempts, retried, st.Requests, st.Dropped, st.Deliveries, st.Applied, st.Repeats, st.Pushes)
			if st.Dropped == 0 || st.Repeats == 0 {
				t.Errorf("counterpart stats %+v; want requests dropped while down and repeats absorbed: the faults did not happen", st)
			}
		})
	}
}
