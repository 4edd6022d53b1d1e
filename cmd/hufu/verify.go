package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hufu-project/hufu/input"
	"github.com/hufu-project/hufu/internal/termsafe"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

var cmdVerify = &command{
	name:    "verify",
	summary: "check a pass and print the verdict",
	usage: `
Usage: hufu verify [-trust TRUST.json | -bundle BUNDLE.hfb [-root ROOT.pub]…]
                   [-dsc CERT.pem]… [-state DIR] [-name NAME] [-photo IMAGE]
                   [-at TIME] [-skew 5m] [-json] [INPUT | -]

Verify checks a pass offline: its signature against the trusted keys, the
issuer the key may sign for, revocation and the issuer's limits (with a
trust bundle), and its issue and expiry times. It reads the pass from
INPUT, or from standard input if INPUT is "-" or absent: either the pass
text (HF1:…; white space around it is ignored) or a PNG, JPEG or GIF image
of the QR code (recognised by content, not by file name). INPUT may be a
directory: every image in it is checked, one verdict each. An image
holding several codes gives a verdict for each.

It also checks EU Digital COVID Certificates (HC1:…) against the
document-signer certificates (DSCs) given with -dsc: the signature, that
the certificate was issued and expires within the DSC's validity, that the
DSC's extended key usage allows its type (vaccination, test, recovery),
and its issue and expiry times. It applies no rules to the content (doses,
how old a test is): the verdict is ✔ VALID EU DCC, with the holder and the
certificate's fields, and the decision is yours.

The verdict leads with the decision as a word and a symbol: ✔ ADMIT (green),
▲ OBSERVE (yellow), ✘ DENY (red), ✔ VALID EU DCC, ✘ INVALID (not a valid
pass), or ? CANNOT DECIDE. If you give -name or -photo and it does not
match the pass, the decision is DENY: the code belongs to someone else (an
EU DCC carries the holder's name but no photo).

The trusted keys come from, in this order: -trust FILE, an unsigned trust
file (the verdict says "(unsigned)"); -bundle FILE, a signed trust bundle,
checked against the -root keys or else the roots pinned in the state
directory; or the trust bundle installed in the state directory (see "hufu
help bundle"). A bundle that is expired, or newer than this computer's
clock, makes the verdict CANNOT DECIDE; one past its next update adds the
warning trust_stale.

Flags:
    -trust FILE   unsigned trust file with the keys to accept (HF1 passes)
    -bundle FILE  signed trust bundle to use instead of the installed one
    -root FILE    a bundle root public key to check -bundle with; repeatable
    -state DIR    the state directory (default $HUFU_STATE, else
                  $XDG_STATE_HOME/hufu, else ~/.local/state/hufu)
    -dsc FILE     EU document-signer certificates to accept (HC1 codes): PEM
                  with one or more certificates, or one DER certificate;
                  repeat the flag for several files. With -dsc and neither
                  -trust nor -bundle, only EU DCCs are checked.
    -name NAME    the name on the holder's ID card, to match against the pass
    -photo FILE   a photo file to match against the pass's photo digest
    -at TIME      verify as of TIME (RFC 3339) instead of now
    -skew D       clock-skew tolerance (default 5m; 0 for none)
    -json         print one JSON object instead of the human verdict
    -ansi         colour the verdict with ANSI escapes even when output is
                  not a terminal (it is coloured on a terminal unless
                  NO_COLOR is set); -color is its old name

Exit status (for several verdicts, the most serious one, in the order
2, 1, 5, 4, 3, 6, 0); the decision word is the JSON "decision":
    0  admit          a valid green pass (and the name and photo match, if given)
    3  observe        a valid yellow pass
    4  deny           a valid red pass, or the name or photo does not match
    6  valid          a valid EU DCC (HC1): genuine, in date, signed by a DSC
                      allowed to sign its type; admitting is for your rules
    1  invalid        not a valid pass: forged, altered, expired, unknown key, …
    5  cannot_decide  the trust bundle has expired, this computer's clock is
                      behind it, or it does not verify
    2  error          usage error, no input, or a file could not be read

Times are shown in local time with the zone; with -json in UTC.

JSON output (-json) is one object per line, the verdict of SPEC.md §17
(schema verdict/schema/verdict.v2.json). Every key is always there, null
when unknown:
    {"hufu_verdict":2, "decision":"admit", "valid":true, "input":null,
     "reason":null, "detail":null, "format":"HF1", "colour":"green",
     "issuer":"310000", "issuer_name":null, "pass_id":"…",
     "issued_at":"…", "expires_at":"…", "checked_at":"…",
     "seconds_left":86340, "status_reason":null,
     "hints":["health_registration"], "name_match":true,
     "photo_match":null, "photo_id":null, "alg":"ES256", "kid":"…",
     "trust":"…", "warnings":[], "hc1":null, "scan":null}
For an EU DCC, "decision" is "valid" (or "deny" if the name does not
match), "format" is "HC1", "issuer" the issuing country, and "hc1" holds
the certificate: {"country":"AT", "type":"vaccination", "name":{…},
"date_of_birth":"…", "certificate_id":"URN:UVCI:…", "vaccination":{…},
"test":null, "recovery":null}. For a code that is not valid, "decision"
is "invalid" or "cannot_decide" and "reason" a stable code: too_large,
bad_prefix, bad_base45, bad_compression, bad_cose, unsupported_alg,
unknown_key, bad_signature, bad_payload, issuer_not_allowed,
key_not_valid, key_usage, not_yet_valid, expired, revoked_pass,
revoked_key, policy_violation, for presentations (HF1P:…)
presentation_required, not_holder_bound, bad_holder_signature,
presentation_stale and challenge_mismatch, and for cannot_decide
trust_expired, clock_behind and trust_unavailable; for images
no_qr_code (none found), unreadable_qr (found, not decodable) and
bad_image (not a readable image). With several verdicts, "input" names
the file each comes from. "status_reason" is why a pass is yellow or
red. "scan" is set by "hufu scan" (see "hufu help scan").

Example:
    $ hufu verify -trust trust.json -name "张三" pass.txt
    ✔  ADMIT  ·  GREEN
      issuer    310000
      …
    $ hufu verify -dsc dsc.pem dcc.png
    ✔  VALID EU DCC  ·  VACCINATION 2/2
      holder    Musterfrau-Gößinger, Gabriele  (MUSTERFRAU<GOESSINGER, GABRIELE)
      …
`,
}

func init() { cmdVerify.run = runVerify }

func runVerify(e *env, args []string) int {
	c := cmdVerify
	fl := flagSet(e, c)
	trustPath := fl.String("trust", "", "")
	bundlePath := fl.String("bundle", "", "")
	state := fl.String("state", "", "")
	var rootFiles multiFlag
	fl.Var(&rootFiles, "root", "")
	var dscPaths multiFlag
	fl.Var(&dscPaths, "dsc", "")
	name := fl.String("name", "", "")
	photo := fl.String("photo", "", "")
	at := fl.String("at", "", "")
	skew := fl.Duration("skew", verifier.DefaultSkew, "")
	asJSON := fl.Bool("json", false, "")
	color := fl.Bool("ansi", false, "")
	renamed(e, fl, "color", "ansi")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) > 1 {
		return usageError(e, c, "verify takes one INPUT")
	}
	opts := verifier.Options{Skew: *skew}
	if *skew == 0 {
		opts.Skew = -1
	}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usageError(e, c, "bad -at time %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", *at)
		}
		opts.Now = t
	}
	var ck verdict.Checks
	if *name != "" {
		if _, err := normalizeName(*name); err != nil {
			return usageError(e, c, "-name: %v", err)
		}
		ck.Name = *name
	}
	if *photo != "" {
		b, err := os.ReadFile(*photo)
		if err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
		ck.Photo = b
	}
	src, code := openVerifyTrust(e, c, *trustPath, *bundlePath, *state, rootFiles, dscPaths)
	if code != exitOK {
		return code
	}
	label := src.Label

	input := "-"
	if len(pos) == 1 {
		input = pos[0]
	}
	scans, err := readScans(e, input)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
		opts.Now = now
	}
	st := newStyle(*color || colorOn(e))
	for i, sc := range scans {
		v := verdict.Unreadable(sc.Reason, sc.Detail, now, label)
		if sc.Reason == "" {
			v = src.Verdict(sc.Text, ck, opts)
		}
		v.Input = sc.Source
		if *asJSON {
			if err := writeJSON(e.stdout, v); err != nil {
				e.errorf("%v", err)
				return exitUsage
			}
		} else {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			writeHuman(e.stdout, v, ck.Photo != nil, st)
		}
		code = worst(code, exitCode(v))
	}
	return code
}

// colorOn reports whether standard output is a terminal that wants colour.
func colorOn(e *env) bool {
	if e.getenv("NO_COLOR") != "" || e.getenv("TERM") == "dumb" {
		return false
	}
	f, ok := e.stdout.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

var cmdInspect = &command{
	name:    "inspect",
	summary: "decode a pass WITHOUT verifying it",
	usage: `
Usage: hufu inspect [-json] [INPUT | -]

Inspect decodes a pass (HF1:…) or an EU DCC (HC1:…) and prints what it
claims, without checking its signature, key or times: the output is
UNVERIFIED and anyone can forge what it shows. Use it to debug issuing,
never to admit anyone.

Exit status: 0 if the code decodes, 1 if it does not, 2 for usage errors.
`,
}

func init() { cmdInspect.run = runInspect }

func runInspect(e *env, args []string) int {
	c := cmdInspect
	fl := flagSet(e, c)
	asJSON := fl.Bool("json", false, "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) > 1 {
		return usageError(e, c, "inspect takes one INPUT")
	}
	input := "-"
	if len(pos) == 1 {
		input = pos[0]
	}
	scans, err := readScans(e, input)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	code := exitOK
	for i, sc := range scans {
		if i > 0 && !*asJSON {
			fmt.Fprintln(e.stdout)
		}
		code = worst(code, inspectOne(e, sc, *asJSON))
	}
	return code
}

// inspectOne prints one code for inspect. Its text form is escaped line
// by line (termsafe): the claims are whatever the code's maker wrote.
func inspectOne(e *env, sc input.Code, asJSON bool) int {
	var in *verdict.Inspection
	if sc.Reason != "" {
		in = verdict.InspectFailed(sc.Source, sc.Reason, sc.Detail)
	} else {
		in = verdict.Inspect(sc.Source, sc.Text)
	}
	if asJSON {
		writeJSON(e.stdout, in)
	} else {
		for _, l := range in.Lines() {
			fmt.Fprintln(e.stdout, termsafe.String(l))
		}
	}
	if !in.Decoded {
		return exitInvalid
	}
	return exitOK
}

func normalizeName(s string) (string, error) {
	n, err := pass.NormalizeName(s)
	if err != nil {
		return "", fmt.Errorf("%v", strings.TrimPrefix(err.Error(), "pass: "))
	}
	return n, nil
}
