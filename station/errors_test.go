package station

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/pass"
)

// TestConfigCheck: Open refuses each setting it cannot use with a
// *ConfigError naming the field, before it creates anything; "" for Guard
// and Lang and a negative Skew are allowed.
func TestConfigCheck(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	good := Config{Site: "gate-1", StateDir: state, Skew: -1}
	if err := good.Check(); err != nil {
		t.Fatalf("Check(%+v) = %v", good, err)
	}
	for field, bad := range map[string]func(*Config){
		"Site":     func(c *Config) { c.Site = "Gate/1" },
		"Guard":    func(c *Config) { c.Guard = "wang\a" },
		"StateDir": func(c *Config) { c.StateDir = "" },
		"Lang":     func(c *Config) { c.Lang = "fr" },
		"Dedupe":   func(c *Config) { c.Dedupe = -time.Second },
		"Passback": func(c *Config) { c.Passback = -time.Minute },
	} {
		c := good
		bad(&c)
		_, err := Open(c)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != field || !strings.HasPrefix(err.Error(), "station: ") {
			t.Errorf("%s: Open = %v, want a *ConfigError for %s", field, err, field)
		}
	}
	if _, err := os.Stat(state); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused Config created the state directory: %v", err)
	}
}

// TestInputsCheck: a scanner path that does not exist or is a directory
// is a *ConfigError for Scanner; a file, or no scanner, is fine.
func TestInputsCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "scanner")
	os.WriteFile(file, nil, 0o600)
	for _, c := range []struct {
		path string
		ok   bool
		want string // in the message
	}{
		{"", true, ""},
		{file, true, ""},
		{filepath.Join(dir, "nosuch"), false, "scanner: stat "},
		{dir, false, "is a directory: want a scanner's serial device, a FIFO or a file"},
	} {
		err := (&Inputs{Scanner: c.path}).Check()
		var ce *ConfigError
		if c.ok != (err == nil) || !c.ok && (!errors.As(err, &ce) || ce.Field != "Scanner" || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("Check(%q) = %v, want ok %v (%q)", c.path, err, c.ok, c.want)
		}
	}
	if err := (&Inputs{Scanner: filepath.Join(dir, "nosuch")}).Check(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing scanner: %v, want fs.ErrNotExist", err)
	}
}

// TestLogError: a log that does not verify stops Open and OpenReport with
// a *LogError whose hint names "hufu log verify" for the site; Open's
// also says how to start a new log.
func TestLogError(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, nil)
	check(t, s, f.issue(t, "a", pass.Green), "")
	s.Close()
	lp := filepath.Join(f.state, "scanlog", "gate-1.jsonl")
	data, _ := os.ReadFile(lp)
	os.WriteFile(lp, []byte(strings.Replace(string(data), `"decision":"admit"`, `"decision":"deny"`, 1)), 0o600)

	verify := `run "hufu log verify -state ` + f.state + ` -site gate-1"`
	_, err := Open(Config{Site: "gate-1", StateDir: f.state})
	var le *LogError
	if !errors.As(err, &le) || !IsLogProblem(err) || le.Site != "gate-1" ||
		le.Hint() != verify+"; to start a new log, move the gate-1.* files in "+filepath.Join(f.state, "scanlog")+" aside" {
		t.Errorf("Open on a tampered log: %v (hint %q)", err, hintOf(err))
	}
	_, err = OpenReport(f.state, "", time.Time{}, time.Time{})
	if !errors.As(err, &le) || !IsLogProblem(err) || le.Hint() != verify {
		t.Errorf("OpenReport of a tampered log: %v (hint %q)", err, hintOf(err))
	}
}

func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// TestSites: OpenReport and CheckLogs without a site take the one site
// there is, or every site; none, or several for OpenReport, is a
// *SiteError listing them, with a hint.
func TestSites(t *testing.T) {
	f := newFixture(t)
	var se *SiteError
	if _, err := OpenReport(f.state, "", time.Time{}, time.Time{}); !errors.As(err, &se) || len(se.Sites) != 0 || hintOf(err) == "" {
		t.Errorf("OpenReport without logs: %v", err)
	}
	if _, err := CheckLogs(f.state, ""); !errors.As(err, &se) || len(se.Sites) != 0 {
		t.Errorf("CheckLogs without logs: %v", err)
	}
	for _, site := range []string{"gate-2", "gate-1"} {
		s := f.open(t, func(c *Config) { c.Site = site })
		check(t, s, f.issue(t, site, pass.Green), "")
		s.Close()
		if site == "gate-2" {
			if r, err := OpenReport(f.state, "", time.Time{}, time.Time{}); err != nil || r.Site != "gate-2" || r.Len() != 1 {
				t.Fatalf("OpenReport of the one site: %v", err)
			}
		}
	}
	_, err := OpenReport(f.state, "", time.Time{}, time.Time{})
	if !errors.As(err, &se) || !slices.Equal(se.Sites, []string{"gate-1", "gate-2"}) || !strings.Contains(err.Error(), "several sites (gate-1, gate-2)") ||
		!strings.Contains(hintOf(err), "-site gate-1") {
		t.Errorf("OpenReport with two sites: %v (hint %q)", err, hintOf(err))
	}
	checks, err := CheckLogs(f.state, "")
	if err != nil || len(checks) != 2 || checks[0].Site != "gate-1" || checks[1].Site != "gate-2" || !checks[0].OK {
		t.Errorf("CheckLogs of every site: %v %+v", err, checks)
	}
	checks, err = CheckLogs(f.state, "gate-2")
	if err != nil || len(checks) != 1 || checks[0].Site != "gate-2" {
		t.Errorf("CheckLogs of gate-2: %v %+v", err, checks)
	}
	if checks, err := CheckLogs(f.state, "nosuch"); err == nil || len(checks) != 0 {
		t.Errorf("CheckLogs of a site without a log: %v %+v", err, checks)
	}
}

// TestNotices: what the station says as it starts: a trust source that
// cannot be used, a torn record set aside and a clock behind are
// warnings, around the station's own line and the photo count.
func TestNotices(t *testing.T) {
	f := newFixture(t)
	photos := t.TempDir()
	s := f.open(t, nil)
	if ns := s.Notices(); len(ns) != 1 || ns[0].Warning || ns[0].Text != "station gate-1 (guard wang), scan log "+s.LogPath()+", 0 records" {
		t.Errorf("notices of a new station: %+v", ns)
	}
	check(t, s, f.issue(t, "a", pass.Green), "")
	s.Close()
	lp := filepath.Join(f.state, "scanlog", "gate-1.jsonl")
	fh, _ := os.OpenFile(lp, os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString(`{"v":2,"seq":2,"ti`) // a crash in the middle of a write
	fh.Close()
	f.clk.add(-time.Hour)
	s = f.open(t, func(c *Config) {
		c.Photos = photos
		c.Trust = Trust{Label: "trust bundle b.hfb", Err: errors.New("store: rollback")}
	})
	ns := s.Notices()
	if len(ns) != 5 || !ns[0].Warning || ns[0].Text != "the trust bundle b.hfb cannot be used: store: rollback; every verdict will be CANNOT DECIDE" ||
		!ns[1].Warning || !strings.Contains(ns[1].Text, "cut short by a crash") || !strings.Contains(ns[1].Text, s.SetAside()) ||
		ns[2].Warning || !strings.HasSuffix(ns[2].Text, ", 1 record") ||
		ns[3].Text != "0 photos in "+photos ||
		!ns[4].Warning || !strings.HasPrefix(ns[4].Text, "this computer's clock") {
		t.Errorf("notices: %+v", ns)
	}
	if _, rep, err := scanlog.Read(filepath.Join(f.state, "scanlog"), "gate-1"); err != nil || rep.Torn != 0 {
		t.Errorf("the torn record is still in the log: %v %+v", err, rep)
	}
}
