// Package hc1 reads the envelope of an EU Digital COVID Certificate as a QR
// code carries it (the HCERT specification): "HC1:" + Base45 of the zlib
// compression of a COSE_Sign1 message whose payload is a CWT.
//
// HF1 rejects everything that is not exactly its own encoding; HC1 codes
// come from many issuers, so this package takes what the specification and
// the issuers in the wild allow — tagged or untagged COSE_Sign1, the CWT
// tag 61 around it, the key ID in the protected or the unprotected header,
// CBOR in any valid encoding — and stays strict about everything else. Every
// step is bounded: the text by the caller, the inflated message by
// MaxInflated, the CBOR by depth, item and length limits.
//
// It checks the form only; the verifier checks the signature.
package hc1

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cbor"
)

// Prefix starts the text of every HC1 code.
const Prefix = "HC1:"

// MaxInflated bounds the decompressed COSE message. Real certificates
// inflate to well under 1 KiB (the largest of the EU test data is 545
// bytes); anything above the limit is rejected as a zip bomb.
const MaxInflated = 64 << 10

// Limits of the CBOR reader for the COSE envelope and the claims. A real
// certificate nests 6 deep and has no container with more than 12 entries.
var Limits = cbor.Limits{MaxDepth: 16, MaxItems: 256, MaxLen: MaxInflated}

// Alg is a COSE algorithm identifier.
type Alg int64

// The algorithms HCERT allows.
const (
	ES256 Alg = -7  // ECDSA on P-256 with SHA-256
	PS256 Alg = -37 // RSASSA-PSS with SHA-256, MGF1 with SHA-256, 32-byte salt
)

func (a Alg) String() string {
	switch a {
	case ES256:
		return "ES256"
	case PS256:
		return "PS256"
	}
	return fmt.Sprintf("alg(%d)", int64(a))
}

// ES256SignatureSize is the length of an ES256 signature.
const ES256SignatureSize = 64

// COSE tags and header labels.
const (
	TagCWT     = 61
	TagSign1   = 18
	HeaderAlg  = 1
	HeaderCrit = 2
	HeaderKID  = 4
)

// Errors, each wrapped by the errors of its step.
var (
	ErrBase45         = errors.New("hc1: bad Base45")
	ErrCompression    = errors.New("hc1: not a valid zlib stream")
	ErrTooLarge       = fmt.Errorf("hc1: inflates to more than %d bytes", MaxInflated)
	ErrMalformed      = errors.New("hc1: malformed COSE_Sign1 message")
	ErrUnsupportedAlg = errors.New("hc1: unsupported algorithm")
)

// Message is a parsed COSE_Sign1 message of an HC1 code. Its byte slices
// alias COSE.
type Message struct {
	COSE      []byte // the inflated message
	Protected []byte // the serialized protected header, as signed
	Alg       Alg
	KID       []byte // from the protected header, or else the unprotected one
	Payload   []byte
	Signature []byte
}

// Decode decodes the part of an HC1 text after the prefix: Base45, zlib,
// COSE_Sign1.
func Decode(text string) (*Message, error) {
	compressed, err := base45.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBase45, err)
	}
	msg, err := Inflate(compressed)
	if err != nil {
		return nil, err
	}
	return ParseSign1(msg)
}

// Inflate decompresses a zlib stream (RFC 1950) of at most MaxInflated
// bytes. The stream must be complete, with a correct checksum and nothing
// after it; a stream without the zlib header (HCERT requires compression)
// or one that uses a preset dictionary is rejected.
func Inflate(data []byte) ([]byte, error) {
	br := bytes.NewReader(data)
	zr, err := zlib.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCompression, err)
	}
	// A bytes.Reader is an io.ByteReader, so the decompressor reads no
	// further than the end of the stream and br.Len() counts what follows.
	out, err := io.ReadAll(io.LimitReader(zr, MaxInflated+1))
	switch {
	case len(out) > MaxInflated:
		return nil, ErrTooLarge
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrCompression, err)
	case br.Len() != 0:
		return nil, fmt.Errorf("%w: %d bytes after the stream", ErrCompression, br.Len())
	}
	return out, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// ParseSign1 parses b as a COSE_Sign1 message (RFC 9052 §4.2), optionally
// with tag 18 and optionally inside the CWT tag 61, with nothing after it.
//
// The protected header MUST hold the algorithm, ES256 or PS256 (an alg in
// the unprotected header alone is rejected: the signature must cover it);
// the key ID may be in either header, and the protected one wins when both
// have one (HCERT, "Key Identifier"). crit, duplicate labels and a detached
// (nil) payload are rejected; other header parameters are checked for
// well-formedness and ignored.
func ParseSign1(b []byte) (*Message, error) {
	if len(b) > MaxInflated {
		return nil, ErrTooLarge
	}
	m := &Message{COSE: b}
	r := cbor.NewLenientReader(b, Limits, true)
	// Check the whole item first: well-formed, bounded, no duplicate keys
	// in any map, nothing after it.
	if _, err := r.Skip(0); err != nil {
		return nil, malformed("%v", err)
	}
	if !r.Done() {
		return nil, malformed("%d bytes after the message", len(r.Rest()))
	}
	r = cbor.NewLenientReader(b, Limits, true)
	tag, tagged := readTag(r)
	if tagged && tag == TagCWT {
		tag, tagged = readTag(r)
	}
	if tagged && tag != TagSign1 {
		return nil, malformed("tag %d (want a COSE_Sign1, untagged or with tag 18, optionally in tag 61)", tag)
	}
	n, err := r.ArrayHeader()
	if err != nil {
		return nil, malformed("not a COSE_Sign1 array: %v", err)
	}
	if n != 4 {
		return nil, malformed("COSE_Sign1 array has %d elements, want 4", n)
	}
	if m.Protected, err = r.Bytes(); err != nil {
		return nil, malformed("protected header: %v", err)
	}
	var prot, unprot header
	if len(m.Protected) > 0 {
		pr := cbor.NewLenientReader(m.Protected, Limits, true)
		if _, err := pr.Skip(0); err != nil {
			return nil, malformed("protected header: %v", err)
		}
		if !pr.Done() {
			return nil, malformed("protected header: %d bytes after the map", len(pr.Rest()))
		}
		if prot, err = readHeader(cbor.NewLenientReader(m.Protected, Limits, true)); err != nil {
			return nil, malformed("protected header: %v", err)
		}
	}
	if unprot, err = readHeader(r); err != nil {
		return nil, malformed("unprotected header: %v", err)
	}
	if m.Payload, err = r.Bytes(); err != nil {
		return nil, malformed("payload: %v", err)
	}
	if m.Signature, err = r.Bytes(); err != nil {
		return nil, malformed("signature: %v", err)
	}
	switch {
	case prot.hasAlg:
		m.Alg = prot.alg
	case unprot.hasAlg:
		return nil, malformed("alg only in the unprotected header")
	default:
		return nil, malformed("no alg")
	}
	m.KID = prot.kid
	if m.KID == nil {
		m.KID = unprot.kid
	}
	if len(m.KID) == 0 {
		return nil, malformed("no kid")
	}
	if m.Alg != ES256 && m.Alg != PS256 {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedAlg, m.Alg)
	}
	// RFC 9053 §2.1: an ES256 signature is r‖s, 32 bytes each. (A PS256
	// signature is as long as the key's modulus; the verifier checks it.)
	if m.Alg == ES256 && len(m.Signature) != ES256SignatureSize {
		return nil, malformed("ES256 signature of %d bytes, want %d", len(m.Signature), ES256SignatureSize)
	}
	return m, nil
}

// readTag reads a tag head if one comes next.
func readTag(r *cbor.Reader) (uint64, bool) {
	if rest := r.Rest(); len(rest) == 0 || rest[0]>>5 != cbor.Tag {
		return 0, false
	}
	_, tag, err := r.Head()
	return tag, err == nil
}

// header is what ParseSign1 takes from a header map.
type header struct {
	alg    Alg
	hasAlg bool
	kid    []byte
}

// readHeader reads a header map that Skip has already checked.
func readHeader(r *cbor.Reader) (header, error) {
	var h header
	n, err := r.MapHeader()
	if err != nil {
		return h, err
	}
	for i := 0; i < n; i++ {
		rest := r.Rest()
		if len(rest) == 0 {
			return h, errors.New("truncated")
		}
		var label int64
		isInt := rest[0]>>5 == cbor.Uint || rest[0]>>5 == cbor.Neg
		if isInt {
			if label, err = r.Int(); err != nil {
				return h, err
			}
		} else if _, err := r.Skip(0); err != nil { // checked at its depth already
			return h, err
		}
		switch {
		case isInt && label == HeaderAlg:
			v, err := r.Int()
			if err != nil {
				return h, fmt.Errorf("alg: %v", err)
			}
			h.alg, h.hasAlg = Alg(v), true
		case isInt && label == HeaderKID:
			if h.kid, err = r.Bytes(); err != nil {
				return h, fmt.Errorf("kid: %v", err)
			}
		case isInt && label == HeaderCrit:
			return h, errors.New("crit header not supported")
		default:
			if _, err := r.Skip(0); err != nil {
				return h, err
			}
		}
	}
	return h, nil
}
