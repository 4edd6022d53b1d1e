package main

import (
	"bytes"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

var cmdBundle = &command{
	name:    "bundle",
	summary: "make, sign, install and show signed trust bundles",
	usage: `
Usage:
  Issuing side (edits a JSON bundle source, signs it with a root key):
    hufu bundle init -o SRC.json
    hufu bundle add-issuer -in SRC.json -id ID -name-zh NAME -name-en NAME
                           [-max-ttl 168h] [-colours green,yellow,red]
    hufu bundle add-key -in SRC.json -iss ID [-from TIME] [-until TIME] KEY.pub
    hufu bundle revoke -in SRC.json (-pass ID -iss ID | -code PASS.txt | -key KEY.pub | -kid KID)
    hufu bundle sign -key ROOT.key -in SRC.json -o BUNDLE.hfb [-seq N]
                     [-at TIME] [-next-update 24h] [-expires 168h]
    hufu bundle show [-root ROOT.pub]… [-state DIR] BUNDLE.hfb
  Guard side (a state directory holds the pinned roots and the bundle in force):
    hufu bundle pin [-state DIR] ROOT.pub…
    hufu bundle unpin [-state DIR] KID|ROOT.pub
    hufu bundle install [-state DIR] [-at TIME] BUNDLE.hfb
    hufu bundle status [-state DIR] [-at TIME]

A trust bundle is one signed file with everything a verifier trusts: the
issuers (ID, names in Chinese and English, keys with validity windows,
longest pass lifetime, colours allowed, revoked pass IDs), revoked keys, labels,
and its own sequence number, issue time, next update and expiry. SPEC.md
("Trust bundles") specifies it. Past its next update a bundle still
verifies, with a warning; past its expiry, or on a computer whose clock is
earlier than its issue time, verify says CANNOT DECIDE (exit 5).

init creates a bundle source (JSON, with the default labels); add-issuer,
add-key and revoke edit it (add-key on a key already listed sets its window,
which is how a key is rotated out). sign signs it with a root key: the
sequence number is the source's last one plus 1 (or -seq), the issue time
now (or -at); the source remembers the sequence number. show prints a
bundle, checked against -root keys or the pinned roots, or marked
UNVERIFIED if there are none.

The bundle source is JSON, read strictly (unknown or repeated fields are
errors); edit it with the commands or by hand:
    {"hufu_bundle_source": 2, "seq": 0,
     "issuers": [{"id": "310000", "name_zh": "上海市", "name_en": "Shanghai",
                  "max_lifetime": "168h", "colours": ["green", "yellow", "red"],
                  "keys": [{"kid": "…", "alg": "ES256", "public_key": "MFkw…",
                            "valid_from": "…", "valid_until": "…"}],
                  "revoked_passes": ["2de09875ee3158c4"]}],
     "revoked_keys": [{"kid": "…", "alg": "EdDSA", "public_key": "MCow…"}],
     "labels": {"colour.green": {"zh": "绿码", "en": "green"}, …}}
seq is that of the last bundle signed from it; public_key is the standard
Base64 of the key's SubjectPublicKeyInfo DER; times are RFC 3339. A
revoked pass is listed under its issuer and refuses only that issuer's pass.

pin adds root public keys to the state directory; pin the new root before
the first bundle it signs, and unpin the old one once no bundle in use is
signed by it. install checks a bundle against the pinned roots and makes it
the one in force: atomically (temporary file, fsync, rename), and only if
its sequence number is higher than the installed one (no rollback); a file
that is corrupt, badly signed or older leaves the installed bundle in
force. status shows the bundle in force: issuers, sequence, age, and
whether it is stale or expired.

The state directory is -state DIR, else $HUFU_STATE, else
$XDG_STATE_HOME/hufu, else ~/.local/state/hufu. It holds roots.pem (the
pinned roots) and bundle.hfb (the bundle in force). "hufu verify" uses
that bundle unless given -trust FILE or -bundle FILE.

Flags:
    -in FILE        the bundle source
    -o FILE         where to write (init: the new source; sign: the bundle)
    -id ID          issuer ID, e.g. the region code 310000
    -name-zh, -name-en NAME   the issuer's display names
    -max-ttl D      the longest validity of the issuer's passes (default 168h)
    -colours LIST   the colours the issuer may issue (default green,yellow,red)
    -iss ID         add-key: the issuer a key signs for (repeat add-key for
                    several); revoke -pass: the pass's issuer
    -from, -until TIME   the key may sign passes issued in [from, until]
    -pass ID        revoke a pass by its ID (hex, as "hufu inspect" shows)
    -code FILE      revoke the pass whose text (HF1:…) is in FILE
    -key FILE       revoke: a public key to revoke; sign: the root private key
    -kid KID        revoke the key listed in the source with this kid
    -seq N          sign: the sequence number (default: the source's + 1)
    -at TIME        sign: the issue time; install, status: the time now
    -next-update D  sign: when verifiers should have a newer bundle (default 24h)
    -expires D      sign: when the bundle stops deciding anything (default 168h)
    -root FILE      show: a root public key to check against; repeatable
    -state DIR      the state directory

Exit status: 0 done, 1 the bundle is rejected (bad signature, unknown root,
malformed, rollback), 5 (status) the bundle in force cannot decide
(expired, or the clock is behind), 2 usage or I/O error.

Example:
    $ hufu keygen -alg EdDSA -o root.key
    $ hufu bundle init -o src.json
    $ hufu bundle add-issuer -in src.json -id 310000 -name-zh 上海市 -name-en Shanghai
    $ hufu bundle add-key -in src.json -iss 310000 issuer.key.pub
    $ hufu bundle sign -key root.key -in src.json -o trust.hfb
    hufu: wrote trust.hfb: seq 1, 1 issuer, 0 revoked passes, 0 revoked keys, 3 KiB (root 91b213f74011931a)
    hufu: issued 2026-06-01T08:00:00Z, next update 2026-06-02T08:00:00Z, expires 2026-06-08T08:00:00Z
    $ hufu bundle pin root.key.pub          # on the guard's computer
    $ hufu bundle install trust.hfb
    hufu: installed trust bundle seq 1 (issued …, expires …) in ~/.local/state/hufu
    $ hufu verify pass.txt
`,
}

func init() { cmdBundle.run = runBundle }

var bundleSubs = map[string]func(e *env, c *command, args []string) int{
	"init": bundleInit, "add-issuer": bundleAddIssuer, "add-key": bundleAddKey, "revoke": bundleRevoke,
	"sign": bundleSign, "show": bundleShow, "pin": bundlePin, "unpin": bundleUnpin,
	"install": bundleInstall, "status": bundleStatus,
}

func runBundle(e *env, args []string) int {
	c := cmdBundle
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(e.stdout, strings.TrimLeft(c.usage, "\n"))
		return exitOK
	}
	if len(args) == 0 || bundleSubs[args[0]] == nil {
		return usageError(e, c, "bundle needs a subcommand: init, add-issuer, add-key, revoke, sign, show, pin, unpin, install or status")
	}
	return bundleSubs[args[0]](e, c, args[1:])
}

// ---- the state directory ----

const (
	rootsFile  = "roots.pem"
	bundleFile = "bundle.hfb"
)

// stateDir returns the state directory: flag, else $HUFU_STATE, else
// $XDG_STATE_HOME/hufu, else ~/.local/state/hufu.
func stateDir(e *env, flag string) (string, error) {
	switch {
	case flag != "":
		return flag, nil
	case e.getenv("HUFU_STATE") != "":
		return e.getenv("HUFU_STATE"), nil
	case e.getenv("XDG_STATE_HOME") != "":
		return filepath.Join(e.getenv("XDG_STATE_HOME"), "hufu"), nil
	case e.getenv("HOME") != "":
		return filepath.Join(e.getenv("HOME"), ".local", "state", "hufu"), nil
	}
	return "", errors.New("no state directory: set HUFU_STATE or give -state DIR")
}

// pinnedRoots reads the roots pinned in dir; none if there is no file.
func pinnedRoots(dir string) ([]crypto.PublicKey, error) {
	data, err := os.ReadFile(filepath.Join(dir, rootsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	roots, err := readPEMKeys(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, rootsFile), err)
	}
	return roots, nil
}

func writeRoots(dir string, roots []crypto.PublicKey) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b []byte
	for _, r := range roots {
		p, err := keys.EncodePublicPEM(r)
		if err != nil {
			return err
		}
		b = append(b, p...)
	}
	return atomicfile.WriteFile(filepath.Join(dir, rootsFile), b, 0o644)
}

// readBundleFile reads a bundle file, at most one byte more than the
// largest bundle (so that Open reports an oversize file as too_large).
func readBundleFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, bundle.MaxSize+1))
}

// trustSource is what verify checks passes against.
type trustSource struct {
	trust  verifier.Trust
	bundle *bundle.Bundle
	label  string
	err    error // the bundle was rejected: every pass is trust_unavailable
}

// openTrust opens, in order of preference, the trust file trustPath, the
// bundle bundlePath (checked against roots, else the pinned roots), or the
// bundle installed in the state directory. A missing file, or no roots to
// check a bundle with, is a usage error; a bundle that does not open makes
// every verdict "cannot decide" (trust_unavailable).
func openTrust(e *env, c *command, trustPath, bundlePath, state string, rootFiles []string) (*trustSource, int) {
	if trustPath != "" && bundlePath != "" {
		return nil, usageError(e, c, "give -trust FILE or -bundle FILE, not both")
	}
	if trustPath != "" {
		trust, err := keys.ReadTrustFile(trustPath)
		if err != nil {
			e.errorf("%v", err)
			return nil, exitUsage
		}
		return &trustSource{trust: trust, label: "trust file " + trustPath + " (unsigned)"}, exitOK
	}
	roots, code := loadRoots(e, rootFiles)
	if code != exitOK {
		return nil, code
	}
	path := bundlePath
	if len(roots) == 0 || path == "" {
		dir, err := stateDir(e, state)
		if err != nil {
			e.errorf("%v", err)
			return nil, exitUsage
		}
		if path == "" {
			path = filepath.Join(dir, bundleFile)
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				e.errorf("no trust bundle is installed in %s", dir)
				e.hintf("install one with \"hufu bundle install FILE\", or give -bundle FILE or -trust FILE (or -dsc FILE for EU DCCs)")
				return nil, exitUsage
			}
		}
		if len(roots) == 0 {
			if roots, err = pinnedRoots(dir); err != nil {
				e.errorf("%v", err)
				return nil, exitUsage
			}
			if len(roots) == 0 {
				e.errorf("no bundle roots are pinned in %s", dir)
				e.hintf("pin the root with \"hufu bundle pin ROOT.pub\", give -root ROOT.pub, or use -trust FILE")
				return nil, exitUsage
			}
		}
	}
	data, err := readBundleFile(path)
	if err != nil {
		e.errorf("%v", err)
		return nil, exitUsage
	}
	b, err := bundle.Open(data, roots)
	if err != nil {
		return &trustSource{label: "trust bundle " + path, err: err}, exitOK
	}
	label := fmt.Sprintf("trust bundle %s (seq %d, root %x)", path, b.Seq, b.Signer)
	return &trustSource{trust: b, bundle: b, label: label}, exitOK
}

// openVerifyTrust is openTrust for verify, which may add EU
// document-signer certificates (-dsc): to the trust file, alone (with
// neither -trust nor -bundle), or beside the bundle.
func openVerifyTrust(e *env, c *command, trustPath, bundlePath, state string, rootFiles, dscPaths []string) (*trustSource, int) {
	if len(dscPaths) == 0 {
		return openTrust(e, c, trustPath, bundlePath, state, rootFiles)
	}
	if trustPath != "" && bundlePath != "" {
		return nil, usageError(e, c, "give -trust FILE or -bundle FILE, not both")
	}
	if bundlePath == "" {
		trust, label, err := loadTrust(trustPath, dscPaths)
		if err != nil {
			e.errorf("%v", err)
			return nil, exitUsage
		}
		return &trustSource{trust: trust, label: label}, exitOK
	}
	src, code := openTrust(e, c, "", bundlePath, state, rootFiles)
	if code != exitOK || src.err != nil {
		return src, code
	}
	dsc, label, err := loadTrust("", dscPaths)
	if err != nil {
		e.errorf("%v", err)
		return nil, exitUsage
	}
	src.trust = withDSCs{src.bundle, dsc}
	src.label += "; " + label
	return src, exitOK
}

// withDSCs trusts a bundle's keys for HF1 passes and DSCs for HC1 codes;
// each key's checks are those of its source.
type withDSCs struct {
	bundle *bundle.Bundle
	dsc    *keys.TrustFile
}

func (w withDSCs) Keys(kid []byte) []*keys.Key {
	ks, ds := w.bundle.Keys(kid), w.dsc.Keys(kid)
	if len(ds) == 0 {
		return ks
	}
	return append(slices.Clone(ks), ds...)
}

func (w withDSCs) Check(p *pass.Pass, k *keys.Key, now time.Time, skew time.Duration) ([]string, error) {
	if slices.Contains(w.dsc.Keys(k.KID), k) {
		return w.dsc.Check(p, k, now, skew)
	}
	return w.bundle.Check(p, k, now, skew)
}

func loadRoots(e *env, files []string) ([]crypto.PublicKey, int) {
	var roots []crypto.PublicKey
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			e.errorf("%v", err)
			return nil, exitUsage
		}
		rs, err := readPEMKeys(data)
		if err != nil {
			e.errorf("%s: %v", f, err)
			return nil, exitUsage
		}
		roots = append(roots, rs...)
	}
	return roots, exitOK
}

// ---- issuing side ----

func bundleInit(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	out := fl.String("o", "", "")
	if code := parseNoArgs(e, c, fl, args); code != exitOK {
		return code
	}
	if *out == "" {
		return usageError(e, c, "init: -o FILE is required")
	}
	s := newSource()
	b, err := s.marshal()
	if err == nil {
		err = atomicfile.Create(*out, b, 0o644)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			e.errorf("%s already exists", *out)
		} else {
			e.errorf("%v", err)
		}
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "hufu: wrote bundle source %s with the default labels; add issuers with \"hufu bundle add-issuer\"\n", *out)
	return exitOK
}

func bundleAddIssuer(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	in := fl.String("in", "", "")
	id := fl.String("id", "", "")
	nameZH := fl.String("name-zh", "", "")
	nameEN := fl.String("name-en", "", "")
	maxTTL := fl.Duration("max-ttl", 7*24*time.Hour, "")
	colours := multiFlag{}
	fl.Var(&colours, "colours", "")
	fl.Var(&colours, "colors", "")
	if code := parseNoArgs(e, c, fl, args); code != exitOK {
		return code
	}
	switch {
	case *in == "":
		return usageError(e, c, "add-issuer: -in FILE is required")
	case *id == "" || *nameZH == "" || *nameEN == "":
		return usageError(e, c, "add-issuer: -id, -name-zh and -name-en are required")
	case *maxTTL <= 0 || *maxTTL%time.Second != 0:
		return usageError(e, c, "add-issuer: -max-ttl must be a positive whole number of seconds")
	}
	if err := pass.CheckIssuer(*id); err != nil {
		return usageError(e, c, "add-issuer: -id: %v", strings.TrimPrefix(err.Error(), "pass: "))
	}
	if len(colours) == 0 {
		colours = multiFlag{"green", "yellow", "red"}
	}
	for _, col := range colours {
		if _, ok := pass.ParseColour(col); !ok {
			return usageError(e, c, "add-issuer: unknown colour %q (want green, yellow or red)", col)
		}
	}
	return editSource(e, *in, func(s *bundleSource) error {
		if s.issuer(*id) != nil {
			return fmt.Errorf("issuer %s is already in %s", *id, *in)
		}
		s.Issuers = append(s.Issuers, sourceIssuer{ID: *id, NameZH: *nameZH, NameEN: *nameEN,
			MaxLifetime: maxTTL.String(), Colours: colours, Keys: []sourceKey{}})
		fmt.Fprintf(e.stderr, "hufu: %s: added issuer %s (%s · %s)\n", *in, *id, *nameZH, *nameEN)
		return nil
	})
}

func bundleAddKey(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	in := fl.String("in", "", "")
	iss := fl.String("iss", "", "")
	from := fl.String("from", "", "")
	until := fl.String("until", "", "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if *in == "" || *iss == "" || len(pos) != 1 {
		return usageError(e, c, "add-key: -in FILE, -iss ID and one KEY.pub are required")
	}
	for _, t := range []string{*from, *until} {
		if _, err := parseSourceTime(t); err != nil {
			return usageError(e, c, "add-key: bad time %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", t)
		}
	}
	pub, ok := readPublicKey(e, pos[0])
	if !ok {
		return exitUsage
	}
	return editSource(e, *in, func(s *bundleSource) error {
		is := s.issuer(*iss)
		if is == nil {
			return fmt.Errorf("no issuer %s in %s; add it with \"hufu bundle add-issuer\"", *iss, *in)
		}
		sk, err := newSourceKey(pub)
		if err != nil {
			return err
		}
		verb := "added"
		i := slices.IndexFunc(is.Keys, func(k sourceKey) bool { return k.PublicKey == sk.PublicKey })
		if i < 0 {
			is.Keys = append(is.Keys, sk)
			i = len(is.Keys) - 1
		} else {
			verb = "updated"
		}
		if *from != "" {
			is.Keys[i].ValidFrom = *from
		}
		if *until != "" {
			is.Keys[i].ValidUntil = *until
		}
		fmt.Fprintf(e.stderr, "hufu: %s: %s key %s (%s) for %s%s\n", *in, verb, sk.KID, sk.Alg, *iss, window(is.Keys[i].ValidFrom, is.Keys[i].ValidUntil))
		return nil
	})
}

func window(from, until string) string {
	var s string
	if from != "" {
		s += " from " + from
	}
	if until != "" {
		s += " until " + until
	}
	return s
}

func bundleRevoke(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	in := fl.String("in", "", "")
	iss := fl.String("iss", "", "")
	passID := fl.String("pass", "", "")
	code := fl.String("code", "", "")
	keyFile := fl.String("key", "", "")
	kid := fl.String("kid", "", "")
	if rc := parseNoArgs(e, c, fl, args); rc != exitOK {
		return rc
	}
	given := 0
	for _, v := range []string{*passID, *code, *keyFile, *kid} {
		if v != "" {
			given++
		}
	}
	if *in == "" || given != 1 {
		return usageError(e, c, "revoke: -in FILE and one of -pass ID, -code FILE, -key KEY.pub or -kid KID are required")
	}
	if (*passID != "") != (*iss != "") {
		return usageError(e, c, "revoke: -iss ID goes with -pass ID, and only with it (-code reads the issuer from the pass)")
	}
	var id pass.ID
	switch {
	case *passID != "":
		var err error
		if id, err = parsePassID(*passID); err != nil {
			return usageError(e, c, "revoke: %v", err)
		}
	case *code != "":
		scans, err := readScans(e, *code)
		if err == nil && len(scans) != 1 {
			err = fmt.Errorf("%s holds %d codes, want one", *code, len(scans))
		}
		if err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
		u, err := verifier.InspectUnverified(scans[0].text)
		if err == nil && u.Pass == nil {
			err = u.Claim
		}
		if err != nil {
			e.errorf("%s: %v", *code, err)
			return exitUsage
		}
		id, *iss = u.Pass.ID, u.Pass.Issuer
	}
	var pub crypto.PublicKey
	if *keyFile != "" {
		var err error
		if pub, err = keys.ReadPublicFile(*keyFile); err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
	}
	return editSource(e, *in, func(s *bundleSource) error {
		if id != nil {
			h, si := id.String(), s.issuer(*iss)
			if si == nil {
				return fmt.Errorf("issuer %s is not in the source", *iss)
			}
			if slices.Contains(si.RevokedPasses, h) {
				fmt.Fprintf(e.stderr, "hufu: %s: pass %s of issuer %s was already revoked\n", *in, h, *iss)
				return nil
			}
			si.RevokedPasses = append(si.RevokedPasses, h)
			fmt.Fprintf(e.stderr, "hufu: %s: revoked pass %s of issuer %s\n", *in, h, *iss)
			return nil
		}
		if pub == nil {
			var err error
			if pub, err = s.keyByKID(*kid); err != nil {
				return err
			}
		}
		sk, added, err := s.revokeKey(pub)
		if err != nil {
			return err
		}
		if !added {
			fmt.Fprintf(e.stderr, "hufu: %s: key %s was already revoked\n", *in, sk.KID)
		} else {
			fmt.Fprintf(e.stderr, "hufu: %s: revoked key %s (%s): passes it signed are rejected as revoked_key\n", *in, sk.KID, sk.Alg)
		}
		return nil
	})
}

// editSource reads the source at path, applies edit, checks the result and
// writes it back atomically.
func editSource(e *env, path string, edit func(*bundleSource) error) int {
	s, err := readSource(path)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	if err := edit(s); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	if _, err := s.contents(); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	if err := s.write(path); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	return exitOK
}

func bundleSign(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	keyFile := fl.String("key", "", "")
	in := fl.String("in", "", "")
	out := fl.String("o", "", "")
	seq := fl.Uint64("seq", 0, "")
	at := fl.String("at", "", "")
	next := fl.Duration("next-update", 24*time.Hour, "")
	expires := fl.Duration("expires", 7*24*time.Hour, "")
	if code := parseNoArgs(e, c, fl, args); code != exitOK {
		return code
	}
	if *keyFile == "" || *in == "" || *out == "" {
		return usageError(e, c, "sign: -key ROOT.key, -in SRC.json and -o BUNDLE.hfb are required")
	}
	if *next <= 0 || *expires < *next {
		return usageError(e, c, "sign: want 0 < -next-update <= -expires")
	}
	now := time.Now().Truncate(time.Second)
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usageError(e, c, "sign: bad -at time %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", *at)
		}
		now = t.Truncate(time.Second)
	}
	s, err := readSource(*in)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	priv, err := keys.ReadPrivateFile(*keyFile)
	if errors.Is(err, keys.ErrReadableByOthers) {
		e.warnf("%v", err)
		e.hintf("chmod 600 %s", *keyFile)
		err = nil
	}
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	if *seq == 0 {
		*seq = s.Seq + 1
	} else if *seq <= s.Seq {
		e.warnf("-seq %d is not above the last sequence number signed from %s (%d): verifiers that installed that one will refuse this bundle", *seq, *in, s.Seq)
	}
	contents, err := s.contents()
	if err != nil {
		e.errorf("%s: %v", *in, err)
		return exitUsage
	}
	contents.Seq = *seq
	contents.IssuedAt, contents.NextUpdate, contents.Expires = now.UTC(), now.Add(*next).UTC(), now.Add(*expires).UTC()
	data, err := bundle.Sign(contents, priv)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	if err := atomicfile.WriteFile(*out, data, 0o644); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	s.Seq = max(s.Seq, *seq)
	if err := s.write(*in); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "hufu: wrote %s: seq %d, %s, %s, %s, %s (root %s)\n", *out, *seq,
		plural(len(contents.Issuers), "issuer"), plural(revokedPasses(contents), "revoked pass"),
		plural(len(contents.RevokedKeys), "revoked key"), sizeText(len(data)), kidHex(priv.Public()))
	fmt.Fprintf(e.stderr, "hufu: issued %s, next update %s, expires %s\n", contents.IssuedAt.Format(time.RFC3339),
		contents.NextUpdate.Format(time.RFC3339), contents.Expires.Format(time.RFC3339))
	return exitOK
}

func revokedPasses(c *bundle.Contents) int {
	n := 0
	for _, is := range c.Issuers {
		n += len(is.RevokedPasses)
	}
	return n
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "s") {
		return strconv.Itoa(n) + " " + what + "es"
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func sizeText(n int) string {
	switch {
	case n < 1<<10:
		return strconv.Itoa(n) + " bytes"
	case n < 1<<20:
		return strconv.Itoa((n+1<<9)>>10) + " KiB"
	}
	return strconv.Itoa((n+1<<19)>>20) + " MiB"
}

func bundleShow(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	var rootFiles multiFlag
	fl.Var(&rootFiles, "root", "")
	state := fl.String("state", "", "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 {
		return usageError(e, c, "show: one BUNDLE.hfb is required")
	}
	roots, code := loadRoots(e, rootFiles)
	if code != exitOK {
		return code
	}
	if len(roots) == 0 {
		if dir, err := stateDir(e, *state); err == nil {
			if roots, err = pinnedRoots(dir); err != nil {
				e.errorf("%v", err)
				return exitUsage
			}
		}
	}
	data, err := readBundleFile(pos[0])
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	var b *bundle.Bundle
	if len(roots) == 0 {
		if b, err = bundle.InspectUnverified(data); err != nil {
			e.errorf("%s: %v", pos[0], err)
			return exitInvalid
		}
		fmt.Fprintln(e.stdout, "!!! UNVERIFIED — no root to check the signature with; give -root ROOT.pub or pin one !!!")
	} else {
		if b, err = bundle.Open(data, roots); err != nil {
			e.errorf("%s: %v", pos[0], err)
			return exitInvalid
		}
	}
	printBundle(e.stdout, b, time.Time{})
	return exitOK
}

// printBundle prints what a bundle says; with a non-zero now, also its age
// and state.
func printBundle(w io.Writer, b *bundle.Bundle, now time.Time) {
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-14s %s\n", label, fmt.Sprintf(format, args...))
	}
	signed := fmt.Sprintf("signed by root %x", b.Signer)
	if b.Verified {
		signed += ", signature verified"
	} else {
		signed += ", signature NOT checked"
	}
	fmt.Fprintf(w, "trust bundle seq %d, %s\n", b.Seq, signed)
	if now.IsZero() {
		line("issued", "%s", b.IssuedAt.Format(time.RFC3339))
	} else {
		line("issued", "%s (%s ago)", b.IssuedAt.Format(time.RFC3339), roundDuration(now.Sub(b.IssuedAt)))
	}
	line("next update", "%s", b.NextUpdate.Format(time.RFC3339))
	line("expires", "%s", b.Expires.Format(time.RFC3339))
	for _, is := range b.Issuers {
		line("issuer", "%s  %s · %s  (passes valid up to %s; %s)", is.ID, is.Name.ZH, is.Name.EN, is.MaxLifetime, colourNames(is.Colours))
		for _, k := range is.Keys {
			fmt.Fprintf(w, "  %-14s   key %s %s%s\n", "", kidHex(k.Public), algOf(k.Public), window(fmtTime(k.ValidFrom), fmtTime(k.ValidUntil)))
		}
	}
	line("revoked", "%s, %s", plural(b.RevokedPasses(), "pass"), plural(len(b.RevokedKeys), "key"))
	for _, k := range b.RevokedKeys {
		fmt.Fprintf(w, "  %-14s   key %s %s\n", "", kidHex(k), algOf(k))
	}
	line("labels", "%d", len(b.Labels))
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ---- guard side ----

func bundlePin(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	state := fl.String("state", "", "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) == 0 {
		return usageError(e, c, "pin: give at least one ROOT.pub")
	}
	dir, err := stateDir(e, *state)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	roots, err := pinnedRoots(dir)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	for _, f := range pos {
		pub, err := keys.ReadPublicFile(f)
		if err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
		if slices.ContainsFunc(roots, func(r crypto.PublicKey) bool { return kidHex(r) == kidHex(pub) && sameKey(r, pub) }) {
			fmt.Fprintf(e.stderr, "hufu: root %s is already pinned\n", kidHex(pub))
			continue
		}
		roots = append(roots, pub)
		fmt.Fprintf(e.stderr, "hufu: pinned root %s (%s) in %s\n", kidHex(pub), algOf(pub), dir)
	}
	if err := writeRoots(dir, roots); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	return exitOK
}

func sameKey(a, b crypto.PublicKey) bool {
	da, _ := keys.MarshalPublic(a)
	db, _ := keys.MarshalPublic(b)
	return bytes.Equal(da, db)
}

func bundleUnpin(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	state := fl.String("state", "", "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 {
		return usageError(e, c, "unpin: give one KID or ROOT.pub")
	}
	kid := pos[0]
	if _, err := os.Stat(kid); err == nil {
		pub, err := keys.ReadPublicFile(kid)
		if err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
		kid = kidHex(pub)
	}
	dir, err := stateDir(e, *state)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	roots, err := pinnedRoots(dir)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	kept := slices.DeleteFunc(slices.Clone(roots), func(r crypto.PublicKey) bool { return kidHex(r) == kid })
	if len(kept) == len(roots) {
		e.errorf("no pinned root has kid %s", kid)
		return exitUsage
	}
	if err := writeRoots(dir, kept); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "hufu: unpinned root %s; %d left\n", kid, len(kept))
	return exitOK
}

func parseAt(e *env, c *command, at string) (time.Time, int) {
	if at == "" {
		return time.Now(), exitOK
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return t, usageError(e, c, "bad -at time %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", at)
	}
	return t, exitOK
}

func bundleInstall(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	state := fl.String("state", "", "")
	at := fl.String("at", "", "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 {
		return usageError(e, c, "install: one BUNDLE.hfb is required")
	}
	now, code := parseAt(e, c, *at)
	if code != exitOK {
		return code
	}
	dir, err := stateDir(e, *state)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	roots, err := pinnedRoots(dir)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	if len(roots) == 0 {
		e.errorf("no bundle roots are pinned in %s", dir)
		e.hintf("pin the root first: hufu bundle pin ROOT.pub")
		return exitUsage
	}
	data, err := readBundleFile(pos[0])
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	b, err := bundle.Open(data, roots)
	if err != nil {
		e.errorf("%s: %v", pos[0], err)
		e.hintf("the installed bundle, if any, stays in force")
		return exitInvalid
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	unlock, err := lockState(dir)
	if err != nil {
		e.errorf("locking %s: %v", dir, err)
		return exitUsage
	}
	defer unlock()
	installed := filepath.Join(dir, bundleFile)
	old, err := readBundleFile(installed)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		e.errorf("%v", err)
		return exitUsage
	default:
		// The installed file was checked when it was installed; its root
		// may have been unpinned since, so read it without the signature.
		ob, err := bundle.InspectUnverified(old)
		if err != nil {
			e.errorf("the installed bundle %s is unreadable (%v); remove it to install another", installed, err)
			return exitUsage
		}
		if err := b.Replaces(ob); err != nil {
			e.errorf("%s: %v", pos[0], err)
			e.hintf("refusing to roll back: seq %d stays in force", ob.Seq)
			return exitInvalid
		}
		if bytes.Equal(old, data) {
			fmt.Fprintf(e.stderr, "hufu: trust bundle seq %d is already installed\n", b.Seq)
			return exitOK
		}
	}
	if err := atomicfile.WriteFile(installed, data, 0o644); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "hufu: installed trust bundle seq %d (issued %s, expires %s) in %s\n",
		b.Seq, b.IssuedAt.Format(time.RFC3339), b.Expires.Format(time.RFC3339), dir)
	if _, err := b.CheckTime(now, verifier.DefaultSkew); err != nil {
		var ve *verifier.Error
		errors.As(err, &ve)
		e.warnf("%s: verify cannot decide with it now (%s)", ve.Detail, ve.Reason)
	}
	return exitOK
}

func bundleStatus(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	state := fl.String("state", "", "")
	at := fl.String("at", "", "")
	if code := parseNoArgs(e, c, fl, args); code != exitOK {
		return code
	}
	now, code := parseAt(e, c, *at)
	if code != exitOK {
		return code
	}
	src, code := openTrust(e, c, "", "", *state, nil)
	if code != exitOK {
		return code
	}
	if src.err != nil {
		e.errorf("%s does not verify against the pinned roots: %v", src.label, src.err)
		return exitUndecid
	}
	b := src.bundle
	fmt.Fprintf(e.stdout, "installed: %s\n", strings.TrimPrefix(src.label, "trust bundle "))
	printBundle(e.stdout, b, now)
	warnings, err := b.CheckTime(now, verifier.DefaultSkew)
	var ve *verifier.Error
	switch {
	case errors.As(err, &ve) && ve.Reason == verifier.TrustExpired:
		fmt.Fprintf(e.stdout, "  %-14s EXPIRED: verify cannot decide anything; install a newer bundle\n", "state")
		return exitUndecid
	case errors.As(err, &ve) && ve.Reason == verifier.ClockBehind:
		fmt.Fprintf(e.stdout, "  %-14s CLOCK BEHIND: this computer's clock (%s) is earlier than the bundle; fix the clock\n", "state", now.UTC().Format(time.RFC3339))
		return exitUndecid
	case len(warnings) > 0:
		fmt.Fprintf(e.stdout, "  %-14s STALE: past its next update; install a newer bundle\n", "state")
	default:
		fmt.Fprintf(e.stdout, "  %-14s fresh\n", "state")
	}
	return exitOK
}

// parseNoArgs parses flags and rejects positional arguments.
func parseNoArgs(e *env, c *command, fl *flag.FlagSet, args []string) int {
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 0 {
		return usageError(e, c, "unexpected argument %q", pos[0])
	}
	return exitOK
}
