package httpapi

import "github.com/millwright-cmms/millwright/internal/auth"

// RouteInfo is an entry of the route table, as tests see it.
type RouteInfo struct {
	Pattern string // "METHOD /path", as given to ServeMux
	Action  auth.Action
}

// RoutesForTest returns the route table of h.
func RoutesForTest(h *Handler) []RouteInfo {
	var out []RouteInfo
	for _, rt := range h.routes() {
		out = append(out, RouteInfo{Pattern: rt.pattern, Action: rt.action})
	}
	return out
}

// OpenAPIForTest is the OpenAPI document the handler serves.
var OpenAPIForTest = openAPI
