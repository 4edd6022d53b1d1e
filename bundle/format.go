package bundle

import (
	"bytes"
	"cmp"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/internal/revset"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// Version and limits of the bundle format. SPEC.md lists the same numbers.
const (
	Version        = 2         // the format version Sign writes and Open accepts
	MaxSize        = 128 << 20 // largest bundle file, in bytes
	MaxIssuers     = 256       // issuers in one bundle
	MaxIssuerKeys  = 64        // keys listed under one issuer
	MaxRevokedKeys = 1024      // revoked keys in one bundle
	MaxLabels      = 1024      // labels in one bundle
	MaxNameLen     = 128       // longest display name of an issuer, in bytes
	MaxLabelKeyLen = 64        // longest label key, in bytes
	MaxLabelLen    = 256       // longest label text, in bytes
	MaxLifetime    = (1<<32 - 1) * time.Second
	// MinExtensionKey is the smallest map key of an extension field: a
	// verifier that does not know it checks its form and ignores it. Any
	// other unknown key makes the bundle invalid.
	MinExtensionKey = 256
)

// Map keys of the payload, of an issuer, and of an issuer's key.
const (
	keyVersion     = 1
	keySeq         = 2
	keyIssuedAt    = 3
	keyNextUpdate  = 4
	keyExpires     = 5
	keyIssuers     = 6
	_              = 7 // version 1's revocation list shared by all issuers; not used since
	keyRevokedKeys = 8
	keyLabels      = 9

	issID          = 1
	issNameZH      = 2
	issNameEN      = 3
	issKeys        = 4
	issMaxLifetime = 5
	issColours     = 6
	issRevoked     = 7

	kAlg        = 1
	kPublic     = 2
	kValidFrom  = 3
	kValidUntil = 4
)

// The reader reads the structure field by field, so its depth limit only
// bounds extension values: they are skipped at depth limits.MaxDepth-3,
// which allows three levels of nested arrays or maps.
var limits = cbor.Limits{MaxDepth: 8, MaxItems: 1024, MaxLen: MaxSize}

const extensionDepth = 8 - 3

// Label is a text in Chinese and English.
type Label struct {
	ZH, EN string
}

// In returns the text in lang: "zh" for Chinese, anything else English.
func (l Label) In(lang string) string {
	if lang == "zh" {
		return l.ZH
	}
	return l.EN
}

// Issuer is an issuer of passes that a bundle trusts.
type Issuer struct {
	ID   string // the pass's iss, e.g. the region code "310000"
	Name Label  // display name
	Keys []IssuerKey
	// MaxLifetime is the longest a pass of this issuer may be valid
	// (exp − iat); Colours are the colours it may issue.
	MaxLifetime time.Duration
	Colours     []pass.Colour
	// RevokedPasses are the issuer's revoked passes, each as RevocationID
	// of the pass ID. A pass is revoked only by the list of its own issuer
	// (the issuer whose ID is the pass's iss). Sign sorts the list and
	// drops duplicates. In a Bundle from Open it is nil: the list is held
	// compactly, and Bundle.PassRevoked and Bundle.RevokedPasses read it.
	RevokedPasses []uint64

	revoked *revset.Set // set by the decoder
}

// IssuerKey is a public key an issuer signs passes with, and the window in
// which it may sign (by the pass's issue time; a zero time leaves that side
// open).
type IssuerKey struct {
	Public                crypto.PublicKey
	ValidFrom, ValidUntil time.Time
}

// Contents is what a bundle says, as the issuing side writes it. Sign
// orders every list canonically; the order given does not matter.
type Contents struct {
	Seq                           uint64 // sequence number, >= 1; each bundle's is higher than the last
	IssuedAt, NextUpdate, Expires time.Time
	Issuers                       []Issuer // each with its own revoked passes
	RevokedKeys                   []crypto.PublicKey
	Labels                        map[string]Label
}

// RevocationID returns the value a revocation list holds for a pass ID:
// its first 8 bytes as a big-endian integer. It panics if id is shorter
// than 8 bytes (pass IDs are 8 to 16 bytes).
func RevocationID(id pass.ID) uint64 {
	_ = id[7]
	return uint64(id[0])<<56 | uint64(id[1])<<48 | uint64(id[2])<<40 | uint64(id[3])<<32 |
		uint64(id[4])<<24 | uint64(id[5])<<16 | uint64(id[6])<<8 | uint64(id[7])
}

func badPayload(format string, args ...any) error {
	return &Error{Reason: BadPayload, Detail: fmt.Sprintf(format, args...)}
}

// ---- encoding ----

// marshal returns the canonical payload of c.
func (c *Contents) marshal() ([]byte, error) {
	revs := make([][]byte, len(c.Issuers))
	for i := range c.Issuers {
		var err error
		if revs[i], err = revset.Build(c.Issuers[i].RevokedPasses); err != nil {
			return nil, badPayload("issuer %q: revoked passes: %v", c.Issuers[i].ID, err)
		}
	}
	return c.appendPayload(revs)
}

// appendPayload returns the canonical payload of c with the revocation
// lists revs (revset encodings; revs[i] that of c.Issuers[i]) in place of
// the issuers' RevokedPasses.
func (c *Contents) appendPayload(revs [][]byte) ([]byte, error) {
	if c.Seq == 0 {
		return nil, badPayload("sequence number 0")
	}
	if len(revs) != len(c.Issuers) {
		panic("bundle: revocation lists do not match the issuers")
	}
	var err error
	times := [3]uint64{}
	for i, t := range []time.Time{c.IssuedAt, c.NextUpdate, c.Expires} {
		if times[i], err = timeValue(t); err != nil {
			return nil, err
		}
	}
	order := make([]int, len(c.Issuers))
	size := 0
	for i := range order {
		order[i] = i
		size += len(revs[i])
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(c.Issuers[a].ID, c.Issuers[b].ID) })
	for i := 1; i < len(order); i++ {
		if id := c.Issuers[order[i]].ID; id == c.Issuers[order[i-1]].ID {
			return nil, badPayload("issuer %q is listed twice", id)
		}
	}
	var revKeys [][]byte
	for _, k := range c.RevokedKeys {
		der, err := keys.MarshalPublic(k)
		if err != nil {
			return nil, badPayload("revoked key: %v", err)
		}
		revKeys = append(revKeys, der)
	}
	slices.SortFunc(revKeys, bytes.Compare)

	b := make([]byte, 0, 4096+size)
	b = cbor.AppendHead(b, cbor.Map, 8)
	b = cbor.AppendInt(b, keyVersion)
	b = cbor.AppendInt(b, Version)
	b = cbor.AppendInt(b, keySeq)
	b = cbor.AppendHead(b, cbor.Uint, c.Seq)
	b = cbor.AppendInt(b, keyIssuedAt)
	b = cbor.AppendHead(b, cbor.Uint, times[0])
	b = cbor.AppendInt(b, keyNextUpdate)
	b = cbor.AppendHead(b, cbor.Uint, times[1])
	b = cbor.AppendInt(b, keyExpires)
	b = cbor.AppendHead(b, cbor.Uint, times[2])
	b = cbor.AppendInt(b, keyIssuers)
	b = cbor.AppendHead(b, cbor.Array, uint64(len(order)))
	for _, i := range order {
		if b, err = appendIssuer(b, &c.Issuers[i], revs[i]); err != nil {
			return nil, err
		}
	}
	b = cbor.AppendInt(b, keyRevokedKeys)
	b = cbor.AppendHead(b, cbor.Array, uint64(len(revKeys)))
	for _, der := range revKeys {
		b = cbor.AppendBytes(b, der)
	}
	b = cbor.AppendInt(b, keyLabels)
	b = cbor.AppendHead(b, cbor.Map, uint64(len(c.Labels)))
	for k, enc := range sortedLabels(c.Labels) {
		b = append(b, enc...)
		l := c.Labels[k]
		b = cbor.AppendHead(b, cbor.Array, 2)
		b = cbor.AppendText(b, l.ZH)
		b = cbor.AppendText(b, l.EN)
	}
	return b, nil
}

// sortedLabels yields the label keys of m with their CBOR encodings, in
// the order of the encodings.
func sortedLabels(m map[string]Label) func(yield func(string, []byte) bool) {
	type kv struct {
		k   string
		enc []byte
	}
	var s []kv
	for k := range m {
		s = append(s, kv{k, cbor.AppendText(nil, k)})
	}
	slices.SortFunc(s, func(a, b kv) int { return bytes.Compare(a.enc, b.enc) })
	return func(yield func(string, []byte) bool) {
		for _, x := range s {
			if !yield(x.k, x.enc) {
				return
			}
		}
	}
}

func appendIssuer(b []byte, is *Issuer, rev []byte) ([]byte, error) {
	if is.MaxLifetime%time.Second != 0 {
		return nil, badPayload("issuer %q: max lifetime %v is not whole seconds", is.ID, is.MaxLifetime)
	}
	colours := slices.Clone(is.Colours)
	slices.Sort(colours)
	type key struct {
		der         []byte
		from, until uint64
		alg         cose.Alg
	}
	var ks []key
	for _, k := range is.Keys {
		der, err := keys.MarshalPublic(k.Public)
		if err != nil {
			return nil, badPayload("issuer %q: %v", is.ID, err)
		}
		alg, _ := keys.AlgOf(k.Public)
		x := key{der: der, alg: cose.ES256}
		if alg == keys.EdDSA {
			x.alg = cose.EdDSA
		}
		if !k.ValidFrom.IsZero() {
			if x.from, err = timeValue(k.ValidFrom); err != nil {
				return nil, err
			}
		}
		if !k.ValidUntil.IsZero() {
			if x.until, err = timeValue(k.ValidUntil); err != nil {
				return nil, err
			}
		}
		ks = append(ks, x)
	}
	slices.SortFunc(ks, func(a, b key) int { return bytes.Compare(a.der, b.der) })

	b = cbor.AppendHead(b, cbor.Map, 7)
	b = cbor.AppendInt(b, issID)
	b = cbor.AppendText(b, is.ID)
	b = cbor.AppendInt(b, issNameZH)
	b = cbor.AppendText(b, is.Name.ZH)
	b = cbor.AppendInt(b, issNameEN)
	b = cbor.AppendText(b, is.Name.EN)
	b = cbor.AppendInt(b, issKeys)
	b = cbor.AppendHead(b, cbor.Array, uint64(len(ks)))
	for _, k := range ks {
		n := uint64(2)
		if k.from != 0 {
			n++
		}
		if k.until != 0 {
			n++
		}
		b = cbor.AppendHead(b, cbor.Map, n)
		b = cbor.AppendInt(b, kAlg)
		b = cbor.AppendInt(b, int64(k.alg))
		b = cbor.AppendInt(b, kPublic)
		b = cbor.AppendBytes(b, k.der)
		if k.from != 0 {
			b = cbor.AppendInt(b, kValidFrom)
			b = cbor.AppendHead(b, cbor.Uint, k.from)
		}
		if k.until != 0 {
			b = cbor.AppendInt(b, kValidUntil)
			b = cbor.AppendHead(b, cbor.Uint, k.until)
		}
	}
	b = cbor.AppendInt(b, issMaxLifetime)
	b = cbor.AppendHead(b, cbor.Uint, uint64(max(is.MaxLifetime/time.Second, 0)))
	b = cbor.AppendInt(b, issColours)
	b = cbor.AppendHead(b, cbor.Array, uint64(len(colours)))
	for _, c := range colours {
		b = cbor.AppendHead(b, cbor.Uint, uint64(c))
	}
	b = cbor.AppendInt(b, issRevoked)
	b = cbor.AppendBytes(b, rev)
	return b, nil
}

func timeValue(t time.Time) (uint64, error) {
	s := t.Unix()
	if s <= 0 || s > pass.MaxTime || t.Nanosecond() != 0 {
		return 0, badPayload("time %s is not a whole second between 1970 and 9999", t.UTC().Format(time.RFC3339Nano))
	}
	return uint64(s), nil
}

// ---- decoding ----

// decoder reads a payload. Its errors are plain; parsePayload wraps them.
type decoder struct {
	r          *cbor.Reader
	in         []byte
	extensions int      // extension fields skipped
	revs       [][]byte // the issuers' revocation lists, as in parsePayload
}

// readMap reads a map with integer keys in deterministic order. For each
// key below MinExtensionKey it calls field, which must read the value and
// return errUnknown for a key it does not know; values of larger keys are
// checked for form and skipped.
func (d *decoder) readMap(what string, field func(key int64) error) error {
	n, err := d.r.MapHeader()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	var prev []byte
	for range n {
		ks := d.r.Offset()
		key, err := d.r.Int()
		if err != nil {
			return fmt.Errorf("%s: key: %w", what, err)
		}
		kb := d.in[ks:d.r.Offset()]
		if err := d.r.CheckKeyOrder(prev, kb, ks); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		prev = kb
		if key >= MinExtensionKey {
			if _, err := d.r.Skip(extensionDepth); err != nil {
				return fmt.Errorf("%s: extension %d: %w", what, key, err)
			}
			d.extensions++
			continue
		}
		if err := field(key); err != nil {
			if errors.Is(err, errUnknown) {
				return fmt.Errorf("%s: unknown key %d", what, key)
			}
			return fmt.Errorf("%s: key %d: %w", what, key, err)
		}
	}
	return nil
}

var errUnknown = errors.New("unknown key")

func (d *decoder) time() (time.Time, error) {
	v, err := d.r.Uint()
	if err != nil {
		return time.Time{}, err
	}
	if v == 0 || v > pass.MaxTime {
		return time.Time{}, fmt.Errorf("time %d out of range", v)
	}
	return time.Unix(int64(v), 0).UTC(), nil
}

// text reads a display text: 1 to max bytes of UTF-8 without control or
// format characters.
func (d *decoder) text(max int) (string, error) {
	s, err := d.r.Text()
	if err != nil {
		return "", err
	}
	return s, checkText(s, max)
}

func checkText(s string, max int) error {
	if len(s) == 0 || len(s) > max {
		return fmt.Errorf("text of %d bytes, want 1 to %d", len(s), max)
	}
	if !utf8.ValidString(s) {
		return errors.New("text is not UTF-8")
	}
	for _, c := range s {
		if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) || c == utf8.RuneError {
			return fmt.Errorf("text has the control or format character %U", c)
		}
	}
	return nil
}

// checkLabelKey allows 1 to MaxLabelKeyLen bytes of a-z, 0-9, '_' and '.'.
func checkLabelKey(k string) error {
	if len(k) == 0 || len(k) > MaxLabelKeyLen {
		return fmt.Errorf("label key of %d bytes, want 1 to %d", len(k), MaxLabelKeyLen)
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.') {
			return fmt.Errorf("label key %q: only a-z, 0-9, _ and . are allowed", k)
		}
	}
	return nil
}

// array reads an array header and checks its length against [min, max].
func (d *decoder) array(min, max int) (int, error) {
	n, err := d.r.ArrayHeader()
	if err != nil {
		return 0, err
	}
	if n < min || n > max {
		return 0, fmt.Errorf("%d elements, want %d to %d", n, min, max)
	}
	return n, nil
}

// parsePayload decodes and checks a bundle payload. It returns the bundle
// (not yet marked verified) and the encodings of its issuers' revocation
// lists (revs[i] that of b.Issuers[i]), slices of p.
func parsePayload(p []byte) (*Bundle, [][]byte, error) {
	b, rev, err := parse(p)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, nil, e
		}
		return nil, nil, fail(BadPayload, err, "")
	}
	return b, rev, nil
}

func parse(p []byte) (*Bundle, [][]byte, error) {
	d := &decoder{r: cbor.NewReader(p, limits), in: p}
	b := &Bundle{}
	var seen uint16
	err := d.readMap("bundle", func(key int64) error {
		var err error
		if key != keyVersion && seen&(1<<keyVersion) == 0 {
			return errors.New("the version must come first")
		}
		switch key {
		case keyVersion:
			var v uint64
			if v, err = d.r.Uint(); err == nil && v != Version {
				detail := fmt.Sprintf("version %d, want %d", v, Version)
				if v == 1 {
					detail += " (version 1 had one revocation list for all issuers; sign the bundle again)"
				}
				return &Error{Reason: UnsupportedVersion, Detail: detail}
			}
		case keySeq:
			if b.Seq, err = d.r.Uint(); err == nil && b.Seq == 0 {
				err = errors.New("sequence number 0")
			}
		case keyIssuedAt:
			b.IssuedAt, err = d.time()
		case keyNextUpdate:
			b.NextUpdate, err = d.time()
		case keyExpires:
			b.Expires, err = d.time()
		case keyIssuers:
			err = d.issuers(b)
		case keyRevokedKeys:
			err = d.revokedKeys(b)
		case keyLabels:
			err = d.labels(b)
		default:
			return errUnknown
		}
		if err == nil {
			seen |= 1 << key
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if !d.r.Done() {
		return nil, nil, fmt.Errorf("%d bytes after the payload", len(d.r.Rest()))
	}
	for k, name := range []string{keyVersion: "version", keySeq: "seq", keyIssuedAt: "issued_at",
		keyNextUpdate: "next_update", keyExpires: "expires", keyIssuers: "issuers",
		keyRevokedKeys: "revoked_keys", keyLabels: "labels"} {
		if name != "" && seen&(1<<k) == 0 {
			return nil, nil, fmt.Errorf("missing %s", name)
		}
	}
	if !b.IssuedAt.Before(b.NextUpdate) || b.Expires.Before(b.NextUpdate) {
		return nil, nil, errors.New("times out of order: want issued_at < next_update <= expires")
	}
	if err := b.index(); err != nil {
		return nil, nil, err
	}
	b.extensions = d.extensions
	return b, d.revs, nil
}

func (d *decoder) issuers(b *Bundle) error {
	n, err := d.array(1, MaxIssuers)
	if err != nil {
		return err
	}
	b.Issuers = make([]Issuer, n)
	d.revs = make([][]byte, n)
	for i := range b.Issuers {
		is := &b.Issuers[i]
		var seen uint8
		err := d.readMap("issuer", func(key int64) error {
			var err error
			switch key {
			case issID:
				if is.ID, err = d.r.Text(); err == nil {
					err = pass.CheckIssuer(is.ID)
				}
			case issNameZH:
				is.Name.ZH, err = d.text(MaxNameLen)
			case issNameEN:
				is.Name.EN, err = d.text(MaxNameLen)
			case issKeys:
				err = d.issuerKeys(is)
			case issMaxLifetime:
				var v uint64
				if v, err = d.r.Uint(); err == nil && (v == 0 || v > uint64(MaxLifetime/time.Second)) {
					err = fmt.Errorf("max lifetime %d out of range", v)
				}
				is.MaxLifetime = time.Duration(v) * time.Second
			case issColours:
				err = d.colours(is)
			case issRevoked:
				var rev []byte
				if rev, err = d.r.Bytes(); err == nil {
					if is.revoked, err = revset.Load(rev); err == nil {
						d.revs[i] = rev
					}
				}
			default:
				return errUnknown
			}
			if err == nil {
				seen |= 1 << key
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("issuer %d: %w", i, err)
		}
		if seen != 1<<issID|1<<issNameZH|1<<issNameEN|1<<issKeys|1<<issMaxLifetime|1<<issColours|1<<issRevoked {
			return fmt.Errorf("issuer %d: a required field is missing", i)
		}
		if i > 0 && b.Issuers[i-1].ID >= is.ID {
			return fmt.Errorf("issuer %q: issuers not in increasing order of ID", is.ID)
		}
	}
	return nil
}

func (d *decoder) issuerKeys(is *Issuer) error {
	n, err := d.array(1, MaxIssuerKeys)
	if err != nil {
		return err
	}
	var prev []byte
	for i := range n {
		var (
			k    IssuerKey
			alg  int64
			der  []byte
			seen uint8
		)
		err := d.readMap("key", func(key int64) error {
			var err error
			switch key {
			case kAlg:
				alg, err = d.r.Int()
			case kPublic:
				der, err = d.r.Bytes()
			case kValidFrom:
				k.ValidFrom, err = d.time()
			case kValidUntil:
				k.ValidUntil, err = d.time()
			default:
				return errUnknown
			}
			if err == nil {
				seen |= 1 << key
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("key %d: %w", i, err)
		}
		if seen&(1<<kAlg|1<<kPublic) != 1<<kAlg|1<<kPublic {
			return fmt.Errorf("key %d: alg or public key missing", i)
		}
		if k.Public, err = publicKey(der, cose.Alg(alg)); err != nil {
			return fmt.Errorf("key %d: %w", i, err)
		}
		if prev != nil && bytes.Compare(prev, der) >= 0 {
			return fmt.Errorf("key %d: keys not in increasing order of public key", i)
		}
		prev = der
		if !k.ValidFrom.IsZero() && !k.ValidUntil.IsZero() && k.ValidUntil.Before(k.ValidFrom) {
			return fmt.Errorf("key %d: valid_until before valid_from", i)
		}
		is.Keys = append(is.Keys, k)
	}
	return nil
}

// publicKey parses a SubjectPublicKeyInfo DER and checks that it is a key
// for alg.
func publicKey(der []byte, alg cose.Alg) (crypto.PublicKey, error) {
	pub, err := keys.ParsePublic(der)
	if err != nil {
		return nil, err
	}
	a, err := keys.AlgOf(pub)
	if err != nil {
		return nil, err
	}
	if (alg == cose.ES256) != (a == keys.ES256) || (alg != cose.ES256 && alg != cose.EdDSA) {
		return nil, fmt.Errorf("alg %d does not match the %s key", alg, a)
	}
	return pub, nil
}

func (d *decoder) colours(is *Issuer) error {
	n, err := d.array(1, 3)
	if err != nil {
		return err
	}
	for range n {
		v, err := d.r.Uint()
		if err != nil {
			return err
		}
		c := pass.Colour(v)
		if v > 3 || !c.Valid() || (len(is.Colours) > 0 && is.Colours[len(is.Colours)-1] >= c) {
			return fmt.Errorf("colours must be distinct values 1 to 3 in increasing order")
		}
		is.Colours = append(is.Colours, c)
	}
	return nil
}

func (d *decoder) revokedKeys(b *Bundle) error {
	n, err := d.array(0, MaxRevokedKeys)
	if err != nil {
		return err
	}
	var prev []byte
	for i := range n {
		der, err := d.r.Bytes()
		if err != nil {
			return err
		}
		if prev != nil && bytes.Compare(prev, der) >= 0 {
			return fmt.Errorf("revoked key %d: not in increasing order", i)
		}
		prev = der
		pub, err := keys.ParsePublic(der)
		if err != nil {
			return fmt.Errorf("revoked key %d: %w", i, err)
		}
		b.RevokedKeys = append(b.RevokedKeys, pub)
	}
	return nil
}

func (d *decoder) labels(b *Bundle) error {
	n, err := d.r.MapHeader()
	if err != nil {
		return err
	}
	if n > MaxLabels {
		return fmt.Errorf("%d labels, limit %d", n, MaxLabels)
	}
	b.Labels = make(map[string]Label, n)
	var prev []byte
	for range n {
		ks := d.r.Offset()
		k, err := d.r.Text()
		if err != nil {
			return err
		}
		kb := d.in[ks:d.r.Offset()]
		if err := d.r.CheckKeyOrder(prev, kb, ks); err != nil {
			return err
		}
		prev = kb
		if err := checkLabelKey(k); err != nil {
			return err
		}
		if _, err := d.array(2, 2); err != nil {
			return fmt.Errorf("label %q: %w", k, err)
		}
		var l Label
		if l.ZH, err = d.text(MaxLabelLen); err == nil {
			l.EN, err = d.text(MaxLabelLen)
		}
		if err != nil {
			return fmt.Errorf("label %q: %w", k, err)
		}
		b.Labels[k] = l
	}
	return nil
}

// kidOf returns the key ID of a SubjectPublicKeyInfo DER (SPEC §3.2).
func kidOf(der []byte) [keys.KIDSize]byte {
	sum := sha256.Sum256(der)
	return [keys.KIDSize]byte(sum[:keys.KIDSize])
}
