// Package cose reads and writes the one COSE (RFC 9052) structure that HF1
// uses: a tagged COSE_Sign1 whose protected header holds exactly alg and
// kid, whose unprotected header is empty, with no external data.
package cose

import (
	"errors"
	"fmt"

	"github.com/hufu-project/hufu/internal/cbor"
)

// Alg is a COSE algorithm identifier.
type Alg int64

// The algorithms HF1 allows.
const (
	ES256 Alg = -7
	EdDSA Alg = -8
)

func (a Alg) String() string {
	switch a {
	case ES256:
		return "ES256"
	case EdDSA:
		return "EdDSA"
	}
	return fmt.Sprintf("alg(%d)", int64(a))
}

// Header labels.
const (
	HeaderAlg  = 1
	HeaderCrit = 2
	HeaderKID  = 4
)

// TagSign1 is the CBOR tag of a COSE_Sign1 message.
const TagSign1 = 18

// KIDSize is the length of an HF1 key identifier.
const KIDSize = 8

// SignatureSize is the length of an ES256 (r‖s) or Ed25519 signature.
const SignatureSize = 64

// MaxMessage bounds the size of a message ParseSign1 accepts.
const MaxMessage = 2048

// ErrUnsupportedAlg is wrapped by errors about an algorithm other than
// ES256 and EdDSA.
var ErrUnsupportedAlg = errors.New("cose: unsupported algorithm")

// ErrMalformed is wrapped by every other parse error.
var ErrMalformed = errors.New("cose: malformed message")

// Sign1 is a parsed COSE_Sign1 message. Its byte slices alias the input.
type Sign1 struct {
	Protected []byte // the serialized protected header, as signed
	Alg       Alg
	KID       []byte
	Payload   []byte
	Signature []byte
}

var limits = cbor.Limits{MaxDepth: 2, MaxItems: 8, MaxLen: MaxMessage}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// ParseSign1 parses b as an HF1 COSE_Sign1 message: tag 18, a four-element
// array, a protected header of exactly {1: alg, 4: kid} in deterministic
// encoding, an empty unprotected header, a byte-string payload and a 64-byte
// signature, with nothing after it. It checks the form only, not the
// signature.
func ParseSign1(b []byte) (Sign1, error) { return ParseSign1Max(b, MaxMessage) }

// ParseSign1Max is ParseSign1 for messages of up to max bytes instead of
// MaxMessage, such as trust bundles; the rules are the same.
func ParseSign1Max(b []byte, max int) (Sign1, error) {
	return parseSign1(b, max, parseProtected)
}

// PresentationProtected is the protected header of a presentation
// (SPEC.md §14.2): {1: -7}, ES256 with no kid.
var PresentationProtected = []byte{0xA1, 0x01, 0x26}

// ParsePresentation parses b as a presentation's COSE_Sign1 message: the
// rules of ParseSign1, except that the protected header is exactly
// PresentationProtected. A protected header {1: alg} with another algorithm
// wraps ErrUnsupportedAlg. The returned Sign1 has Alg ES256 and no KID.
func ParsePresentation(b []byte) (Sign1, error) {
	return parseSign1(b, MaxMessage, parsePresentationProtected)
}

func parsePresentationProtected(p []byte) (Alg, []byte, error) {
	if string(p) == string(PresentationProtected) {
		return ES256, nil, nil
	}
	r := cbor.NewReader(p, limits)
	if n, err := r.MapHeader(); err == nil && n == 1 {
		if label, err := r.Int(); err == nil && label == HeaderAlg {
			if v, err := r.Int(); err == nil && r.Done() {
				return 0, nil, fmt.Errorf("%w: %v (a presentation is ES256)", ErrUnsupportedAlg, Alg(v))
			}
		}
	}
	return 0, nil, malformed("presentation protected header must be exactly {1: -7}")
}

func parseSign1(b []byte, max int, header func([]byte) (Alg, []byte, error)) (Sign1, error) {
	var m Sign1
	if len(b) > max {
		return m, malformed("message of %d bytes exceeds %d", len(b), max)
	}
	lim := limits
	lim.MaxLen = max
	r := cbor.NewReader(b, lim)
	major, tag, err := r.Head()
	if err != nil {
		return m, malformed("%v", err)
	}
	if major != cbor.Tag || tag != TagSign1 {
		return m, malformed("not a tagged COSE_Sign1 (want tag 18)")
	}
	n, err := r.ArrayHeader()
	if err != nil {
		return m, malformed("%v", err)
	}
	if n != 4 {
		return m, malformed("COSE_Sign1 array has %d elements, want 4", n)
	}
	if m.Protected, err = r.Bytes(); err != nil {
		return m, malformed("protected header: %v", err)
	}
	// An algorithm the format does not allow is reported only for a
	// message whose form is otherwise right (64-byte signature included):
	// a garbled or truncated message is malformed, whatever its header
	// says.
	var algErr error
	if m.Alg, m.KID, err = header(m.Protected); errors.Is(err, ErrUnsupportedAlg) {
		algErr = err
	} else if err != nil {
		return m, err
	}
	start := r.Offset()
	if n, err = r.MapHeader(); err != nil {
		return m, malformed("unprotected header: %v", err)
	}
	if n != 0 {
		// Say what is there: the usual mistake is alg or kid.
		r2 := cbor.NewReader(b[start:], lim)
		r2.MapHeader()
		if label, err := r2.Int(); err == nil {
			return m, malformed("unprotected header must be empty, has label %d", label)
		}
		return m, malformed("unprotected header must be empty")
	}
	if m.Payload, err = r.Bytes(); err != nil {
		return m, malformed("payload: %v", err)
	}
	if m.Signature, err = r.Bytes(); err != nil {
		return m, malformed("signature: %v", err)
	}
	if len(m.Signature) != SignatureSize {
		return m, malformed("signature of %d bytes, want %d", len(m.Signature), SignatureSize)
	}
	if !r.Done() {
		return m, malformed("%d trailing bytes", len(r.Rest()))
	}
	return m, algErr
}

func parseProtected(p []byte) (Alg, []byte, error) {
	r := cbor.NewReader(p, limits)
	n, err := r.MapHeader()
	if err != nil {
		return 0, nil, malformed("protected header: %v", err)
	}
	var (
		alg     Alg
		kid     []byte
		haveAlg bool
		prev    []byte
	)
	for i := 0; i < n; i++ {
		kstart := r.Offset()
		label, err := r.Int()
		if err != nil {
			return 0, nil, malformed("protected header label: %v", err)
		}
		key := p[kstart:r.Offset()]
		if err := r.CheckKeyOrder(prev, key, kstart); err != nil {
			return 0, nil, malformed("protected header: %v", err)
		}
		prev = key
		switch label {
		case HeaderAlg:
			v, err := r.Int()
			if err != nil {
				return 0, nil, malformed("alg: %v", err)
			}
			alg, haveAlg = Alg(v), true
		case HeaderKID:
			if kid, err = r.Bytes(); err != nil {
				return 0, nil, malformed("kid: %v", err)
			}
			if len(kid) != KIDSize {
				return 0, nil, malformed("kid of %d bytes, want %d", len(kid), KIDSize)
			}
		case HeaderCrit:
			return 0, nil, malformed("crit header not allowed")
		default:
			return 0, nil, malformed("header label %d not allowed", label)
		}
	}
	if !r.Done() {
		return 0, nil, malformed("protected header has trailing bytes")
	}
	if !haveAlg {
		return 0, nil, malformed("protected header has no alg")
	}
	if kid == nil {
		return 0, nil, malformed("protected header has no kid")
	}
	if alg != ES256 && alg != EdDSA {
		return 0, nil, fmt.Errorf("%w: %v", ErrUnsupportedAlg, alg)
	}
	return alg, kid, nil
}

// AppendProtected appends the serialized protected header {1: alg, 4: kid}.
func AppendProtected(dst []byte, alg Alg, kid []byte) []byte {
	dst = cbor.AppendHead(dst, cbor.Map, 2)
	dst = cbor.AppendInt(dst, HeaderAlg)
	dst = cbor.AppendInt(dst, int64(alg))
	dst = cbor.AppendInt(dst, HeaderKID)
	return cbor.AppendBytes(dst, kid)
}

// AppendToBeSigned appends the Sig_structure that the signature covers:
// the array of "Signature1", protected, an empty external_aad and payload.
func AppendToBeSigned(dst, protected, payload []byte) []byte {
	dst = cbor.AppendHead(dst, cbor.Array, 4)
	dst = cbor.AppendText(dst, "Signature1")
	dst = cbor.AppendBytes(dst, protected)
	dst = cbor.AppendBytes(dst, nil)
	return cbor.AppendBytes(dst, payload)
}

// AppendSign1 appends a tagged COSE_Sign1 message with an empty
// unprotected header.
func AppendSign1(dst, protected, payload, sig []byte) []byte {
	dst = cbor.AppendHead(dst, cbor.Tag, TagSign1)
	dst = cbor.AppendHead(dst, cbor.Array, 4)
	dst = cbor.AppendBytes(dst, protected)
	dst = cbor.AppendHead(dst, cbor.Map, 0)
	dst = cbor.AppendBytes(dst, payload)
	return cbor.AppendBytes(dst, sig)
}

// SignatureFromDER turns an ASN.1 DER ECDSA P-256 signature, as
// crypto.Signer returns it, into the 64-byte r‖s form COSE uses (RFC 9053
// §2.1). It reports false for anything that is not a strict DER
// SEQUENCE of two minimal, non-negative INTEGERs of at most 32 bytes.
func SignatureFromDER(der []byte) ([]byte, bool) {
	if len(der) < 8 || der[0] != 0x30 || int(der[1]) != len(der)-2 {
		return nil, false
	}
	sig := make([]byte, 64)
	rest := der[2:]
	for i := 0; i < 2; i++ {
		if len(rest) < 2 || rest[0] != 0x02 {
			return nil, false
		}
		n := int(rest[1])
		if n == 0 || n > 33 || len(rest) < 2+n {
			return nil, false
		}
		v := rest[2 : 2+n]
		rest = rest[2+n:]
		if v[0]&0x80 != 0 || (len(v) > 1 && v[0] == 0 && v[1]&0x80 == 0) {
			return nil, false // negative, or not minimal
		}
		if len(v) == 33 {
			v = v[1:]
		}
		copy(sig[32*i+32-len(v):32*(i+1)], v)
	}
	return sig, len(rest) == 0
}
