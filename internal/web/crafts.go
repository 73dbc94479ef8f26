package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/millwright-cmms/millwright/internal/asset"
	"github.com/millwright-cmms/millwright/internal/auth"
	"github.com/millwright-cmms/millwright/internal/store"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// Crafts (/ui/crafts): the trades labor is booked in and their hourly
// rates, which a technician's labor takes without anyone typing a rate.
// The form calls workorder.SaveCraft, as POST /api/v1/crafts does: a new
// code creates a craft, the code of an existing one at the same site
// changes its name and rate.

var craftPlacing = placing{
	alias: [][2]string{{"code", "code"}, {"name", "name"}, {"rate", "rate"}, {"site", "site_id"}, {"craft", "code"}},
	codes: map[string]string{"invalid_code": "code", "invalid_rate": "rate", "duplicate_key": "code"},
}

// craftRow is a craft as the lists show it, with its site's code.
type craftRow struct {
	workorder.Craft
	SiteCode string // "" for a craft of every site
}

// Where says where a craft applies.
func (c craftRow) Where() string {
	if c.SiteID == "" {
		return "every site"
	}
	if c.SiteCode != "" {
		return c.SiteCode
	}
	return c.SiteID
}

// craftRows lists the crafts the signed-in user sees (those of their site
// and of every site), with the codes of their sites.
func craftRows(ctx context.Context, tx *store.Tx, codes map[string]string) ([]craftRow, error) {
	cs, err := workorder.Crafts(ctx, tx)
	rows := make([]craftRow, 0, len(cs))
	for _, c := range cs {
		rows = append(rows, craftRow{Craft: c, SiteCode: codes[c.SiteID]})
	}
	return rows, err
}

// craftNote is the end of a user's notice: the craft their labor takes.
func craftNote(code string) string {
	if code == "" {
		return ""
	}
	return ", craft " + code
}

// crafts lists the crafts with the form that adds one or changes a rate.
func (h *Handler) crafts(w http.ResponseWriter, r *http.Request, s *session) error {
	return h.showCrafts(w, r, s, http.StatusOK, form{Values: url.Values{"site_id": {s.User.SiteID}}})
}

func (h *Handler) showCrafts(w http.ResponseWriter, r *http.Request, s *session, status int, f form) error {
	var (
		rows  []craftRow
		sites []asset.Site
	)
	err := h.view(r, func(ctx context.Context, tx *store.Tx) (err error) {
		if sites, err = sitesOf(ctx, tx, s.User); err != nil {
			return err
		}
		rows, err = craftRows(ctx, tx, siteCodes(sites))
		return err
	})
	if err != nil {
		return err
	}
	h.render(w, r, s, status, "crafts.html", "Crafts", map[string]any{
		"Crafts": rows, "Sites": sites, "Form": f, "EverySite": s.User.SiteID == "", "Own": s.User.SiteID,
		"Can": auth.Allowed(s.User.Role, auth.PlanWork)})
	return nil
}

// saveCraft creates a craft or changes its name and rate with
// workorder.SaveCraft, in the bounds of POST /api/v1/crafts.
func (h *Handler) saveCraft(w http.ResponseWriter, r *http.Request, s *session) error {
	v := r.PostForm
	show := func(status int, f form) error { return h.showCrafts(w, r, s, status, f) }
	return h.submit(w, r, craftPlacing, show, func(ctx context.Context, tx *store.Tx) (string, string, error) {
		rate, err := formMoney(r, "rate", "rate")
		if err != nil {
			return "", "", err
		}
		c, err := workorder.SaveCraft(ctx, tx, workorder.Craft{Code: v.Get("code"), Name: v.Get("name"),
			SiteID: strings.TrimSpace(v.Get("site_id")), Rate: rate})
		if err != nil {
			return "", "", err
		}
		return "/ui/crafts", "craft " + c.Code + " (" + c.Name + ") of " + siteName(ctx, tx, c.SiteID) + " costs " + c.Rate.String() + " an hour", nil
	})
}
