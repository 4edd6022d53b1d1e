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
	"sync/atomic"
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
	// PlainReads: View runs its statements without a transaction, each
	// on its own, if the server's default isolation level is READ
	// COMMITTED (PostgreSQL's default; Open asks): there each statement
	// of a transaction sees the latest commit anyway, so a read-only
	// transaction adds nothing but the round trips of BEGIN and COMMIT.
	PlainReads bool
	// Arrays: the driver takes Go slices as array parameters, so that
	// InsertPasses sends a batch as one statement a step (= ANY(?),
	// unnest) instead of one per chunk of rows.
	Arrays bool
}

// The two dialects.
var (
	SQLite   = Dialect{Name: "sqlite", ReadOnlyTx: true}
	Postgres = Dialect{Name: "postgres", Numbered: true, ForUpdate: " FOR UPDATE",
		MigrationLock: "SELECT pg_advisory_xact_lock(7275001)", ReadOnlyTx: true, PlainReads: true, Arrays: true}
)

// Store is a registry.Store on a database/sql database.
type Store struct {
	w *pool // read-write transactions (Update), migrations
	r *pool // read-only transactions (View); w unless OpenSplit gave another
	d Dialect

	onW atomic.Int32 // transactions running or waiting on w
}

// pool is a database/sql database and the statements prepared on it.
type pool struct {
	db    *sql.DB
	mu    sync.Mutex
	cache map[string]*sql.Stmt // statements prepared on db, by source query
}

// maxCached bounds the statement cache: the queries are fixed but for the
// number of rows in batch statements.
const maxCached = 256

// Open migrates db to the latest schema and returns a Store on it. The
// Store takes over db and closes it on Close.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	return OpenSplit(ctx, db, nil, d)
}

// OpenSplit is Open with a second handle, read, on the same database,
// which serves the read-only transactions (View), so that they need not
// wait for a connection of db. SQLite uses it: one connection writes
// (SQLite has one writer at a time anyway) while others read the last
// committed state beside it. read may be nil. The Store takes over both
// and closes them on Close.
func OpenSplit(ctx context.Context, db, read *sql.DB, d Dialect) (*Store, error) {
	s := &Store{w: &pool{db: db, cache: map[string]*sql.Stmt{}}, d: d}
	s.r = s.w
	if read != nil {
		s.r = &pool{db: read, cache: map[string]*sql.Stmt{}}
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.d.PlainReads {
		// A server set to a stricter default level gives a transaction
		// one snapshot for all its statements: keep the transactions then.
		var level string
		if err := s.w.db.QueryRowContext(ctx, `SHOW default_transaction_isolation`).Scan(&level); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqldb: %w", err)
		}
		s.d.PlainReads = level == "read committed"
	}
	return s, nil
}

// DB returns the underlying database (the one that writes), for tests and
// benchmarks.
func (s *Store) DB() *sql.DB { return s.w.db }

// Close closes the database.
func (s *Store) Close() error {
	err := s.w.close()
	if s.r != s.w {
		if e := s.r.close(); err == nil {
			err = e
		}
	}
	return err
}

func (p *pool) close() error {
	p.mu.Lock()
	for _, st := range p.cache {
		st.Close()
	}
	p.cache = map[string]*sql.Stmt{}
	p.mu.Unlock()
	return p.db.Close()
}

func (p *pool) cached(query string) *sql.Stmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cache[query]
}

// remember prepares queries on the database for later transactions. It
// runs after a transaction has ended: preparing needs a free connection,
// and SQLite has only one that writes.
func (s *Store) remember(ctx context.Context, p *pool, queries []string) {
	for _, q := range queries {
		p.mu.Lock()
		full := len(p.cache) >= maxCached || p.cache[q] != nil
		p.mu.Unlock()
		if full {
			continue
		}
		st, err := p.db.PrepareContext(ctx, s.q(q))
		if err != nil {
			continue // the transaction that used it reported any error
		}
		p.mu.Lock()
		if p.cache[q] == nil {
			p.cache[q], st = st, nil
		}
		p.mu.Unlock()
		if st != nil {
			st.Close()
		}
	}
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
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
		err = s.inTx(ctx, s.w, false, func(tx *sql.Tx) error {
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

func (s *Store) inTx(ctx context.Context, p *pool, readOnly bool, fn func(*sql.Tx) error) error {
	tx, err := p.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly && s.d.ReadOnlyTx})
	if err != nil {
		return fmt.Errorf("sqldb: begin: %w", err)
	}
	ended := false
	defer func() {
		if !ended { // fn panicked: free the connection (SQLite's only writer)
			tx.Rollback()
		}
	}()
	err = fn(tx)
	ended = true
	if err != nil {
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
	s.onW.Add(1)
	defer s.onW.Add(-1)
	t := &txn{s: s, p: s.w, ctx: ctx, write: true}
	err := s.inTx(ctx, s.w, false, func(tx *sql.Tx) error { t.tx = tx; return fn(t) })
	s.remember(ctx, s.w, t.misses)
	return err
}

// View implements registry.Store. With a pool of its own for reads
// (OpenSplit), a read still runs on the writing connection when no other
// transaction runs or waits there: on SQLite a connection drops its whole
// page cache whenever another one has written, so the writer's is the
// warm one.
func (s *Store) View(ctx context.Context, fn func(registry.Tx) error) error {
	p := s.r
	if p != s.w && s.onW.CompareAndSwap(0, 1) {
		p = s.w
		defer s.onW.Add(-1)
	}
	t := &txn{s: s, p: p, ctx: ctx}
	var err error
	if s.d.PlainReads {
		err = fn(t)
		for _, st := range t.own {
			st.Close()
		}
	} else {
		err = s.inTx(ctx, p, true, func(tx *sql.Tx) error { t.tx = tx; return fn(t) })
	}
	s.remember(ctx, p, t.misses)
	return err
}
