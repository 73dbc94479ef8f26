package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/httpapi"
	"github.com/millwright-cmms/millwright/internal/integration"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/storetest"
)

// blindERP is a connector that cannot show the ERP's master data, as the
// generic webhook connector cannot.
type blindERP struct{}

func (blindERP) Send(context.Context, integration.Message) ([]integration.Event, error) {
	return nil, nil
}
func (blindERP) Events(context.Context, int64, int) ([]integration.Event, error) { return nil, nil }

// downERP can show the ERP's master data, but the ERP does not answer.
type downERP struct{ blindERP }

func (downERP) MasterData(context.Context) (*integration.MasterData, error) {
	return nil, errors.New("no answer from the ERP")
}

// The data-quality report lists gaps in the plant's data. A connector that
// cannot show the ERP's master data adds none: the report says beside the
// gaps that the ERP side was not checked. An ERP that can show it but does
// not answer is one gap, erp_not_checked; one that answers is checked.
func TestDataQualityERPCheck(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	for _, tt := range []struct {
		name    string
		conn    integration.Connector
		gaps    int
		checked bool
		note    bool
	}{
		{"embedded", nil, 0, true, false},
		{"blind", blindERP{}, 0, false, true},
		{"down", downERP{}, 1, false, false},
	} {
		h := httpapi.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if tt.conn != nil {
			h = h.WithConnector(tt.conn)
		}
		a := &api{t: t, db: db, srv: httptest.NewServer(h)}
		a.admin = a.token("admin-"+tt.name, millwright.Admin, "")
		r := a.must(200, "GET", "/api/v1/integration/data-quality", nil)
		gaps := r.items()
		if len(gaps) != tt.gaps || (tt.gaps == 1 && gaps[0]["kind"] != "erp_not_checked") ||
			r.Body["erp_checked"] != tt.checked || (r.Body["erp_note"] != nil) != tt.note {
			t.Errorf("%s: data quality = %s; want %d gaps (erp_not_checked), erp_checked %v, a note %v", tt.name, r.Raw, tt.gaps, tt.checked, tt.note)
		}
		a.srv.Close()
	}
}
