package verifier_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/dgctest"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/verifier"
)

// The EU DCC test data (dgc-testdata, Apache-2.0) is in testdata/dgc at
// the repository root; its README.md explains the fields.

// dgcVector is one test case of the EU test data.
type dgcVector struct {
	path   string // relative to the data directory
	Prefix string `json:"PREFIX"`
	PNG    string `json:"2DCODE"`
	Ctx    struct {
		Certificate string `json:"CERTIFICATE"`
		Clock       string `json:"VALIDATIONCLOCK"`
		Description string `json:"DESCRIPTION"`
	} `json:"TESTCTX"`
	Expected map[string]any `json:"EXPECTEDRESULTS"`
}

func loadDGC(t testing.TB, dir string) []*dgcVector {
	var vs []*dgcVector
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		v := &dgcVector{}
		if err := json.Unmarshal(data, v); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		v.path, _ = filepath.Rel(dir, path)
		v.path = filepath.ToSlash(v.path)
		vs = append(vs, v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// clock parses VALIDATIONCLOCK: RFC 3339, or ISO 8601 with a "+0200" offset
// as the French vectors write it.
func (v *dgcVector) clock() (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700"} {
		if t, err := time.Parse(layout, v.Ctx.Clock); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("VALIDATIONCLOCK %q is not an ISO 8601 time", v.Ctx.Clock)
}

// The steps of HC1 verification, in order. A field of EXPECTEDRESULTS
// holds if Verify got past its step, and fails if Verify stopped at it; if
// Verify stopped earlier, the field was not reached and cannot hold.
const (
	stepPrefix = iota + 1
	stepBase45
	stepCompression
	stepSignature
	stepPayload
	stepKeyWindow
	stepKeyUsage
	stepTime
	stepValid
)

var stepOf = map[verifier.Reason]int{
	verifier.BadPrefix:      stepPrefix,
	verifier.BadBase45:      stepBase45,
	verifier.BadCompression: stepCompression,
	verifier.TooLarge:       stepCompression, // the texts are short: only a zip bomb is too large
	verifier.BadCOSE:        stepSignature,
	verifier.UnsupportedAlg: stepSignature,
	verifier.UnknownKey:     stepSignature,
	verifier.BadSignature:   stepSignature,
	verifier.BadPayload:     stepPayload,
	verifier.KeyNotValid:    stepKeyWindow,
	verifier.KeyUsage:       stepKeyUsage,
	verifier.NotYetValid:    stepTime,
	verifier.Expired:        stepTime,
}

// The EXPECTEDRESULTS fields this test runs, and the step each checks.
// EXPECTEDDECODE (the CBOR decodes) and EXPECTEDPICTUREDECODE (the PNG
// holds the text) are checked apart from Verify.
var dgcFields = map[string]int{
	"EXPECTEDUNPREFIX":        stepPrefix,
	"EXPECTEDB45DECODE":       stepBase45,
	"EXPECTEDCOMPRESSION":     stepCompression,
	"EXPECTEDVERIFY":          stepSignature,
	"EXPECTEDKEYUSAGE":        stepKeyUsage,
	"EXPECTEDEXPIRATIONCHECK": stepTime,
	"EXPECTEDDECODE":          0,
	"EXPECTEDPICTUREDECODE":   0,
}

// Fields of EXPECTEDRESULTS that test what hufu does not do: JSON schema
// validation, re-encoding from JSON, and the test data's own JSON; two keys
// are typos or nesting mistakes in the ES vectors. They are counted, not run.
var dgcNotRun = map[string]string{
	"EXPECTEDSCHEMAVALIDATION": "hufu does not validate the JSON schema of the certificate",
	"EXPECTEDVALIDJSON":        "the JSON field of the test data, not the code",
	"EXPECTEDVALIDOBJECT":      "the test data's own JSON object, not the code",
	"EXPECTEDENCODE":           "encoding (issuing) HC1 codes; hufu only verifies them",
	"EXPTECTEDEXPIRED":         "misspelt key in ES/2DCode/raw/20x.json; those vectors have no expiration field hufu could run",
	"EXPECTEDRESULTS":          "EXPECTEDRESULTS nested in itself in ES/2DCode/raw/100x.json",
}

// dgcMismatches lists every vector and field where hufu disagrees with the
// EU test data, and why. The test fails on a mismatch that is not listed,
// and on a listed one that no longer mismatches.
var dgcMismatches = map[string]string{
	// The vector is wrong: a P-384 key signs under alg ES256 (-7), making
	// a 96-byte signature. ES256 is ECDSA on P-256 with a 64-byte r‖s
	// signature (RFC 9053 §2.1; HCERT names P-256), so hufu rejects the
	// message as bad_cose before any key lookup, and keys.ParseDSC refuses
	// the P-384 certificate too. A verifier that accepts these would take
	// any curve the certificate names.
	"ES/2DCode/raw/401.json EXPECTEDVERIFY": p384,
	"ES/2DCode/raw/401.json EXPECTEDDECODE": p384,
	"ES/2DCode/raw/402.json EXPECTEDVERIFY": p384,
	"ES/2DCode/raw/402.json EXPECTEDDECODE": p384,
	"ES/2DCode/raw/403.json EXPECTEDVERIFY": p384,
	"ES/2DCode/raw/403.json EXPECTEDDECODE": p384,

	// Deliberate: the protected header is empty and alg is only in the
	// unprotected header, where the signature does not cover it. HCERT puts
	// alg in the protected header (only the kid MAY be unprotected); the
	// vector's own description ("KID in protected header correct") does
	// not match its content either.
	"common/2DCode/raw/CO20.json EXPECTEDVERIFY": "alg only in the unprotected header: hufu requires a signed alg (HCERT: protected header holds alg; only kid may be unprotected)",

	// Deliberate: two vaccination entries in one certificate (schema
	// 1.2.1, which allowed it). A DCC certifies one vaccination, test or
	// recovery, and hufu reports exactly one entry; rather than choose
	// which dose to show, it rejects the certificate as bad_payload, so
	// the steps after the signature are not reached.
	"SK/2DCode/raw/3.json EXPECTEDDECODE":          twoEntries,
	"SK/2DCode/raw/3.json EXPECTEDKEYUSAGE":        twoEntries,
	"SK/2DCode/raw/3.json EXPECTEDEXPIRATIONCHECK": twoEntries,

	// The vector is incomplete: it expects its picture to decode but has
	// no 2DCODE, so there is no picture to read.
	"common/2DCode/raw/B1.json EXPECTEDPICTUREDECODE":               noPicture,
	"FR/2DCode/raw/DGC_QrCode_00001_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00002_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00003_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00004_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00005_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00006_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00007_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00008_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00009_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00010_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00011_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00012_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00013_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00014_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00015_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00016_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00017_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/DGC_QrCode_00018_Raw.json EXPECTEDPICTUREDECODE": noPicture,
	"FR/2DCode/raw/recovery_ok.json EXPECTEDPICTUREDECODE":          noPicture,
	"FR/2DCode/raw/test_pcr_ok.json EXPECTEDPICTUREDECODE":          noPicture,
	"FR/2DCode/raw/vaccin_ok.json EXPECTEDPICTUREDECODE":            noPicture,
}

const (
	p384       = "ES256 signed with a P-384 key (96-byte signature): ES256 is P-256 only (RFC 9053 §2.1, HCERT)"
	twoEntries = "two entries in the v array: hufu accepts exactly one vaccination, test or recovery entry"
	noPicture  = "the vector has no 2DCODE to decode"
)

// TestDGC runs the EU's test vectors for EU Digital COVID Certificates
// through Verify (at each vector's VALIDATIONCLOCK, with no clock skew,
// trusting its CERTIFICATE as a DSC), InspectUnverified and qr.DecodeBytes,
// and compares every EXPECTED* field that hufu covers.
func TestDGC(t *testing.T) {
	dir := dgctest.Dir(t)
	vs := loadDGC(t, dir)
	if len(vs) == 0 {
		t.Fatalf("no vectors in %s", dir)
	}
	type count struct{ agree, disagree, notRun int }
	counts := map[string]*count{}
	seen := map[string]bool{}
	for _, v := range vs {
		clock, err := v.clock()
		if err != nil {
			t.Errorf("%s: %v", v.path, err)
			continue
		}
		// The reason Verify gives, and the step it stopped at.
		var trust *keys.TrustFile
		if der, err := base64.StdEncoding.DecodeString(v.Ctx.Certificate); err == nil {
			if k, err := keys.ParseDSC(der); err == nil {
				trust = mustTrust(t, k)
			} else if !errors.Is(err, keys.ErrUnsupported) {
				t.Errorf("%s: ParseDSC: %v", v.path, err)
			}
		}
		if trust == nil {
			trust = mustTrust(t)
		}
		_, err = verifier.Verify(v.Prefix, trust, verifier.Options{Now: clock, Skew: -1})
		reason, step := verifier.Reason(""), stepValid
		if err != nil {
			reason = reasonOf(err)
			var ok bool
			if step, ok = stepOf[reason]; !ok {
				t.Errorf("%s: Verify: %v", v.path, err)
				continue
			}
		}
		for field, exp := range v.Expected {
			c := counts[field]
			if c == nil {
				c = &count{}
				counts[field] = c
			}
			fieldStep, run := dgcFields[field]
			want, isBool := exp.(bool)
			if !run || !isBool {
				if _, known := dgcNotRun[field]; !known {
					t.Errorf("%s: unknown field %s", v.path, field)
				}
				c.notRun++
				continue
			}
			var got bool
			var what string
			switch field {
			case "EXPECTEDDECODE":
				u, err := verifier.InspectUnverified(v.Prefix)
				got = err == nil && u.Claim == nil
				switch {
				case err != nil:
					what = "does not decode: " + err.Error()
				case u.Claim != nil:
					what = "claims do not decode: " + u.Claim.Error()
				default:
					what = "decodes"
				}
			case "EXPECTEDPICTUREDECODE":
				got, what = pictureDecodes(v)
			default:
				if want {
					got = step > fieldStep
				} else {
					got = step != fieldStep
				}
				what = "valid"
				if err != nil {
					what = err.Error()
				}
			}
			key := v.path + " " + field
			if got == want {
				c.agree++
				if _, listed := dgcMismatches[key]; listed {
					t.Errorf("%s: listed as a mismatch, but hufu agrees now (%s); remove it from dgcMismatches", key, what)
				}
				continue
			}
			c.disagree++
			seen[key] = true
			if _, listed := dgcMismatches[key]; !listed {
				t.Errorf("%s: vector expects %v, hufu: %s", key, want, what)
			}
		}
	}
	for key := range dgcMismatches {
		if !seen[key] && !slices.ContainsFunc(vs, func(v *dgcVector) bool { return strings.HasPrefix(key, v.path+" ") }) {
			t.Errorf("%s: listed as a mismatch, but there is no such vector", key)
		}
	}
	var fields []string
	for f := range counts {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var listed []string
	for key, why := range dgcMismatches {
		listed = append(listed, key+": "+why)
	}
	sort.Strings(listed)
	t.Logf("%d listed disagreements:\n\t%s", len(listed), strings.Join(listed, "\n\t"))
	t.Logf("%d vectors in %s", len(vs), dir)
	t.Logf("%-26s %6s %9s %8s", "field", "agree", "disagree", "not run") // every disagreement is listed
	for _, f := range fields {
		c := counts[f]
		t.Logf("%-26s %6d %9d %8d", f, c.agree, c.disagree, c.notRun)
	}
}

// pictureDecodes reports whether the vector's PNG holds its PREFIX text.
func pictureDecodes(v *dgcVector) (bool, string) {
	if v.PNG == "" {
		return false, "the vector has no 2DCODE"
	}
	png, err := base64.StdEncoding.DecodeString(v.PNG)
	if err != nil {
		return false, "2DCODE is not Base64: " + err.Error()
	}
	texts, err := qr.DecodeBytes(png)
	if err != nil {
		return false, "qr: " + err.Error()
	}
	if slices.Contains(texts, v.Prefix) {
		return true, "the picture holds PREFIX"
	}
	return false, fmt.Sprintf("the picture holds %d other texts", len(texts))
}
