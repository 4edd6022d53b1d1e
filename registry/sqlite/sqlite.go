// Package sqlite opens a registry database in a single SQLite file,
// through modernc.org/sqlite (pure Go, no cgo).
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"

	"github.com/hufu-project/hufu/registry/sqldb"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Open opens (creating it if need be) the registry database in the file
// path and migrates it to the latest schema.
//
// The file is in WAL mode with synchronous=NORMAL: a committed transaction
// survives the process being killed; a power failure may lose the last
// transactions, never consistency. Read-write transactions take the write
// lock when they begin (BEGIN IMMEDIATE), so several processes (a server
// and a "hufu registry" command) can share the file; the Store writes on
// one connection, as SQLite serialises writers anyway, and reads on up to
// four others.
func Open(ctx context.Context, path string) (*sqldb.Store, error) {
	// The file holds names and hashes: create it private.
	if f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
		f.Close()
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// Checkpoint the WAL into the database file every 10 000 pages (about
	// 40 MiB) rather than SQLite's 1000: a bulk transaction dirties
	// thousands of index pages, and with the default each commit was
	// followed by a checkpoint that wrote them all a second time.
	q.Add("_pragma", "wal_autocheckpoint(10000)")
	w := url.Values{"_pragma": append([]string{"cache_size(-65536)"}, q["_pragma"]...)} // 64 MiB of page cache: a million-line feed touches large indexes
	w.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	// Reads get connections of their own, which only read (query_only),
	// so that a read need not wait for the one that writes: in WAL mode
	// each reads the last committed state beside the writer. They keep
	// SQLite's default page cache (2 MiB): a connection drops its cache
	// whenever another one has written anyway.
	q.Set("_txlock", "deferred")
	q.Add("_pragma", "query_only(1)")
	read, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	read.SetMaxOpenConns(maxReaders)
	read.SetMaxIdleConns(maxReaders)
	return sqldb.OpenSplit(ctx, db, read, sqldb.SQLite)
}

// maxReaders bounds the connections that serve read-only transactions.
const maxReaders = 4
