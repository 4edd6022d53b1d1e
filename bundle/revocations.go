package bundle

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// Version and limits of revocation exports (SPEC.md §12.11). An export is
// at most MaxSize bytes, like a bundle.
const (
	RevocationsVersion = 1       // the export format version SignRevocations writes and OpenRevocations accepts
	MaxExportPasses    = 8 << 20 // revoked passes in one export
)

// revocationsMagic is the first element of an export's payload, an array
// [magic, body]: a bundle's and a pass's payloads are maps, so neither can
// be read as an export, nor an export as either.
const revocationsMagic = "hufu-revocations"

var revocationsPrefix = cbor.AppendText(cbor.AppendHead(nil, cbor.Array, 2), revocationsMagic)

// Map keys of an export's body.
const (
	revVersion  = 1
	revIssuer   = 2
	revSeq      = 3
	revIssuedAt = 4
	revPasses   = 5
)

var revLimits = cbor.Limits{MaxDepth: 4, MaxItems: MaxExportPasses, MaxLen: MaxSize}

// Revocations is one issuer's list of revoked passes that have not yet
// expired, as one registry exports it for a publisher to merge into a
// bundle (Contents.MergeRevocations).
type Revocations struct {
	Issuer   string    // the issuer of every pass in the list, e.g. "320000"
	Seq      uint64    // the exporting registry's counter, >= 1, higher in each export
	IssuedAt time.Time // when the list was exported, a whole second
	Passes   []RevokedPass
	// Signer is the key that signed the list: set by OpenRevocations, nil
	// in a list built by hand. MergeRevocations merges a list with a Signer
	// only if that key may sign for Issuer in the contents.
	Signer crypto.PublicKey
}

// RevokedPass is a revoked pass: its ID, 8 to 16 bytes, and its expiry (a
// whole second), after which the revocation is no longer needed.
type RevokedPass struct {
	ID        pass.ID
	ExpiresAt time.Time
}

// SignRevocations checks r, encodes it and signs it with priv, a P-256
// (ES256) or Ed25519 (EdDSA) key of the issuer r.Issuer, returning the
// export file. The passes are written in increasing order of ID; an ID
// listed more than once is written once, with the latest of its expiries.
// r is not modified. It returns an *Error with reason bad_payload if r
// breaks a rule of the format (SPEC.md §12.11).
func SignRevocations(r *Revocations, priv crypto.Signer) ([]byte, error) {
	payload, err := r.marshal()
	if err != nil {
		return nil, err
	}
	if _, err := parseRevocations(payload); err != nil {
		return nil, err
	}
	return signCOSE(payload, priv)
}

// OpenRevocations checks that data is a revocation export signed by one of
// issuerKeys, the keys of the issuer it is expected from, and decodes it
// strictly. It returns an *Error: too_large, bad_cose, unsupported_alg,
// wrong_kind (a trust bundle, a pass, or anything else that is not an
// export), unknown_key (none of issuerKeys has the signer's kid and
// algorithm), bad_signature, unsupported_version or bad_payload. The list
// it returns has Signer set to the key that verified it, so that
// MergeRevocations can check that this key may sign for the list's issuer.
func OpenRevocations(data []byte, issuerKeys []crypto.PublicKey) (*Revocations, error) {
	msg, err := envelope(data, true)
	if err != nil {
		return nil, err
	}
	found, signer := verifyCOSE(msg, issuerKeys)
	switch {
	case !found:
		return nil, fail(UnknownKey, nil, fmt.Sprintf("no given %s issuer key has kid %x", msg.Alg, msg.KID))
	case signer == nil:
		return nil, fail(BadSignature, nil, fmt.Sprintf("signature does not verify with issuer key %x", msg.KID))
	}
	r, err := parseRevocations(msg.Payload)
	if err != nil {
		return nil, err
	}
	r.Signer = signer
	return r, nil
}

// MergeRevocations adds the passes of each list to the RevokedPasses of
// the issuer in c whose ID is the list's Issuer, as their RevocationID,
// leaving out passes whose ExpiresAt is not after now; it then sorts each
// changed issuer's list and removes duplicates. A list with a Signer is
// merged only if that key is listed under its issuer in c, is not in
// c.RevokedKeys, and the list's IssuedAt lies in the key's window.
//
// It returns an *Error, and leaves c unchanged, if a list's issuer is not
// in c (unknown_issuer), if its signer may not sign for that issuer
// (unknown_key), or if a pass ID is shorter than 8 bytes (bad_payload).
// It does not compare sequence numbers: a publisher keeps the highest Seq
// it has merged from each registry and refuses a lower one.
func (c *Contents) MergeRevocations(now time.Time, lists ...*Revocations) error {
	idx := make([]int, len(lists))
	for i, r := range lists {
		if r == nil {
			panic("bundle: MergeRevocations of a nil list")
		}
		idx[i] = slices.IndexFunc(c.Issuers, func(is Issuer) bool { return is.ID == r.Issuer })
		if idx[i] < 0 {
			return fail(UnknownIssuer, nil, fmt.Sprintf("merging revocations: issuer %q is not in the bundle", r.Issuer))
		}
		if r.Signer != nil {
			if err := c.checkSigner(&c.Issuers[idx[i]], r); err != nil {
				return err
			}
		}
		for _, p := range r.Passes {
			if len(p.ID) < pass.MinIDSize {
				return badPayload("merging revocations of issuer %q: pass ID %x is shorter than %d bytes", r.Issuer, []byte(p.ID), pass.MinIDSize)
			}
		}
	}
	changed := map[int]bool{}
	for i, r := range lists {
		is := &c.Issuers[idx[i]]
		for _, p := range r.Passes {
			if p.ExpiresAt.After(now) {
				is.RevokedPasses = append(is.RevokedPasses, RevocationID(p.ID))
			}
		}
		changed[idx[i]] = true
	}
	for i := range changed {
		is := &c.Issuers[i]
		slices.Sort(is.RevokedPasses)
		is.RevokedPasses = slices.Compact(is.RevokedPasses)
	}
	return nil
}

// checkSigner checks that r.Signer may sign revocations for is.
func (c *Contents) checkSigner(is *Issuer, r *Revocations) error {
	der, err := keys.MarshalPublic(r.Signer)
	if err != nil {
		return fail(UnknownKey, err, "merging revocations")
	}
	for _, rk := range c.RevokedKeys {
		if d, err := keys.MarshalPublic(rk); err == nil && bytes.Equal(d, der) {
			return fail(UnknownKey, nil, fmt.Sprintf("merging revocations of issuer %q: the signing key %x is revoked", r.Issuer, kidOf(der)))
		}
	}
	for _, k := range is.Keys {
		if d, err := keys.MarshalPublic(k.Public); err != nil || !bytes.Equal(d, der) {
			continue
		}
		if !k.ValidFrom.IsZero() && r.IssuedAt.Before(k.ValidFrom) || !k.ValidUntil.IsZero() && r.IssuedAt.After(k.ValidUntil) {
			return fail(UnknownKey, nil, fmt.Sprintf("merging revocations of issuer %q: exported at %s, outside the window of key %x",
				r.Issuer, r.IssuedAt.UTC().Format(time.RFC3339), kidOf(der)))
		}
		return nil
	}
	return fail(UnknownKey, nil, fmt.Sprintf("merging revocations of issuer %q: the signing key %x is not listed under it", r.Issuer, kidOf(der)))
}

// ---- encoding ----

func (r *Revocations) marshal() ([]byte, error) {
	if err := pass.CheckIssuer(r.Issuer); err != nil {
		return nil, badPayload("revocations: %v", err)
	}
	if r.Seq == 0 {
		return nil, badPayload("revocations: sequence number 0")
	}
	at, err := timeValue(r.IssuedAt)
	if err != nil {
		return nil, err
	}
	type entry struct {
		id  pass.ID
		exp uint64
	}
	es := make([]entry, len(r.Passes))
	for i, p := range r.Passes {
		if len(p.ID) < pass.MinIDSize || len(p.ID) > pass.MaxIDSize {
			return nil, badPayload("revocations: pass ID of %d bytes, want %d to %d", len(p.ID), pass.MinIDSize, pass.MaxIDSize)
		}
		if es[i].exp, err = timeValue(p.ExpiresAt); err != nil {
			return nil, err
		}
		es[i].id = p.ID
	}
	slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(a.id, b.id) })
	out := es[:0]
	for _, e := range es {
		if n := len(out); n > 0 && bytes.Equal(out[n-1].id, e.id) {
			out[n-1].exp = max(out[n-1].exp, e.exp)
			continue
		}
		out = append(out, e)
	}
	if len(out) > MaxExportPasses {
		return nil, badPayload("revocations: %d passes, limit %d", len(out), MaxExportPasses)
	}

	b := make([]byte, 0, 64+len(out)*(3+pass.MaxIDSize+9))
	b = append(b, revocationsPrefix...)
	b = cbor.AppendHead(b, cbor.Map, 5)
	b = cbor.AppendInt(b, revVersion)
	b = cbor.AppendInt(b, RevocationsVersion)
	b = cbor.AppendInt(b, revIssuer)
	b = cbor.AppendText(b, r.Issuer)
	b = cbor.AppendInt(b, revSeq)
	b = cbor.AppendHead(b, cbor.Uint, r.Seq)
	b = cbor.AppendInt(b, revIssuedAt)
	b = cbor.AppendHead(b, cbor.Uint, at)
	b = cbor.AppendInt(b, revPasses)
	b = cbor.AppendHead(b, cbor.Array, uint64(len(out)))
	for _, e := range out {
		b = cbor.AppendHead(b, cbor.Array, 2)
		b = cbor.AppendBytes(b, e.id)
		b = cbor.AppendHead(b, cbor.Uint, e.exp)
	}
	return b, nil
}

// ---- decoding ----

// parseRevocations decodes and checks an export's payload. Its errors are
// *Error with reason bad_payload or unsupported_version.
func parseRevocations(p []byte) (*Revocations, error) {
	r, err := parseRev(p)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, fail(BadPayload, err, "revocations")
	}
	return r, nil
}

func parseRev(p []byte) (*Revocations, error) {
	if !bytes.HasPrefix(p, revocationsPrefix) {
		return nil, errors.New("not a revocation export")
	}
	d := &decoder{r: cbor.NewReader(p[len(revocationsPrefix):], revLimits), in: p[len(revocationsPrefix):]}
	r := &Revocations{}
	var seen uint8
	n, err := d.r.MapHeader()
	if err != nil {
		return nil, err
	}
	var prev []byte
	for range n {
		ks := d.r.Offset()
		key, err := d.r.Int()
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		kb := d.in[ks:d.r.Offset()]
		if err := d.r.CheckKeyOrder(prev, kb, ks); err != nil {
			return nil, err
		}
		prev = kb
		if key != revVersion && seen&(1<<revVersion) == 0 {
			return nil, errors.New("the version must come first")
		}
		switch key {
		case revVersion:
			var v uint64
			if v, err = d.r.Uint(); err == nil && v != RevocationsVersion {
				return nil, &Error{Reason: UnsupportedVersion, Detail: fmt.Sprintf("revocations: version %d, want %d", v, RevocationsVersion)}
			}
		case revIssuer:
			if r.Issuer, err = d.r.Text(); err == nil {
				err = pass.CheckIssuer(r.Issuer)
			}
		case revSeq:
			if r.Seq, err = d.r.Uint(); err == nil && r.Seq == 0 {
				err = errors.New("sequence number 0")
			}
		case revIssuedAt:
			r.IssuedAt, err = d.time()
		case revPasses:
			err = d.revokedPasses(r)
		default:
			return nil, fmt.Errorf("unknown key %d", key)
		}
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", key, err)
		}
		seen |= 1 << key
	}
	if seen != 1<<revVersion|1<<revIssuer|1<<revSeq|1<<revIssuedAt|1<<revPasses {
		return nil, errors.New("a required field is missing")
	}
	if !d.r.Done() {
		return nil, fmt.Errorf("%d bytes after the payload", len(d.r.Rest()))
	}
	return r, nil
}

func (d *decoder) revokedPasses(r *Revocations) error {
	n, err := d.array(0, MaxExportPasses)
	if err != nil {
		return err
	}
	// Each pass takes at least minEntry bytes: check before allocating,
	// so that memory stays proportional to the input.
	const minEntry = 1 + 1 + pass.MinIDSize + 1
	if rest := len(d.r.Rest()); n > rest/minEntry {
		return fmt.Errorf("%d passes in %d bytes", n, rest)
	}
	r.Passes = make([]RevokedPass, n)
	size := 0
	for i := range r.Passes {
		if _, err := d.array(2, 2); err != nil {
			return fmt.Errorf("pass %d: %w", i, err)
		}
		id, err := d.r.Bytes()
		if err != nil {
			return fmt.Errorf("pass %d: %w", i, err)
		}
		if len(id) < pass.MinIDSize || len(id) > pass.MaxIDSize {
			return fmt.Errorf("pass %d: ID of %d bytes, want %d to %d", i, len(id), pass.MinIDSize, pass.MaxIDSize)
		}
		if i > 0 && bytes.Compare(r.Passes[i-1].ID, id) >= 0 {
			return fmt.Errorf("pass %d: not in strictly increasing order of ID", i)
		}
		exp, err := d.time()
		if err != nil {
			return fmt.Errorf("pass %d: %w", i, err)
		}
		r.Passes[i] = RevokedPass{ID: id, ExpiresAt: exp}
		size += len(id)
	}
	// The IDs alias the input: copy them into one buffer of their own.
	buf := make([]byte, 0, size)
	for i := range r.Passes {
		s := len(buf)
		buf = append(buf, r.Passes[i].ID...)
		r.Passes[i].ID = buf[s:len(buf):len(buf)]
	}
	return nil
}
