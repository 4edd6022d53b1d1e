package main

import (
	"fmt"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/input"
)

var cmdPresent = &command{
	name:    "present",
	summary: "sign a live presentation of a holder-bound pass",
	usage:   help("present"),
}

func init() { cmdPresent.run = runPresent }

func runPresent(e *env, args []string) int {
	c := cmdPresent
	fl := flagSet(e, c)
	passFile := fl.String("pass", "", "")
	keyFile := fl.String("key", "", "")
	at := fl.String("at", "", "")
	challengeHex := fl.String("challenge", "", "")
	out := fl.String("o", "", "")
	png := fl.String("png", "", "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	switch {
	case len(pos) != 0:
		return usageError(e, c, "unexpected argument %q", pos[0])
	case *passFile == "":
		return usageError(e, c, "-pass FILE is required")
	case *keyFile == "":
		return usageError(e, c, "-key FILE is required")
	}
	when := e.now()
	if *at != "" {
		t, err := parseTime(*at)
		if err != nil {
			return usageError(e, c, "-at: %v", err)
		}
		when = t
	}
	challenge, err := holder.ParseChallenge(*challengeHex)
	if err != nil {
		return usageError(e, c, "-challenge: %v", err)
	}
	scans, err := readScans(e, *passFile)
	if err != nil {
		return e.fail(err)
	}
	passText, err := input.One(scans)
	if err != nil {
		return e.fail(fmt.Errorf("-pass %s: %w", *passFile, err))
	}
	priv, ok := readPrivateKey(e, *keyFile)
	if !ok {
		return exitUsage
	}
	text, err := holder.Present(passText, priv, when, challenge)
	if err != nil {
		return e.fail(err)
	}
	return writeCode(e, text, codeOutput{text: *out, png: *png, force: true})
}
