package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
)

// Option configures a Handler.
type Option func(*Handler)

// WithoutERP leaves out the embedded ERP's routes (/api/v1/erp/...): the
// CMMS's connector (http, webhook, odoo) is the ERP at erpURL, where
// buyers and approvers act. A request for one of them answers 404
// erp_elsewhere, saying where the ERP is.
func WithoutERP(connector, erpURL string) Option {
	return func(h *Handler) {
		h.keep = func(p string) bool { return !strings.Contains(p, " /api/v1/erp/") }
		h.erpConnector, h.erpURL = connector, erpURL
	}
}

// OnlyERP serves only the embedded ERP's routes, with /api/v1/me and the
// audit trail: the API of `millwright erp serve`.
func OnlyERP() Option {
	return func(h *Handler) {
		h.keep = func(p string) bool {
			_, path, _ := strings.Cut(p, " ")
			return strings.HasPrefix(path, "/api/v1/erp/") || path == "/api/v1/me" || strings.HasPrefix(path, "/api/v1/audit")
		}
	}
}

// Webhook accepts the events of the connector named name at
// POST /api/v1/integration/webhooks/{name}, signed with secret, and hands
// them to receive, which returns how many were new.
func Webhook(name, secret string, receive func(context.Context, []integration.Event) (int, error)) Option {
	return func(h *Handler) {
		if h.webhooks == nil {
			h.webhooks = map[string]webhook{}
		}
		h.webhooks[name] = webhook{secret: secret, receive: receive}
	}
}

type webhook struct {
	secret  string
	receive func(context.Context, []integration.Event) (int, error)
}

// receiveWebhook takes signed events from an ERP. It needs no token: a
// signature that is missing, wrong or older than 300 s is 401. Events are
// recorded once by sequence number, so a batch sent again is harmless.
func (h *Handler) receiveWebhook(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("connector")
	hook, ok := h.webhooks[name]
	if !ok {
		// Unauthorized rather than NotFound: an unsigned caller learns
		// nothing about which connectors exist.
		return millwright.Errorf(millwright.Unauthorized, "unknown_connector",
			"no connector named %q takes webhooks here; push to /api/v1/integration/webhooks/NAME where NAME is the connector the CMMS was started with (serve --connector webhook: webhook; --erp URL: http)", name)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody*8+1))
	if err != nil {
		return millwright.Errorf(millwright.Invalid, "bad_request", "cannot read the request body: %v", err)
	}
	if len(body) > maxBody*8 {
		return millwright.Errorf(millwright.Invalid, "body_too_large", "the request body is larger than %d bytes; push smaller batches", maxBody*8)
	}
	if err := remote.Verify(hook.secret, r.Header.Get(remote.SignatureHeader), body, time.Now()); err != nil {
		return err
	}
	var in struct {
		Events []integration.Event `json:"events"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return millwright.Errorf(millwright.Invalid, "bad_json", "the body must be {\"events\":[...]}: %v", err)
	}
	fresh, err := hook.receive(r.Context(), in.Events)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"received": len(in.Events), "new": fresh})
	return nil
}
