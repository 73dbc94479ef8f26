package web

import (
	"context"
	"net/http"

	"github.com/millwright-cmms/millwright/internal/store"
)

// A special buy from the planning page: a part described in words, with
// its quantity, unit, unit cost and vendor, bought for the work order;
// the same change as the phone's buy sheet (specialBuy).

var buyPlacing = placing{
	alias: [][2]string{{"description", "description"}, {"quantity", "quantity"}, {"unit_cost", "unit_cost"}, {"unit", "unit"}, {"vendor", "vendor"}},
}

// addPlannedBuy adds a special buy to a work order from its planning page.
func (h *Handler) addPlannedBuy(w http.ResponseWriter, r *http.Request, s *session) error {
	show := func(status int, f form) error {
		return h.showPlan(w, r, s, status, func(p *planPage) { p.Buy = f })
	}
	return h.submit(w, r, buyPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		m, err := specialBuy(ctx, tx, r)
		if err != nil {
			return "", "", err
		}
		return planURL(r), "special buy added: " + m.Quantity.String() + " " + m.Unit + " " + m.Description, nil
	})
}
