// Package sqlite holds the SQLite schema migrations, embedded in the binary.
package sqlite

import "embed"

// Migrations are the numbered goose migrations under migrations/.
//
//go:embed migrations/*.sql
var Migrations embed.FS
