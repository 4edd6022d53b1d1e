package office

// Code is a stable snake_case code of an *Error. It is an error itself,
// so that errors.Is(err, office.BadFile) tests an *Error's code.
type Code string

func (c Code) Error() string { return string(c) }

// The error codes.
const (
	UnknownTask Code = "unknown_task" // Open was given a Task not in Tasks
	Missing     Code = "missing"      // the Config lacks a setting the Task needs
	BadFile     Code = "bad_file"     // a key or merge file cannot be read, or holds something else
	RootKey     Code = "root_key"     // the issuing key's file is a trust bundle root key (hufu keygen -root)
	ExposedKey  Code = "exposed_key"  // a warning (Config.Warn): other users can read a key file
	NewSecret   Code = "new_secret"   // a warning (Config.Warn): Open created the secret file, which needs backing up
)

// Error is a configuration the office cannot use as it is.
type Error struct {
	Code   Code
	What   string // the file's role: "issuing key", "root key", "merge file"; or ""
	Detail string
	Err    error // the underlying error, if any
	hint   string
}

func (e *Error) Error() string {
	s := "office: "
	switch {
	case e.What != "":
		s += e.What
	default:
		s += string(e.Code)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the code and, if set, the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Code}
	}
	return []error{e.Code, e.Err}
}

// Hint says what the operator can do about the error, or "".
func (e *Error) Hint() string { return e.hint }
