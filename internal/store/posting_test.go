package store_test

import (
	"testing"
	"time"

	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// What a posting reads after SiteAndAsset (its charge mappings, the
// rollout's scopes for its message) answers as a fresh read would, also
// after the transaction itself changed a mapping or a scope (PostgreSQL
// reads them with the site and the asset, once: postingMemo).
func TestPostingReads(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			s := asset.Site{Code: "N", Name: "North", Currency: "EUR", TimeZone: "UTC"}
			if err := tx.CreateSite(ctx, &s); err != nil {
				return err
			}
			pumps := asset.Class{Code: "PUMP", Name: "Pumps"}
			if err := tx.CreateClass(ctx, &pumps); err != nil {
				return err
			}
			a := asset.Asset{Tag: "P-1", Name: "Pump", SiteID: s.ID, ClassID: pumps.ID, CostCenter: "CC1"}
			if err := tx.CreateAsset(ctx, &a); err != nil {
				return err
			}
			w := workorder.WorkOrder{Number: "WO-1", Type: workorder.Corrective, Status: workorder.Requested,
				Priority: 3, SiteID: s.ID, AssetID: a.ID, Title: "Leak", CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
			if err := tx.CreateWorkOrder(ctx, &w); err != nil {
				return err
			}
			for _, m := range []integration.CostCenterMapping{{SiteID: "", CostCenter: "CC1", ERPCostCenter: "G-1"}, {SiteID: s.ID, CostCenter: "CC1", ERPCostCenter: "N-1"}} {
				if err := tx.SaveCostCenterMapping(ctx, &m); err != nil {
					return err
				}
			}
			for _, m := range []integration.AccountMapping{{SiteID: "", Category: integration.AccountLabor, ERPAccount: "6000"}, {SiteID: s.ID, Category: integration.AccountLabor, ERPAccount: "6111"}, {SiteID: "", Category: integration.AccountParts, ERPAccount: "6200"}} {
				if err := tx.SaveAccountMapping(ctx, &m); err != nil {
					return err
				}
			}
			charge := func(category string) integration.ChargeMappings {
				t.Helper()
				if _, err := tx.WorkOrderForUpdate(ctx, w.ID); err != nil {
					t.Fatal(err)
				}
				if _, _, err := tx.SiteAndAsset(ctx, s.ID, a.ID); err != nil {
					t.Fatal(err)
				}
				m, err := tx.ChargeMappings(ctx, s.ID, "CC1", category)
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			want := integration.ChargeMappings{CostCenterMapped: true, ERPCostCenter: "N-1", CostCentersMapped: true, ERPAccount: "6111"}
			if got := charge(integration.AccountLabor); got != want {
				t.Errorf("labor's mappings = %+v; want the site's own %+v", got, want)
			}
			if got := charge(integration.AccountParts); got.ERPAccount != "6200" {
				t.Errorf("parts' account = %q; want the company's 6200", got.ERPAccount)
			}
			if got := charge(integration.AccountServices); got.ERPAccount != "" {
				t.Errorf("services' account = %q; want none", got.ERPAccount)
			}
			// Changed by this transaction between the read and the use.
			if _, _, err := tx.SiteAndAsset(ctx, s.ID, a.ID); err != nil {
				return err
			}
			if err := tx.SaveCostCenterMapping(ctx, &integration.CostCenterMapping{SiteID: s.ID, CostCenter: "CC1", ERPCostCenter: "N-2"}); err != nil {
				return err
			}
			if m, err := tx.ChargeMappings(ctx, s.ID, "CC1", integration.AccountLabor); err != nil || m.ERPCostCenter != "N-2" {
				t.Errorf("after a mapping changed in the transaction: %+v, %v; want N-2", m, err)
			}

			// The rollout: the site is listed for another class only, so the
			// work order's message is skipped; then for its class, it goes.
			status := func(key string) string {
				t.Helper()
				if _, err := tx.WorkOrderForUpdate(ctx, w.ID); err != nil {
					t.Fatal(err)
				}
				if _, _, err := tx.SiteAndAsset(ctx, s.ID, a.ID); err != nil {
					t.Fatal(err)
				}
				m, err := integration.NewMessage(key, s.ID, s.Code, "pat", time.Now(), integration.WorkOrderStatus{WorkOrderID: w.ID})
				if err != nil {
					t.Fatal(err)
				}
				if err := tx.Enqueue(ctx, m, w.ID); err != nil {
					t.Fatal(err)
				}
				ms, err := tx.WorkOrderMessages(ctx, w.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range ms {
					if m.IdempotencyKey == key {
						return m.Status
					}
				}
				t.Fatalf("message %s not found", key)
				return ""
			}
			if got := status("live"); got != integration.StatusPending {
				t.Errorf("with no scopes, status = %s; want pending", got)
			}
			fans := asset.Class{Code: "FAN", Name: "Fans"}
			if err := tx.CreateClass(ctx, &fans); err != nil {
				return err
			}
			if err := tx.SetIntegrationScopes(ctx, []store.Scope{{SiteID: s.ID, AssetClassID: fans.ID}}); err != nil {
				return err
			}
			if got := status("fans only"); got != integration.StatusSkipped {
				t.Errorf("with the site live for fans only, a pump's status = %s; want skipped", got)
			}
			// The scope changes after the reads, before the message.
			if _, _, err := tx.SiteAndAsset(ctx, s.ID, a.ID); err != nil {
				return err
			}
			if err := tx.SetIntegrationScopes(ctx, []store.Scope{{SiteID: s.ID, AssetClassID: pumps.ID}}); err != nil {
				return err
			}
			m, _ := integration.NewMessage("pumps", s.ID, s.Code, "pat", time.Now(), integration.WorkOrderStatus{WorkOrderID: w.ID})
			if err := tx.Enqueue(ctx, m, w.ID); err != nil {
				return err
			}
			ms, err := tx.WorkOrderMessages(ctx, w.ID)
			if err != nil {
				return err
			}
			if last := ms[len(ms)-1]; last.IdempotencyKey != "pumps" || last.Status != integration.StatusPending {
				t.Errorf("after the scope changed in the transaction: %s %s; want pumps pending", last.IdempotencyKey, last.Status)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
