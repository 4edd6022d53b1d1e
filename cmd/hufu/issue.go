package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/hufu-project/hufu/bundle/source"
	"github.com/hufu-project/hufu/input"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
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
	text, code := issue(e, c, &f)
	if code != exitOK {
		return code
	}
	for _, img := range []struct {
		path   string
		render func(string, qr.Options) ([]byte, error)
	}{{f.png, qr.PNG}, {f.svg, qr.SVG}} {
		if img.path == "" {
			continue
		}
		data, err := img.render(text, qr.Options{Level: level, ModulePixels: f.module})
		if err == nil {
			err = atomicfile.WriteOutput(img.path, data, 0o644, f.force, e.stdout)
		}
		if err != nil {
			return outputError(e, err)
		}
	}
	if f.out != "" {
		if err := atomicfile.WriteOutput(f.out, []byte(text+"\n"), 0o644, f.force, e.stdout); err != nil {
			return outputError(e, err)
		}
		return exitOK
	}
	fmt.Fprintln(e.stdout, text)
	return exitOK
}

func outputError(e *env, err error) int {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrExist) {
		e.errorf("%s already exists", pe.Path)
		e.hintf("give -f to replace it")
	} else {
		e.errorf("%v", err)
	}
	return exitUsage
}

// checkRegionCode warns about an issuer ID that is valid (SPEC §4) but not
// the six-digit region code issuers use, a likely typo.
func checkRegionCode(e *env, iss string) {
	if len(iss) == 6 && strings.Trim(iss, "0123456789") == "" {
		return
	}
	e.warnf("issuer ID %q is not a six-digit region code such as 310000; verifiers reject its passes unless their trust lists exactly %q", iss, iss)
}

func issue(e *env, c *command, f *issueFlags) (string, int) {
	switch {
	case f.key == "":
		return "", usageError(e, c, "-key FILE is required")
	case f.iss == "":
		return "", usageError(e, c, "-iss ID is required")
	case f.name == "":
		return "", usageError(e, c, "-name NAME is required")
	case f.colour == "":
		return "", usageError(e, c, "-colour green|yellow|red is required")
	}
	var cl issuer.Claims
	if err := cl.SetStatus(f.colour, f.reason, f.hints); err != nil {
		return "", usageError(e, c, "%v", strings.TrimPrefix(err.Error(), "issuer: "))
	}
	if _, err := pass.NormalizeName(f.name); err != nil {
		return "", usageError(e, c, "-name: %v", err)
	}
	cl.Name = f.name
	cl.PhotoID = f.photoID
	cl.Validity = f.ttl
	if f.at != "" {
		t, err := parseTime(f.at)
		if err != nil {
			return "", usageError(e, c, "-at: %v", err)
		}
		cl.IssuedAt = t
	}
	if err := pass.CheckIssuer(f.iss); err != nil {
		return "", usageError(e, c, "-iss: %v", strings.TrimPrefix(err.Error(), "pass: "))
	}
	if f.photo != "" {
		b, err := os.ReadFile(f.photo)
		if err != nil {
			return "", e.fail(err)
		}
		cl.Photo = b
	}
	if f.holder != "" {
		pub, ok := readPublicKey(e, f.holder)
		if !ok {
			return "", exitUsage
		}
		if alg, _ := keys.AlgOf(pub); alg != keys.ES256 {
			e.errorf("-holder %s: a holder key must be a P-256 (ES256) key", f.holder)
			e.hintf("make one with: hufu keygen -alg ES256 -o holder.key")
			return "", exitUsage
		}
		cl.HolderKey = pub
	}
	priv, ok := readPrivateKey(e, f.key)
	if !ok {
		return "", exitUsage
	}
	if keys.IsRootKeyFile(f.key) {
		e.errorf("%s is a bundle root key; passes are signed with an issuer key", f.key)
		return "", exitUsage
	}
	if f.trust != "" {
		data, err := input.ReadFile(f.trust, source.MaxSize)
		if err == nil {
			err = source.CheckKey(data, priv.Public(), f.iss)
		}
		if errors.Is(err, source.NotTrust) {
			return "", fileError(e, f.trust, err, "a trust file", "-trust wants a trust file, a bundle source or a trust bundle")
		}
		if se := (*source.Error)(nil); errors.As(err, &se) {
			err = fmt.Errorf("%s: %s", f.trust, se.Detail)
		}
		if err != nil {
			e.errorf("%v", err)
			e.hintf("verifiers using this trust would reject the pass; check -key and -iss")
			return "", exitUsage
		}
	} else {
		checkRegionCode(e, f.iss)
	}
	is, err := issuer.New(priv, f.iss, f.maxTTL)
	if err != nil {
		return "", e.fail(err)
	}
	text, err := is.Issue(cl)
	if err != nil {
		e.errorf("%v", err)
		if f.ttl > f.maxTTL {
			e.hintf("raise -max-ttl to allow a longer -ttl")
		}
		return "", exitUsage
	}
	return text, exitOK
}
