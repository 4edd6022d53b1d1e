package keys

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestWriteKeyPair(t *testing.T) {
	dir := t.TempDir()
	for _, root := range []bool{false, true} {
		path := filepath.Join(dir, "k")
		if root {
			path += "root"
		}
		priv, err := Generate(EdDSA)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteKeyPair(path, priv, root); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, mode %v, want 0600", path, err, st.Mode())
		}
		back, marked, err := ReadPrivateFileRole(path)
		if err != nil || !Equal(back.Public(), priv.Public()) {
			t.Fatalf("read back: %v", err)
		}
		if marked != root {
			t.Errorf("ReadPrivateFileRole(%s) root = %v, want %v", path, marked, root)
		}
		pub, err := ReadPublicFile(path + ".pub")
		if err != nil || !Equal(pub, priv.Public()) {
			t.Fatalf("public key: %v", err)
		}
		// Never over an existing file, private or public.
		other, _ := Generate(ES256)
		var pe *fs.PathError
		if err := WriteKeyPair(path, other, root); !errors.Is(err, fs.ErrExist) || !errors.As(err, &pe) || pe.Path != path {
			t.Errorf("second write: %v, want fs.ErrExist for %s", err, path)
		}
		os.Remove(path)
		if err := WriteKeyPair(path, other, root); !errors.As(err, &pe) || pe.Path != path+".pub" {
			t.Errorf("with only the .pub there: %v", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a refused write left %s", path)
		}
	}
	if _, err := ParseAlg("ed25519"); err != nil {
		t.Error(err)
	}
	if _, err := ParseAlg("RS256"); err == nil {
		t.Error("ParseAlg(RS256) succeeded")
	}
}

func TestAddToTrustFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trust.json")
	priv, _ := Generate(ES256)
	kid, _ := KID(priv.Public())
	other, _ := Generate(EdDSA)
	okid, _ := KID(other.Public())
	until := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []*Key{
		{KID: kid, Alg: ES256, Public: priv.Public(), Issuers: []string{"310000"}, ValidUntil: until},
		{KID: okid, Alg: EdDSA, Public: other.Public(), Issuers: []string{"320000"}},
		{KID: kid, Alg: ES256, Public: priv.Public(), Issuers: []string{"330000", "310000"}, ValidFrom: from},
	}
	for _, k := range steps {
		if _, err := AddToTrustFile(path, k); err != nil {
			t.Fatal(err)
		}
	}
	tf, err := ReadTrustFile(path)
	if err != nil {
		t.Fatal(err)
	}
	all := tf.All()
	if len(all) != 2 {
		t.Fatalf("%d keys, want 2 (the same key extended, not repeated)", len(all))
	}
	k := tf.Keys(kid)[0]
	if !slices.Equal(k.Issuers, []string{"330000", "310000"}) || !k.ValidFrom.Equal(from) || !k.ValidUntil.Equal(until) {
		t.Errorf("extended key: issuers %v, window %v–%v", k.Issuers, k.ValidFrom, k.ValidUntil)
	}
}

func TestTrustList(t *testing.T) {
	priv, _ := Generate(ES256)
	kid, _ := KID(priv.Public())
	until := time.Date(2027, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	tf, err := NewTrust(&Key{KID: kid, Alg: ES256, Public: priv.Public(), Issuers: []string{"310000", "320000"}, ValidUntil: until})
	if err != nil {
		t.Fatal(err)
	}
	l := tf.List()
	if l.Version != 1 || len(l.Keys) != 1 || l.Keys[0].ValidFrom != nil || l.Keys[0].ValidUntil.Location() != time.UTC {
		t.Fatalf("%+v", l)
	}
	want := hex.EncodeToString(kid) + "  ES256  issuers 310000,320000  until 2027-01-01T00:00:00Z"
	if lines := l.Lines(); len(lines) != 1 || lines[0] != want {
		t.Errorf("lines %q, want %q", lines, want)
	}
}

func TestNewKey(t *testing.T) {
	priv, _ := Generate(EdDSA)
	k, err := NewKey(priv.Public(), "310000")
	kid, _ := KID(priv.Public())
	if err != nil || k.Alg != EdDSA || !bytes.Equal(k.KID, kid) || k.Check() != nil {
		t.Fatalf("%+v %v", k, err)
	}
	if _, err := NewKey("not a key", "310000"); err == nil {
		t.Error("NewKey accepted a string")
	}
}

// TestFileErrors: the key file errors an operator can act on carry their
// Code, the file, and a hint naming what to do.
func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "my key")
	priv, _ := Generate(ES256)
	if err := WriteKeyPair(path, priv, false); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error, code Code, hint string) {
		t.Helper()
		var fe *FileError
		if !errors.Is(err, code) || !errors.As(err, &fe) || fe.Code != code || fe.Path != path {
			t.Fatalf("%s: %v, want a *FileError of code %s for %s", what, err, code, path)
		}
		if fe.Hint() != hint {
			t.Errorf("%s: hint %q, want %q", what, fe.Hint(), hint)
		}
	}

	err := WriteKeyPair(path, priv, false)
	check("WriteKeyPair over a key", err, KeyExists, "give another file (hufu keygen -o FILE), or move the old key away first")
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteKeyPair over a key: %v does not wrap fs.ErrExist", err)
	}

	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	k, err := ReadPrivateFile(path)
	check("ReadPrivateFile of a 0640 file", err, ReadableByOthers, "chmod 600 '"+path+"'")
	if k == nil || !errors.Is(err, ErrReadableByOthers) {
		t.Errorf("ReadPrivateFile of a 0640 file: key %v, %v; want the key and ErrReadableByOthers", k, err)
	}

	pub, err := ReadPublicFile(path)
	check("ReadPublicFile of a private key", err, PrivateNotPublic, "give the public key ("+path+".pub), not the private key")
	if pub != nil {
		t.Errorf("ReadPublicFile of a private key returned %v", pub)
	}
	// Any other file that is not a public key is a plain error.
	if err := os.WriteFile(path+".txt", []byte("HF1:ABC\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPublicFile(path + ".txt"); err == nil || errors.Is(err, PrivateNotPublic) {
		t.Errorf("ReadPublicFile of a pass: %v", err)
	}
	big := filepath.Join(dir, "big.pub")
	if err := os.WriteFile(big, bytes.Repeat([]byte("x"), MaxKeyFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPublicFile(big); err == nil {
		t.Error("ReadPublicFile read a file over MaxKeyFile")
	}
}

func TestSetWindow(t *testing.T) {
	day := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		from, until string
		want        [2]time.Time
	}{
		{"", "", [2]time.Time{}},
		{"2026-12-02", "", [2]time.Time{day, {}}},
		{"", "2026-12-02T08:00:00+08:00", [2]time.Time{{}, day}},
		{"2026-12-02", "2026-12-02", [2]time.Time{day, day}},
	} {
		k := &Key{ValidFrom: day.AddDate(-1, 0, 0), ValidUntil: day.AddDate(1, 0, 0)}
		if err := k.SetWindow(tc.from, tc.until); err != nil {
			t.Errorf("SetWindow(%q, %q): %v", tc.from, tc.until, err)
			continue
		}
		if !k.ValidFrom.Equal(tc.want[0]) || !k.ValidUntil.Equal(tc.want[1]) || k.ValidFrom.Location() != time.UTC || k.ValidUntil.Location() != time.UTC {
			t.Errorf("SetWindow(%q, %q): window %v to %v, want %v to %v in UTC", tc.from, tc.until, k.ValidFrom, k.ValidUntil, tc.want[0], tc.want[1])
		}
	}
	for _, bad := range [][2]string{{"yesterday", ""}, {"", "2026-13-01"}, {"2026-12-03", "2026-12-02"}} {
		k := &Key{ValidFrom: day}
		if err := k.SetWindow(bad[0], bad[1]); err == nil || !k.ValidFrom.Equal(day) || !k.ValidUntil.IsZero() {
			t.Errorf("SetWindow%q: %v, window %v to %v; want an error and the window unchanged", bad, err, k.ValidFrom, k.ValidUntil)
		}
	}
}
