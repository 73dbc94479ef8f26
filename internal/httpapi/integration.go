package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/store"
)

// The integration engine's endpoints (/api/v1/integration/...).

func (h *Handler) listItemMappings(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		ms, err := tx.ItemMappings(ctx, r.URL.Query().Get("item_id"))
		if err != nil {
			return nil, err
		}
		return pageOf(ms, cursor, limit, func(m integration.ItemMapping) string { return m.ItemID + "@" + m.SiteID }), nil
	})
}

func (h *Handler) saveItemMapping(w http.ResponseWriter, r *http.Request) error {
	var in integration.ItemMapping
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return outbox.SaveMapping(ctx, tx, in)
	})
}

func (h *Handler) listCostCenterMappings(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		ms, err := tx.CostCenterMappings(ctx, site)
		if err != nil {
			return nil, err
		}
		return pageOf(ms, cursor, limit, func(m integration.CostCenterMapping) string { return m.CostCenter + "@" + m.SiteID }), nil
	})
}

func (h *Handler) saveCostCenterMapping(w http.ResponseWriter, r *http.Request) error {
	var in integration.CostCenterMapping
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return outbox.SaveCostCenterMapping(ctx, tx, in)
	})
}

func (h *Handler) listAccountMappings(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		ms, err := tx.AccountMappings(ctx, site)
		if err != nil {
			return nil, err
		}
		return pageOf(ms, cursor, limit, func(m integration.AccountMapping) string { return m.Category + "@" + m.SiteID }), nil
	})
}

func (h *Handler) saveAccountMapping(w http.ResponseWriter, r *http.Request) error {
	var in integration.AccountMapping
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return outbox.SaveAccountMapping(ctx, tx, in)
	})
}

func (h *Handler) listMessages(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := integration.MessageFilter{Status: q.Get("status"), WorkOrderID: q.Get("work_order_id"), SiteID: site,
		Cursor: cursor, Limit: limit}
	switch f.Status {
	case "", integration.StatusPending, integration.StatusDelivered, integration.StatusFailed, integration.StatusDead,
		integration.StatusSkipped:
	default:
		return millwright.Errorf(millwright.Invalid, "invalid_status",
			"status %q is not a message status; use pending, delivered, failed, dead or skipped", f.Status)
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return tx.OutboxMessages(ctx, f)
	})
}

func (h *Handler) getMessage(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return outbox.Message(ctx, tx, r.PathValue("id"))
	})
}

func (h *Handler) replayMessage(w http.ResponseWriter, r *http.Request) error {
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return outbox.Replay(ctx, tx, r.PathValue("id"))
	})
}

func (h *Handler) dataQuality(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, site, err := siteListParams(r)
	if err != nil {
		return err
	}
	// A connector that cannot show the ERP's master data (webhook) is no
	// gap in the plant's data: the report says beside the gaps that the
	// ERP side was not checked. One that can but whose ERP does not
	// answer is a gap, erp_not_checked, until it answers.
	var md *integration.MasterData
	var mdErr error
	_, readable := h.connector().(integration.MasterDataReader)
	if readable {
		md, mdErr = outbox.ReadMasterData(r.Context(), h.connector())
	}
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		gaps, err := outbox.DataQuality(ctx, tx, site, md, mdErr)
		if err != nil {
			return nil, err
		}
		key := func(g outbox.Gap) string { return g.Kind + ":" + g.SiteID + ":" + g.RecordID }
		slices.SortFunc(gaps, func(a, b outbox.Gap) int { return strings.Compare(key(a), key(b)) })
		rep := qualityReport{Page: pageOf(gaps, cursor, limit, key), ERPChecked: md != nil}
		if !readable {
			rep.ERPNote = "the connector cannot show the ERP's item master and chart of accounts, so ERP item codes, units and accounts were not checked against the ERP; its endpoint refuses a message with an unknown code, and the message's error says which"
		}
		return rep, nil
	})
}

// qualityReport is a page of data-quality gaps and whether the mappings
// were checked against the ERP's own master data.
type qualityReport struct {
	millwright.Page[outbox.Gap]
	ERPChecked bool   `json:"erp_checked"`
	ERPNote    string `json:"erp_note,omitempty"` // why they were not, when no gap says so
}

func (h *Handler) getIntegrationSettings(w http.ResponseWriter, r *http.Request) error {
	return h.view(w, r, func(ctx context.Context, tx *store.Tx) (any, error) {
		return outbox.GetSettings(ctx, tx)
	})
}

func (h *Handler) saveIntegrationSettings(w http.ResponseWriter, r *http.Request) error {
	var in outbox.Settings
	if err := decode(r, &in); err != nil {
		return err
	}
	return h.change(w, r, http.StatusOK, func(ctx context.Context, tx *store.Tx) (any, error) {
		return outbox.SaveSettings(ctx, tx, in)
	})
}
