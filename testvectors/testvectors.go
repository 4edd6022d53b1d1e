// Package testvectors holds the HF1 test vectors: one JSON file per case,
// named <area>_<case>.json, generated deterministically by
// "go test ./testvectors -update" and embedded here so that every
// implementation, and every entry point of this one, runs the same cases.
//
// Each file is one Vector: a fixed time, a trust file, the text of a code,
// its COSE message in hex where it has one, and the expected outcome:
// either a valid pass with its decoded fields, or the reason code it must
// be rejected with. SPEC.md describes how another implementation uses them.
package testvectors

import (
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed vectors/*.json
var files embed.FS

// FS returns the vector files, at the root of the returned file system.
func FS() fs.FS {
	sub, err := fs.Sub(files, "vectors")
	if err != nil {
		panic(err)
	}
	return sub
}

// Vector is one test case.
type Vector struct {
	Name        string `json:"-"` // the file name without .json
	Description string `json:"description"`
	// Now is the time to verify at (RFC 3339).
	Now string `json:"now"`
	// SkewSeconds is the clock-skew tolerance; absent means the default
	// (300 seconds), 0 means none.
	SkewSeconds *int64 `json:"skew_seconds,omitempty"`
	// Trust is a trust file (the JSON format of package keys). Absent in
	// bundle vectors, which give Bundle and Roots instead.
	Trust json.RawMessage `json:"trust,omitempty"`
	// Bundle is a signed trust bundle file in standard Base64, to verify
	// against with the root keys Roots pinned (each the standard Base64 of
	// a SubjectPublicKeyInfo DER).
	Bundle string   `json:"bundle,omitempty"`
	Roots  []string `json:"roots,omitempty"`
	// InstalledBundle, if set, is a bundle installed before Bundle (it
	// opens with Roots). Installing Bundle over it either succeeds, and
	// the pass is verified against Bundle, or fails with
	// expect.bundle_error "rollback", and the pass is verified against
	// InstalledBundle, which stays in force.
	InstalledBundle string `json:"installed_bundle,omitempty"`
	// Text is the text of the code, as a QR reader returns it.
	Text string `json:"text"`
	// COSEHex is the COSE_Sign1 message the text carries, where the text
	// decodes that far.
	COSEHex string `json:"cose_hex,omitempty"`
	Expect  Expect `json:"expect"`
}

// Expect is a vector's expected outcome.
type Expect struct {
	Valid bool `json:"valid"`
	// Reason is the reason code when Valid is false.
	Reason string `json:"reason,omitempty"`
	// TrustError means the trust file itself must be rejected, with Reason.
	TrustError bool `json:"trust_error,omitempty"`
	// Undecided means the verifier cannot decide: Reason is trust_expired,
	// clock_behind or trust_unavailable.
	Undecided bool `json:"undecided,omitempty"`
	// BundleError is the reason code with which Bundle itself is
	// rejected: when opened (unknown_root, bad_signature,
	// unsupported_version, bad_payload, …; the pass is then
	// trust_unavailable), or when installed over InstalledBundle
	// (rollback).
	BundleError string `json:"bundle_error,omitempty"`
	// Warnings are those of a valid pass, such as "trust_stale".
	Warnings []string `json:"warnings,omitempty"`
	// Decodes, for an invalid code, says whether decoding without
	// verification (inspect) gets as far as the COSE message.
	Decodes bool `json:"decodes,omitempty"`
	// The decoded pass, when Valid.
	Pass *Pass `json:"pass,omitempty"`
}

// Pass is the expected content of a valid pass.
type Pass struct {
	Issuer       string   `json:"issuer"`
	PassID       string   `json:"pass_id"`
	IssuedAt     string   `json:"issued_at"`
	ExpiresAt    string   `json:"expires_at"`
	Colour       string   `json:"colour"`
	Decision     string   `json:"decision"`
	StatusReason string   `json:"status_reason,omitempty"`
	Hints        []string `json:"hints,omitempty"`
	NameHash     string   `json:"name_hash"`
	PhotoDigest  string   `json:"photo_digest,omitempty"`
	PhotoID      string   `json:"photo_id,omitempty"`
	Alg          string   `json:"alg"`
	KID          string   `json:"kid"`
	// Name must match the pass; OtherName must not.
	Name      string `json:"name"`
	OtherName string `json:"other_name"`
	// PhotoHex, if set, is a photo file whose bytes must match.
	PhotoHex string `json:"photo_hex,omitempty"`
}

// All returns every vector, sorted by name.
func All() ([]Vector, error) {
	names, err := fs.Glob(FS(), "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	vs := make([]Vector, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(FS(), n)
		if err != nil {
			return nil, err
		}
		var v Vector
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("testvectors: %s: %w", n, err)
		}
		v.Name = strings.TrimSuffix(path.Base(n), ".json")
		vs = append(vs, v)
	}
	return vs, nil
}

// Texts returns the text of every vector: seeds for fuzzing.
func Texts() []string {
	vs, err := All()
	if err != nil {
		panic(err)
	}
	t := make([]string, len(vs))
	for i, v := range vs {
		t[i] = v.Text
	}
	return t
}

// COSEs returns the COSE_Sign1 message of every vector that has one:
// seeds for fuzzing the envelope and the claims.
func COSEs() [][]byte {
	vs, err := All()
	if err != nil {
		panic(err)
	}
	var out [][]byte
	for _, v := range vs {
		if v.COSEHex == "" {
			continue
		}
		b, err := hex.DecodeString(v.COSEHex)
		if err != nil {
			panic(fmt.Sprintf("testvectors: %s: cose_hex: %v", v.Name, err))
		}
		out = append(out, b)
	}
	return out
}

//go:embed revocations/*.json
var revocationFiles embed.FS

// RevocationsVector is one case of a revocation export (SPEC.md §12.11),
// one JSON file each in the directory revocations: an export file, the
// keys of the issuer it is expected from, and either the reason code it
// must be rejected with or what it decodes to and what merging it into a
// bundle at Now leaves.
type RevocationsVector struct {
	Name        string `json:"-"` // the file name without .json
	Description string `json:"description"`
	// Export is the export file in standard Base64; IssuerKeys are the
	// keys to open it with, each the standard Base64 of a
	// SubjectPublicKeyInfo DER.
	Export     string   `json:"export"`
	IssuerKeys []string `json:"issuer_keys"`
	// Now is the time to merge at (RFC 3339).
	Now    string            `json:"now"`
	Expect RevocationsExpect `json:"expect"`
}

// RevocationsExpect is a revocation vector's expected outcome.
type RevocationsExpect struct {
	// Error is the bundle reason code with which the export is rejected
	// (wrong_kind, unknown_key, bad_signature, unsupported_version,
	// bad_payload, …); empty if it opens.
	Error string `json:"error,omitempty"`
	// The decoded export, if it opens.
	Issuer   string           `json:"issuer,omitempty"`
	Seq      uint64           `json:"seq,omitempty"`
	IssuedAt string           `json:"issued_at,omitempty"`
	Passes   []RevocationPass `json:"passes,omitempty"`
	// Merged are the revocation IDs (16 hex digits: the first 8 bytes of
	// the pass ID) that merging the export at Now adds to its issuer's
	// list: those of passes that expire after Now, sorted, distinct.
	Merged []string `json:"merged,omitempty"`
}

// RevocationPass is one pass of a decoded export.
type RevocationPass struct {
	PassID    string `json:"pass_id"` // in hex
	ExpiresAt string `json:"expires_at"`
}

// Revocations returns every revocation export vector, sorted by name.
func Revocations() ([]RevocationsVector, error) {
	names, err := fs.Glob(revocationFiles, "revocations/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	vs := make([]RevocationsVector, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(revocationFiles, n)
		if err != nil {
			return nil, err
		}
		var v RevocationsVector
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("testvectors: %s: %w", n, err)
		}
		v.Name = strings.TrimSuffix(path.Base(n), ".json")
		vs = append(vs, v)
	}
	return vs, nil
}
