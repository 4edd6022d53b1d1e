package input

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrongKind(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pub := write("k.pub", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
	pass := write("p.txt", "HF1:ABC\n")
	odd := write("odd.txt", "nothing hufu knows\n")
	for _, c := range []struct{ path, want, hint, msg string }{
		{pub, "a trust file", "", pub + " is a public key, not a trust file"},
		{pub, "a trust file", "-trust wants a trust file", pub + " is a public key; -trust wants a trust file"},
		{pub, "a public key", "", ""},
		{pass, "a pass", "", ""},
		{pass, "a trust bundle", "", pass + " is a pass, not a trust bundle"},
		{odd, "a trust file", "", ""},
		{filepath.Join(dir, "missing"), "a trust file", "", ""},
	} {
		if got := WrongKind(c.path, c.want, c.hint); got != c.msg {
			t.Errorf("WrongKind(%s, %q, %q) = %q, want %q", filepath.Base(c.path), c.want, c.hint, got, c.msg)
		}
	}
}
