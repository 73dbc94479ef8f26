package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/integration/outbox"
	"github.com/millwright-cmms/millwright/internal/integration/remote"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

type noERP struct{}

func (noERP) Send(context.Context, integration.Message) ([]integration.Event, error) { return nil, nil }
func (noERP) Events(context.Context, int64, int) ([]integration.Event, error)        { return nil, nil }

func post(t *testing.T, url, sig string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", url, bytes.NewReader(body))
	if sig != "" {
		req.Header.Set(remote.SignatureHeader, sig)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func errCode(b map[string]any) string {
	e, _ := b["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// The webhook takes no token: a signature that is missing, wrong or older
// than 300 s is 401; a good one records the events once.
func TestWebhookSignature(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		const secret = "webhook-secret"
		d := &outbox.Dispatcher{DB: db, Connector: noERP{}}
		srv := httptest.NewServer(httpapi.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)),
			httpapi.WithoutERP("http", "http://erp.example:8090"), httpapi.Webhook("http", secret, d.Receive)))
		defer srv.Close()
		url := srv.URL + "/api/v1/integration/webhooks/http"
		body, _ := json.Marshal(map[string]any{"events": []integration.Event{{Seq: 1, Kind: integration.EventItemChanged,
			DocumentKey: "item:X", At: time.Now(), Payload: json.RawMessage(`{"erp_item_code":"X"}`)}}})
		now := time.Now()
		for _, tt := range []struct {
			name, url, sig, code string
		}{
			{"missing", url, "", "missing_signature"},
			{"wrong secret", url, remote.Sign("other", now, body), "bad_signature"},
			{"stale", url, remote.Sign(secret, now.Add(-301*time.Second), body), "stale_signature"},
			{"unknown connector", srv.URL + "/api/v1/integration/webhooks/sap", remote.Sign(secret, now, body), "unknown_connector"},
		} {
			if status, b := post(t, tt.url, tt.sig, body); status != http.StatusUnauthorized || errCode(b) != tt.code {
				t.Errorf("%s: POST webhook = %d %v; want 401 %s", tt.name, status, b, tt.code)
			}
		}
		for i, want := range []float64{1, 0} { // the second is a duplicate
			status, b := post(t, url, remote.Sign(secret, time.Now(), body), body)
			if status != http.StatusOK || b["received"] != float64(1) || b["new"] != want {
				t.Fatalf("POST %d of a signed batch = %d %v; want 200, received 1, new %v", i+1, status, b, want)
			}
		}
		if status, b := post(t, url, remote.Sign(secret, time.Now(), []byte("{")), []byte("{")); status != http.StatusBadRequest {
			t.Fatalf("POST of signed bad JSON = %d %v; want 400", status, b)
		}
	})
}

// With a remote ERP the CMMS serves no /api/v1/erp routes; `erp serve`
// serves those and not the CMMS's.
func TestERPRoutesFollowTheConnector(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		tok, hash := auth.NewToken()
		if err := db.InTx(t.Context(), func(tx *store.Tx) error {
			u := &store.User{Username: "root", Role: millwright.Admin}
			if err := tx.CreateUser(t.Context(), u); err != nil {
				return err
			}
			_, err := tx.CreateToken(t.Context(), u.ID, hash)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		for _, tt := range []struct {
			name string
			opts []httpapi.Option
			want map[string]int
		}{
			{"embedded", nil, map[string]int{"/api/v1/erp/requisitions": 200, "/api/v1/work-orders": 200}},
			{"without ERP", []httpapi.Option{httpapi.WithoutERP("http", "http://erp.example:8090")}, map[string]int{"/api/v1/erp/requisitions": 404, "/api/v1/work-orders": 200}},
			{"only ERP", []httpapi.Option{httpapi.OnlyERP()}, map[string]int{"/api/v1/erp/requisitions": 200, "/api/v1/work-orders": 404, "/api/v1/me": 200, "/healthz": 200}},
		} {
			srv := httptest.NewServer(httpapi.New(db, log, tt.opts...))
			for path, want := range tt.want {
				req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != want {
					t.Errorf("%s: GET %s = %d; want %d", tt.name, path, res.StatusCode, want)
				}
				// Without the ERP, its routes say where it is.
				if tt.name == "without ERP" && strings.HasPrefix(path, "/api/v1/erp/") &&
					(!strings.Contains(string(body), `"erp_elsewhere"`) || !strings.Contains(string(body), "http://erp.example:8090/api/v1/erp/requisitions")) {
					t.Errorf("%s: GET %s = %s; want erp_elsewhere naming the ERP's URL", tt.name, path, body)
				}
			}
			srv.Close()
		}
	})
}
