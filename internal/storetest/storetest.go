// Package storetest runs a test against every engine: a fresh SQLite file,
// then a fresh schema on the PostgreSQL server named by
// MILLWRIGHT_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test).
// Where no PostgreSQL answers, the PostgreSQL half skips and says how to
// start one, unless MILLWRIGHT_REQUIRE_SERVICES=1 (as .ci/run sets), when it fails.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/store"
)

// PostgresURL is the server the PostgreSQL half of each test uses.
func PostgresURL() string {
	if u := os.Getenv("MILLWRIGHT_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Run runs fn as a subtest on SQLite and on PostgreSQL, each with a new,
// migrated, empty database.
func Run(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// DSN returns the DSN of a new, empty database on engine e, removed when
// the test ends.
func DSN(t testing.TB, e store.Engine) string {
	t.Helper()
	if e == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "millwright.db")
	}
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		Unavailable(t, "PostgreSQL", base, err, "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
	}
	schema := strings.ToLower(strings.ReplaceAll(millwright.NewID("t"), "_", ""))
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// Open opens a new, migrated, empty database on engine e.
func Open(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	db, _ := OpenDSN(t, e)
	return db
}

// OpenDSN is Open, also returning the database's DSN for a process the
// test starts on it.
func OpenDSN(t testing.TB, e store.Engine) (*store.DB, string) {
	t.Helper()
	dsn := DSN(t, e)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("store.Open(%s) = %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	return db, dsn
}

// Unavailable skips t because a service is not reachable, saying how to
// start it; with MILLWRIGHT_REQUIRE_SERVICES=1 it fails t instead.
func Unavailable(t testing.TB, service, addr string, err error, howToStart string) {
	t.Helper()
	msg := fmt.Sprintf("%s is not reachable at %s (%v); %s", service, addr, err, howToStart)
	if os.Getenv("MILLWRIGHT_REQUIRE_SERVICES") == "1" {
		t.Fatal(msg + " (MILLWRIGHT_REQUIRE_SERVICES=1, so this fails instead of skipping)")
	}
	t.Skip(msg)
}
