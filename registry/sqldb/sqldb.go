// Package sqldb implements registry.Store in SQL, for SQLite and
// PostgreSQL from one set of migrations (migration/*.sql, embedded).
//
// The SQL is written once, in the subset both databases understand: TEXT,
// INTEGER and BIGINT columns (times as Unix seconds, 0 for "never"),
// partial indexes and INSERT … ON CONFLICT DO NOTHING. The only dialect
// substitutions are mechanical: PostgreSQL gets numbered placeholders ($1)
// where the source has ?, row locks (FOR UPDATE) in read-write
// transactions, and an advisory lock around migrations so that several
// servers starting on one database migrate it once. SQLite needs no row
// locks: its read-write transactions are serial (BEGIN IMMEDIATE).
//
// Use registry/sqlite or registry/postgres to open one.
package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hufu-project/hufu/registry"
)

//go:embed migration/*.sql
var migrations embed.FS

// Dialect is what differs between the databases.
type Dialect struct {
	Name          string
	Numbered      bool   // placeholders are $1, $2, … rather than ?
	ForUpdate     string // appended to row reads in read-write transactions
	MigrationLock string // run first in the migration transaction, or ""
	ReadOnlyTx    bool   // View may use a read-only transaction
}

// The two dialects.
var (
	SQLite   = Dialect{Name: "sqlite", ReadOnlyTx: true}
	Postgres = Dialect{Name: "postgres", Numbered: true, ForUpdate: " FOR UPDATE",
		MigrationLock: "SELECT pg_advisory_xact_lock(7275001)", ReadOnlyTx: true}
)

// Store is a registry.Store on a database/sql database.
type Store struct {
	db *sql.DB
	d  Dialect

	mu    sync.Mutex
	cache map[string]*sql.Stmt // statements prepared on the database, by source query
}

// maxCached bounds the statement cache: the queries are fixed but for the
// number of rows in batch statements.
const maxCached = 256

// Open migrates db to the latest schema and returns a Store on it. The
// Store takes over db and closes it on Close.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	s := &Store{db: db, d: d, cache: map[string]*sql.Stmt{}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// DB returns the underlying database, for tests and benchmarks.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	for _, st := range s.cache {
		st.Close()
	}
	s.cache = map[string]*sql.Stmt{}
	s.mu.Unlock()
	return s.db.Close()
}

func (s *Store) cached(query string) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cache[query]
}

// remember prepares queries on the database for later transactions. It
// runs after a transaction has ended: preparing needs a free connection,
// and SQLite has only one.
func (s *Store) remember(ctx context.Context, queries []string) {
	for _, q := range queries {
		s.mu.Lock()
		full := len(s.cache) >= maxCached || s.cache[q] != nil
		s.mu.Unlock()
		if full {
			continue
		}
		st, err := s.db.PrepareContext(ctx, s.q(q))
		if err != nil {
			continue // the transaction that used it reported any error
		}
		s.mu.Lock()
		if s.cache[q] == nil {
			s.cache[q], st = st, nil
		}
		s.mu.Unlock()
		if st != nil {
			st.Close()
		}
	}
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("sqldb: creating schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migration/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqldb: migration %s: no version number", base)
		}
		src, _ := migrations.ReadFile(name)
		err = s.inTx(ctx, false, func(tx *sql.Tx) error {
			if s.d.MigrationLock != "" {
				if _, err := tx.ExecContext(ctx, s.d.MigrationLock); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), v).Scan(&n); err != nil || n > 0 {
				return err
			}
			for _, stmt := range splitSQL(string(src)) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%w in %q", err, stmt)
				}
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), v, time.Now().Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqldb: migration %s: %w", base, err)
		}
	}
	return nil
}

// splitSQL splits a migration into statements: each ends with a ";" at the
// end of a line; "--" comments are dropped.
func splitSQL(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimRight(line, " \t\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(line, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	return out
}

// q rewrites the placeholders of query for the dialect.
func (s *Store) q(query string) string {
	if !s.d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (s *Store) inTx(ctx context.Context, readOnly bool, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly && s.d.ReadOnlyTx})
	if err != nil {
		return fmt.Errorf("sqldb: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqldb: commit: %w", err)
	}
	return nil
}

// Update implements registry.Store.
func (s *Store) Update(ctx context.Context, fn func(registry.Tx) error) error {
	t := &txn{s: s, ctx: ctx, write: true}
	err := s.inTx(ctx, false, func(tx *sql.Tx) error { t.tx = tx; return fn(t) })
	s.remember(ctx, t.misses)
	return err
}

// View implements registry.Store.
func (s *Store) View(ctx context.Context, fn func(registry.Tx) error) error {
	t := &txn{s: s, ctx: ctx}
	err := s.inTx(ctx, true, func(tx *sql.Tx) error { t.tx = tx; return fn(t) })
	s.remember(ctx, t.misses)
	return err
}
