package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/qr"
)

var cmdIssue = &command{
	name:    "issue",
	summary: "sign a pass",
	usage: `
Usage: hufu issue -key FILE -iss ID -name NAME -colour green|yellow|red
                  [-photo IMAGE] [-photo-id ID] [-ttl 24h] [-max-ttl 168h]
                  [-reason CODE] [-hint CODE]… [-holder FILE] [-at TIME] [-o FILE]
                  [-png FILE] [-svg FILE] [-ecc L|M|Q|H] [-module PX]

Issue signs a pass and prints its text (HF1:…), the content of the QR code.

Flags:
    -key FILE       private key (from hufu keygen)
    -iss ID         issuer ID, e.g. the region code 310000
    -name NAME      the holder's name, as on the ID card; only a keyed hash
                    of it goes into the pass
    -colour C       green, yellow or red (-color also works)
    -photo FILE     the holder's photo; the pass carries its digest
    -photo-id ID    a short reference to the photo (up to 12 ASCII characters)
    -ttl D          how long the pass is valid (default 24h)
    -max-ttl D      the longest -ttl this issuer allows (default 168h)
    -reason CODE    why a pass is yellow or red: key_region_arrival,
                    close_contact, secondary_contact, medical_management,
                    confirmed, suspected, fever_clinic, test_overdue
    -hint CODE      advice shown even on green; repeatable:
                    health_registration, test_suggested, appeal_pending
    -holder FILE    bind the pass to the holder's P-256 public key (PEM, e.g.
                    holder.key.pub from hufu keygen): the pass is then
                    accepted only in a live presentation (hufu present)
    -at TIME        date the pass TIME (RFC 3339) instead of now, e.g. for tests
    -o FILE         write the text to FILE instead of standard output
    -png FILE       also write the QR code as a PNG image
    -svg FILE       also write the QR code as an SVG image
    -ecc L|M|Q|H    QR error correction (default M: recovers about 15%)
    -module PX      pixels per QR module in the PNG (default 4)

The image files are checked after rendering (the QR code is decoded again
and compared) and written atomically.

Example:
    $ hufu issue -key issuer.key -iss 310000 -name "张三" -colour yellow \
          -reason key_region_arrival -hint test_suggested -ttl 12h
    HF1:…
`,
}

func init() { cmdIssue.run = runIssue }

// issueFlags are the flags issue shares with commands that extend it.
type issueFlags struct {
	key, iss, name, colour, photo, photoID, reason, out string
	png, svg, ecc, at, holder                           string
	module                                              int
	ttl, maxTTL                                         time.Duration
	hints                                               multiFlag
}

func runIssue(e *env, args []string) int {
	c := cmdIssue
	fl := flagSet(e, c)
	var f issueFlags
	fl.StringVar(&f.key, "key", "", "")
	fl.StringVar(&f.iss, "iss", "", "")
	fl.StringVar(&f.name, "name", "", "")
	fl.StringVar(&f.colour, "colour", "", "")
	fl.StringVar(&f.colour, "color", "", "")
	fl.StringVar(&f.photo, "photo", "", "")
	fl.StringVar(&f.photoID, "photo-id", "", "")
	fl.StringVar(&f.reason, "reason", "", "")
	fl.Var(&f.hints, "hint", "")
	fl.DurationVar(&f.ttl, "ttl", 24*time.Hour, "")
	fl.DurationVar(&f.maxTTL, "max-ttl", 7*24*time.Hour, "")
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
	level, ok := parseLevel(f.ecc)
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
			err = atomicfile.WriteFile(img.path, data, 0o644)
		}
		if err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
	}
	if f.out != "" {
		if err := atomicfile.WriteFile(f.out, []byte(text+"\n"), 0o644); err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
		return exitOK
	}
	fmt.Fprintln(e.stdout, text)
	return exitOK
}

func parseLevel(s string) (qr.Level, bool) {
	switch strings.ToUpper(s) {
	case "L":
		return qr.L, true
	case "M":
		return qr.M, true
	case "Q":
		return qr.Q, true
	case "H":
		return qr.H, true
	}
	return 0, false
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
	var ok bool
	if cl.Colour, ok = pass.ParseColour(strings.ToLower(f.colour)); !ok {
		return "", usageError(e, c, "unknown colour %q (want green, yellow or red)", f.colour)
	}
	if f.reason != "" {
		if cl.Reason, ok = pass.ParseReason(f.reason); !ok {
			return "", usageError(e, c, "unknown reason %q", f.reason)
		}
		if cl.Colour == pass.Green {
			return "", usageError(e, c, "a green pass carries no reason; use -hint for advice")
		}
	}
	for _, h := range f.hints {
		bit, ok := pass.ParseHint(h)
		if !ok {
			return "", usageError(e, c, "unknown hint %q", h)
		}
		cl.Hints |= bit
	}
	if _, err := pass.NormalizeName(f.name); err != nil {
		return "", usageError(e, c, "-name: %v", err)
	}
	cl.Name = f.name
	cl.PhotoID = f.photoID
	cl.Validity = f.ttl
	if f.at != "" {
		t, err := time.Parse(time.RFC3339, f.at)
		if err != nil {
			return "", usageError(e, c, "bad -at time %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", f.at)
		}
		cl.IssuedAt = t
	}
	if f.photo != "" {
		b, err := os.ReadFile(f.photo)
		if err != nil {
			e.errorf("%v", err)
			return "", exitUsage
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
	priv, err := keys.ReadPrivateFile(f.key)
	if errors.Is(err, keys.ErrReadableByOthers) {
		e.warnf("%v", err)
		e.hintf("chmod 600 %s", f.key)
		err = nil
	}
	if err != nil {
		e.errorf("%v", err)
		return "", exitUsage
	}
	is, err := issuer.New(priv, f.iss, f.maxTTL)
	if err != nil {
		e.errorf("%v", err)
		return "", exitUsage
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
