package keys

import "github.com/hufu-project/hufu/internal/shellquote"

// Code is a stable, snake_case reason why a key file was refused or needs
// attention. A Code is itself an error, so errors.Is(err, keys.KeyExists)
// works.
type Code string

// The codes of FileError.
const (
	// KeyExists: WriteKeyPair found the private or the public key file
	// already there, and wrote nothing.
	KeyExists Code = "key_exists"
	// ReadableByOthers: ReadPrivateFile read the key, but the file's
	// permissions let users other than its owner read or write it.
	ReadableByOthers Code = "readable_by_others"
	// PrivateNotPublic: ReadPublicFile was given a private key file.
	PrivateNotPublic Code = "private_not_public"
)

// Error implements error.
func (c Code) Error() string { return string(c) }

// FileError is an error about a key file that the operator can act on:
// its Code, the file, a sentence for people, the underlying error, and
// what to do (Hint).
type FileError struct {
	Code   Code
	Path   string // the key file
	Detail string // what is wrong, for people; it names Path
	Err    error  // the underlying error, which Detail already describes
}

// Error returns "keys: DETAIL".
func (e *FileError) Error() string { return "keys: " + e.Detail }

// Unwrap returns the code and, if set, the underlying error, so
// errors.Is and errors.As see both.
func (e *FileError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Code}
	}
	return []error{e.Code, e.Err}
}

// Hint says what the operator can do, naming the command that does it.
func (e *FileError) Hint() string {
	switch e.Code {
	case KeyExists:
		return "give another file (hufu keygen -o FILE), or move the old key away first"
	case ReadableByOthers:
		return shellquote.Join([]string{"chmod", "600", e.Path})
	case PrivateNotPublic:
		return "give the public key (" + e.Path + ".pub), not the private key"
	}
	return ""
}
