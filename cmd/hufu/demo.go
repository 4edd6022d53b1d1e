package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

var cmdDemo = &command{
	name:    "demo",
	summary: "walk through keygen, trust, issue and verify with a throwaway key",
	usage: `
Usage: hufu demo [-keep]

Demo makes a throwaway signing key in a temporary directory, issues passes
with it and verifies them, printing each step as the command you would type.
Nothing outside the temporary directory is touched; it is deleted at the
end unless -keep is given.
`,
}

func init() { cmdDemo.run = runDemo }

func runDemo(e *env, args []string) int {
	c := cmdDemo
	fl := flagSet(e, c)
	keep := fl.Bool("keep", false, "")
	if pos, ok := parse(e, c, fl, args); !ok {
		return exitUsage
	} else if len(pos) != 0 {
		return usageError(e, c, "unexpected argument %q", pos[0])
	}
	dir, err := os.MkdirTemp("", "hufu-demo-")
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	old, err := os.Getwd()
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	if err := os.Chdir(dir); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	defer os.Chdir(old)

	w := e.stdout
	fmt.Fprintf(w, "hufu demo: a throwaway issuer in %s\n", dir)
	step := 0
	// do runs one hufu command in-process, shows it as typed, indents its
	// output, and returns its standard output and exit status.
	do := func(title string, stdin string, args ...string) (string, int) {
		step++
		fmt.Fprintf(w, "\n%d. %s\n   $ hufu %s\n", step, title, shellJoin(args))
		var out, errb bytes.Buffer
		sub := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		code := run(sub, args)
		indent(w, out.String())
		indent(w, errb.String())
		fmt.Fprintf(w, "   (exit status %d)\n", code)
		return out.String(), code
	}

	if _, code := do("Make a signing key (the private half stays with the issuer, mode 0600)", "", "keygen", "-alg", "ES256", "-o", "issuer.key"); code != 0 {
		return fail(e, step)
	}
	if _, code := do("Trust its public half for Shanghai (issuer ID 310000)", "", "trust", "add", "-trust", "trust.json", "-iss", "310000", "issuer.key.pub"); code != 0 {
		return fail(e, step)
	}
	_, code := do("Issue a green pass for 张三, valid 24 hours, with a hint, and its QR code as a PNG", "",
		"issue", "-key", "issuer.key", "-iss", "310000", "-name", "张三", "-colour", "green", "-hint", "health_registration", "-ttl", "24h", "-o", "green.txt", "-png", "green.png")
	if code != 0 {
		return fail(e, step)
	}
	text, _ := os.ReadFile("green.txt")
	fmt.Fprintf(w, "   green.txt holds the QR code's text, %d characters:\n   %s", len(bytes.TrimSpace(text)), text)
	if _, code := do("Verify it as a guard would, with the name from the ID card", "",
		"verify", "-trust", "trust.json", "-name", "张 三", "green.txt"); code != exitOK {
		return fail(e, step)
	}
	if _, code := do("Read the QR code back from the PNG image, as a camera or a photo would give it", "",
		"verify", "-trust", "trust.json", "green.png"); code != exitOK {
		return fail(e, step)
	}
	if _, code := do("Someone else shows the same code: the name does not match", "",
		"verify", "-trust", "trust.json", "-name", "李四", "green.txt"); code != exitDeny {
		return fail(e, step)
	}
	if _, code := do("Issue a yellow pass: arrived from a key region within 14 days", "",
		"issue", "-key", "issuer.key", "-iss", "310000", "-name", "Wang Fang", "-colour", "yellow",
		"-reason", "key_region_arrival", "-hint", "test_suggested", "-ttl", "12h", "-o", "yellow.txt"); code != 0 {
		return fail(e, step)
	}
	if _, code := do("Verify it", "", "verify", "-trust", "trust.json", "-name", "wang fang", "yellow.txt"); code != exitObserve {
		return fail(e, step)
	}
	// Tamper with one character in the middle of the green pass.
	t := []byte(strings.TrimSpace(string(text)))
	i := len(t) / 2
	if t[i] == 'A' {
		t[i] = 'B'
	} else {
		t[i] = 'A'
	}
	if _, code := do("Change one character of the green pass: the signature no longer matches", string(t),
		"verify", "-trust", "trust.json", "-"); code != exitInvalid {
		return fail(e, step)
	}
	later := time.Now().Add(25 * time.Hour).UTC().Format(time.RFC3339)
	if _, code := do("Verify the green pass as of tomorrow: it has expired", "",
		"verify", "-trust", "trust.json", "-at", later, "green.txt"); code != exitInvalid {
		return fail(e, step)
	}
	if _, code := do("Machine-readable verdict for a turnstile", "",
		"verify", "-trust", "trust.json", "-json", "green.txt"); code != exitOK {
		return fail(e, step)
	}
	fmt.Fprintf(w, "\nDone. Run \"hufu help\" for every command")
	if *keep {
		fmt.Fprintf(w, "; the files are in %s", dir)
	}
	fmt.Fprintln(w, ".")
	return exitOK
}

func fail(e *env, step int) int {
	e.errorf("demo step %d did not give the expected result", step)
	return exitInvalid
}

func indent(w io.Writer, s string) {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return
	}
	for _, l := range strings.Split(s, "\n") {
		fmt.Fprintf(w, "   %s\n", l)
	}
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"$\\*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		} else if !isASCII(a) {
			a = "'" + a + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
