package web

import (
	"testing"

	"github.com/millwright-cmms/millwright/internal/integration/outbox"
)

// The domain's messages lose what they say about API routes on a page,
// and keep the rest of their advice.
func TestOnScreen(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"part GSK-1: no ERP item code mapped for site NORTH; add one with POST /api/v1/integration/mappings/items",
			"part GSK-1: no ERP item code mapped for site NORTH"},
		{"asset P-1 has no cost center, so its costs cannot be posted; set one with PATCH /api/v1/assets/ast_1",
			"asset P-1 has no cost center, so its costs cannot be posted"},
		{`rate is required: tom has no craft and none was given; send rate (such as "48.00") or the code of a craft with a rate (GET /api/v1/crafts), or ask an administrator to give the user a craft`,
			`rate is required: tom has no craft and none was given; send rate (such as "48.00") or the code of a craft with a rate, or ask an administrator to give the user a craft`},
		{"posting category labor is mapped to account 9999, which is not in the ERP's chart of accounts; map it to an expense account of the ERP's chart (GET /api/v1/erp/ledger/accounts) with POST /api/v1/integration/mappings/accounts",
			"posting category labor is mapped to account 9999, which is not in the ERP's chart of accounts"},
		{"no API here; nothing to cut", "no API here; nothing to cut"},
	} {
		if got := onScreen(tt.in); got != tt.want {
			t.Errorf("onScreen(%q)\n= %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestGapFix(t *testing.T) {
	for _, tt := range []struct {
		g    outbox.Gap
		want string
	}{
		{outbox.Gap{Kind: "unmapped_item", Record: "GSK-1", SiteID: "site_n"}, "/ui/integration/mappings?form=item&part=GSK-1&site_id=site_n"},
		{outbox.Gap{Kind: "missing_cost_center", RecordID: "ast_1", Record: "P-1"}, "/ui/assets/ast_1/edit"},
		{outbox.Gap{Kind: "unmapped_cost_center", Record: "CC-1"}, "/ui/integration/mappings?cost_center=CC-1&form=cost-center"},
		{outbox.Gap{Kind: "unknown_account", Record: "labor → 9999"}, "/ui/integration/mappings?category=labor&form=account"},
		{outbox.Gap{Kind: "erp_not_checked"}, ""},
	} {
		if got := gapFix(tt.g); got != tt.want {
			t.Errorf("gapFix(%+v) = %q; want %q", tt.g, got, tt.want)
		}
	}
}
