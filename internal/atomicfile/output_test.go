//go:build unix

package atomicfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteOutputStdout(t *testing.T) {
	var out bytes.Buffer
	if err := WriteOutput("-", []byte("HF1:x\n"), 0o644, false, &out); err != nil || out.String() != "HF1:x\n" {
		t.Fatalf("WriteOutput(-): %q, %v", out.String(), err)
	}
}

// TestWriteOutputDevNull: a character device is written through, not
// replaced by a regular file (issue 11 item 9: -o /dev/null as root).
func TestWriteOutputDevNull(t *testing.T) {
	if err := WriteOutput(os.DevNull, []byte("x"), 0o644, false, nil); err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(os.DevNull)
	if err != nil || st.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("%s is now %v, %v", os.DevNull, st.Mode(), err)
	}
}

func TestWriteOutputFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan []byte)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- b
	}()
	if err := WriteOutput(fifo, []byte("through the pipe"), 0o644, false, nil); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "through the pipe" {
		t.Fatalf("read %q from the FIFO", b)
	}
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO is now %v, %v", st.Mode(), err)
	}
	onlyFiles(t, dir, "fifo")
}

func TestWriteOutputDir(t *testing.T) {
	dir := t.TempDir()
	err := WriteOutput(dir, []byte("x"), 0o644, true, nil)
	if !errors.Is(err, ErrIsDir) {
		t.Fatalf("WriteOutput(DIR): %v, want ErrIsDir", err)
	}
	onlyFiles(t, dir)
}

func TestWriteOutputExisting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pass.txt")
	if err := WriteOutput(path, []byte("one"), 0o600, false, nil); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "one", 0o600)
	err := WriteOutput(path, []byte("two"), 0o644, false, nil)
	var ee *ExistsError
	if !errors.Is(err, fs.ErrExist) || !errors.As(err, &ee) || ee.Path != path || ee.Hint() != "give -f to replace it" {
		t.Fatalf("WriteOutput over an existing file without overwrite: %v, want an *ExistsError, fs.ErrExist", err)
	}
	checkFile(t, path, "one", 0o600)
	if err := WriteOutput(path, []byte("two"), 0o644, true, nil); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "two", 0o600) // the file keeps its mode
	onlyFiles(t, dir, "pass.txt")
}

// TestWriteOutputSymlink: a link is followed, and stays a link.
func TestWriteOutputSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.txt")
	link := filepath.Join(dir, "link.txt")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target.txt", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteOutput(link, []byte("new"), 0o644, true, nil); err != nil {
		t.Fatal(err)
	}
	checkFile(t, target, "new", 0o644)
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link is now %v, %v", st.Mode(), err)
	}
	dangling := filepath.Join(dir, "dangling")
	os.Symlink("nowhere", dangling)
	if err := WriteOutput(dangling, []byte("x"), 0o644, true, nil); err == nil {
		t.Fatal("WriteOutput through a dangling link: no error")
	}
	onlyFiles(t, dir, "dangling", "link.txt", "target.txt")
}

// TestWriteOutputAppeared: a file that appears between WriteOutput's look
// and its write is replaced when the caller overwrites, and refused with
// an *ExistsError (whose hint names -f) when it does not.
func TestWriteOutputAppeared(t *testing.T) {
	defer func() { beforeCreate = nil }()
	for _, overwrite := range []bool{true, false} {
		path := filepath.Join(t.TempDir(), "out")
		appeared := 0
		beforeCreate = func(p string) {
			if appeared++; appeared == 1 {
				if err := os.WriteFile(p, []byte("someone else's\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		err := WriteOutput(path, []byte("ours\n"), 0o644, overwrite, nil)
		got, _ := os.ReadFile(path)
		var ee *ExistsError
		switch {
		case appeared != 1:
			t.Errorf("overwrite %v: the file was made to appear %d times, want 1", overwrite, appeared)
		case overwrite && (err != nil || string(got) != "ours\n"):
			t.Errorf("overwrite: %v, file %q, want it replaced", err, got)
		case !overwrite && (!errors.As(err, &ee) || string(got) != "someone else's\n"):
			t.Errorf("no overwrite: %v, file %q, want an *ExistsError and the file kept", err, got)
		}
	}
}
