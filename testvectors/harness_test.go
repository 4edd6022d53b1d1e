package testvectors

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/verdictschema"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/verifier"
)

// The harness: every vector through every public entry point —
// verifier.Verify, verifier.InspectUnverified, "hufu verify -json" and
// "hufu inspect -json".

func loadVectors(t *testing.T) []Vector {
	t.Helper()
	vs, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) < 50 {
		t.Fatalf("only %d vectors", len(vs))
	}
	return vs
}

func (v *Vector) options(t *testing.T) verifier.Options {
	now, err := time.Parse(time.RFC3339, v.Now)
	if err != nil {
		t.Fatalf("%s: now: %v", v.Name, err)
	}
	o := verifier.Options{Now: now}
	if v.SkewSeconds != nil {
		o.Skew = time.Duration(*v.SkewSeconds) * time.Second
		if *v.SkewSeconds == 0 {
			o.Skew = -1
		}
	}
	if v.WindowSeconds != nil {
		o.PresentationWindow = time.Duration(*v.WindowSeconds) * time.Second
		if *v.WindowSeconds == 0 {
			o.PresentationWindow = -1
		}
	}
	if v.ChallengeHex != "" {
		c, err := hex.DecodeString(v.ChallengeHex)
		if err != nil {
			t.Fatalf("%s: challenge_hex: %v", v.Name, err)
		}
		o.Challenge = c
	}
	return o
}

// trustReason is the reason code for a trust file that does not load.
func trustReason(err error) string {
	if errors.Is(err, keys.ErrUnsupported) {
		return string(verifier.UnsupportedAlg)
	}
	return "bad_trust"
}

func TestVectorsCoverEveryReason(t *testing.T) {
	seen := map[string]bool{}
	valid := 0
	algs := map[string]bool{}
	for _, v := range loadVectors(t) {
		if v.Expect.Valid {
			valid++
			algs[v.Expect.Pass.Alg] = true
		} else {
			seen[v.Expect.Reason] = true
		}
	}
	// Every reason an HF1 code with a trust file can produce.
	for _, r := range []verifier.Reason{
		verifier.TooLarge, verifier.BadPrefix, verifier.BadBase45, verifier.BadCOSE,
		verifier.UnsupportedAlg, verifier.UnknownKey, verifier.BadSignature, verifier.BadPayload,
		verifier.IssuerNotAllowed, verifier.KeyNotValid, verifier.NotYetValid, verifier.Expired,
		// and those a trust bundle adds
		verifier.RevokedPass, verifier.RevokedKey, verifier.PolicyViolation,
		verifier.TrustExpired, verifier.ClockBehind, verifier.TrustUnavailable,
		// and presentations (SPEC.md §14)
		verifier.PresentationRequired, verifier.NotHolderBound, verifier.BadHolderSignature,
		verifier.PresentationStale, verifier.ChallengeMismatch,
	} {
		if !seen[string(r)] {
			t.Errorf("no vector for reason %s", r)
		}
	}
	if valid < 10 || !algs["ES256"] || !algs["EdDSA"] {
		t.Errorf("%d valid vectors, algorithms %v", valid, algs)
	}
}

func TestVectorsLibrary(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			if v.Bundle != "" {
				bundleVectorLibrary(t, &v)
				return
			}
			if v.COSEHex != "" {
				raw, err := base45.DecodeString(strings.TrimPrefix(strings.TrimPrefix(v.Text, "HF1:"), "HF1P:"))
				if err != nil || hex.EncodeToString(raw) != v.COSEHex {
					t.Fatalf("cose_hex does not match the text (%v)", err)
				}
			}
			trust, err := keys.ParseTrust(v.Trust)
			if v.Expect.TrustError {
				if err == nil {
					t.Fatal("trust file loaded; want it rejected")
				}
				if got := trustReason(err); got != v.Expect.Reason {
					t.Fatalf("trust file rejected as %s (%v), want %s", got, err, v.Expect.Reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("trust file: %v", err)
			}
			p, err := verifier.Verify(v.Text, trust, v.options(t))
			if (p == nil) == (err == nil) {
				t.Fatalf("Verify returned pass %v and error %v: want exactly one", p, err)
			}
			if !v.Expect.Valid {
				var ve *verifier.Error
				if !errors.As(err, &ve) {
					t.Fatalf("error %v is not a *verifier.Error", err)
				}
				if string(ve.Reason) != v.Expect.Reason {
					t.Fatalf("reason %s (%v), want %s", ve.Reason, err, v.Expect.Reason)
				}
				if !errors.Is(err, verifier.Reason(v.Expect.Reason)) {
					t.Fatalf("errors.Is(err, %s) is false", v.Expect.Reason)
				}
			} else {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				checkPass(t, v.Expect.Pass, p)
				checkPresentation(t, v.Expect.Presentation, p)
			}

			u, err := verifier.InspectUnverified(v.Text)
			decodes := v.Expect.Valid || v.Expect.Decodes
			if decodes != (err == nil) {
				t.Fatalf("InspectUnverified error %v; want decodes=%v", err, decodes)
			}
			if err != nil {
				var ve *verifier.Error
				if !errors.As(err, &ve) || string(ve.Reason) != v.Expect.Reason {
					t.Fatalf("InspectUnverified reason %v, want %s", err, v.Expect.Reason)
				}
			} else if hex.EncodeToString(u.COSE) != v.COSEHex {
				t.Fatalf("InspectUnverified COSE differs from cose_hex")
			}
			if v.Expect.Valid && (u.Pass == nil || u.Pass.ID.String() != v.Expect.Pass.PassID) {
				t.Fatalf("InspectUnverified pass %+v", u.Pass)
			}
			if w := v.Expect.Presentation; w != nil && (u.Presentation == nil || u.Presentation.Time.Format(time.RFC3339) != w.Time ||
				hex.EncodeToString(u.Presentation.Challenge) != w.ChallengeHex || hex.EncodeToString(u.Pass.HolderKey) != w.HolderKey) {
				t.Fatalf("InspectUnverified presentation %+v, want %+v", u.Presentation, w)
			}
			if (u != nil && u.Presentation != nil) != (v.Expect.Presentation != nil) && v.Expect.Valid {
				t.Fatalf("InspectUnverified presentation %+v, want %+v", u.Presentation, v.Expect.Presentation)
			}
		})
	}
}

// checkPresentation compares what a verified presentation reports; want
// nil means the text was a bare pass.
func checkPresentation(t *testing.T, want *Presentation, p *verifier.Pass) {
	t.Helper()
	if want == nil {
		if p.Presentation != nil {
			t.Fatalf("a bare pass reports presentation %+v", p.Presentation)
		}
		return
	}
	pr := p.Presentation
	if pr == nil {
		t.Fatal("a presentation reports no Presentation")
	}
	got := Presentation{Time: pr.Time.UTC().Format(time.RFC3339), Digest: hex.EncodeToString(pr.Digest[:]), HolderKey: hex.EncodeToString(p.HolderKey)}
	if pr.Challenge != nil {
		got.ChallengeHex = hex.EncodeToString(pr.Challenge)
	}
	if got != *want {
		t.Fatalf("presentation\n got  %+v\n want %+v", got, *want)
	}
}

func checkPass(t *testing.T, want *Pass, p *verifier.Pass) {
	t.Helper()
	reason := ""
	if p.Reason != 0 {
		reason = p.Reason.String()
	}
	photo := ""
	if p.PhotoDigest != nil {
		photo = hex.EncodeToString(p.PhotoDigest)
	}
	got := Pass{
		Issuer: p.Issuer, PassID: p.ID.String(),
		IssuedAt: p.IssuedAt.UTC().Format(time.RFC3339), ExpiresAt: p.ExpiresAt.UTC().Format(time.RFC3339),
		Colour: p.Colour.String(), Decision: p.Decision().String(), StatusReason: reason,
		Hints: p.Hints.Names(), NameHash: hex.EncodeToString(p.NameHash), PhotoDigest: photo,
		PhotoID: p.PhotoID, Alg: string(p.Alg), KID: hex.EncodeToString(p.Key.KID),
		Name: want.Name, OtherName: want.OtherName, PhotoHex: want.PhotoHex,
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Fatalf("pass\n got  %s\n want %s", gj, wj)
	}
	if !p.NameMatches(want.Name) {
		t.Errorf("NameMatches(%q) = false", want.Name)
	}
	if p.NameMatches(want.OtherName) {
		t.Errorf("NameMatches(%q) = true", want.OtherName)
	}
	if want.PhotoHex != "" {
		b, _ := hex.DecodeString(want.PhotoHex)
		if !p.PhotoMatches(b) {
			t.Error("PhotoMatches(photo) = false")
		}
		if p.PhotoMatches(append(b, 0)) {
			t.Error("PhotoMatches(other photo) = true")
		}
	}
}

var (
	buildOnce sync.Once
	hufuBin   string
	buildErr  error
)

// hufu builds cmd/hufu once per test binary.
func hufu(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hufu-vectors-")
		if err != nil {
			buildErr = err
			return
		}
		hufuBin = filepath.Join(dir, "hufu")
		out, err := exec.Command("go", "build", "-o", hufuBin, "../cmd/hufu").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building hufu: %v", buildErr)
	}
	return hufuBin
}

func runHufu(t *testing.T, args ...string) (stdout string, code int) {
	t.Helper()
	cmd := exec.Command(hufu(t), args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running hufu: %v", err)
	}
	if code == 2 && !strings.HasPrefix(errb.String(), "hufu: error: ") {
		t.Errorf("exit 2 without a \"hufu: error:\" message: %q", errb.String())
	}
	if code != 2 && args[0] == "verify" && slices.Contains(args, "-json") {
		// Every verdict printed is one of the schema (SPEC §17).
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if err := verdictschema.Validate([]byte(line)); err != nil {
				t.Errorf("verify -json: %s\ndoes not fit the verdict schema: %v", line, err)
			}
		}
	}
	return out.String(), code
}

func TestVectorsCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the hufu binary; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build hufu with")
	}
	dir := t.TempDir()
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			if v.Bundle != "" {
				bundleVectorCLI(t, &v, dir)
				return
			}
			trust := filepath.Join(dir, v.Name+".trust.json")
			text := filepath.Join(dir, v.Name+".txt")
			os.WriteFile(trust, v.Trust, 0o644)
			os.WriteFile(text, []byte(v.Text+"\n"), 0o644)
			args := []string{"verify", "-json", "-trust", trust, "-at", v.Now}
			if v.SkewSeconds != nil {
				args = append(args, "-skew", strconv.FormatInt(*v.SkewSeconds, 10)+"s")
			}
			if v.WindowSeconds != nil {
				args = append(args, "-window", strconv.FormatInt(*v.WindowSeconds, 10)+"s")
			}
			if v.ChallengeHex != "" {
				args = append(args, "-challenge", v.ChallengeHex)
			}
			if v.Expect.Valid {
				args = append(args, "-name", v.Expect.Pass.Name)
			}
			out, code := runHufu(t, append(args, text)...)
			if strings.TrimSpace(v.Text) == "" {
				// The library says bad_prefix; the CLI treats no input
				// as a usage error, not a forged pass (issue 11 item 10).
				if code != 2 || out != "" {
					t.Fatalf("exit %d, output %q for empty input; want exit 2 and no verdict", code, out)
				}
				return
			}
			if v.Expect.TrustError {
				if code != 2 {
					t.Fatalf("exit %d with a bad trust file, want 2", code)
				}
				return
			}
			var got struct {
				Version   int      `json:"hufu_verdict"`
				Valid     bool     `json:"valid"`
				Reason    string   `json:"reason"`
				Decision  string   `json:"decision"`
				Colour    string   `json:"colour"`
				Issuer    string   `json:"issuer"`
				PassID    string   `json:"pass_id"`
				ExpiresAt string   `json:"expires_at"`
				Hints     []string `json:"hints"`
				NameMatch *bool    `json:"name_match"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if got.Version != 2 || got.Valid != v.Expect.Valid {
				t.Fatalf("verdict %s", out)
			}
			if !v.Expect.Valid {
				if got.Reason != v.Expect.Reason || got.Decision != "invalid" || code != 1 {
					t.Fatalf("exit %d, verdict %s; want reason %s, exit 1", code, out, v.Expect.Reason)
				}
			} else {
				w := v.Expect.Pass
				wantCode := map[string]int{"admit": 0, "observe": 3, "deny": 4}[w.Decision]
				if got.Decision != w.Decision || got.Colour != w.Colour || got.Issuer != w.Issuer ||
					got.PassID != w.PassID || got.ExpiresAt != w.ExpiresAt || !slices.Equal(got.Hints, w.Hints) ||
					got.NameMatch == nil || !*got.NameMatch || code != wantCode {
					t.Fatalf("exit %d, verdict %s; want %+v", code, out, w)
				}
				// The wrong name turns any valid pass into deny.
				out, code = runHufu(t, append(args[:len(args)-2], "-name", w.OtherName, text)...)
				if code != 4 || !strings.Contains(out, `"name_match":false`) || !strings.Contains(out, `"decision":"deny"`) {
					t.Fatalf("with another name: exit %d, %s", code, out)
				}
			}

			out, code = runHufu(t, "inspect", "-json", text)
			var ins struct {
				Unverified bool   `json:"unverified"`
				Decoded    bool   `json:"decoded"`
				Reason     string `json:"reason"`
				COSE       string `json:"cose_hex"`
			}
			if err := json.Unmarshal([]byte(out), &ins); err != nil {
				t.Fatalf("inspect output %q: %v", out, err)
			}
			decodes := v.Expect.Valid || v.Expect.Decodes
			if !ins.Unverified || ins.Decoded != decodes || (decodes && ins.COSE != v.COSEHex) ||
				(!decodes && ins.Reason != v.Expect.Reason) || (code == 0) != decodes {
				t.Fatalf("inspect: exit %d, %s", code, out)
			}
		})
	}
}
