package input

import (
	"fmt"

	"github.com/hufu-project/hufu/internal/filekind"
)

// WrongKind explains a file that cannot be read as what a caller wants
// (want, a noun phrase such as "a trust file"): "" if the file is what it
// should be, cannot be read, or is of no kind hufu knows; else "PATH is
// KIND, not WANT", or "PATH is KIND; HINT" if hint is not empty.
func WrongKind(path, want, hint string) string {
	data, err := ReadFile(path, MaxFile)
	if err != nil {
		return ""
	}
	msg := filekind.Mismatch(path, data, filekind.Kind(want))
	if msg != "" && hint != "" {
		msg = fmt.Sprintf("%s is %s; %s", path, filekind.Of(data), hint)
	}
	return msg
}
