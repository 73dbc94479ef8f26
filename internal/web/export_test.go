package web

import (
	"strings"

	"github.com/millwright-cmms/millwright/internal/auth"
)

// Page is a GET page of the route table, for the tests that cover every
// page (site scope, titles and labels) without listing them by hand.
type Page struct {
	Pattern string // the path of the pattern, without the method
	Action  auth.Action
}

// GETPages lists every GET page of the route table.
func GETPages() []Page {
	var out []Page
	for _, p := range (&Handler{}).routes() {
		if path, ok := strings.CutPrefix(p.pattern, "GET "); ok {
			out = append(out, Page{Pattern: path, Action: p.action})
		}
	}
	return out
}
