package sqldb

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
)

// txn is one transaction; it prepares each statement once.
type txn struct {
	s      *Store
	p      *pool   // the pool tx runs on
	tx     *sql.Tx // nil: each statement runs on its own (Dialect.PlainReads)
	ctx    context.Context
	write  bool
	stmts  map[string]*sql.Stmt
	misses []string    // queries not in the Store's cache
	own    []*sql.Stmt // statements prepared on the database for this txn alone

	// In a read-only transaction Holder reads the holder's live pass in
	// the same query (a LEFT JOIN), and CurrentPass of that holder then
	// answers from here: one statement, not two, for the common read of
	// GET …/pass. Nothing in a read-only transaction can change it.
	liveFor string
	live    *registry.PassRecord
}

func (t *txn) stmt(query string) (*sql.Stmt, error) {
	if st := t.stmts[query]; st != nil {
		return st, nil
	}
	var st *sql.Stmt
	if c := t.p.cached(query); c != nil {
		st = c
		if t.tx != nil {
			st = t.tx.StmtContext(t.ctx, c)
		}
	} else if t.tx == nil { // a View without a transaction (Dialect.PlainReads)
		var err error
		if st, err = t.p.db.PrepareContext(t.ctx, t.s.q(query)); err != nil {
			return nil, fmt.Errorf("sqldb: preparing %q: %w", query, err)
		}
		t.own = append(t.own, st)
		t.misses = append(t.misses, query)
	} else {
		var err error
		if st, err = t.tx.PrepareContext(t.ctx, t.s.q(query)); err != nil {
			return nil, fmt.Errorf("sqldb: preparing %q: %w", query, err)
		}
		t.misses = append(t.misses, query)
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st, nil
}

func (t *txn) exec(query string, args ...any) (int64, error) {
	st, err := t.stmt(query)
	if err != nil {
		return 0, err
	}
	r, err := st.ExecContext(t.ctx, args...)
	if err != nil {
		return 0, fmt.Errorf("sqldb: %w", err)
	}
	return r.RowsAffected()
}

func (t *txn) query(query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(t.ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %w", err)
	}
	return rows, nil
}

func (t *txn) row(query string, args ...any) (*sql.Row, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(t.ctx, args...), nil
}

// lock returns the row-lock suffix for reads that a write may follow.
func (t *txn) lock() string {
	if t.write {
		return t.s.d.ForUpdate
	}
	return ""
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(v, 0).UTC()
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (t *txn) Meta(key string) (string, bool, error) {
	r, err := t.row(`SELECT value FROM meta WHERE name = ?`, key)
	if err != nil {
		return "", false, err
	}
	var v string
	switch err := r.Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("sqldb: %w", err)
	}
	return v, true, nil
}

func (t *txn) SetMeta(key, value string) error {
	_, err := t.exec(`INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

func (t *txn) NextSeq(key string) (uint64, error) {
	r, err := t.row(`INSERT INTO meta (name, value) VALUES (?, '1')
		ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)
		RETURNING value`, key)
	if err != nil {
		return 0, err
	}
	var v string
	if err := r.Scan(&v); err != nil {
		return 0, fmt.Errorf("sqldb: %w", err)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("sqldb: counter %s holds %q", key, v)
	}
	return n, nil
}

const holderCols = `holder_id, name, id_hash, photo_digest, photo_ref, link_hash, public_key, colour, reason, hints, version, registered, open_appeals, created_at, changed_at`

type scanner interface{ Scan(...any) error }

func scanHolder(r scanner) (*registry.Holder, error) {
	var h registry.Holder
	var colour, reason, hints, reg, created, changed int64
	err := r.Scan(&h.ID, &h.Name, &h.IDHash, &h.PhotoDigest, &h.PhotoRef, &h.LinkHash, &h.PublicKey,
		&colour, &reason, &hints, &h.Version, &reg, &h.OpenAppeals, &created, &changed)
	if err != nil {
		return nil, err
	}
	h.Status = registry.Status{Colour: pass.Colour(colour), Reason: pass.Reason(reason), Hints: pass.Hints(hints)}
	h.Registered = reg != 0
	h.CreatedAt, h.ChangedAt = fromUnix(created), fromUnix(changed)
	return &h, nil
}

func (t *txn) InsertHolder(h *registry.Holder) (bool, error) {
	n, err := t.exec(`INSERT INTO holders (`+holderCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		h.ID, h.Name, h.IDHash, h.PhotoDigest, h.PhotoRef, h.LinkHash, h.PublicKey,
		int64(h.Status.Colour), int64(h.Status.Reason), int64(h.Status.Hints), h.Version, b2i(h.Registered), h.OpenAppeals,
		unix(h.CreatedAt), unix(h.ChangedAt))
	return n == 1, err
}

func (t *txn) holderWhere(col, v string) (*registry.Holder, error) {
	r, err := t.row(`SELECT `+holderCols+` FROM holders WHERE `+col+` = ?`+t.lock(), v)
	if err != nil {
		return nil, err
	}
	h, err := scanHolder(r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, registry.Errorf(registry.HolderNotFound, "no holder %.64q", v)
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: %w", err)
	}
	return h, nil
}

func (t *txn) Holder(id string) (*registry.Holder, error) {
	if t.write {
		return t.holderWhere("holder_id", id)
	}
	r, err := t.row(`SELECT `+holderLiveCols+` FROM holders h LEFT JOIN passes p ON p.holder_id = h.holder_id AND p.revoked_at = 0 AND p.superseded_at = 0 WHERE h.holder_id = ?`, id)
	if err != nil {
		return nil, err
	}
	var h *registry.Holder
	var p *registry.PassRecord
	if err := scanWithLive(r, &h, &p); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, registry.Errorf(registry.HolderNotFound, "no holder %.64q", id)
		}
		return nil, fmt.Errorf("sqldb: %w", err)
	}
	t.liveFor, t.live = h.ID, p
	return h, nil
}

var holderLiveCols = "h." + strings.ReplaceAll(holderCols, ", ", ", h.") + ", p." + strings.ReplaceAll(passCols, ", ", ", p.")

// scanWithLive scans a holder and its live pass, or nil if the pass
// columns are NULL (no live pass).
func scanWithLive(r scanner, h **registry.Holder, p **registry.PassRecord) error {
	var hd registry.Holder
	var colour, reason, hints, reg, created, changed int64
	var pid, phid, piss, pkid, ptext sql.NullString
	var pissued, pexp, pcol, preason, phints, pver, prev, psup sql.NullInt64
	err := r.Scan(&hd.ID, &hd.Name, &hd.IDHash, &hd.PhotoDigest, &hd.PhotoRef, &hd.LinkHash, &hd.PublicKey,
		&colour, &reason, &hints, &hd.Version, &reg, &hd.OpenAppeals, &created, &changed,
		&pid, &phid, &piss, &pkid, &pissued, &pexp, &pcol, &preason, &phints, &pver, &ptext, &prev, &psup)
	if err != nil {
		return err
	}
	hd.Status = registry.Status{Colour: pass.Colour(colour), Reason: pass.Reason(reason), Hints: pass.Hints(hints)}
	hd.Registered = reg != 0
	hd.CreatedAt, hd.ChangedAt = fromUnix(created), fromUnix(changed)
	*h, *p = &hd, nil
	if pid.Valid {
		*p = &registry.PassRecord{
			ID: pid.String, HolderID: phid.String, Issuer: piss.String, KID: pkid.String,
			IssuedAt: fromUnix(pissued.Int64), ExpiresAt: fromUnix(pexp.Int64), Version: pver.Int64, Text: ptext.String,
			RevokedAt: fromUnix(prev.Int64), SupersededAt: fromUnix(psup.Int64),
			Status: registry.Status{Colour: pass.Colour(pcol.Int64), Reason: pass.Reason(preason.Int64), Hints: pass.Hints(phints.Int64)},
		}
	}
	return nil
}

func (t *txn) Holders(ids []string) (map[string]*registry.Holder, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	out := make(map[string]*registry.Holder, len(ids))
	err := chunks(len(ids), 500, func(lo, hi int) error {
		args := make([]any, 0, hi-lo)
		for _, id := range ids[lo:hi] {
			args = append(args, id)
		}
		rs, err := t.query(`SELECT `+holderCols+` FROM holders WHERE holder_id IN (`+list(hi-lo)+`) ORDER BY holder_id`+t.lock(), args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			h, err := scanHolder(rs)
			if err != nil {
				return fmt.Errorf("sqldb: %w", err)
			}
			out[h.ID] = h
		}
		return rs.Err()
	})
	return out, err
}

func (t *txn) HolderByLink(linkHash string) (*registry.Holder, error) {
	h, err := t.holderWhere("link_hash", linkHash)
	if err != nil && registry.ErrorCode(err) == registry.HolderNotFound {
		err = registry.Errorf(registry.HolderNotFound, "no holder has this link token")
	}
	return h, err
}

func (t *txn) SaveHolders(hs []*registry.Holder) error {
	if len(hs) == 1 { // the common case of the API: a plain UPDATE
		h := hs[0]
		n, err := t.exec(`UPDATE holders SET name = ?, public_key = ?, colour = ?, reason = ?, hints = ?, version = ?, registered = ?, open_appeals = ?, changed_at = ? WHERE holder_id = ?`,
			h.Name, h.PublicKey, int64(h.Status.Colour), int64(h.Status.Reason), int64(h.Status.Hints), h.Version, b2i(h.Registered), h.OpenAppeals, unix(h.ChangedAt), h.ID)
		if err == nil && n != 1 {
			err = registry.Errorf(registry.HolderNotFound, "no holder %.64q", h.ID)
		}
		return err
	}
	// Many holders: one UPDATE … FROM a VALUES list per 100 (SQLite ≥ 3.33
	// and PostgreSQL both take it; the casts give PostgreSQL the types).
	const row = `(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))`
	return chunks(len(hs), 100, func(lo, hi int) error {
		args := make([]any, 0, 10*(hi-lo))
		for _, h := range hs[lo:hi] {
			args = append(args, h.ID, h.Name, h.PublicKey, int64(h.Status.Colour), int64(h.Status.Reason), int64(h.Status.Hints), h.Version, b2i(h.Registered), h.OpenAppeals, unix(h.ChangedAt))
		}
		n, err := t.exec(`WITH v (holder_id, name, public_key, colour, reason, hints, version, registered, open_appeals, changed_at) AS (VALUES `+
			strings.Repeat(row+", ", hi-lo-1)+row+`)
			UPDATE holders SET name = v.name, public_key = v.public_key, colour = v.colour, reason = v.reason, hints = v.hints, version = v.version,
				registered = v.registered, open_appeals = v.open_appeals, changed_at = v.changed_at
			FROM v WHERE holders.holder_id = v.holder_id`, args...)
		if err == nil && n != int64(hi-lo) {
			err = fmt.Errorf("sqldb: updated %d of %d holders", n, hi-lo)
		}
		return err
	})
}

func (t *txn) AddChanges(cs []registry.Change) error {
	return chunks(len(cs), 100, func(lo, hi int) error {
		args := make([]any, 0, 10*(hi-lo))
		for _, c := range cs[lo:hi] {
			args = append(args, c.HolderID, c.Version, unix(c.At), int64(c.Status.Colour), int64(c.Status.Reason), int64(c.Status.Hints), c.Name, c.Actor, c.EventID, c.Why)
		}
		_, err := t.exec(`INSERT INTO history (holder_id, version, changed_at, colour, reason, hints, name, actor, event_id, why) VALUES `+rows(hi-lo, 10), args...)
		return err
	})
}

// chunks calls fn for [lo, hi) ranges of at most size covering [0, n).
func chunks(n, size int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += size {
		if err := fn(lo, min(lo+size, n)); err != nil {
			return err
		}
	}
	return nil
}

// rows returns n rows of k placeholders: "(?, ?), (?, ?)".
func rows(n, k int) string {
	row := "(" + strings.Repeat("?, ", k-1) + "?)"
	return strings.Repeat(row+", ", n-1) + row
}

// list returns n placeholders: "?, ?, ?".
func list(n int) string { return strings.Repeat("?, ", n-1) + "?" }

func (t *txn) History(holderID string) ([]registry.Change, error) {
	rows, err := t.query(`SELECT holder_id, version, changed_at, colour, reason, hints, name, actor, event_id, why FROM history WHERE holder_id = ? ORDER BY version`, holderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []registry.Change
	for rows.Next() {
		var c registry.Change
		var at, colour, reason, hints int64
		if err := rows.Scan(&c.HolderID, &c.Version, &at, &colour, &reason, &hints, &c.Name, &c.Actor, &c.EventID, &c.Why); err != nil {
			return nil, fmt.Errorf("sqldb: %w", err)
		}
		c.At = fromUnix(at)
		c.Status = registry.Status{Colour: pass.Colour(colour), Reason: pass.Reason(reason), Hints: pass.Hints(hints)}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (t *txn) ClaimEvents(events map[string]string, at time.Time) (map[string]bool, error) {
	ids := make([]string, 0, len(events))
	for id := range events {
		ids = append(ids, id)
	}
	slices.Sort(ids) // one order of index updates in every transaction
	fresh := make(map[string]bool, len(ids))
	err := chunks(len(ids), 200, func(lo, hi int) error {
		args := make([]any, 0, 3*(hi-lo))
		for _, id := range ids[lo:hi] {
			args = append(args, id, events[id], unix(at))
		}
		rs, err := t.query(`INSERT INTO events (event_id, holder_id, applied_at) VALUES `+rows(hi-lo, 3)+` ON CONFLICT DO NOTHING RETURNING event_id`, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var id string
			if err := rs.Scan(&id); err != nil {
				return fmt.Errorf("sqldb: %w", err)
			}
			fresh[id] = true
		}
		return rs.Err()
	})
	return fresh, err
}

const passCols = `pass_id, holder_id, issuer, kid, issued_at, expires_at, colour, reason, hints, version, code, revoked_at, superseded_at`

func scanPass(r scanner) (*registry.PassRecord, error) {
	var p registry.PassRecord
	var issued, expires, colour, reason, hints, revoked, superseded int64
	if err := r.Scan(&p.ID, &p.HolderID, &p.Issuer, &p.KID, &issued, &expires, &colour, &reason, &hints, &p.Version, &p.Text, &revoked, &superseded); err != nil {
		return nil, err
	}
	p.IssuedAt, p.ExpiresAt = fromUnix(issued), fromUnix(expires)
	p.RevokedAt, p.SupersededAt = fromUnix(revoked), fromUnix(superseded)
	p.Status = registry.Status{Colour: pass.Colour(colour), Reason: pass.Reason(reason), Hints: pass.Hints(hints)}
	return &p, nil
}

func (t *txn) CurrentPass(holderID string) (*registry.PassRecord, error) {
	if !t.write && holderID != "" && holderID == t.liveFor {
		if t.live == nil {
			return nil, nil
		}
		p := *t.live
		return &p, nil
	}
	return t.onePass(`SELECT `+passCols+` FROM passes WHERE holder_id = ? AND revoked_at = 0 AND superseded_at = 0`+t.lock(), holderID)
}

func (t *txn) LockLive(holderIDs []string) (map[string]registry.Live, error) {
	ids := slices.Clone(holderIDs)
	slices.Sort(ids)
	lock := ""
	if t.write && t.s.d.ForUpdate != "" {
		lock = t.s.d.ForUpdate + " OF h" // the holder rows, not the nullable pass rows
	}
	out := make(map[string]registry.Live, len(ids))
	err := chunks(len(ids), 500, func(lo, hi int) error {
		args := make([]any, 0, hi-lo)
		for _, id := range ids[lo:hi] {
			args = append(args, id)
		}
		rs, err := t.query(`SELECT `+holderLiveCols+` FROM holders h LEFT JOIN passes p ON p.holder_id = h.holder_id AND p.revoked_at = 0 AND p.superseded_at = 0 WHERE h.holder_id IN (`+list(hi-lo)+`) ORDER BY h.holder_id`+lock, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var h *registry.Holder
			var p *registry.PassRecord
			if err := scanWithLive(rs, &h, &p); err != nil {
				return fmt.Errorf("sqldb: %w", err)
			}
			out[h.ID] = registry.Live{Version: h.Version, Pass: p}
		}
		return rs.Err()
	})
	return out, err
}

func (t *txn) AddPasses(ps []*registry.PassRecord, supersede []string, at time.Time) error {
	err := chunks(len(supersede), 500, func(lo, hi int) error {
		args := []any{unix(at)}
		for _, id := range supersede[lo:hi] {
			args = append(args, id)
		}
		_, err := t.exec(`UPDATE passes SET superseded_at = ? WHERE revoked_at = 0 AND superseded_at = 0 AND holder_id IN (`+list(hi-lo)+`)`, args...)
		return err
	})
	if err != nil {
		return err
	}
	return t.insertPasses(ps)
}

func (t *txn) InsertPasses(ps []*registry.PassRecord) ([]bool, error) {
	ok := make([]bool, len(ps))
	if len(ps) == 0 {
		return ok, nil
	}
	last := make(map[string]int, len(ps)) // holder → index of its last pass in ps
	for i, p := range ps {
		last[p.HolderID] = i
	}
	ids := make([]string, 0, len(last))
	for id := range last {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	versions := make(map[string]int64, len(ids))
	size := 500
	if t.s.d.Arrays {
		size = len(ids)
	}
	err := chunks(len(ids), size, func(lo, hi int) error {
		var rs *sql.Rows
		var err error
		if t.s.d.Arrays {
			rs, err = t.query(`SELECT holder_id, version FROM holders WHERE holder_id = ANY(?) ORDER BY holder_id`+t.lock(), ids[lo:hi])
		} else {
			args := make([]any, 0, hi-lo)
			for _, id := range ids[lo:hi] {
				args = append(args, id)
			}
			rs, err = t.query(`SELECT holder_id, version FROM holders WHERE holder_id IN (`+list(hi-lo)+`) ORDER BY holder_id`+t.lock(), args...)
		}
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var id string
			var v int64
			if err := rs.Scan(&id, &v); err != nil {
				return fmt.Errorf("sqldb: %w", err)
			}
			versions[id] = v
		}
		return rs.Err()
	})
	if err != nil {
		return nil, err
	}
	var good []*registry.PassRecord
	var holders []string
	for i, p := range ps {
		if v, found := versions[p.HolderID]; found && v == p.Version && last[p.HolderID] == i {
			ok[i] = true
			good = append(good, p)
			holders = append(holders, p.HolderID)
		}
	}
	if len(good) == 0 {
		return ok, nil
	}
	at := unix(ps[0].IssuedAt)
	if t.s.d.Arrays {
		if _, err := t.exec(`UPDATE passes SET superseded_at = ? WHERE revoked_at = 0 AND superseded_at = 0 AND holder_id = ANY(?)`, at, holders); err != nil {
			return nil, err
		}
		if err := t.insertPassArrays(good); err != nil {
			return nil, err
		}
		return ok, nil
	}
	err = chunks(len(holders), 500, func(lo, hi int) error {
		args := []any{at}
		for _, id := range holders[lo:hi] {
			args = append(args, id)
		}
		_, err := t.exec(`UPDATE passes SET superseded_at = ? WHERE revoked_at = 0 AND superseded_at = 0 AND holder_id IN (`+list(hi-lo)+`)`, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := t.insertPasses(good); err != nil {
		return nil, err
	}
	return ok, nil
}

// insertPasses inserts the rows of ps.
func (t *txn) insertPasses(ps []*registry.PassRecord) error {
	return chunks(len(ps), 50, func(lo, hi int) error {
		args := make([]any, 0, 13*(hi-lo))
		for _, p := range ps[lo:hi] {
			args = append(args, p.ID, p.HolderID, p.Issuer, p.KID, unix(p.IssuedAt), unix(p.ExpiresAt),
				int64(p.Status.Colour), int64(p.Status.Reason), int64(p.Status.Hints), p.Version, p.Text, unix(p.RevokedAt), unix(p.SupersededAt))
		}
		_, err := t.exec(`INSERT INTO passes (`+passCols+`) VALUES `+rows(hi-lo, 13), args...)
		return err
	})
}

// insertPassArrays inserts the rows of ps in one statement, a column an
// array (Dialect.Arrays).
func (t *txn) insertPassArrays(ps []*registry.PassRecord) error {
	n := len(ps)
	var (
		ids, holders, issuers, kids, codes = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		issued, expires, colours, reasons  = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		hints, versions, revoked, supers   = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	)
	for i, p := range ps {
		ids[i], holders[i], issuers[i], kids[i], codes[i] = p.ID, p.HolderID, p.Issuer, p.KID, p.Text
		issued[i], expires[i] = unix(p.IssuedAt), unix(p.ExpiresAt)
		colours[i], reasons[i], hints[i] = int64(p.Status.Colour), int64(p.Status.Reason), int64(p.Status.Hints)
		versions[i], revoked[i], supers[i] = p.Version, unix(p.RevokedAt), unix(p.SupersededAt)
	}
	_, err := t.exec(`INSERT INTO passes (`+passCols+`) SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[])`,
		ids, holders, issuers, kids, issued, expires, colours, reasons, hints, versions, codes, revoked, supers)
	return err
}

func (t *txn) RevokePasses(holderIDs []string, at time.Time) (int, error) {
	total := 0
	err := chunks(len(holderIDs), 500, func(lo, hi int) error {
		args := []any{unix(at), unix(at)}
		for _, id := range holderIDs[lo:hi] {
			args = append(args, id)
		}
		n, err := t.exec(`UPDATE passes SET revoked_at = ? WHERE revoked_at = 0 AND expires_at > ? AND holder_id IN (`+list(hi-lo)+`)`, args...)
		total += int(n)
		return err
	})
	return total, err
}

func (t *txn) Passes(holderID string) ([]registry.PassRecord, error) {
	rows, err := t.query(`SELECT `+passCols+` FROM passes WHERE holder_id = ? ORDER BY issued_at, pass_id`, holderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []registry.PassRecord
	for rows.Next() {
		p, err := scanPass(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: %w", err)
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

func (t *txn) PassByID(id string) (*registry.PassRecord, error) {
	return t.onePass(`SELECT `+passCols+` FROM passes WHERE pass_id = ?`, id)
}

// onePass runs a query for at most one pass: nil if there is none.
func (t *txn) onePass(query string, args ...any) (*registry.PassRecord, error) {
	r, err := t.row(query, args...)
	if err != nil {
		return nil, err
	}
	p, err := scanPass(r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: %w", err)
	}
	return p, nil
}

func (t *txn) RevokedPasses(iss string, now time.Time, fn func(string, time.Time) error) error {
	rows, err := t.query(`SELECT pass_id, expires_at FROM passes WHERE issuer = ? AND revoked_at <> 0 AND expires_at > ?`, iss, unix(now))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var exp int64
		if err := rows.Scan(&id, &exp); err != nil {
			return fmt.Errorf("sqldb: %w", err)
		}
		if err := fn(id, fromUnix(exp)); err != nil {
			return err
		}
	}
	return rows.Err()
}

const dueWhere = ` FROM passes p JOIN holders h ON h.holder_id = p.holder_id
	WHERE p.revoked_at = 0 AND p.superseded_at = 0 AND (p.expires_at - ?) * 1000 <= ? * (p.expires_at - p.issued_at)`

func (t *txn) DueHolders(now time.Time, perMille int64, after string, limit int) ([]registry.Holder, error) {
	cols := "h." + strings.ReplaceAll(holderCols, ", ", ", h.")
	// The bound is on both sides of the join: PostgreSQL does not carry
	// it across h.holder_id = p.holder_id, and with table statistics it
	// merge-joins the bounded passes with all holders from the first,
	// reading half the holders' index for each page on average (at 1M
	// holders 0.1 s a page, most of a reissue's time).
	rows, err := t.query(`SELECT `+cols+dueWhere+` AND p.holder_id > ? AND h.holder_id > ? ORDER BY p.holder_id LIMIT ?`, unix(now), perMille, after, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []registry.Holder
	for rows.Next() {
		h, err := scanHolder(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: %w", err)
		}
		out = append(out, *h)
	}
	return out, rows.Err()
}

func (t *txn) CountDue(now time.Time, perMille int64) (int, error) {
	r, err := t.row(`SELECT COUNT(*)`+dueWhere, unix(now), perMille)
	if err != nil {
		return 0, err
	}
	var n int
	if err := r.Scan(&n); err != nil {
		return 0, fmt.Errorf("sqldb: %w", err)
	}
	return n, nil
}

const appealCols = `appeal_id, holder_id, body, state, note, opened_at, resolved_at, resolved_by`

func scanAppeal(r scanner) (*registry.Appeal, error) {
	var a registry.Appeal
	var opened, resolved int64
	if err := r.Scan(&a.ID, &a.HolderID, &a.Text, &a.State, &a.Note, &opened, &resolved, &a.ResolvedBy); err != nil {
		return nil, err
	}
	a.OpenedAt, a.ResolvedAt = fromUnix(opened), fromUnix(resolved)
	return &a, nil
}

func (t *txn) InsertAppeal(a *registry.Appeal) error {
	_, err := t.exec(`INSERT INTO appeals (`+appealCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.HolderID, a.Text, string(a.State), a.Note, unix(a.OpenedAt), unix(a.ResolvedAt), a.ResolvedBy)
	return err
}

func (t *txn) Appeal(id string) (*registry.Appeal, error) {
	r, err := t.row(`SELECT `+appealCols+` FROM appeals WHERE appeal_id = ?`+t.lock(), id)
	if err != nil {
		return nil, err
	}
	a, err := scanAppeal(r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, registry.Errorf(registry.AppealNotFound, "no appeal %.64q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqldb: %w", err)
	}
	return a, nil
}

func (t *txn) SaveAppeal(a *registry.Appeal) error {
	_, err := t.exec(`UPDATE appeals SET state = ?, note = ?, resolved_at = ?, resolved_by = ? WHERE appeal_id = ?`,
		string(a.State), a.Note, unix(a.ResolvedAt), a.ResolvedBy, a.ID)
	return err
}

func (t *txn) Appeals(holderID string) ([]registry.Appeal, error) {
	rows, err := t.query(`SELECT `+appealCols+` FROM appeals WHERE holder_id = ? ORDER BY opened_at, appeal_id`, holderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []registry.Appeal
	for rows.Next() {
		a, err := scanAppeal(rows)
		if err != nil {
			return nil, fmt.Errorf("sqldb: %w", err)
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

func (t *txn) InsertOperator(o *registry.Operator) (bool, error) {
	n, err := t.exec(`INSERT INTO operators (name, role, token_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		o.Name, string(o.Role), o.TokenHash, unix(o.CreatedAt))
	return n == 1, err
}

func (t *txn) OperatorByToken(tokenHash string) (*registry.Operator, error) {
	r, err := t.row(`SELECT name, role, token_hash, created_at FROM operators WHERE token_hash = ?`, tokenHash)
	if err != nil {
		return nil, err
	}
	var o registry.Operator
	var created int64
	switch err := r.Scan(&o.Name, &o.Role, &o.TokenHash, &created); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("sqldb: %w", err)
	}
	o.CreatedAt = fromUnix(created)
	return &o, nil
}

func (t *txn) PutIssuer(is *bundle.Issuer) error {
	var colours []string
	for _, c := range is.Colours {
		colours = append(colours, c.String())
	}
	if _, err := t.exec(`INSERT INTO issuers (issuer, name_zh, name_en, max_lifetime, colours) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (issuer) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, max_lifetime = excluded.max_lifetime, colours = excluded.colours`,
		is.ID, is.Name.ZH, is.Name.EN, int64(is.MaxLifetime/time.Second), strings.Join(colours, ",")); err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM issuer_keys WHERE issuer = ?`, is.ID); err != nil {
		return err
	}
	for _, k := range is.Keys {
		der, err := keys.MarshalPublic(k.Public)
		if err != nil {
			return registry.Errorf(registry.InvalidField, "issuer %s: %v", is.ID, err)
		}
		if _, err := t.exec(`INSERT INTO issuer_keys (issuer, public_key, valid_from, valid_until) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			is.ID, base64.StdEncoding.EncodeToString(der), unix(k.ValidFrom), unix(k.ValidUntil)); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) Issuers() ([]bundle.Issuer, error) {
	rows, err := t.query(`SELECT issuer, name_zh, name_en, max_lifetime, colours FROM issuers ORDER BY issuer`)
	if err != nil {
		return nil, err
	}
	var out []bundle.Issuer
	for rows.Next() {
		var is bundle.Issuer
		var life int64
		var colours string
		if err := rows.Scan(&is.ID, &is.Name.ZH, &is.Name.EN, &life, &colours); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqldb: %w", err)
		}
		is.MaxLifetime = time.Duration(life) * time.Second
		for _, c := range strings.Split(colours, ",") {
			if col, ok := pass.ParseColour(c); ok {
				is.Colours = append(is.Colours, col)
			}
		}
		out = append(out, is)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: %w", err)
	}
	for i := range out {
		rows, err := t.query(`SELECT public_key, valid_from, valid_until FROM issuer_keys WHERE issuer = ? ORDER BY public_key`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var b64 string
			var from, until int64
			if err := rows.Scan(&b64, &from, &until); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqldb: %w", err)
			}
			der, err := base64.StdEncoding.DecodeString(b64)
			var pub any
			if err == nil {
				pub, err = keys.ParsePublic(der)
			}
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqldb: issuer %s has a bad key in the database: %v", out[i].ID, err)
			}
			out[i].Keys = append(out[i].Keys, bundle.IssuerKey{Public: pub, ValidFrom: fromUnix(from), ValidUntil: fromUnix(until)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqldb: %w", err)
		}
	}
	return out, nil
}

func (t *txn) LastBundle() (uint64, error) {
	r, err := t.row(`SELECT COALESCE(MAX(seq), 0) FROM bundles`)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := r.Scan(&n); err != nil {
		return 0, fmt.Errorf("sqldb: %w", err)
	}
	return uint64(n), nil
}

func (t *txn) AddBundle(seq uint64, at time.Time) (bool, error) {
	n, err := t.exec(`INSERT INTO bundles (seq, published_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, int64(seq), unix(at))
	return n == 1, err
}
