package web

import (
	"strings"

	"github.com/millwright-cmms/millwright/internal/auth"
)

// Page is an entry of the route table, for the tests that cover every
// page and form (site scope, titles and labels) without listing them by hand.
type Page struct {
	Method  string // GET or POST
	Pattern string // the path of the pattern, without the method
	Action  auth.Action
}

// Pages lists the route table.
func Pages() []Page {
	var out []Page
	for _, p := range (&Handler{}).routes() {
		method, path, _ := strings.Cut(p.pattern, " ")
		out = append(out, Page{Method: method, Pattern: path, Action: p.action})
	}
	return out
}

// GETPages lists every GET page of the route table.
func GETPages() []Page {
	var out []Page
	for _, p := range Pages() {
		if p.Method == "GET" {
			out = append(out, p)
		}
	}
	return out
}
