package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/input"
	"github.com/hufu-project/hufu/internal/termsafe"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

var cmdVerify = &command{
	name:    "verify",
	summary: "check a pass and print the verdict",
	usage:   help("verify"),
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
	window := fl.Duration("window", verifier.DefaultPresentationWindow, "")
	challenge := fl.String("challenge", "", "")
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
	opts := verifier.Options{Skew: *skew, PresentationWindow: *window}
	if *skew == 0 {
		opts.Skew = -1
	}
	if *window == 0 {
		opts.PresentationWindow = -1
	}
	if *skew < 0 || *window < 0 {
		return usageError(e, c, "-skew and -window must not be negative")
	}
	var err error
	if opts.Challenge, err = holder.ParseChallenge(*challenge); err != nil {
		return usageError(e, c, "-challenge: %v", err)
	}
	var code int
	if opts.Now, code = parseAt(e, c, *at); code != exitOK {
		return code
	}
	var ck verdict.Checks
	if *name != "" {
		if _, err := normalizeName(*name); err != nil {
			return usageError(e, c, "-name: %v", err)
		}
		ck.Name = *name
	}
	if *photo != "" {
		if ck.Photo, err = input.ReadFile(*photo, input.MaxFile); err != nil {
			return e.fail(err)
		}
	}
	src, _, code := openVerifyTrust(e, *trustPath, *bundlePath, *state, rootFiles, dscPaths)
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
	usage:   help("inspect"),
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
