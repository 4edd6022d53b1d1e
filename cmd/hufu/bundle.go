package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/bundle/source"
	"github.com/hufu-project/hufu/bundle/store"
	"github.com/hufu-project/hufu/internal/humantime"
	"github.com/hufu-project/hufu/internal/termsafe"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/station"
	"github.com/hufu-project/hufu/verifier"
)

var cmdBundle = &command{
	name:    "bundle",
	summary: "make, sign, install and show signed trust bundles",
	usage:   help("bundle"),
}

func init() { cmdBundle.run = runBundle }

var bundleSubs = map[string]func(e *env, c *command, args []string) int{
	"init": bundleInit, "add-issuer": bundleAddIssuer, "add-key": bundleAddKey, "revoke": bundleRevoke,
	"sign": bundleSign, "show": bundleShow, "pin": bundlePin, "unpin": bundleUnpin,
	"install": bundleInstall, "status": bundleStatus,
}

func runBundle(e *env, args []string) int {
	c := cmdBundle
	if len(args) == 0 || bundleSubs[args[0]] == nil {
		return usageError(e, c, "bundle needs a subcommand: init, add-issuer, add-key, revoke, sign, show, pin, unpin, install or status")
	}
	return bundleSubs[args[0]](e, c, args[1:])
}

// stateDir is the state directory's path (for the scan log and the clock
// floor, which live beside the bundle): flag, else the environment's.
func stateDir(e *env, flag string) (string, error) {
	st, err := store.New(flag, e.getenv)
	if err != nil {
		return "", err
	}
	return st.Dir, nil
}

// openVerifyTrust opens what verify and scan check passes against
// (store.Open): nothing to decide with, or flags that do not go together,
// is an error (exit 2); a refused bundle makes every verdict "cannot
// decide" (trust_unavailable). For the installed bundle it also returns
// the station's Reload, which opens it again when the file changes
// ("hufu bundle install" while a station runs); else reload is nil.
func openVerifyTrust(e *env, trustPath, bundlePath, state string, rootFiles, dscPaths []string) (t *station.Trust, reload func() (*station.Trust, error), code int) {
	st, _ := store.New(state, e.getenv)
	sel := store.Selection{TrustFile: trustPath, BundleFile: bundlePath, RootFiles: rootFiles, DSCFiles: dscPaths}
	open := func() (*station.Trust, error) {
		t, err := st.Open(sel)
		if err != nil {
			return nil, err
		}
		return &station.Trust{Keys: t.Trust, Bundle: t.Bundle, Label: t.Label, Err: t.Err}, nil
	}
	t, err := open()
	if err != nil {
		return nil, nil, e.fail(err)
	}
	if sel.Installed() {
		reload = station.ReloadWhenChanged(st.BundlePath(), open)
	}
	return t, reload, exitOK
}

// fileError reports a file that could not be read as what a flag wants,
// saying what the file is if it is something else.
func fileError(e *env, path string, err error, want, hint string) int {
	if msg := wrongKind(path, want, hint); msg != "" {
		e.errorf("%s", msg)
	} else {
		e.errorf("%v", err)
	}
	return exitUsage
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
	if err := source.New().Create(*out); err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stderr, "hufu: wrote bundle source %s with the default labels; add issuers with \"hufu bundle add-issuer\"\n", *out)
	return exitOK
}

func bundleAddIssuer(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	in := fl.String("in", "", "")
	id := fl.String("iss", "", "")
	renamed(e, fl, "id", "iss")
	nameZH := fl.String("name-zh", "", "")
	nameEN := fl.String("name-en", "", "")
	var maxTTL time.Duration
	durationVar(fl, &maxTTL, "max-ttl", 7*24*time.Hour)
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
		return usageError(e, c, "add-issuer: -iss, -name-zh and -name-en are required")
	case maxTTL <= 0 || maxTTL%time.Second != 0:
		return usageError(e, c, "add-issuer: -max-ttl must be a positive whole number of seconds")
	}
	if err := pass.CheckIssuer(*id); err != nil {
		return usageError(e, c, "add-issuer: -iss: %v", strings.TrimPrefix(err.Error(), "pass: "))
	}
	cols, err := pass.ParseColours(colours)
	if err != nil {
		return usageError(e, c, "add-issuer: %v", strings.TrimPrefix(err.Error(), "pass: "))
	}
	return editSource(e, *in, func(s *source.Source) error {
		if err := s.AddIssuer(*id, bundle.Label{ZH: *nameZH, EN: *nameEN}, maxTTL, cols); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "hufu: %s: added issuer %s (%s · %s)\n", *in, *id, *nameZH, *nameEN)
		checkRegionCode(e, *id)
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
	var window [2]time.Time
	for i, t := range []string{*from, *until} {
		if t == "" {
			continue
		}
		var err error
		if window[i], err = parseTime(t); err != nil {
			return usageError(e, c, "add-key: %v", err)
		}
	}
	pub, ok := readPublicKey(e, pos[0])
	if !ok {
		return exitUsage
	}
	return editSource(e, *in, func(s *source.Source) error {
		l, err := s.AddKey(*iss, pub, window[0], window[1])
		if err == nil {
			fmt.Fprintf(e.stderr, "hufu: %s: %s\n", *in, l)
		}
		return err
	})
}

func bundleRevoke(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	in := fl.String("in", "", "")
	iss := fl.String("iss", "", "")
	passID := fl.String("pass", "", "")
	code := fl.String("code", "", "")
	pubFile := fl.String("pub", "", "")
	renamed(e, fl, "key", "pub")
	kid := fl.String("kid", "", "")
	if rc := parseNoArgs(e, c, fl, args); rc != exitOK {
		return rc
	}
	given := 0
	for _, v := range []string{*passID, *code, *pubFile, *kid} {
		if v != "" {
			given++
		}
	}
	if *in == "" || given != 1 {
		return usageError(e, c, "revoke: -in FILE and one of -pass ID, -code FILE, -pub KEY.pub or -kid KID are required")
	}
	if (*passID != "") != (*iss != "") {
		return usageError(e, c, "revoke: -iss ID goes with -pass ID, and only with it (-code reads the issuer from the pass)")
	}
	rev := source.Revocation{Issuer: *iss, KID: *kid}
	switch {
	case *passID != "":
		var err error
		if rev.Pass, err = source.ParsePassID(*passID); err != nil {
			return usageError(e, c, "revoke: %v", strings.TrimPrefix(err.Error(), "source: bad_source: "))
		}
	case *code != "":
		scans, err := readScans(e, *code)
		if err == nil && len(scans) != 1 {
			err = fmt.Errorf("%s holds %d codes, want one", *code, len(scans))
		}
		if err == nil {
			rev, err = source.CodeRevocation(*code, scans[0].Text)
		}
		if err != nil {
			return e.fail(err)
		}
	case *pubFile != "":
		var ok bool
		if rev.Key, ok = readPublicKey(e, *pubFile); !ok {
			return exitUsage
		}
	}
	return editSource(e, *in, func(s *source.Source) error {
		r, err := s.Revoke(rev)
		if err == nil {
			fmt.Fprintf(e.stderr, "hufu: %s: %s\n", *in, r)
		}
		return err
	})
}

// editSource reads the source at path, applies edit, and writes it back
// atomically (source.Edit).
func editSource(e *env, path string, edit func(*source.Source) error) int {
	if err := source.Edit(path, edit); err != nil {
		return e.fail(err)
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
	force := fl.Bool("f", false, "")
	var next, expires time.Duration
	durationVar(fl, &next, "next-update", 24*time.Hour)
	durationVar(fl, &expires, "expires", 7*24*time.Hour)
	if code := parseNoArgs(e, c, fl, args); code != exitOK {
		return code
	}
	if *keyFile == "" || *in == "" || *out == "" {
		return usageError(e, c, "sign: -key ROOT.key, -in SRC.json and -o BUNDLE.hfb are required")
	}
	if next <= 0 || expires < next {
		return usageError(e, c, "sign: want 0 < -next-update <= -expires")
	}
	now, code := parseAt(e, c, *at)
	if code != exitOK {
		return code
	}
	priv, root, err := keys.ReadPrivateFileRole(*keyFile)
	if !keyRead(e, *keyFile, err, "a private key") {
		return exitUsage
	}
	r, err := source.SignFile(source.SignRequest{Source: *in, Out: *out, Key: priv, KeyName: *keyFile, RootMarked: root,
		Force: *force, Seq: *seq, IssuedAt: now, NextUpdate: next, Expires: expires, Stdout: e.stdout})
	if r != nil {
		for _, w := range r.Warnings() {
			e.warnf("%s", w)
		}
	}
	if err != nil {
		return e.fail(err)
	}
	for _, l := range r.Summary() {
		fmt.Fprintf(e.stderr, "hufu: %s\n", l)
	}
	return exitOK
}

// plural is humantime.Plural, for the station's messages.
func plural(n int, what string) string { return humantime.Plural(n, what) }

func bundleShow(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	var rootFiles multiFlag
	fl.Var(&rootFiles, "root", "")
	state := fl.String("state", "", "")
	asJSON := fl.Bool("json", false, "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 {
		return usageError(e, c, "show: one BUNDLE.hfb is required")
	}
	roots, err := store.ReadRoots(rootFiles...)
	if err != nil {
		return e.fail(err)
	}
	st, _ := store.New(*state, e.getenv)
	b, refused, err := st.Inspect(pos[0], roots)
	if err != nil {
		return e.fail(err)
	}
	if refused != nil {
		e.errorf("%s: %v", pos[0], refused)
		return exitInvalid
	}
	if *asJSON {
		return printJSON(e, store.Describe(b))
	}
	for _, l := range store.Describe(b).Lines(time.Time{}) {
		fmt.Fprintln(e.stdout, termsafe.String(l))
	}
	return exitOK
}

// printJSON writes v as one line of JSON on standard output.
func printJSON(e *env, v any) int {
	if err := writeJSON(e.stdout, v); err != nil {
		return e.fail(err)
	}
	return exitOK
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
	st, err := store.New(*state, e.getenv)
	if err != nil {
		return e.fail(err)
	}
	roots, err := store.ReadRoots(pos...)
	if err != nil {
		return e.fail(err)
	}
	pinned, err := st.Pin(roots...)
	if err != nil {
		return e.fail(err)
	}
	for _, p := range pinned {
		fmt.Fprintf(e.stderr, "hufu: %s\n", p)
	}
	return exitOK
}

func bundleUnpin(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	state := fl.String("state", "", "")
	force := fl.Bool("f", false, "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 1 {
		return usageError(e, c, "unpin: give one KID or ROOT.pub")
	}
	kid, err := store.RootKID(pos[0])
	if err != nil {
		return e.fail(err)
	}
	st, err := store.New(*state, e.getenv)
	if err != nil {
		return e.fail(err)
	}
	u, err := st.Unpin(kid, *force)
	if err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stderr, "hufu: %s\n", u)
	if w := u.Warning(); w != "" {
		e.warnf("%s", w)
	}
	return exitOK
}

func parseAt(e *env, c *command, at string) (time.Time, int) {
	if at == "" {
		return e.now(), exitOK
	}
	t, err := parseTime(at)
	if err != nil {
		return t, usageError(e, c, "-at: %v", err)
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
	st, err := store.New(*state, e.getenv)
	if err != nil {
		return e.fail(err)
	}
	in, err := st.InstallFile(pos[0])
	if err != nil {
		return failRefused(e, err, exitInvalid)
	}
	fmt.Fprintf(e.stderr, "hufu: %s\n", in)
	if w := in.Warning(now, verifier.DefaultSkew); w != "" && !in.Same {
		e.warnf("%s", w)
	}
	return exitOK
}

func bundleStatus(e *env, c *command, args []string) int {
	fl := flagSet(e, c)
	state := fl.String("state", "", "")
	at := fl.String("at", "", "")
	asJSON := fl.Bool("json", false, "")
	if code := parseNoArgs(e, c, fl, args); code != exitOK {
		return code
	}
	now, code := parseAt(e, c, *at)
	if code != exitOK {
		return code
	}
	st, err := store.New(*state, e.getenv)
	if err != nil {
		return e.fail(err)
	}
	d, undecided, err := st.InstalledStatus(now, verifier.DefaultSkew)
	if err != nil {
		return failRefused(e, err, exitUndecid)
	}
	rc := exitOK
	if undecided {
		rc = exitUndecid
	}
	if *asJSON {
		if code := printJSON(e, d); code != exitOK {
			return code
		}
		return rc
	}
	fmt.Fprintf(e.stdout, "installed: %s\n", *d.Path)
	for _, l := range d.Lines(now) {
		fmt.Fprintln(e.stdout, termsafe.String(l))
	}
	return rc
}

// failRefused reports err: with exit status refused if the store refused
// the bundle itself (store.IsRefused), else as e.fail does.
func failRefused(e *env, err error, refused int) int {
	if code := e.fail(err); !store.IsRefused(err) {
		return code
	}
	return refused
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
