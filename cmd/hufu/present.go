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
	usage: `
Usage: hufu present -pass FILE -key FILE [-at TIME] [-challenge HEX]
                    [-o FILE] [-png FILE]

Present prints a presentation (HF1P:…) of a holder-bound pass: the pass and
the time, signed with the holder's key. A holder-bound pass (hufu issue
-holder) is accepted only this way, within 30 seconds of the time it was
signed, so a screenshot of it goes stale. The holder's phone normally makes
presentations; this command is for tests and for kiosks that present on a
holder's behalf.

Flags:
    -pass FILE       the pass: its text (HF1:…) or a QR code image, or -
                     for standard input
    -key FILE        the holder's private key (hufu keygen -alg ES256), the
                     one whose public key the pass was issued with
    -at TIME         sign for TIME (RFC 3339) instead of now, e.g. for tests
    -challenge HEX   the station's challenge, 1 to 16 bytes in hex
    -o FILE          write the text to FILE instead of standard output
    -png FILE        also write the QR code as a PNG image

Example:
    $ hufu keygen -o holder.key
    $ hufu issue -key issuer.key -iss 310000 -name "张三" -colour green \
          -holder holder.key.pub -o pass.txt
    $ hufu present -pass pass.txt -key holder.key
    HF1P:…
`,
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
