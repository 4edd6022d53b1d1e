package scanlog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kind is what is wrong with a log.
type Kind string

// Kinds of problem, each naming the first bad record.
const (
	Edited    Kind = "edited"    // a record was changed (or is not a record at all)
	Inserted  Kind = "inserted"  // a record was added that the station did not write
	Deleted   Kind = "deleted"   // records are missing from the middle
	Reordered Kind = "reordered" // records are out of order
	Truncated Kind = "truncated" // records are missing from the end
	BadHead   Kind = "head"      // the head file is missing or unreadable
	BadKey    Kind = "key"       // the site secret is missing, so keyed hashes cannot be checked
)

// Problem says what is wrong with a log and where: the first bad record.
type Problem struct {
	Kind   Kind
	Line   int    // 1-based line of the first bad record; 0 if none (truncated, head)
	Seq    uint64 // its sequence number, or the first one missing
	Detail string
}

func (p *Problem) Error() string {
	where := ""
	switch {
	case p.Line > 0:
		where = fmt.Sprintf(" at line %d (record %d)", p.Line, p.Seq)
	case p.Seq > 0:
		where = fmt.Sprintf(" from record %d", p.Seq)
	}
	return fmt.Sprintf("scanlog: %s%s: %s", p.Kind, where, p.Detail)
}

// Report is the outcome of checking a log.
type Report struct {
	Records int    // complete lines
	Last    Record // the last record; zero if none
	Head    uint64 // the sequence number in the head file
	// HeadBehind: the head is one record behind the log, as a crash between
	// syncing a record and its head leaves it. Not a problem; Open repairs it.
	HeadBehind bool
	// Torn is the length of an incomplete last line (a write cut short by a
	// crash, never shown as a verdict), 0 if none. Not a problem; Open sets
	// it aside.
	Torn    int
	Problem *Problem // nil if the log is intact
}

// Paths of a site's files in dir.
func logPath(dir, site string) string  { return filepath.Join(dir, site+".jsonl") }
func headPath(dir, site string) string { return filepath.Join(dir, site+".head") }
func keyPath(dir, site string) string  { return filepath.Join(dir, site+".key") }

// LogPath returns the path of site's log file in dir.
func LogPath(dir, site string) string { return logPath(dir, site) }

// Sites lists the sites with a log or head file in dir, sorted.
func Sites(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range ents {
		for _, ext := range []string{".jsonl", ".head"} {
			if s, ok := strings.CutSuffix(e.Name(), ext); ok && ValidSite(s) == nil {
				seen[s] = true
			}
		}
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

// Verify checks site's log in dir against its hash chain and its head
// file. It returns an error only when the files cannot be read; what is
// wrong with them is in the Report.
func Verify(dir, site string) (*Report, error) {
	_, rep, err := Read(dir, site)
	return rep, err
}

// Read returns the records of site's log in dir and the report on them.
// The records are those before the first problem, if any.
func Read(dir, site string) ([]Record, *Report, error) {
	if err := ValidSite(site); err != nil {
		return nil, nil, fmt.Errorf("scanlog: %v", err)
	}
	data, err := os.ReadFile(logPath(dir, site))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	missingLog := err != nil
	h, herr := readHead(headPath(dir, site))
	var pe *os.PathError
	if errors.As(herr, &pe) {
		return nil, nil, herr
	}
	if missingLog && errors.Is(herr, errNoHead) {
		return nil, nil, fmt.Errorf("scanlog: no log for site %q in %s", site, dir)
	}
	secret, err := readSecret(keyPath(dir, site))
	if err != nil {
		return nil, nil, err
	}
	lines, torn := splitLines(data)
	recs, rep := check(lines, site, h, herr, secret)
	rep.Torn = len(torn)
	return recs, rep, nil
}

// splitLines splits data into complete lines (without their newlines) and
// an incomplete last line.
func splitLines(data []byte) (lines [][]byte, torn []byte) {
	end := bytes.LastIndexByte(data, '\n') + 1
	torn = data[end:]
	for rest := data[:end]; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		lines = append(lines, rest[:i])
		rest = rest[i+1:]
	}
	return lines, torn
}

// check follows the hash chain through lines and compares its end with the
// head h (herr if it could not be read), naming the first bad record.
// secret is the site's secret, nil if there is none.
func check(lines [][]byte, site string, h head, herr error, secret []byte) ([]Record, *Report) {
	n := len(lines)
	rep := &Report{Records: n, Head: h.seq}
	recs := make([]Record, n)
	errs := make([]error, n)
	for i, ln := range lines {
		recs[i], errs[i] = ParseLine(ln, secret)
		if errs[i] == nil && recs[i].Site != site {
			errs[i] = fmt.Errorf("%w: site %q in the log of site %q", ErrMalformed, recs[i].Site, site)
		}
	}
	fail := func(k Kind, i int, seq uint64, format string, args ...any) ([]Record, *Report) {
		rep.Problem = &Problem{Kind: k, Line: i + 1, Seq: seq, Detail: fmt.Sprintf(format, args...)}
		if i < 0 {
			rep.Problem.Line = 0
			i = n
		}
		if i > 0 {
			rep.Last = recs[i-1]
		}
		return recs[:max(i, 0)], rep
	}
	follows := func(k int, seq uint64, prev string) bool {
		return k < n && errs[k] == nil && recs[k].Seq == seq && recs[k].Prev == prev
	}
	bySeq := map[uint64]int{}
	seq, prev := uint64(1), ZeroHash
	for i := 0; i < n; i++ {
		r := &recs[i]
		if errs[i] != nil {
			s := r.Seq
			if s == 0 {
				s = seq
			}
			if errors.Is(errs[i], ErrNoKey) {
				return fail(BadKey, i, s, "the site secret (%s.key) is missing, so the record's keyed hash cannot be checked", site)
			}
			what := "it does not match its hash: its content was changed, or it was not written with this site's secret"
			if !errors.Is(errs[i], ErrHash) {
				what = strings.TrimPrefix(errs[i].Error(), "scanlog: ")
			}
			return fail(Edited, i, s, "%s", what)
		}
		if i > 0 && r.Version < recs[i-1].Version {
			return fail(Edited, i, r.Seq, "a version %d record after a version %d one: the station writes only version %d", r.Version, recs[i-1].Version, Version)
		}
		if r.Seq == seq && r.Prev == prev {
			bySeq[seq] = i
			seq, prev = seq+1, r.Hash
			continue
		}
		switch {
		case herr == nil && h.seq == seq-1 && h.hash == prev:
			return fail(Inserted, i, r.Seq, "the station's last record is record %d (line %d); this one was added after it", seq-1, i)
		case r.Seq < seq:
			j := bySeq[r.Seq]
			if recs[j].Hash == r.Hash {
				return fail(Inserted, i, r.Seq, "a copy of record %d (line %d)", r.Seq, j+1)
			}
			if i+1 < n && errs[i+1] == nil && recs[i+1].Prev == r.Hash {
				return fail(Inserted, j, r.Seq, "a second record %d is at line %d, and the chain continues from that one", r.Seq, i+1)
			}
			return fail(Inserted, i, r.Seq, "record %d is already at line %d", r.Seq, j+1)
		case r.Seq > seq && chained(recs, errs, i):
			for k := i + 1; k < n; k++ {
				if errs[k] == nil && recs[k].Seq == seq {
					return fail(Reordered, i, r.Seq, "it comes before record %d (line %d)", seq, k+1)
				}
			}
		}
		switch {
		case follows(i+1, seq, prev):
			return fail(Inserted, i, r.Seq, "it is not part of the chain: the next line continues from record %d", seq-1)
		case r.Seq == seq && i == 0:
			return fail(Edited, i, r.Seq, "the first record does not start the chain")
		case r.Seq == seq:
			return fail(Edited, i-1, seq-1, "its hash was recomputed after a change: record %d (line %d) was chained to %s…", seq, i+1, r.Prev[:16])
		}
		if r.Seq == seq+1 {
			return fail(Deleted, i, r.Seq, "record %d before it is missing", seq)
		}
		return fail(Deleted, i, r.Seq, "records %d to %d before it are missing", seq, r.Seq-1)
	}
	if n > 0 {
		rep.Last = recs[n-1]
	}
	last := seq - 1
	switch {
	case herr != nil:
		if errors.Is(herr, errNoHead) {
			return fail(BadHead, -1, 0, "the head file is missing, so records deleted from the end cannot be noticed")
		}
		return fail(BadHead, -1, 0, "%s", strings.TrimPrefix(herr.Error(), "scanlog: "))
	case h.seq == last && h.hash == prev:
	case h.seq+1 == last && h.hash == recs[n-1].Prev && recs[n-1].Version == 1:
		return fail(Inserted, n-1, last, "the station's last record is record %d; this one, with an unkeyed (version 1) hash, was added after it", h.seq)
	case h.seq+1 == last && h.hash == recs[n-1].Prev:
		rep.HeadBehind = true
	case h.seq > last:
		if h.seq == last+1 {
			return fail(Truncated, -1, last+1, "record %d, the last one written, was deleted from the end", h.seq)
		}
		return fail(Truncated, -1, last+1, "records %d to %d, the last ones written, were deleted from the end", last+1, h.seq)
	case h.seq == last:
		return fail(Edited, n-1, last, "the last record was changed and its hash recomputed (the head file holds another hash)")
	default:
		if i, ok := bySeq[h.seq+2]; ok {
			return fail(Inserted, i, h.seq+2, "the station's last record is record %d or %d; this one was added after them", h.seq, h.seq+1)
		}
		return fail(BadHead, -1, 0, "the head file does not match the log")
	}
	return recs, rep
}

// chained reports whether record i is linked to another record of the log:
// one chains from it, or it chains from its predecessor.
func chained(recs []Record, errs []error, i int) bool {
	r := &recs[i]
	for k := range recs {
		if k == i || errs[k] != nil {
			continue
		}
		if recs[k].Prev == r.Hash || (recs[k].Seq+1 == r.Seq && recs[k].Hash == r.Prev) {
			return true
		}
	}
	return false
}
