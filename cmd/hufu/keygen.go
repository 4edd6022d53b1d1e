package main

import (
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/hufu-project/hufu/keys"
)

var cmdKeygen = &command{
	name:    "keygen",
	summary: "make a signing key pair",
	usage:   help("keygen"),
}

func init() { cmdKeygen.run = runKeygen }

func runKeygen(e *env, args []string) int {
	c := cmdKeygen
	fl := flagSet(e, c)
	alg := fl.String("alg", "ES256", "")
	root := fl.Bool("root", false, "")
	out := fl.String("o", "", "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 0 {
		return usageError(e, c, "unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usageError(e, c, "-o FILE is required")
	}
	a, err := keys.ParseAlg(*alg)
	if err != nil {
		return usageError(e, c, "%v", strings.TrimPrefix(err.Error(), "keys: "))
	}
	priv, err := keys.Generate(a)
	if err == nil {
		err = keys.WriteKeyPair(*out, priv, *root)
	}
	if err != nil {
		return e.fail(err)
	}
	kid, _ := keys.KID(priv.Public())
	fmt.Fprintln(e.stdout, hex.EncodeToString(kid))
	role := "private"
	if *root {
		role = "bundle root, private"
	}
	fmt.Fprintf(e.stderr, "hufu: wrote %s (%s, mode 0600) and %s.pub\n", *out, role, *out)
	return exitOK
}

// readPrivateKey reads a private key file for a command (see keyRead).
func readPrivateKey(e *env, path string) (crypto.Signer, bool) {
	priv, err := keys.ReadPrivateFile(path)
	return priv, keyRead(e, path, err, "a private key")
}

// keyRead reports whether a key was read from path, given the error its
// reader returned: it warns of a private key file others may read (the
// key is still good), and reports any other error as fileError does, with
// the hint the error carries (such as keys.FileError's).
func keyRead(e *env, path string, err error, want string) bool {
	if errors.Is(err, keys.ErrReadableByOthers) {
		e.warnf("%v", err)
		e.hintf("%s", hintOf(err))
		return true
	}
	if err != nil {
		fileError(e, path, err, want, "")
		if h := hintOf(err); h != "" {
			e.hintf("%s", h)
		}
	}
	return err == nil
}

var cmdTrust = &command{
	name:    "trust",
	summary: "add keys to, or list, a trust file",
	usage:   help("trust"),
}

func init() { cmdTrust.run = runTrust }

func runTrust(e *env, args []string) int {
	c := cmdTrust
	if len(args) == 0 || (args[0] != "add" && args[0] != "list") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprint(e.stdout, strings.TrimLeft(c.usage, "\n"))
			return exitOK
		}
		return usageError(e, c, "trust needs a subcommand: add or list")
	}
	sub := args[0]
	fl := flagSet(e, c)
	trustPath := fl.String("trust", "", "")
	var issuers multiFlag
	fl.Var(&issuers, "iss", "")
	from := fl.String("from", "", "")
	until := fl.String("until", "", "")
	asJSON := fl.Bool("json", false, "")
	pos, ok := parse(e, c, fl, args[1:])
	if !ok {
		return exitUsage
	}
	if *trustPath == "" {
		return usageError(e, c, "-trust FILE is required")
	}
	if sub == "list" {
		if len(pos) != 0 {
			return usageError(e, c, "unexpected argument %q", pos[0])
		}
		t, err := keys.ReadTrustFile(*trustPath)
		if err != nil {
			return fileError(e, *trustPath, err, "a trust file", "")
		}
		if *asJSON {
			return printJSON(e, t.List())
		}
		for _, l := range t.List().Lines() {
			fmt.Fprintln(e.stdout, l)
		}
		return exitOK
	}
	if len(pos) != 1 {
		return usageError(e, c, "trust add takes one public key file")
	}
	if len(issuers) == 0 {
		return usageError(e, c, "-iss ID is required")
	}
	pub, ok := readPublicKey(e, pos[0])
	if !ok {
		return exitUsage
	}
	k, err := keys.NewKey(pub, issuers...)
	if err != nil {
		e.errorf("%s: %v", pos[0], err)
		return exitUsage
	}
	if err := k.SetWindow(*from, *until); err != nil {
		return usageError(e, c, "%v", err)
	}
	if k, err = keys.AddToTrustFile(*trustPath, k); err != nil {
		return fileError(e, *trustPath, err, "a trust file", "")
	}
	fmt.Fprintf(e.stderr, "hufu: %s: added key %s (%s) for %s\n", *trustPath, hex.EncodeToString(k.KID), k.Alg, strings.Join(k.Issuers, ","))
	return exitOK
}

// readPublicKey reads a public key file for a command (see keyRead).
func readPublicKey(e *env, path string) (crypto.PublicKey, bool) {
	pub, err := keys.ReadPublicFile(path)
	return pub, keyRead(e, path, err, "a public key")
}
