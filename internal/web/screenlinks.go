package web

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/millwright-cmms/millwright/internal/integration/outbox"
)

// What a page shows says which screen fixes a problem, not which API
// route: the domain's messages are written for the API's callers too, so
// the pages drop the clause that names a route and link to the screen.

func init() {
	funcs["onscreen"] = onScreen
	funcs["gapfix"] = gapFix
}

// apiAside is an aside of a message that names an API route, in
// brackets; apiClause a clause that does, up to the next semicolon.
var (
	apiAside  = regexp.MustCompile(`\s*\([^()]*\b(?:GET|POST|PUT|PATCH|DELETE) /api/v1/[^()]*\)`)
	apiClause = regexp.MustCompile(`[;,]?\s*[^;,]*\b(?:GET|POST|PUT|PATCH|DELETE) /api/v1/[^;]*`)
)

// onScreen is msg without what it says about the API's routes: the asides
// first, so that the rest of their clause stays.
func onScreen(msg string) string {
	if !strings.Contains(msg, "/api/v1/") {
		return msg
	}
	msg = apiAside.ReplaceAllString(msg, "")
	return strings.TrimSpace(apiClause.ReplaceAllString(msg, ""))
}

// gapFix is the screen that fixes a data-quality gap, or "".
func gapFix(g outbox.Gap) string {
	q := url.Values{}
	switch g.Kind {
	case "unmapped_item", "unknown_erp_item", "unit_mismatch":
		q.Set("form", "item")
		q.Set("part", g.Record)
	case "unmapped_erp_item":
		q.Set("form", "item")
		q.Set("erp_item_code", g.Record)
	case "unmapped_cost_center":
		q.Set("form", "cost-center")
		q.Set("cost_center", g.Record)
	case "unknown_account":
		category, _, _ := strings.Cut(g.Record, " → ")
		q.Set("form", "account")
		q.Set("category", category)
	case "missing_cost_center":
		return "/ui/assets/" + url.PathEscape(g.RecordID) + "/edit"
	default:
		return ""
	}
	if g.SiteID != "" {
		q.Set("site_id", g.SiteID)
	}
	return "/ui/integration/mappings?" + q.Encode()
}
