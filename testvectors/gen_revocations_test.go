package testvectors

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// TestGeneratedRevocations regenerates the revocation export vectors and
// fails if any byte differs from the embedded files (or, with -update,
// rewrites them).
func TestGeneratedRevocations(t *testing.T) {
	gen := revocationVectors(t)
	if *update {
		old, _ := filepath.Glob("revocations/*.json")
		for _, f := range old {
			os.Remove(f)
		}
		for name, b := range gen {
			if err := os.WriteFile(filepath.Join("revocations", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	names, _ := fs.Glob(revocationFiles, "revocations/*.json")
	if len(names) != len(gen) {
		t.Errorf("%d embedded revocation vectors, generator makes %d (run go test ./testvectors -update)", len(names), len(gen))
	}
	for name, b := range gen {
		old, err := fs.ReadFile(revocationFiles, "revocations/"+name)
		if err != nil {
			t.Errorf("%s: not embedded (run go test ./testvectors -update)", name)
			continue
		}
		if !bytes.Equal(old, b) {
			t.Errorf("%s: regenerating changes it (run go test ./testvectors -update and review the diff)", name)
		}
	}
}

// revIssued is the export time of the vectors' exports, ten minutes before
// now0, the time they are merged at.
var revIssued = now0.Add(-10 * time.Minute)

func passIDOf(name string) pass.ID { return basePass(name).ID }

// signExport encodes r with bundle.SignRevocations and signs its payload
// again deterministically with k.
func signExport(k testKey, r *bundle.Revocations) []byte {
	data, err := bundle.SignRevocations(r, k.priv)
	if err != nil {
		panic(err)
	}
	msg, err := cose.ParseSign1Max(data, bundle.MaxSize)
	if err != nil {
		panic(err)
	}
	return signed(k, bytes.Clone(msg.Payload))
}

// exportPayload builds an export payload by hand: the array [magic, body]
// with the body's pairs in the order given (int, uint64, string, []byte
// or raw values).
func exportPayload(pairs ...any) []byte {
	b := cbor.AppendHead(nil, cbor.Array, 2)
	b = cbor.AppendText(b, "hufu-revocations")
	return append(b, exportBody(pairs...)...)
}

func exportBody(pairs ...any) []byte {
	b := cbor.AppendHead(nil, cbor.Map, uint64(len(pairs)/2))
	for i := 0; i < len(pairs); i += 2 {
		b = cbor.AppendInt(b, int64(pairs[i].(int)))
		switch x := pairs[i+1].(type) {
		case int:
			b = cbor.AppendInt(b, int64(x))
		case uint64:
			b = cbor.AppendHead(b, cbor.Uint, x)
		case string:
			b = cbor.AppendText(b, x)
		case raw:
			b = append(b, x...)
		default:
			panic("exportBody: value type")
		}
	}
	return b
}

// entries encodes the passes array of an export in the order given.
func entries(ps ...bundle.RevokedPass) raw {
	b := cbor.AppendHead(nil, cbor.Array, uint64(len(ps)))
	for _, p := range ps {
		b = cbor.AppendHead(b, cbor.Array, 2)
		b = cbor.AppendBytes(b, p.ID)
		b = cbor.AppendHead(b, cbor.Uint, uint64(p.ExpiresAt.Unix()))
	}
	return b
}

func revocationVectors(t *testing.T) map[string][]byte {
	type rv struct {
		name, desc string
		export     []byte
		keys       []testKey
		r          *bundle.Revocations // the expected list, if it opens
		err        string
	}
	var vs []rv
	valid := func(name, desc string, k testKey, ks []testKey, r *bundle.Revocations) {
		vs = append(vs, rv{name: name, desc: desc, export: signExport(k, r), keys: ks, r: r})
	}
	bad := func(name, desc string, data []byte, ks []testKey, reason bundle.Reason) {
		vs = append(vs, rv{name: name, desc: desc, export: data, keys: ks, err: string(reason)})
	}

	// Jiangsu's export: a pass that expires an hour after now, one that
	// expires exactly at now (dropped when merging), and two that share
	// their first 8 bytes (one revocation ID in the bundle).
	long := append(bytes.Clone(passIDOf("rev jiangsu c")), 1, 2, 3, 4, 5, 6, 7, 8)
	js := &bundle.Revocations{Issuer: "320000", Seq: 42, IssuedAt: revIssued, Passes: []bundle.RevokedPass{
		{ID: passIDOf("rev jiangsu a"), ExpiresAt: now0.Add(time.Hour)},
		{ID: passIDOf("rev jiangsu b"), ExpiresAt: now0},
		{ID: long, ExpiresAt: now0.Add(48 * time.Hour)},
		{ID: passIDOf("rev jiangsu c"), ExpiresAt: now0.Add(47 * time.Hour)},
	}}
	valid("revocations_valid", "Jiangsu's export, signed with its ES256 key C: four passes; merged at now, the one expiring at now is dropped and the two sharing their first 8 bytes give one revocation ID",
		keyC, []testKey{keyC}, js)
	sh := &bundle.Revocations{Issuer: "310000", Seq: 1, IssuedAt: revIssued, Passes: []bundle.RevokedPass{
		{ID: passIDOf("rev shanghai"), ExpiresAt: now0.Add(24 * time.Hour)},
	}}
	valid("revocations_valid_eddsa", "Shanghai's export, signed with its Ed25519 key B, opened with Shanghai's keys A and B",
		keyB, []testKey{keyA, keyB}, sh)
	valid("revocations_empty", "an export with no passes", keyB, []testKey{keyB},
		&bundle.Revocations{Issuer: "310000", Seq: 2, IssuedAt: revIssued})

	good := signExport(keyC, js)
	payload := bundlePayload(good)
	bad("revocations_unknown_key", "signed by key A, opened with key C only", signExport(keyA, js), []testKey{keyC}, bundle.UnknownKey)
	{
		ph := protected(keyC)
		bad("revocations_forged", "key C's kid, signed by key A", cose.AppendSign1(nil, ph, payload, signRaw(keyA, ph, payload)), []testKey{keyC}, bundle.BadSignature)
	}
	altered := bytes.Clone(good)
	altered[len(altered)-70] ^= 0x01 // an expiry, after signing
	bad("revocations_altered", "one bit of the export changed after signing", altered, []testKey{keyC}, bundle.BadSignature)
	bad("revocations_a_bundle", "a trust bundle, opened as an export with its root's key", signBundle(keyR, bundleContents(5)), []testKey{keyR}, bundle.WrongKind)
	bad("revocations_a_pass", "a pass signed by key C, opened as an export with key C", signed(keyC, claims(jsPass("rev pass"))), []testKey{keyC}, bundle.WrongKind)

	// Payloads built by hand, correctly signed, so that the rule is what
	// fails.
	at := uint64(revIssued.Unix())
	one := entries(bundle.RevokedPass{ID: passIDOf("rev x"), ExpiresAt: now0.Add(time.Hour)})
	hand := func(name, desc string, reason bundle.Reason, p []byte) {
		bad(name, desc, signed(keyC, p), []testKey{keyC}, reason)
	}
	hand("revocations_version_2", "format version 2", bundle.UnsupportedVersion, exportPayload(1, 2, 2, "320000", 3, uint64(1), 4, at, 5, one))
	hand("revocations_no_magic", "the body map alone, without the array and its magic text", bundle.WrongKind, exportBody(1, 1, 2, "320000", 3, uint64(1), 4, at, 5, one))
	hand("revocations_wrong_magic", "the array with the magic text \"hufu-revocation\"", bundle.WrongKind,
		append(cbor.AppendText(cbor.AppendHead(nil, cbor.Array, 2), "hufu-revocation"), exportBody(1, 1, 2, "320000", 3, uint64(1), 4, at, 5, one)...))
	hand("revocations_missing_seq", "no seq", bundle.BadPayload, exportPayload(1, 1, 2, "320000", 4, at, 5, one))
	hand("revocations_seq_0", "seq 0", bundle.BadPayload, exportPayload(1, 1, 2, "320000", 3, uint64(0), 4, at, 5, one))
	hand("revocations_unknown_field", "an unknown field (key 6)", bundle.BadPayload, exportPayload(1, 1, 2, "320000", 3, uint64(1), 4, at, 5, one, 6, 1))
	hand("revocations_unsorted_keys", "issuer (2) after seq (3)", bundle.BadPayload, exportPayload(1, 1, 3, uint64(1), 2, "320000", 4, at, 5, one))
	hand("revocations_bad_issuer", "an issuer with a space", bundle.BadPayload, exportPayload(1, 1, 2, "32 00", 3, uint64(1), 4, at, 5, one))
	hand("revocations_trailing", "a byte after the payload", bundle.BadPayload, append(exportPayload(1, 1, 2, "320000", 3, uint64(1), 4, at, 5, one), 0))
	a := bundle.RevokedPass{ID: passIDOf("rev a"), ExpiresAt: now0.Add(time.Hour)}
	b := bundle.RevokedPass{ID: passIDOf("rev b"), ExpiresAt: now0.Add(time.Hour)}
	if bytes.Compare(a.ID, b.ID) > 0 {
		a, b = b, a
	}
	hand("revocations_unsorted_passes", "two passes in decreasing order of ID", bundle.BadPayload, exportPayload(1, 1, 2, "320000", 3, uint64(1), 4, at, 5, entries(b, a)))
	hand("revocations_duplicate_pass", "the same pass twice", bundle.BadPayload, exportPayload(1, 1, 2, "320000", 3, uint64(1), 4, at, 5, entries(a, a)))
	hand("revocations_short_id", "a 7-byte pass ID", bundle.BadPayload, exportPayload(1, 1, 2, "320000", 3, uint64(1), 4, at, 5,
		entries(bundle.RevokedPass{ID: a.ID[:7], ExpiresAt: a.ExpiresAt})))
	hand("revocations_long_id", "a 17-byte pass ID", bundle.BadPayload, exportPayload(1, 1, 2, "320000", 3, uint64(1), 4, at, 5,
		entries(bundle.RevokedPass{ID: append(bytes.Clone(a.ID), make([]byte, 9)...), ExpiresAt: a.ExpiresAt})))
	hand("revocations_expiry_0", "a pass expiring at time 0", bundle.BadPayload, exportPayload(1, 1, 2, "320000", 3, uint64(1), 4, at, 5,
		entries(bundle.RevokedPass{ID: a.ID, ExpiresAt: time.Unix(0, 0)})))
	hand("revocations_entry_of_3", "a pass as an array of 3", bundle.BadPayload, exportPayload(1, 1, 2, "320000", 3, uint64(1), 4, at, 5,
		raw(append([]byte{0x81, 0x83}, append(cbor.AppendBytes(nil, a.ID), 0x1a, 0x70, 0, 0, 0, 0x00)...))))

	out := map[string][]byte{}
	for _, v := range vs {
		jv := RevocationsVector{Description: v.desc, Export: base64.StdEncoding.EncodeToString(v.export), Now: now0.Format(time.RFC3339)}
		for _, k := range v.keys {
			der, _ := keys.MarshalPublic(k.priv.Public())
			jv.IssuerKeys = append(jv.IssuerKeys, base64.StdEncoding.EncodeToString(der))
		}
		jv.Expect.Error = v.err
		if r := v.r; r != nil {
			jv.Expect.Issuer, jv.Expect.Seq, jv.Expect.IssuedAt = r.Issuer, r.Seq, r.IssuedAt.UTC().Format(time.RFC3339)
			ps := slices.Clone(r.Passes)
			slices.SortFunc(ps, func(a, b bundle.RevokedPass) int { return bytes.Compare(a.ID, b.ID) })
			var merged []uint64
			for _, p := range ps {
				jv.Expect.Passes = append(jv.Expect.Passes, RevocationPass{PassID: hex.EncodeToString(p.ID), ExpiresAt: p.ExpiresAt.UTC().Format(time.RFC3339)})
				if p.ExpiresAt.After(now0) {
					merged = append(merged, bundle.RevocationID(p.ID))
				}
			}
			slices.Sort(merged)
			for _, id := range slices.Compact(merged) {
				jv.Expect.Merged = append(jv.Expect.Merged, hex.EncodeToString(pass.ID(binaryID(id))))
			}
		}
		b, err := json.MarshalIndent(jv, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		name := v.name + ".json"
		if _, dup := out[name]; dup {
			t.Fatalf("two vectors named %s", v.name)
		}
		out[name] = append(b, '\n')
	}
	return out
}

func binaryID(v uint64) []byte {
	return []byte{byte(v >> 56), byte(v >> 48), byte(v >> 40), byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

func jsPass(name string) pass.Pass {
	p := basePass(name)
	p.Issuer = "320000"
	return p
}
