// Package registrytest opens every registry backend for tests: SQLite in a
// temporary directory, and PostgreSQL in a fresh schema of the database at
// $HUFU_TEST_POSTGRES.
//
// Without HUFU_TEST_POSTGRES the PostgreSQL backend skips, saying how to
// run it; with CI=true it fails instead, so CI cannot pass without it.
package registrytest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/hufu-project/hufu/registry/backend"
	"github.com/hufu-project/hufu/registry/sqldb"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// PostgresEnv names the environment variable with the test database URL.
const PostgresEnv = "HUFU_TEST_POSTGRES"

// Backend is one database to run tests against.
type Backend struct {
	Name string
	// DSN returns a fresh, empty database for t, as the -db flag takes
	// it: a file path or a postgres:// URL. It skips t (or fails it, with
	// CI=true) if the backend is not available.
	DSN func(t testing.TB) string
}

// Open opens the database that dsn names, as the CLI does.
func Open(t testing.TB, dsn string) *sqldb.Store {
	t.Helper()
	s, err := backend.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Backends returns SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite", DSN: func(t testing.TB) string { return filepath.Join(t.TempDir(), "registry.db") }},
		{Name: "postgres", DSN: PostgresDSN},
	}
}

// PostgresDSN returns the URL of a fresh schema in the test database,
// dropped when t ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set, and CI=true: the PostgreSQL tests must run in CI (.ci/postgres.sh start prints it)", PostgresEnv)
		}
		t.Skipf("PostgreSQL tests skipped: set %s=postgres://… to a database the tests may create schemas in; "+
			`"eval \"$(.ci/postgres.sh start)\"" starts a throwaway cluster and sets it`, PostgresEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "hufu_test_" + hex.EncodeToString(b[:])
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("creating schema in %s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
