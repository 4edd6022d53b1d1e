package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/shellquote"
)

var cmdDemo = &command{
	name:    "demo",
	summary: "walk through keygen, trust, issue and verify with a throwaway key",
	usage:   help("demo"),
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
		return e.fail(err)
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	old, err := os.Getwd()
	if err == nil {
		err = os.Chdir(dir)
	}
	if err != nil {
		return e.fail(err)
	}
	defer os.Chdir(old)

	w := e.stdout
	fmt.Fprintf(w, "hufu demo: a throwaway issuer in %s\n", dir)
	var text []byte // the green pass, once issued
	// tampered is the green pass with one character in the middle changed.
	tampered := func() string {
		t := []byte(strings.TrimSpace(string(text)))
		if i := len(t) / 2; t[i] == 'A' {
			t[i] = 'B'
		} else {
			t[i] = 'A'
		}
		return string(t)
	}
	later := time.Now().Add(25 * time.Hour).UTC().Format(time.RFC3339)
	steps := []struct {
		title string
		stdin func() string
		want  int
		args  []string
	}{
		{"Make a signing key (the private half stays with the issuer, mode 0600)", nil, exitOK,
			[]string{"keygen", "-alg", "ES256", "-o", "issuer.key"}},
		{"Trust its public half for Shanghai (issuer ID 310000)", nil, exitOK,
			[]string{"trust", "add", "-trust", "trust.json", "-iss", "310000", "issuer.key.pub"}},
		{"Issue a green pass for 张三, valid 24 hours, with a hint, and its QR code as a PNG", nil, exitOK,
			[]string{"issue", "-key", "issuer.key", "-iss", "310000", "-name", "张三", "-colour", "green", "-hint", "health_registration", "-ttl", "24h", "-o", "green.txt", "-png", "green.png"}},
		{"Verify it as a guard would, with the name from the ID card", nil, exitOK,
			[]string{"verify", "-trust", "trust.json", "-name", "张 三", "green.txt"}},
		{"Read the QR code back from the PNG image, as a camera or a photo would give it", nil, exitOK,
			[]string{"verify", "-trust", "trust.json", "green.png"}},
		{"Someone else shows the same code: the name does not match", nil, exitDeny,
			[]string{"verify", "-trust", "trust.json", "-name", "李四", "green.txt"}},
		{"Issue a yellow pass: arrived from a key region within 14 days", nil, exitOK,
			[]string{"issue", "-key", "issuer.key", "-iss", "310000", "-name", "Wang Fang", "-colour", "yellow", "-reason", "key_region_arrival", "-hint", "test_suggested", "-ttl", "12h", "-o", "yellow.txt"}},
		{"Verify it", nil, exitObserve, []string{"verify", "-trust", "trust.json", "-name", "wang fang", "yellow.txt"}},
		{"Change one character of the green pass: the signature no longer matches", tampered, exitInvalid,
			[]string{"verify", "-trust", "trust.json", "-"}},
		{"Verify the green pass as of tomorrow: it has expired", nil, exitInvalid,
			[]string{"verify", "-trust", "trust.json", "-at", later, "green.txt"}},
		{"Machine-readable verdict for a turnstile", nil, exitOK, []string{"verify", "-trust", "trust.json", "-json", "green.txt"}},
	}
	for i, st := range steps {
		// Each step runs one hufu command in-process, shown as typed, with
		// its output indented.
		fmt.Fprintf(w, "\n%d. %s\n   $ hufu %s\n", i+1, st.title, shellquote.Join(st.args))
		stdin := ""
		if st.stdin != nil {
			stdin = st.stdin()
		}
		var out, errb bytes.Buffer
		code := run(&env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, st.args)
		indent(w, out.String())
		indent(w, errb.String())
		fmt.Fprintf(w, "   (exit status %d)\n", code)
		if code != st.want {
			e.errorf("demo step %d did not give the expected result", i+1)
			return exitInvalid
		}
		if text == nil && slices.Contains(st.args, "green.txt") {
			text, _ = os.ReadFile("green.txt")
			fmt.Fprintf(w, "   green.txt holds the QR code's text, %d characters:\n   %s", len(bytes.TrimSpace(text)), text)
		}
	}
	fmt.Fprintf(w, "\nDone. Run \"hufu help\" for every command")
	if *keep {
		fmt.Fprintf(w, "; the files are in %s", dir)
	}
	fmt.Fprintln(w, ".")
	return exitOK
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
