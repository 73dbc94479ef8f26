package httpapi

import _ "embed"

// openAPI is the OpenAPI 3 document of /api/v1, served at
// /api/v1/openapi.json. It is written by hand; TestOpenAPIMatchesRoutes
// keeps it in step with the route table.
//
//go:embed openapi.json
var openAPI []byte
