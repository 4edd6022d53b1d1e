package main

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/qr"
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
	when := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usageError(e, c, "bad -at time %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", *at)
		}
		when = t
	}
	var challenge []byte
	if *challengeHex != "" {
		b, err := hex.DecodeString(*challengeHex)
		if err != nil || len(b) > holder.MaxChallenge {
			return usageError(e, c, "-challenge: want 1 to %d bytes in hex", holder.MaxChallenge)
		}
		challenge = b
	}
	scans, err := readScans(e, *passFile)
	if err == nil && (len(scans) != 1 || scans[0].Reason != "") {
		err = fmt.Errorf("%s: want one pass (HF1:…), as text or a QR code image", *passFile)
	}
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	priv, ok := readPrivateKey(e, *keyFile)
	if !ok {
		return exitUsage
	}
	text, err := holder.Present(scans[0].Text, priv, when, challenge)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	if *png != "" {
		data, err := qr.PNG(text, qr.Options{Level: qr.M, ModulePixels: 4})
		if err == nil {
			err = atomicfile.WriteFile(*png, data, 0o644)
		}
		if err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
	}
	if *out != "" {
		if err := atomicfile.WriteFile(*out, []byte(text+"\n"), 0o644); err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
		return exitOK
	}
	fmt.Fprintln(e.stdout, text)
	return exitOK
}
