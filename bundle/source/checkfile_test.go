package source

import (
	"crypto"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
)

// TestCheckKeyFile: CheckKeyFile names the file in CheckKey's refusals,
// with a hint, and passes the other errors on.
func TestCheckKeyFile(t *testing.T) {
	dir := t.TempDir()
	sh, other := key("shanghai"), key("other")
	s := New()
	s.AddIssuer("310000", bundle.Label{ZH: "上海市", EN: "Shanghai"}, time.Hour, nil)
	s.AddKey("310000", sh.Public(), time.Time{}, time.Time{})
	path := filepath.Join(dir, "src.json")
	if err := s.Create(path); err != nil {
		t.Fatal(err)
	}
	if err := CheckKeyFile(path, sh.Public(), "310000"); err != nil {
		t.Errorf("the issuer's key: %v", err)
	}
	for _, tc := range []struct {
		iss  string
		key  crypto.PublicKey
		want Code
	}{{"31000", sh.Public(), UnknownIssuer}, {"310000", other.Public(), UnknownKey}} {
		err := CheckKeyFile(path, tc.key, tc.iss)
		var ke *KeyCheckError
		if !errors.As(err, &ke) || !errors.Is(err, tc.want) || ke.Path != path ||
			!strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(ke.Hint(), "check -key and -iss") {
			t.Errorf("-iss %s: %v, want a *KeyCheckError of %s naming %s", tc.iss, err, tc.want, path)
		}
	}
	pass := filepath.Join(dir, "pass.txt")
	os.WriteFile(pass, []byte("HF1:ABC\n"), 0o644)
	if err := CheckKeyFile(pass, sh.Public(), "310000"); !errors.Is(err, NotTrust) || errors.As(err, new(*KeyCheckError)) {
		t.Errorf("a pass: %v, want NotTrust", err)
	}
	if err := CheckKeyFile(filepath.Join(dir, "missing"), sh.Public(), "310000"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}
