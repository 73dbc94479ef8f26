// Package demo loads a realistic demonstration plant into an empty database.
package demo

import (
	"context"
	"fmt"
	"io"

	"github.com/millwright-cmms/millwright/internal/store"
)

// Result is what Load made that a new user needs to start.
type Result struct {
	Loaded bool   // false when the database already held data
	Token  string // an admin API token
}

// Load fills an empty database with the demonstration plant.
func Load(ctx context.Context, db *store.DB) (Result, error) {
	return Result{}, nil
}

// PrintWelcome tells a new user how to log in and what to try first.
func PrintWelcome(w io.Writer, r Result, baseURL, dsn string) {
	fmt.Fprintf(w, "demo: not loaded\n")
}
