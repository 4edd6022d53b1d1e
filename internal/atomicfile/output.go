package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrIsDir is the error (within an *fs.PathError) WriteOutput returns for a
// directory.
var ErrIsDir = errors.New("is a directory; give a file name")

// ExistsError is WriteOutput's error for an existing file that it may not
// replace. It satisfies errors.Is(err, fs.ErrExist).
type ExistsError struct {
	Path string // the file, as the caller named it
}

// Error returns "PATH already exists", as an operator is told.
func (e *ExistsError) Error() string { return e.Path + " already exists" }

// Unwrap returns fs.ErrExist.
func (e *ExistsError) Unwrap() error { return fs.ErrExist }

// Hint says how hufu's commands replace the file: with their -f flag,
// which sets WriteOutput's overwrite.
func (e *ExistsError) Hint() string { return "give -f to replace it" }

// WriteOutput writes data where a command's "-o PATH" says:
//
//   - "-" is stdout;
//   - a character device, pipe (FIFO) or socket, such as /dev/null or
//     /dev/stdout, is written straight through and never replaced;
//   - a directory is refused with ErrIsDir;
//   - a symbolic link is followed: the file it points to is what is
//     written, by the rules here, and the link stays; a link to nothing is
//     refused;
//   - an existing regular file is replaced atomically (temporary file,
//     fsync, rename) if overwrite is true, and otherwise refused with an
//     *ExistsError;
//   - a new file is created atomically with mode perm.
//
// A file that appears between WriteOutput's look and its write is, like
// one that was there, replaced if overwrite is true (WriteOutput looks
// once more) and refused with an *ExistsError otherwise.
func WriteOutput(path string, data []byte, perm fs.FileMode, overwrite bool, stdout io.Writer) error {
	return writeOutput(path, data, perm, overwrite, stdout, true)
}

// beforeCreate, if set (by tests), runs between writeOutput's look at a
// path where nothing exists and its creating the file there.
var beforeCreate func(path string)

// writeOutput is WriteOutput; again says whether it may look again at a
// file that appeared since its first look.
func writeOutput(path string, data []byte, perm fs.FileMode, overwrite bool, stdout io.Writer, again bool) error {
	if path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	st, err := os.Stat(path) // follows symbolic links
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if lst, lerr := os.Lstat(path); lerr == nil && lst.Mode()&fs.ModeSymlink != 0 {
			return &fs.PathError{Op: "write", Path: path, Err: errors.New("is a symbolic link to a file that does not exist")}
		}
		if beforeCreate != nil {
			beforeCreate(path)
		}
		if err := Create(path, data, perm); errors.Is(err, fs.ErrExist) {
			if overwrite && again { // it appeared since the Stat
				return writeOutput(path, data, perm, overwrite, stdout, false)
			}
			return &ExistsError{Path: path}
		} else if err != nil {
			return err
		}
		return nil
	case err != nil:
		return err
	case st.IsDir():
		return &fs.PathError{Op: "write", Path: path, Err: ErrIsDir}
	case !st.Mode().IsRegular():
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	case !overwrite:
		return &ExistsError{Path: path}
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	return WriteFile(real, data, st.Mode().Perm())
}
