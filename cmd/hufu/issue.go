package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/hufu-project/hufu/bundle/source"
	"github.com/hufu-project/hufu/input"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/qr"
)

var cmdIssue = &command{
	name:    "issue",
	summary: "sign a pass",
	usage:   help("issue"),
}

func init() { cmdIssue.run = runIssue }

// issueFlags are the flags issue shares with commands that extend it.
type issueFlags struct {
	key, iss, name, colour, photo, photoID, reason, out string
	png, svg, ecc, at, trust, holder                    string
	module                                              int
	force                                               bool
	ttl, maxTTL                                         time.Duration
	hints                                               multiFlag
}

// passFlags defines the flags of what a pass says, and of the key that
// signs it, shared by issue and holder.
func (f *issueFlags) passFlags(fl *flag.FlagSet) {
	fl.StringVar(&f.key, "key", "", "")
	fl.StringVar(&f.iss, "iss", "", "")
	fl.StringVar(&f.name, "name", "", "")
	fl.StringVar(&f.colour, "colour", "", "")
	fl.StringVar(&f.colour, "color", "", "")
	fl.StringVar(&f.photo, "photo", "", "")
	fl.StringVar(&f.reason, "reason", "", "")
	fl.Var(&f.hints, "hint", "")
	durationVar(fl, &f.ttl, "ttl", 24*time.Hour)
}

func runIssue(e *env, args []string) int {
	c := cmdIssue
	fl := flagSet(e, c)
	var f issueFlags
	f.passFlags(fl)
	fl.StringVar(&f.photoID, "photo-id", "", "")
	durationVar(fl, &f.maxTTL, "max-ttl", 7*24*time.Hour)
	fl.StringVar(&f.trust, "trust", "", "")
	fl.BoolVar(&f.force, "f", false, "")
	fl.StringVar(&f.out, "o", "", "")
	fl.StringVar(&f.at, "at", "", "")
	fl.StringVar(&f.holder, "holder", "", "")
	fl.StringVar(&f.png, "png", "", "")
	fl.StringVar(&f.svg, "svg", "", "")
	fl.StringVar(&f.ecc, "ecc", "M", "")
	fl.IntVar(&f.module, "module", 4, "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 0 {
		return usageError(e, c, "unexpected argument %q", pos[0])
	}
	level, ok := qr.ParseLevel(f.ecc)
	if !ok {
		return usageError(e, c, "unknown -ecc %q (want L, M, Q or H)", f.ecc)
	}
	if f.module < 1 || f.module > 64 {
		return usageError(e, c, "-module %d: want 1 to 64 pixels", f.module)
	}
	is, cl, code := f.prepare(e, c)
	if code != exitOK {
		return code
	}
	text, err := is.Issue(cl)
	if err != nil {
		return e.fail(err)
	}
	return writeCode(e, text, codeOutput{text: f.out, png: f.png, svg: f.svg, qr: qr.Options{Level: level, ModulePixels: f.module}, force: f.force})
}

// codeOutput says where a command writes a code: its text to the file
// text ("" for standard output), its QR code to the image files png and
// svg (none for ""); existing files are replaced only if force.
type codeOutput struct {
	text, png, svg string
	qr             qr.Options
	force          bool
}

// writeCode writes a code's text and images where o says, each file as
// atomicfile.WriteOutput does (an existing one refused with the hint to
// give -f).
func writeCode(e *env, text string, o codeOutput) int {
	for _, img := range []struct {
		path   string
		render func(string, qr.Options) ([]byte, error)
	}{{o.png, qr.PNG}, {o.svg, qr.SVG}} {
		if img.path == "" {
			continue
		}
		data, err := img.render(text, o.qr)
		if err == nil {
			err = atomicfile.WriteOutput(img.path, data, 0o644, o.force, e.stdout)
		}
		if err != nil {
			return e.fail(err)
		}
	}
	if o.text == "" {
		o.text = "-"
	}
	if err := atomicfile.WriteOutput(o.text, []byte(text+"\n"), 0o644, o.force, e.stdout); err != nil {
		return e.fail(err)
	}
	return exitOK
}

// checkRegionCode warns about an issuer ID that is valid (SPEC §4) but not
// the six-digit region code issuers use, a likely typo.
func checkRegionCode(e *env, iss string) {
	if len(iss) == 6 && strings.Trim(iss, "0123456789") == "" {
		return
	}
	e.warnf("issuer ID %q is not a six-digit region code such as 310000; verifiers reject its passes unless their trust lists exactly %q", iss, iss)
}

// prepare reads the files f names and returns the issuer and the claims
// of the pass f asks for, checked by issuer.Prepare. With -trust it also
// checks that the key may sign for -iss there (source.CheckKeyFile);
// without, it warns of an issuer ID that is not a region code.
func (f *issueFlags) prepare(e *env, c *command) (*issuer.Issuer, issuer.Claims, int) {
	fail := func(code int) (*issuer.Issuer, issuer.Claims, int) { return nil, issuer.Claims{}, code }
	switch {
	case f.key == "":
		return fail(usageError(e, c, "-key FILE is required"))
	case f.iss == "":
		return fail(usageError(e, c, "-iss ID is required"))
	case f.name == "":
		return fail(usageError(e, c, "-name NAME is required"))
	case f.colour == "":
		return fail(usageError(e, c, "-colour green|yellow|red is required"))
	}
	r := issuer.Request{Issuer: f.iss, MaxValidity: f.maxTTL, Name: f.name, Colour: f.colour, Reason: f.reason, Hints: f.hints,
		PhotoID: f.photoID, Validity: f.ttl}
	var err error
	if f.at != "" {
		if r.IssuedAt, err = parseTime(f.at); err != nil {
			return fail(usageError(e, c, "-at: %v", err))
		}
	}
	if f.photo != "" {
		if r.Photo, err = input.ReadFile(f.photo, input.MaxFile); err != nil {
			return fail(e.fail(err))
		}
	}
	if f.holder != "" {
		var ok bool
		if r.HolderKey, ok = readPublicKey(e, f.holder); !ok {
			return fail(exitUsage)
		}
	}
	priv, err := issuer.ReadKeyFile(f.key)
	if !keyRead(e, f.key, err, "a private key") {
		return fail(exitUsage)
	}
	is, cl, err := issuer.Prepare(priv, &r)
	if errors.Is(err, issuer.BadHolderKey) {
		err = fmt.Errorf("-holder %s: %w", f.holder, err) // say which file
	}
	if err != nil {
		return fail(e.fail(err))
	}
	if f.trust == "" {
		checkRegionCode(e, f.iss)
	} else if err := source.CheckKeyFile(f.trust, priv.Public(), f.iss); errors.Is(err, source.NotTrust) {
		return fail(fileError(e, f.trust, err, "a trust file", "-trust wants a trust file, a bundle source or a trust bundle"))
	} else if err != nil {
		return fail(e.fail(err))
	}
	return is, cl, exitOK
}
