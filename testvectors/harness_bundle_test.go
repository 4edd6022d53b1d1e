package testvectors

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/verifier"
)

// The bundle vectors (bundle_*.json) through bundle.Open, Bundle.Replaces
// and verifier.Verify, and through "hufu bundle pin/install" and
// "hufu verify -bundle … -json".

func TestBundleVectorsCover(t *testing.T) {
	errs := map[string]bool{}
	warnings := map[string]bool{}
	n := 0
	for _, v := range loadVectors(t) {
		if v.Bundle == "" {
			continue
		}
		n++
		errs[v.Expect.BundleError] = true
		for _, w := range v.Expect.Warnings {
			warnings[w] = true
		}
		if v.Expect.Undecided != verifier.Reason(v.Expect.Reason).Undecided() {
			t.Errorf("%s: undecided %v, reason %s", v.Name, v.Expect.Undecided, v.Expect.Reason)
		}
	}
	for _, r := range []bundle.Reason{bundle.UnknownRoot, bundle.BadSignature, bundle.UnsupportedVersion, bundle.BadPayload, bundle.Rollback} {
		if !errs[string(r)] {
			t.Errorf("no bundle vector for bundle error %s", r)
		}
	}
	if !warnings[bundle.WarningStale] || n < 20 {
		t.Errorf("%d bundle vectors, warnings %v", n, warnings)
	}
}

func decodeB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (v *Vector) roots(t *testing.T) []crypto.PublicKey {
	var roots []crypto.PublicKey
	for _, r := range v.Roots {
		pub, err := keys.ParsePublic(decodeB64(t, r))
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, pub)
	}
	return roots
}

func bundleReason(err error) string {
	var e *bundle.Error
	if errors.As(err, &e) {
		return string(e.Reason)
	}
	return "not a *bundle.Error: " + err.Error()
}

func bundleVectorLibrary(t *testing.T, v *Vector) {
	roots := v.roots(t)
	b, err := bundle.Open(decodeB64(t, v.Bundle), roots)
	var trust verifier.Trust = b
	if v.InstalledBundle != "" {
		old, err := bundle.Open(decodeB64(t, v.InstalledBundle), roots)
		if err != nil {
			t.Fatalf("installed bundle: %v", err)
		}
		if err := b.Replaces(old); err != nil {
			if got := bundleReason(err); got != v.Expect.BundleError {
				t.Fatalf("Replaces: %s (%v), want %q", got, err, v.Expect.BundleError)
			}
			trust = old
		} else if v.Expect.BundleError != "" {
			t.Fatalf("Replaces accepted the bundle; want %s", v.Expect.BundleError)
		}
	} else if err != nil {
		if got := bundleReason(err); got != v.Expect.BundleError {
			t.Fatalf("Open: %s (%v), want %q", got, err, v.Expect.BundleError)
		}
		if v.Expect.Reason != string(verifier.TrustUnavailable) {
			t.Fatalf("the bundle does not open, but the vector expects %s", v.Expect.Reason)
		}
		// InspectUnverified reads what the signature checks do not
		// catch, and trusts nothing.
		if u, err := bundle.InspectUnverified(decodeB64(t, v.Bundle)); err == nil {
			if _, err := verifier.Verify(v.Text, u, v.options(t)); err == nil {
				t.Fatal("an unverified bundle verified a pass")
			}
		}
		return
	} else if v.Expect.BundleError != "" {
		t.Fatalf("Open accepted the bundle; want %s", v.Expect.BundleError)
	}

	p, err := verifier.Verify(v.Text, trust, v.options(t))
	if (p == nil) == (err == nil) {
		t.Fatalf("Verify returned pass %v and error %v: want exactly one", p, err)
	}
	if !v.Expect.Valid {
		var ve *verifier.Error
		if !errors.As(err, &ve) || string(ve.Reason) != v.Expect.Reason {
			t.Fatalf("%v, want %s", err, v.Expect.Reason)
		}
		if ve.Reason.Undecided() != v.Expect.Undecided {
			t.Fatalf("undecided %v, want %v", ve.Reason.Undecided(), v.Expect.Undecided)
		}
		return
	}
	if err != nil {
		t.Fatalf("want valid, got %v", err)
	}
	checkPass(t, v.Expect.Pass, p)
	if !slices.Equal(p.Warnings, v.Expect.Warnings) {
		t.Fatalf("warnings %q, want %q", p.Warnings, v.Expect.Warnings)
	}
}

func bundleVectorCLI(t *testing.T, v *Vector, dir string) {
	dir = filepath.Join(dir, v.Name)
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	text := write("pass.txt", []byte(v.Text+"\n"))
	bundlePath := write("bundle.hfb", decodeB64(t, v.Bundle))
	args := []string{"verify", "-json", "-at", v.Now}
	if v.SkewSeconds != nil {
		args = append(args, "-skew", strconv.FormatInt(*v.SkewSeconds, 10)+"s")
	}
	if v.InstalledBundle != "" {
		// The guard's way: pin the roots, install, install the update.
		pin := []string{"bundle", "pin", "-state", state}
		for i, pub := range v.roots(t) {
			pem, _ := keys.EncodePublicPEM(pub)
			pin = append(pin, write("root"+strconv.Itoa(i)+".pub", pem))
		}
		if _, code := runHufu(t, pin...); code != 0 {
			t.Fatalf("bundle pin: exit %d", code)
		}
		installed := write("installed.hfb", decodeB64(t, v.InstalledBundle))
		if _, code := runHufu(t, "bundle", "install", "-state", state, installed); code != 0 {
			t.Fatalf("installing the installed bundle: exit %d", code)
		}
		_, code := runHufu(t, "bundle", "install", "-state", state, bundlePath)
		if want := map[bool]int{true: 1, false: 0}[v.Expect.BundleError == "rollback"]; code != want {
			t.Fatalf("bundle install: exit %d, want %d", code, want)
		}
		args = append(args, "-state", state)
	} else {
		args = append(args, "-bundle", bundlePath)
		for i, pub := range v.roots(t) {
			pem, _ := keys.EncodePublicPEM(pub)
			args = append(args, "-root", write("root"+strconv.Itoa(i)+".pub", pem))
		}
	}
	if v.Expect.Valid {
		args = append(args, "-name", v.Expect.Pass.Name)
	}
	out, code := runHufu(t, append(args, text)...)
	var got struct {
		Valid     bool     `json:"valid"`
		Reason    string   `json:"reason"`
		Detail    string   `json:"detail"`
		Decision  string   `json:"decision"`
		PassID    string   `json:"pass_id"`
		Warnings  []string `json:"warnings"`
		NameMatch *bool    `json:"name_match"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	switch {
	case v.Expect.Undecided:
		if got.Valid || got.Decision != "cannot_decide" || got.Reason != v.Expect.Reason || code != 5 {
			t.Fatalf("exit %d, verdict %s; want undecided %s, exit 5", code, out, v.Expect.Reason)
		}
		if v.Expect.BundleError != "" && !strings.Contains(got.Detail, v.Expect.BundleError) {
			t.Fatalf("detail %q does not name %s", got.Detail, v.Expect.BundleError)
		}
	case !v.Expect.Valid:
		if got.Valid || got.Decision != "invalid" || got.Reason != v.Expect.Reason || code != 1 {
			t.Fatalf("exit %d, verdict %s; want reason %s, exit 1", code, out, v.Expect.Reason)
		}
	default:
		w := v.Expect.Pass
		wantCode := map[string]int{"admit": 0, "observe": 3, "deny": 4}[w.Decision]
		if !got.Valid || got.Decision != w.Decision || got.PassID != w.PassID || got.NameMatch == nil || !*got.NameMatch ||
			!slices.Equal(got.Warnings, v.Expect.Warnings) || code != wantCode {
			t.Fatalf("exit %d, verdict %s; want %+v, warnings %q", code, out, w, v.Expect.Warnings)
		}
	}
}
