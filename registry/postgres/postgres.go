// Package postgres opens a registry database on PostgreSQL, through
// github.com/jackc/pgx/v5, for offices that run several registry servers
// on one database.
package postgres

import (
	"context"
	"fmt"

	"github.com/hufu-project/hufu/registry/sqldb"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Open connects to the database at url (postgres://…, or any connection
// string pgx accepts) and migrates it to the latest schema.
func Open(ctx context.Context, url string) (*sqldb.Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connecting: %w", err)
	}
	return sqldb.Open(ctx, db, sqldb.Postgres)
}
