package station

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/internal/termsafe"
	"github.com/hufu-project/hufu/verdict"
)

// A Report is the part of a site's scan log between two times, read from
// a log that verifies, for export and counting (SPEC §13, "Export").
type Report struct {
	Site     string
	From, To time.Time // From inclusive, To exclusive; zero = open
	recs     []scanlog.Record
	last     scanlog.Record
}

// OpenReport reads site's log in stateDir; for site "", the log of the
// one site that has one there (a *SiteError if none or several do). A log
// that does not verify is a *LogError (IsLogProblem).
func OpenReport(stateDir, site string, from, to time.Time) (*Report, error) {
	site, err := theSite(stateDir, site)
	if err != nil {
		return nil, err
	}
	recs, rep, err := scanlog.Read(filepath.Join(stateDir, "scanlog"), site)
	if err != nil {
		return nil, err
	}
	if rep.Problem != nil {
		return nil, &LogError{Site: site, StateDir: stateDir, Err: rep.Problem}
	}
	r := &Report{Site: site, From: from, To: to, last: rep.Last}
	for _, rec := range recs {
		at := rec.When()
		if (from.IsZero() || !at.Before(from)) && (to.IsZero() || at.Before(to)) {
			r.recs = append(r.recs, rec)
		}
	}
	return r, nil
}

// Len is the number of records in the report.
func (r *Report) Len() int { return len(r.recs) }

// decision is a record's decision word: logs written before the verdict
// schema (SPEC §17) say "undecided" for cannot_decide.
func decision(rec scanlog.Record) string {
	if rec.Decision == "undecided" {
		return string(verdict.CannotDecide)
	}
	return rec.Decision
}

// WriteCSV writes the records as CSV with a header line; text fields are
// escaped for a terminal (termsafe).
func (r *Report) WriteCSV(w io.Writer) error {
	c := csv.NewWriter(w)
	c.Write([]string{"seq", "time", "site", "guard", "source", "issuer", "colour", "decision", "reason", "name", "pass", "passback", "hash"})
	t := termsafe.String
	for _, x := range r.recs {
		c.Write([]string{strconv.FormatUint(x.Seq, 10), x.Time, x.Site, t(x.Guard), t(x.Source), t(x.Issuer), t(x.Colour),
			decision(x), t(x.Reason), t(x.Name), x.Pass, strconv.FormatBool(x.Passback), x.Hash})
	}
	c.Flush()
	return c.Error()
}

// WriteJSON writes the export document, exported at now; from and to are
// the bounds as the user gave them ("" for none).
func (r *Report) WriteJSON(w io.Writer, now time.Time, from, to string) error {
	type headJSON struct {
		Seq  uint64 `json:"seq"`
		Hash string `json:"hash"`
	}
	doc := struct {
		Version  int              `json:"hufu_scan_export"`
		Site     string           `json:"site"`
		Exported string           `json:"exported_at"`
		From     string           `json:"from,omitempty"`
		To       string           `json:"to,omitempty"`
		Last     headJSON         `json:"last"`
		Count    int              `json:"count"`
		Records  []scanlog.Record `json:"records"`
	}{Version: 1, Site: r.Site, Exported: now.UTC().Format(time.RFC3339), From: from, To: to,
		Last: headJSON{r.last.Seq, r.last.Hash}, Count: len(r.recs), Records: r.recs}
	if doc.Records == nil {
		doc.Records = []scanlog.Record{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(doc)
}

// Stats are the scans of a report counted per hour and decision.
type Stats struct {
	Version   int         `json:"hufu_scan_stats"` // 1
	Site      string      `json:"site"`
	Hours     []*StatsRow `json:"hours"`
	Total     *StatsRow   `json:"total"`
	Decisions []string    `json:"-"` // the columns: every decision word, then any other found
}

// A StatsRow counts the scans of one hour (RFC 3339, the hour's start in
// the time zone asked for), or of all ("total").
type StatsRow struct {
	Hour     string         `json:"hour"`
	Counts   map[string]int `json:"counts"` // every decision word is a key, 0 included
	Total    int            `json:"total"`
	Passback int            `json:"passback"`
}

// Stats counts the report's scans per hour in loc and decision.
func (r *Report) Stats(loc *time.Location) *Stats {
	st := &Stats{Version: 1, Site: r.Site, Hours: []*StatsRow{}, Total: &StatsRow{Hour: "total", Counts: map[string]int{}}}
	for _, d := range verdict.Decisions {
		st.Decisions = append(st.Decisions, string(d))
	}
	byHour := map[string]*StatsRow{}
	for _, rec := range r.recs {
		t := rec.When().In(loc)
		h := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, loc).Format(time.RFC3339)
		x := byHour[h]
		if x == nil {
			x = &StatsRow{Hour: h, Counts: map[string]int{}}
			byHour[h] = x
			st.Hours = append(st.Hours, x)
		}
		d := decision(rec)
		if !slices.Contains(st.Decisions, d) {
			st.Decisions = append(st.Decisions, d)
		}
		for _, y := range []*StatsRow{x, st.Total} {
			y.Counts[d]++
			y.Total++
			if rec.Passback {
				y.Passback++
			}
		}
	}
	slices.SortFunc(st.Hours, func(a, b *StatsRow) int { return strings.Compare(a.Hour, b.Hour) })
	for _, row := range append(st.Hours, st.Total) {
		for _, d := range st.Decisions {
			row.Counts[d] += 0 // a key for every decision, also when none was made
		}
	}
	return st
}

// WriteText writes the counts as a table for people: a row per hour, in
// the time zone of the hours (its offset in the heading, from zone), then
// the total; a column per decision, then the total and the passback alerts.
func (st *Stats) WriteText(w io.Writer, zone *time.Location) error {
	_, off := time.Now().In(zone).Zone()
	if off < 0 {
		off = -off
		fmt.Fprintf(w, "%-17s", fmt.Sprintf("hour (-%02d%02d)", off/3600, off%3600/60))
	} else {
		fmt.Fprintf(w, "%-17s", fmt.Sprintf("hour (+%02d%02d)", off/3600, off%3600/60))
	}
	for _, c := range st.Decisions {
		fmt.Fprintf(w, " %*s", max(5, len(c)), termsafe.String(c))
	}
	fmt.Fprintf(w, "  %5s %8s\n", "total", "passback")
	for _, r := range append(st.Hours, st.Total) {
		label := r.Hour
		if t, err := time.Parse(time.RFC3339, r.Hour); err == nil {
			label = t.Format("2006-01-02 15:04")
		}
		fmt.Fprintf(w, "%-17s", label)
		for _, c := range st.Decisions {
			fmt.Fprintf(w, " %*d", max(5, len(c)), r.Counts[c])
		}
		if _, err := fmt.Fprintf(w, "  %5d %8d\n", r.Total, r.Passback); err != nil {
			return err
		}
	}
	return nil
}

// A LogCheck is what checking a site's scan log found ("hufu log verify";
// SPEC §13). Its JSON form is the object "hufu log verify -json" prints,
// every key present.
type LogCheck struct {
	Version    int              `json:"hufu_log_verify"` // 1
	Site       string           `json:"site"`
	OK         bool             `json:"ok"`
	Records    int              `json:"records"`   // complete records
	LastSeq    *uint64          `json:"last_seq"`  // the last intact record; nil if none
	LastTime   *string          `json:"last_time"` // its time
	LastHash   *string          `json:"last_hash"` // its hash, in hex
	Problem    *LogCheckProblem `json:"problem"`   // the first bad record; nil if none
	HeadBehind bool             `json:"head_behind"`
	TornBytes  int              `json:"torn_bytes"` // an incomplete last line, left by a crash
	FirstTime  string           `json:"-"`          // the first record's time, for Lines
	problem    string           // the problem, for Lines
}

// A LogCheckProblem is the first bad record of a log.
type LogCheckProblem struct {
	Kind   string `json:"kind"` // edited, inserted, deleted, reordered, truncated, …
	Line   int    `json:"line"`
	Seq    uint64 `json:"seq"`
	Detail string `json:"detail"`
}

// CheckLog follows the chain of site's scan log in stateDir. A log that
// does not verify is a LogCheck with a Problem, not an error; an error is
// a log that could not be read at all.
func CheckLog(stateDir, site string) (*LogCheck, error) {
	dir := filepath.Join(stateDir, "scanlog")
	rep, err := scanlog.Verify(dir, site)
	if err != nil {
		return nil, err
	}
	c := &LogCheck{Version: 1, Site: site, OK: rep.Problem == nil, Records: rep.Records,
		HeadBehind: rep.HeadBehind, TornBytes: rep.Torn}
	if rep.Last.Seq > 0 {
		c.LastSeq, c.LastTime, c.LastHash = &rep.Last.Seq, &rep.Last.Time, &rep.Last.Hash
	}
	if p := rep.Problem; p != nil {
		c.Problem = &LogCheckProblem{Kind: string(p.Kind), Line: p.Line, Seq: p.Seq, Detail: p.Detail}
		c.problem = strings.TrimPrefix(p.Error(), "scanlog: ")
	} else if rep.Records > 0 {
		if recs, _, err := scanlog.Read(dir, site); err == nil && len(recs) > 0 {
			c.FirstTime = recs[0].Time
		}
	}
	return c, nil
}

// CheckLogs checks site's scan log in stateDir (CheckLog), or for site
// "", the log of every site there, in the order of Sites (a *SiteError if
// there is none). It returns the checks it could make, and the errors of
// the logs that could not be read, joined.
func CheckLogs(stateDir, site string) ([]*LogCheck, error) {
	sites := []string{site}
	if site == "" {
		var err error
		if sites, err = Sites(stateDir); err != nil {
			return nil, err
		}
		if len(sites) == 0 {
			return nil, &SiteError{StateDir: stateDir}
		}
	}
	var checks []*LogCheck
	var errs []error
	for _, site := range sites {
		c, err := CheckLog(stateDir, site)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		checks = append(checks, c)
	}
	return checks, errors.Join(errs...)
}

// Lines is the check for people, a line each, led by the site.
func (c *LogCheck) Lines() []string {
	var l []string
	add := func(format string, args ...any) { l = append(l, c.Site+": "+fmt.Sprintf(format, args...)) }
	switch {
	case c.Problem != nil:
		var last uint64
		if c.LastSeq != nil {
			last = *c.LastSeq
		}
		add("FAILED: %s", c.problem)
		add("%s before it intact", plural(int(last), "record"))
		return l
	case c.Records == 0:
		add("ok: no records")
	default:
		add("ok: %s, %s to %s, last %d (%s…)", plural(c.Records, "record"), c.FirstTime, *c.LastTime, *c.LastSeq, (*c.LastHash)[:16])
	}
	if c.HeadBehind {
		add("note: the head file is one record behind (a crash just after the last record was written); the station brings it up to date when it next starts")
	}
	if c.TornBytes > 0 {
		add("note: an incomplete last line of %d bytes, from a crash during a write: its verdict was never shown; the station sets it aside when it next starts", c.TornBytes)
	}
	return l
}
