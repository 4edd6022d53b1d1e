package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// onlyFiles asserts that dir holds exactly the named files: no temporary
// file is left behind.
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("directory holds %q, want %q", got, names)
	}
	for i := range names {
		if got[i] != names[i] {
			t.Fatalf("directory holds %q, want %q", got, names)
		}
	}
}

func checkFile(t *testing.T, path, data string, perm fs.FileMode) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != data {
		t.Errorf("%s holds %q, want %q", path, got, data)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != perm || !st.Mode().IsRegular() {
		t.Errorf("%s has mode %v, want %v", path, st.Mode(), perm)
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key.pem")
	if err := Create(path, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "secret", 0o600)
	onlyFiles(t, dir, "key.pem")

	err := Create(path, []byte("other"), 0o600)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over an existing file: %v, want fs.ErrExist", err)
	}
	checkFile(t, path, "secret", 0o600)
	onlyFiles(t, dir, "key.pem")
}

func TestCreateRefusesAnyExistingName(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Create(sub, []byte("x"), 0o600); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over a directory: %v, want fs.ErrExist", err)
	}
	// A dangling symlink counts as existing: Create never writes through it.
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks:", err)
	}
	if err := Create(link, []byte("x"), 0o600); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over a dangling symlink: %v, want fs.ErrExist", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Create wrote through a symlink: %v", err)
	}
	onlyFiles(t, dir, "link", "sub")
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trust.json")
	if err := WriteFile(path, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "one", 0o644)
	if err := WriteFile(path, []byte("two, longer"), 0o640); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "two, longer", 0o640)
	if err := WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "", 0o600)
	onlyFiles(t, dir, "trust.json")
}

func TestFailures(t *testing.T) {
	dir := t.TempDir()
	// A directory that does not exist.
	missing := filepath.Join(dir, "no", "such", "file")
	if err := WriteFile(missing, []byte("x"), 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("WriteFile in a missing directory: %v", err)
	}
	if err := Create(missing, []byte("x"), 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Create in a missing directory: %v", err)
	}
	// Replacing a directory fails after the temporary file was written;
	// it must be removed.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(sub, []byte("x"), 0o644); err == nil {
		t.Error("WriteFile over a non-empty directory succeeded")
	}
	onlyFiles(t, dir, "sub")

}

// Of concurrent Creates of one name exactly one wins, and the file holds
// its data.
func TestCreateRace(t *testing.T) {
	dir := t.TempDir()
	for round := 0; round < 20; round++ {
		path := filepath.Join(dir, "f")
		const n = 8
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func() { errs <- Create(path, []byte{byte('a' + i)}, 0o600) }()
		}
		wins := 0
		for i := 0; i < n; i++ {
			err := <-errs
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, fs.ErrExist):
				t.Fatalf("Create: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d Creates succeeded", wins)
		}
		onlyFiles(t, dir, "f")
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFailureInReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write to read-only directories")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if err := WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("WriteFile in a read-only directory: %v", err)
	}
	onlyFiles(t, dir)
}
