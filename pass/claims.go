package pass

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"time"

	"github.com/hufu-project/hufu/internal/cbor"
)

// ErrInvalid is wrapped by every error about claims that are malformed,
// non-canonical, out of range or inconsistent.
var ErrInvalid = errors.New("pass: invalid claims")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Check reports whether p can be encoded: every required claim present,
// every value in range, and the claims consistent with each other.
func (p *Pass) Check() error {
	if err := checkIssuer(p.Issuer); err != nil {
		return err
	}
	if len(p.ID) < MinIDSize || len(p.ID) > MaxIDSize {
		return invalid("pass ID of %d bytes, want %d to %d", len(p.ID), MinIDSize, MaxIDSize)
	}
	iat, exp := p.IssuedAt.Unix(), p.ExpiresAt.Unix()
	if iat <= 0 || iat > MaxTime || exp <= 0 || exp > MaxTime {
		return invalid("time out of range")
	}
	if p.IssuedAt.Nanosecond() != 0 || p.ExpiresAt.Nanosecond() != 0 {
		return invalid("times must be whole seconds")
	}
	if exp <= iat {
		return invalid("expiry not after issue time")
	}
	if !p.Colour.Valid() {
		return invalid("colour %d", p.Colour)
	}
	if p.Reason != 0 && p.Colour == Green {
		return invalid("a green pass carries no reason")
	}
	if len(p.NameHash) != NameHashSize {
		return invalid("name hash of %d bytes, want %d", len(p.NameHash), NameHashSize)
	}
	if p.PhotoDigest != nil && len(p.PhotoDigest) != PhotoDigestSize {
		return invalid("photo digest of %d bytes, want %d", len(p.PhotoDigest), PhotoDigestSize)
	}
	if p.PhotoID != "" {
		if p.PhotoDigest == nil {
			return invalid("photo ID without photo digest")
		}
		if err := checkPrintable("photo ID", p.PhotoID, MaxPhotoIDLen); err != nil {
			return err
		}
	}
	_, err := p.checkHolderKey()
	return err
}

// checkHolderKey checks HolderKey and returns it decompressed; nil if the
// pass has none.
func (p *Pass) checkHolderKey() (*ecdsa.PublicKey, error) {
	if p.HolderKey == nil {
		return nil, nil
	}
	return p.HolderPublicKey()
}

// ParseHolderKey decodes a holder key claim: exactly HolderKeySize bytes,
// a compressed point (first byte 0x02 or 0x03) on P-256.
func ParseHolderKey(b []byte) (*ecdsa.PublicKey, error) {
	if len(b) != HolderKeySize || (b[0] != 2 && b[0] != 3) {
		return nil, invalid("holder key of %d bytes, want a %d-byte compressed P-256 point", len(b), HolderKeySize)
	}
	x, y := elliptic.UnmarshalCompressed(elliptic.P256(), b)
	if x == nil {
		return nil, invalid("holder key is not a point on P-256")
	}
	return &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}, nil
}

// CompressHolderKey returns the holder key claim of a P-256 public key.
func CompressHolderKey(pub *ecdsa.PublicKey) ([]byte, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, invalid("holder key must be a P-256 key")
	}
	return elliptic.MarshalCompressed(elliptic.P256(), pub.X, pub.Y), nil
}

// CheckIssuer reports whether iss is a valid issuer ID: 1 to MaxIssuerLen
// bytes of printable ASCII other than space.
func CheckIssuer(iss string) error { return checkIssuer(iss) }

func checkIssuer(s string) error {
	if s == "" {
		return invalid("empty issuer")
	}
	return checkPrintable("issuer", s, MaxIssuerLen)
}

// checkPrintable allows 1 to max bytes of printable ASCII other than space.
func checkPrintable(what, s string, max int) error {
	if len(s) == 0 || len(s) > max {
		return invalid("%s of %d bytes, want 1 to %d", what, len(s), max)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return invalid("%s has a character outside printable ASCII", what)
		}
	}
	return nil
}

// AppendClaims checks p and appends its claims set, in deterministic CBOR,
// to dst.
func (p *Pass) AppendClaims(dst []byte) ([]byte, error) {
	if err := p.Check(); err != nil {
		return dst, err
	}
	n := 6
	for _, present := range []bool{p.PhotoDigest != nil, p.PhotoID != "", p.Reason != 0, p.Hints != 0, p.HolderKey != nil} {
		if present {
			n++
		}
	}
	// Keys in deterministic order: 1, 4, 6, 7, then -1, -2, ….
	dst = cbor.AppendHead(dst, cbor.Map, uint64(n))
	dst = cbor.AppendInt(dst, KeyIss)
	dst = cbor.AppendText(dst, p.Issuer)
	dst = cbor.AppendInt(dst, KeyExp)
	dst = cbor.AppendInt(dst, p.ExpiresAt.Unix())
	dst = cbor.AppendInt(dst, KeyIat)
	dst = cbor.AppendInt(dst, p.IssuedAt.Unix())
	dst = cbor.AppendInt(dst, KeyCti)
	dst = cbor.AppendBytes(dst, p.ID)
	dst = cbor.AppendInt(dst, KeyColour)
	dst = cbor.AppendInt(dst, int64(p.Colour))
	dst = cbor.AppendInt(dst, KeyNameHash)
	dst = cbor.AppendBytes(dst, p.NameHash)
	if p.PhotoDigest != nil {
		dst = cbor.AppendInt(dst, KeyPhotoDigest)
		dst = cbor.AppendBytes(dst, p.PhotoDigest)
	}
	if p.PhotoID != "" {
		dst = cbor.AppendInt(dst, KeyPhotoID)
		dst = cbor.AppendText(dst, p.PhotoID)
	}
	if p.Reason != 0 {
		dst = cbor.AppendInt(dst, KeyReason)
		dst = cbor.AppendInt(dst, int64(p.Reason))
	}
	if p.Hints != 0 {
		dst = cbor.AppendInt(dst, KeyHints)
		dst = cbor.AppendInt(dst, int64(p.Hints))
	}
	if p.HolderKey != nil {
		dst = cbor.AppendInt(dst, KeyHolderKey)
		dst = cbor.AppendBytes(dst, p.HolderKey)
	}
	return dst, nil
}

var claimsLimits = cbor.Limits{MaxDepth: MaxExtensionDepth, MaxItems: MaxClaims, MaxLen: MaxClaimsSize}

// ParseClaims decodes an HF1 claims set; see UnmarshalClaims.
func ParseClaims(b []byte) (*Pass, error) {
	p := new(Pass)
	if err := p.UnmarshalClaims(b); err != nil {
		return nil, err
	}
	return p, nil
}

// UnmarshalClaims decodes an HF1 claims set into p. It is strict: the input must be
// one map in deterministic encoding with nothing after it, with no
// duplicate keys, no indefinite lengths, no tags and no floating-point
// values; every required claim must be present and every claim in range
// (see Check). Claims with keys of MinExtensionKey or more are checked for
// form and then ignored; any other unknown key is an error. On success
// p's byte slices alias b; on error p is left zero.
func (p *Pass) UnmarshalClaims(b []byte) (err error) {
	*p = Pass{}
	defer func() {
		if err != nil {
			*p = Pass{}
		}
	}()
	if len(b) > MaxClaimsSize {
		return invalid("claims of %d bytes exceed %d", len(b), MaxClaimsSize)
	}
	r := cbor.NewReader(b, claimsLimits)
	n, err := r.MapHeader()
	if err != nil {
		return invalid("%v", err)
	}
	var (
		prev               []byte
		iat, exp           int64
		haveIat, haveExp   bool
		haveColour, hashed bool
	)
	for i := 0; i < n; i++ {
		kstart := r.Offset()
		key, err := r.Int()
		if err != nil {
			return invalid("claim key: %v", err)
		}
		kb := b[kstart:r.Offset()]
		if err := r.CheckKeyOrder(prev, kb, kstart); err != nil {
			return invalid("%v", err)
		}
		prev = kb
		switch key {
		case KeyIss:
			if p.Issuer, err = r.Text(); err == nil {
				err = checkIssuer(p.Issuer)
			}
		case KeyExp:
			exp, err = readTime(r)
			haveExp = true
		case KeyIat:
			iat, err = readTime(r)
			haveIat = true
		case KeyCti:
			var id []byte
			id, err = r.Bytes()
			p.ID = id
		case KeyColour:
			var v uint64
			v, err = r.Uint()
			if err == nil && (v < uint64(Green) || v > uint64(Red)) {
				err = invalid("colour %d", v)
			}
			p.Colour, haveColour = Colour(v), true
		case KeyNameHash:
			p.NameHash, err = r.Bytes()
			hashed = true
		case KeyPhotoDigest:
			p.PhotoDigest, err = r.Bytes()
		case KeyPhotoID:
			p.PhotoID, err = r.Text()
			if err == nil && p.PhotoID == "" {
				err = invalid("empty photo ID")
			}
		case KeyReason:
			var v uint64
			v, err = r.Uint()
			if err == nil && (v == 0 || v > 1<<16-1) {
				err = invalid("reason %d out of range", v)
			}
			p.Reason = Reason(v)
		case KeyHints:
			var v uint64
			v, err = r.Uint()
			if err == nil && (v == 0 || v > 1<<32-1) {
				err = invalid("hints %d out of range", v)
			}
			p.Hints = Hints(v)
		case KeyHolderKey:
			p.HolderKey, err = r.Bytes()
			if err == nil && p.HolderKey == nil {
				p.HolderKey = []byte{}
			}
		default:
			if key < MinExtensionKey {
				return invalid("unknown claim %d", key)
			}
			_, err = r.Skip(1)
		}
		if err != nil {
			if errors.Is(err, ErrInvalid) {
				return err
			}
			return invalid("claim %d: %v", key, err)
		}
	}
	if !r.Done() {
		return invalid("%d trailing bytes", len(r.Rest()))
	}
	switch {
	case p.Issuer == "":
		return invalid("missing iss")
	case !haveExp:
		return invalid("missing exp")
	case !haveIat:
		return invalid("missing iat")
	case p.ID == nil:
		return invalid("missing cti")
	case !haveColour:
		return invalid("missing colour")
	case !hashed:
		return invalid("missing name hash")
	}
	p.IssuedAt, p.ExpiresAt = time.Unix(iat, 0).UTC(), time.Unix(exp, 0).UTC()
	// Check everything but the holder key, which Check checks last; then
	// check it here once and keep it decompressed for HolderPublicKey
	// (Check itself writes nothing: passes may be shared).
	hk := p.HolderKey
	p.HolderKey = nil
	if err := p.Check(); err != nil {
		return err
	}
	p.HolderKey = hk
	pub, err := p.checkHolderKey()
	if err != nil {
		return err
	}
	if pub != nil {
		copy(p.holder.claim[:], p.HolderKey)
		p.holder.pub = pub
	}
	return nil
}

func readTime(r *cbor.Reader) (int64, error) {
	v, err := r.Uint()
	if err != nil {
		return 0, err
	}
	if v == 0 || v > MaxTime {
		return 0, invalid("time %d out of range", v)
	}
	return int64(v), nil
}
