package registry

import (
	"context"
	"time"

	"github.com/hufu-project/hufu/bundle"
)

// Store is the registry's database. registry/sqldb implements it on SQLite
// and PostgreSQL; the rules live in Service, which calls Store only
// through Update and View.
type Store interface {
	// Update runs fn in one read-write transaction and commits it if fn
	// returns nil; otherwise nothing fn did is kept. Holder, Appeal and
	// CurrentPass lock what they read until the transaction ends, so two
	// registry servers on one database never interleave their changes to
	// one holder. To never deadlock, every fn locks the holders it
	// changes first, in holder ID order, and only then writes their
	// passes, appeals or history (Service keeps to this; SPEC §15).
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction. Where the database's
	// transactions are READ COMMITTED (PostgreSQL's default), in which
	// each statement sees the latest commit in or out of a transaction,
	// the implementation may run fn's statements without one.
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is one transaction. Its methods return a *Error with code
// HolderNotFound or AppealNotFound for a missing row, and other errors
// only for faults of the database.
type Tx interface {
	Meta(key string) (value string, ok bool, err error)
	SetMeta(key, value string) error
	// NextSeq adds one to the counter key (a meta value; none counts as
	// 0) and returns the new value, in one statement: two transactions
	// that both call it get different numbers, even on a database that
	// runs them at once.
	NextSeq(key string) (uint64, error)

	// InsertHolder adds h; it returns false, and adds nothing, if a
	// holder with the same IDHash exists.
	InsertHolder(h *Holder) (bool, error)
	Holder(id string) (*Holder, error)
	// Holders returns those of the holders with the given IDs that
	// exist, by ID, locking them in ID order.
	Holders(ids []string) (map[string]*Holder, error)
	HolderByLink(linkHash string) (*Holder, error)
	// SaveHolders stores the holders' names, public keys, statuses, versions,
	// registration, open appeal counts and change times.
	SaveHolders(hs []*Holder) error
	AddChanges(cs []Change) error
	History(holderID string) ([]Change, error)

	// ClaimEvents records the events (event ID → holder ID) at time at
	// and returns the IDs that were not recorded before; the others are
	// duplicates.
	ClaimEvents(events map[string]string, at time.Time) (map[string]bool, error)

	// CurrentPass returns the holder's live pass (neither revoked nor
	// superseded), or nil.
	CurrentPass(holderID string) (*PassRecord, error)
	// LockLive locks the holders in holder ID order, as Holder does, and
	// returns each existing one's version and live pass (nil if none), by
	// holder ID.
	LockLive(holderIDs []string) (map[string]Live, error)
	// AddPasses adds ps, at most one per holder, each for holders that
	// LockLive locked in this transaction and whose versions the caller
	// checked: first the live pass of each holder in supersede is marked
	// superseded at time at, then the new passes are inserted.
	AddPasses(ps []*PassRecord, supersede []string, at time.Time) error
	// InsertPasses adds each pass whose holder's version is still its
	// Version (and that is the last in ps for its holder), marking the
	// holder's previous live pass superseded at the first pass's
	// IssuedAt; it reports which were added. A pass not added changes
	// nothing. It locks the holders, in holder ID order, before it
	// writes a pass.
	InsertPasses(ps []*PassRecord) ([]bool, error)
	// RevokePasses revokes at time at every pass of the holders that is
	// not revoked and expires after at; it returns how many.
	RevokePasses(holderIDs []string, at time.Time) (int, error)
	Passes(holderID string) ([]PassRecord, error)
	// PassByID returns the pass with the hex pass ID id, or nil if the
	// registry issued none with it.
	PassByID(id string) (*PassRecord, error)
	// RevokedPasses calls fn for each pass of issuer iss that is revoked
	// and expires after now.
	RevokedPasses(iss string, now time.Time, fn func(id string, expires time.Time) error) error
	// DueHolders returns up to limit holders, after holder ID after in
	// holder ID order, whose live pass is due for re-issue at now: it
	// expires within perMille/1000 of its lifetime. CountDue counts them.
	DueHolders(now time.Time, perMille int64, after string, limit int) ([]Holder, error)
	CountDue(now time.Time, perMille int64) (int, error)

	InsertAppeal(a *Appeal) error
	Appeal(id string) (*Appeal, error)
	SaveAppeal(a *Appeal) error
	Appeals(holderID string) ([]Appeal, error)

	// InsertOperator adds o; false if the name is taken.
	InsertOperator(o *Operator) (bool, error)
	OperatorByToken(tokenHash string) (*Operator, error) // nil if none

	// PutIssuer adds or replaces an issuer and its keys.
	PutIssuer(is *bundle.Issuer) error
	Issuers() ([]bundle.Issuer, error)

	// LastBundle returns the sequence number of the last bundle
	// published, or 0; AddBundle records one (false if seq is taken).
	LastBundle() (uint64, error)
	AddBundle(seq uint64, at time.Time) (bool, error)
}

// Live is a holder's version and its live pass, or nil.
type Live struct {
	Version int64
	Pass    *PassRecord
}
