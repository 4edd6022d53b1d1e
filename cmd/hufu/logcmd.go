package main

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/internal/humantime"
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
		return e.fail(err) // with its hint: set HUFU_STATE or give -state DIR
	}
	if sub == "verify" {
		if *format != "" || *from != "" || *to != "" || *out != "" {
			return usageError(e, c, "log verify takes only -state, -site and -json")
		}
		return logVerify(e, dir, *site, *asJSON)
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
	rep, err := station.OpenReport(dir, *site, lo, hi)
	if station.IsLogProblem(err) {
		e.fail(err)
		return exitInvalid
	} else if err != nil {
		return e.fail(err)
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
	fmt.Fprintf(e.stderr, "hufu: wrote %d records of %s to %s\n", rep.Len(), rep.Site, *out)
	return exitOK
}

// logVerify prints the check of site's log, or of every site's for "".
func logVerify(e *env, dir, site string, asJSON bool) int {
	checks, err := station.CheckLogs(dir, site)
	code := exitOK
	for _, c := range checks {
		if !c.OK {
			code = exitInvalid
		}
		if asJSON {
			writeJSON(e.stdout, c)
			continue
		}
		for _, l := range c.Lines() {
			fmt.Fprintln(e.stdout, l)
		}
	}
	if err != nil {
		return e.fail(err)
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
