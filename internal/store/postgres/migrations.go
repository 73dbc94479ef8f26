// Package sqlite holds the PostgreSQL schema migrations, embedded in the binary.
package postgres

import "embed"

// Migrations are the numbered goose migrations under migrations/.
//
//go:embed migrations/*.sql
var Migrations embed.FS
