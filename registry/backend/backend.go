// Package backend opens a registry's database by the name a person gives
// it (the -db flag): a postgres:// or postgresql:// URL for PostgreSQL,
// anything else a SQLite file, created if missing.
package backend

import (
	"context"
	"net/url"

	"github.com/hufu-project/hufu/registry/postgres"
	"github.com/hufu-project/hufu/registry/sqldb"
	"github.com/hufu-project/hufu/registry/sqlite"
)

// Open opens the database that dsn names and migrates it to the latest
// schema.
func Open(ctx context.Context, dsn string) (*sqldb.Store, error) {
	if IsPostgres(dsn) {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(ctx, dsn)
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	u, err := url.Parse(dsn)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql")
}
