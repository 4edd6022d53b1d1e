package station

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/internal/shellquote"
)

// A ConfigError is a setting of a Config (Config.Check, Open) or of
// Inputs (Inputs.Check) that cannot be used. It is found before anything
// is opened or created.
type ConfigError struct {
	// Field is the setting: "Site", "Guard", "StateDir", "Lang", "Dedupe",
	// "Passback" or "Scanner".
	Field string
	// Err says what is wrong, naming the setting in lower case ("lang
	// \"fr\": want zh or en").
	Err error
}

func (e *ConfigError) Error() string { return "station: " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Check returns a *ConfigError for the first setting of c that Open
// refuses before it opens or creates anything, in this order: a Site
// that is not 1 to 32 lower-case letters, digits, '-', '_' and '.',
// starting with a letter or digit; a Guard that cannot be written to the
// log (over-long, not UTF-8, a control character or line separator, or
// one of " \ < > &; "" is allowed and means "-"); no StateDir; a Lang
// other than "", "zh" and "en"; a negative Dedupe or Passback. A negative
// Skew is allowed: it means no tolerance. It touches no file.
func (c *Config) Check() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	if err := scanlog.ValidSite(c.Site); err != nil {
		return &ConfigError{Field: "Site", Err: err}
	}
	if err := scanlog.CheckText(c.Guard); err != nil {
		return bad("Guard", "guard: %w", err)
	}
	switch {
	case c.StateDir == "":
		return bad("StateDir", "no state directory")
	case c.Lang != "" && c.Lang != "zh" && c.Lang != "en":
		return bad("Lang", "lang %q: want zh or en", c.Lang)
	case c.Dedupe < 0:
		return bad("Dedupe", "dedupe %v: must not be negative", c.Dedupe)
	case c.Passback < 0:
		return bad("Passback", "passback %v: must not be negative", c.Passback)
	}
	return nil
}

// Check returns a *ConfigError (Field "Scanner") if in.Scanner is set but
// names nothing that exists, or a directory: Run would fail to open it.
// It opens nothing (a FIFO would wait for its writer).
func (in *Inputs) Check() error {
	if in.Scanner == "" {
		return nil
	}
	st, err := os.Stat(in.Scanner)
	switch {
	case err != nil:
		return &ConfigError{Field: "Scanner", Err: fmt.Errorf("scanner: %w", err)}
	case st.IsDir():
		return &ConfigError{Field: "Scanner", Err: fmt.Errorf("scanner %s is a directory: want a scanner's serial device, a FIFO or a file", in.Scanner)}
	}
	return nil
}

// A LogError is a site's scan log that does not verify (edited,
// truncated, …, see "hufu log verify"): Err is the *scanlog.Problem, and
// IsLogProblem is true of it. Open refuses to start a station on such a
// log, and OpenReport to read one.
type LogError struct {
	Site     string
	StateDir string
	Err      error
	starting bool // from Open: the hint says how to start a new log
}

func (e *LogError) Error() string {
	return "station: " + e.Site + ": the scan log does not verify: " + e.Err.Error()
}

func (e *LogError) Unwrap() error { return e.Err }

// Hint says how to look into the log; for a station that will not start,
// also how to start a new log and keep the old one.
func (e *LogError) Hint() string {
	h := "run \"" + shellquote.Join([]string{"hufu", "log", "verify", "-state", e.StateDir, "-site", e.Site}) + "\""
	if e.starting {
		h += fmt.Sprintf("; to start a new log, move the %s.* files in %s aside", e.Site, filepath.Join(e.StateDir, "scanlog"))
	}
	return h
}

// IsLogProblem reports whether err is a scan log that does not verify
// (edited, truncated, …), as opposed to one that could not be read.
func IsLogProblem(err error) bool {
	var p *scanlog.Problem
	return errors.As(err, &p)
}

// A SiteError is a state directory whose scan logs do not say which site
// a call given none means: it holds no log, or the logs of several sites.
type SiteError struct {
	StateDir string
	Sites    []string // the sites with a log, sorted; empty if none
}

func (e *SiteError) Error() string {
	if len(e.Sites) == 0 {
		return "station: no scan logs in " + filepath.Join(e.StateDir, "scanlog")
	}
	return "station: the state holds several sites (" + strings.Join(e.Sites, ", ") + ")"
}

// Hint says what to do: name one of the sites, or start a station.
func (e *SiteError) Hint() string {
	if len(e.Sites) == 0 {
		return "a station writes its log as it starts: hufu scan -site ID"
	}
	return "give -site with one of them, e.g. -site " + e.Sites[0]
}

// Sites lists the sites with a scan log in stateDir, sorted; none if it
// has no scan log directory.
func Sites(stateDir string) ([]string, error) {
	sites, err := scanlog.Sites(filepath.Join(stateDir, "scanlog"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return sites, err
}

// theSite returns site, or if it is "", the one site with a log in
// stateDir (a *SiteError if there is none or several).
func theSite(stateDir, site string) (string, error) {
	if site != "" {
		return site, nil
	}
	sites, err := Sites(stateDir)
	if err != nil {
		return "", err
	}
	if len(sites) != 1 {
		return "", &SiteError{StateDir: stateDir, Sites: sites}
	}
	return sites[0], nil
}
