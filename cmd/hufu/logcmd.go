package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/internal/humantime"
	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/station"
)

var cmdLog = &command{
	name:    "log",
	summary: "verify, export or count a guard station's scan log",
	usage:   help("log"),
}

func init() { cmdLog.run = runLog }

func runLog(e *env, args []string) int {
	c := cmdLog
	if len(args) == 0 || !slices.Contains([]string{"verify", "export", "stats"}, args[0]) {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprint(e.stdout, strings.TrimLeft(c.usage, "\n"))
			return exitOK
		}
		return usageError(e, c, "log needs a subcommand: verify, export or stats")
	}
	sub := args[0]
	fl := flagSet(e, c)
	state := fl.String("state", "", "")
	site := fl.String("site", "", "")
	format := fl.String("format", "", "")
	from := fl.String("from", "", "")
	to := fl.String("to", "", "")
	out := fl.String("o", "", "")
	asJSON := fl.Bool("json", false, "")
	pos, ok := parse(e, c, fl, args[1:])
	if !ok {
		return exitUsage
	}
	if len(pos) > 0 {
		return usageError(e, c, "unexpected argument %q", pos[0])
	}
	dir, err := stateDir(e, *state)
	if err != nil {
		return usageError(e, c, "%v", err)
	}
	dir = filepath.Join(dir, "scanlog")
	var sites []string
	if *site != "" {
		if err := scanlog.ValidSite(*site); err != nil {
			return usageError(e, c, "%v", err)
		}
		sites = []string{*site}
	} else {
		if sites, err = scanlog.Sites(dir); err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
		if len(sites) == 0 {
			e.errorf("no scan logs in %s", dir)
			return exitUsage
		}
	}
	if sub == "verify" {
		if *format != "" || *from != "" || *to != "" || *out != "" {
			return usageError(e, c, "log verify takes only -state, -site and -json")
		}
		return logVerify(e, dir, sites, *asJSON)
	}
	if len(sites) > 1 {
		return usageError(e, c, "the state holds several sites (%s): give -site", strings.Join(sites, ", "))
	}
	var lo, hi time.Time
	for _, f := range []struct {
		s   string
		dst *time.Time
	}{{*from, &lo}, {*to, &hi}} {
		if f.s == "" {
			continue
		}
		if *f.dst, err = humantime.ParseTime(f.s, time.Local); err != nil {
			return usageError(e, c, "%v", err)
		}
	}
	if sub == "export" && *format == "" {
		*format = "csv"
	}
	switch {
	case sub == "export" && *format != "csv" && *format != "json":
		return usageError(e, c, "unknown -format %q: want csv or json", *format)
	case sub == "export" && *asJSON:
		return usageError(e, c, "export takes -format json, not -json")
	case sub == "stats" && (*format != "" || *out != ""):
		return usageError(e, c, "stats takes -json, not -format or -o")
	}
	rep, err := station.OpenReport(filepath.Dir(dir), sites[0], lo, hi)
	switch {
	case station.IsLogProblem(err):
		e.errorf("%s", strings.TrimPrefix(err.Error(), "station: "))
		e.hintf("run \"hufu log verify -site %s\"", sites[0])
		return exitInvalid
	case err != nil:
		e.errorf("%v", err)
		return exitUsage
	}
	if sub == "stats" {
		return logStats(e, rep.Stats(time.Local), *asJSON)
	}
	var b bytes.Buffer
	if *format == "csv" {
		rep.WriteCSV(&b)
	} else {
		rep.WriteJSON(&b, e.now(), *from, *to)
	}
	if *out == "" {
		e.stdout.Write(b.Bytes())
		return exitOK
	}
	if err := atomicfile.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "hufu: wrote %d records of %s to %s\n", rep.Len(), sites[0], *out)
	return exitOK
}

func logVerify(e *env, dir string, sites []string, asJSON bool) int {
	code := exitOK
	for _, site := range sites {
		c, err := station.CheckLog(filepath.Dir(dir), site)
		switch {
		case err != nil:
			e.errorf("%v", err)
			code = exitUsage
			continue
		case !c.OK:
			code = worst(code, exitInvalid)
		}
		if asJSON {
			writeJSON(e.stdout, c)
			continue
		}
		for _, l := range c.Lines() {
			fmt.Fprintln(e.stdout, l)
		}
	}
	return code
}

func logStats(e *env, st *station.Stats, asJSON bool) int {
	if asJSON {
		writeJSON(e.stdout, st)
		return exitOK
	}
	if err := st.WriteText(e.stdout, time.Local); err != nil {
		return e.fail(err)
	}
	return exitOK
}
