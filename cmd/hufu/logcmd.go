package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/internal/termsafe"
	"github.com/hufu-project/hufu/station"
)

var cmdLog = &command{
	name:    "log",
	summary: "verify, export or count a guard station's scan log",
	usage: `
Usage:
    hufu log verify [-state DIR] [-site ID] [-json]
    hufu log export [-state DIR] [-site ID] [-format csv|json] [-from TIME] [-to TIME] [-o FILE]
    hufu log stats  [-state DIR] [-site ID] [-from TIME] [-to TIME] [-json]

The scan log of a site is STATE/scanlog/SITE.jsonl, written by "hufu scan":
one record per scan, each holding the hash of the one before it, and a
head file with the last record written. The format is in SPEC.md, "Scan
log".

"verify" follows the chain of every site's log (or of -site's) and names
the first bad record and what happened to it: edited, inserted, deleted,
reordered, or truncated (records missing from the end). An incomplete last
line left by a crash is reported but is not a failure: its verdict was
never shown, and the station sets it aside when it next starts.

"export" writes the records between -from (inclusive) and -to (exclusive)
as CSV with a header line, or as one JSON object, for the report handed
upward; the decision is the verdict's word (admit, observe, deny, invalid,
cannot_decide, valid; SPEC.md §17) and text from a pass is escaped.
"stats" counts scans per hour (local time) and decision, every decision
shown, 0 included. Both refuse a log that does not verify.

Flags:
    -state DIR    state directory (as for scan)
    -site ID      the site; may be left out when the state holds one
    -format F     export as csv (the default) or json
    -from TIME    from this time on (RFC 3339, or a date: its start, local time)
    -to TIME      before this time (RFC 3339, or a date)
    -o FILE       write the export to FILE (atomically) instead of stdout
    -json         verify, stats: JSON (verify: one object per site, every
                  key present; "ok", "problem": {kind, line, seq, detail})

Exit status: 0 if the log verifies, 1 if it does not, 2 for usage and I/O
errors.

Example:
    $ hufu log verify
    gate-1: ok: 3 records, 2026-06-01T08:00:00.000Z to 2026-06-01T08:02:00.000Z, last 3 (f1c2…)
    $ hufu log stats -site gate-1
    hour (+0800)      admit observe  deny invalid cannot_decide valid  total passback
    2026-06-01 16:00      2       0     0       1             0     0      3        0
`,
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
		if *f.dst, err = parseTimeIn(f.s, time.Local); err != nil {
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

// logVerifyJSON is one line of "log verify -json": every key present.
type logVerifyJSON struct {
	Version    int             `json:"hufu_log_verify"`
	Site       string          `json:"site"`
	OK         bool            `json:"ok"`
	Records    int             `json:"records"`
	LastSeq    *uint64         `json:"last_seq"`
	LastTime   *string         `json:"last_time"`
	LastHash   *string         `json:"last_hash"`
	Problem    *logProblemJSON `json:"problem"`
	HeadBehind bool            `json:"head_behind"`
	TornBytes  int             `json:"torn_bytes"`
}

type logProblemJSON struct {
	Kind   string `json:"kind"` // a scanlog.Kind: edited, inserted, deleted, …
	Line   int    `json:"line"`
	Seq    uint64 `json:"seq"`
	Detail string `json:"detail"`
}

func logVerify(e *env, dir string, sites []string, asJSON bool) int {
	code := exitOK
	for _, site := range sites {
		rep, err := scanlog.Verify(dir, site)
		if err != nil {
			e.errorf("%v", err)
			code = exitUsage
			continue
		}
		if rep.Problem != nil {
			code = worst(code, exitInvalid)
		}
		if asJSON {
			j := logVerifyJSON{Version: 1, Site: site, OK: rep.Problem == nil, Records: rep.Records,
				HeadBehind: rep.HeadBehind, TornBytes: rep.Torn}
			if rep.Last.Seq > 0 {
				j.LastSeq, j.LastTime, j.LastHash = &rep.Last.Seq, &rep.Last.Time, &rep.Last.Hash
			}
			if p := rep.Problem; p != nil {
				j.Problem = &logProblemJSON{Kind: string(p.Kind), Line: p.Line, Seq: p.Seq, Detail: p.Detail}
			}
			writeJSON(e.stdout, j)
			continue
		}
		if rep.Problem != nil {
			fmt.Fprintf(e.stdout, "%s: FAILED: %s\n", site, strings.TrimPrefix(rep.Problem.Error(), "scanlog: "))
			fmt.Fprintf(e.stdout, "%s: %s before it intact\n", site, plural(int(rep.Last.Seq), "record"))
			continue
		}
		if rep.Records == 0 {
			fmt.Fprintf(e.stdout, "%s: ok: no records\n", site)
		} else {
			recs, _, _ := scanlog.Read(dir, site)
			fmt.Fprintf(e.stdout, "%s: ok: %s, %s to %s, last %d (%s…)\n", site, plural(rep.Records, "record"),
				recs[0].Time, rep.Last.Time, rep.Last.Seq, rep.Last.Hash[:16])
		}
		if rep.HeadBehind {
			fmt.Fprintf(e.stdout, "%s: note: the head file is one record behind (a crash just after the last record was written); the station brings it up to date when it next starts\n", site)
		}
		if rep.Torn > 0 {
			fmt.Fprintf(e.stdout, "%s: note: an incomplete last line of %d bytes, from a crash during a write: its verdict was never shown; the station sets it aside when it next starts\n", site, rep.Torn)
		}
	}
	return code
}

func logStats(e *env, st *station.Stats, asJSON bool) int {
	if asJSON {
		writeJSON(e.stdout, st)
		return exitOK
	}
	_, off := time.Now().Zone()
	zone := fmt.Sprintf("%+03d%02d", off/3600, abs(off%3600/60))
	fmt.Fprintf(e.stdout, "%-17s", "hour ("+zone+")")
	for _, c := range st.Decisions {
		fmt.Fprintf(e.stdout, " %*s", max(5, len(c)), termsafe.String(c))
	}
	fmt.Fprintf(e.stdout, "  %5s %8s\n", "total", "passback")
	for _, r := range append(st.Hours, st.Total) {
		label := r.Hour
		if t, err := time.Parse(time.RFC3339, r.Hour); err == nil {
			label = t.Format("2006-01-02 15:04")
		}
		fmt.Fprintf(e.stdout, "%-17s", label)
		for _, c := range st.Decisions {
			fmt.Fprintf(e.stdout, " %*d", max(5, len(c)), r.Counts[c])
		}
		fmt.Fprintf(e.stdout, "  %5d %8d\n", r.Total, r.Passback)
	}
	return exitOK
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
