package registry

import (
	"bytes"
	"cmp"
	"context"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/hufu-project/hufu/internal/strictjson"
	"github.com/hufu-project/hufu/pass"
)

// Limits of the health feed.
const (
	MaxFeedLine   = 4 << 10 // longest line, in bytes
	MaxFeedErrors = 1000    // line errors reported in full; the rest are counted
	feedBatch     = 5000    // lines applied in one transaction
	parseChunk    = 16 * feedBatch
)

// StatusJSON is a status change on the wire: one line of the feed, or the
// body of the status call (which takes the holder ID from its path).
type StatusJSON struct {
	EventID  string   `json:"event_id"`
	HolderID string   `json:"holder_id,omitempty"`
	Colour   string   `json:"colour"`
	Reason   string   `json:"reason,omitempty"`
	Hints    []string `json:"hints,omitempty"`
}

// ParseStatus decodes j's colour, reason and hints.
func (j *StatusJSON) ParseStatus() (Status, error) {
	return parseStatus(j.Colour, j.Reason, j.Hints)
}

func parseStatus(colour, reason string, hints []string) (Status, error) {
	var st Status
	var ok bool
	if st.Colour, ok = pass.ParseColour(colour); !ok {
		return st, Errorf(InvalidColour, "colour %q is not green, yellow or red", trunc(colour))
	}
	if reason != "" {
		if st.Reason, ok = pass.ParseReason(reason); !ok {
			return st, Errorf(InvalidReason, "unknown reason %q", trunc(reason))
		}
	}
	if len(hints) > 32 {
		return st, Errorf(InvalidHint, "too many hints")
	}
	for _, name := range hints {
		h, ok := pass.ParseHint(name)
		if !ok {
			return st, Errorf(InvalidHint, "unknown hint %q", trunc(name))
		}
		st.Hints |= h
	}
	return st, st.check()
}

// ParseColourReason decodes an optional colour and reason, as an appeal's
// resolution carries them.
func ParseColourReason(colour, reason string) (pass.Colour, pass.Reason, error) {
	if colour == "" {
		if reason != "" {
			return 0, 0, Errorf(InvalidReason, "a reason needs a colour")
		}
		return 0, 0, nil
	}
	st, err := parseStatus(colour, reason, nil)
	return st.Colour, st.Reason, err
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// ParseFeedLine decodes one line of the health feed (a JSON object: see
// StatusJSON) into a checked status change.
func ParseFeedLine(line []byte) (StatusChange, error) {
	var j StatusJSON
	if err := strictjson.Unmarshal(line, &j, MaxFeedLine); err != nil {
		return StatusChange{}, &Error{Code: BadRequest, Err: err}
	}
	st, err := j.ParseStatus()
	if err != nil {
		return StatusChange{}, err
	}
	c := StatusChange{EventID: j.EventID, HolderID: j.HolderID, Status: st}
	return c, c.Check()
}

// LineError is the error of one feed line (numbered from 1).
type LineError struct {
	Line   int    `json:"line"`
	Error  Code   `json:"error"`
	Detail string `json:"detail,omitempty"`
}

// FeedResult is the outcome of a feed.
type FeedResult struct {
	Applied    int         `json:"applied"`    // lines applied (including those that changed nothing)
	Duplicates int         `json:"duplicates"` // lines whose event ID was seen before
	Revoked    int         `json:"revoked"`    // passes revoked
	Changed    int         `json:"changed"`    // lines that changed a status
	Failed     int         `json:"failed"`     // lines with an error
	Errors     []LineError `json:"errors"`     // the first MaxFeedErrors of them
}

func (r *FeedResult) fail(line int, err error) {
	r.Failed++
	if len(r.Errors) < MaxFeedErrors {
		le := LineError{Line: line, Error: ErrorCode(err)}
		if e, ok := err.(*Error); ok {
			le.Detail = e.Detail
			if e.Err != nil {
				le.Detail = e.Err.Error()
			}
		}
		r.Errors = append(r.Errors, le)
	}
}

// Feed applies a health feed: NDJSON, one status change per line (blank
// lines are skipped). Malformed lines and lines about unknown holders are
// reported and skipped; the others are applied in order, in transactions of
// up to 5000 lines, each line exactly once however often the feed is sent
// (by its event ID). If the database fails part-way, the lines of the
// transactions already committed stay applied and err is set: send the
// feed again.
func (s *Service) Feed(ctx context.Context, by Principal, feed []byte) (FeedResult, error) {
	res := FeedResult{Errors: []LineError{}}
	type item struct {
		line int
		c    StatusChange
	}
	batch := make([]item, 0, feedBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		// Lock holders in one order in every transaction, so that two
		// feeds on one PostgreSQL database do not deadlock; the stable sort
		// keeps one holder's changes in feed order.
		slices.SortStableFunc(batch, func(a, b item) int { return cmp.Compare(a.c.HolderID, b.c.HolderID) })
		var r FeedResult
		cs := make([]StatusChange, len(batch))
		for i := range batch {
			cs[i] = batch[i].c
		}
		err := s.cfg.Store.Update(ctx, func(tx Tx) error {
			r = FeedResult{}
			rs, errs, revoked, err := s.applyBatch(tx, by, cs, s.now())
			if err != nil {
				return err
			}
			r.Revoked = revoked
			for i, cr := range rs {
				switch {
				case errs[i] != nil:
					r.fail(batch[i].line, errs[i])
				case cr.Duplicate:
					r.Duplicates++
				default:
					r.Applied++
					if cr.Changed {
						r.Changed++
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		res.Applied += r.Applied
		res.Duplicates += r.Duplicates
		res.Revoked += r.Revoked
		res.Changed += r.Changed
		for _, e := range r.Errors {
			res.fail(e.Line, &Error{Code: e.Error, Detail: e.Detail})
		}
		batch = batch[:0]
		return nil
	}
	// A producer splits the feed into lines and parses chunks of them on
	// every core, while this goroutine applies the previous chunk.
	type parsedChunk struct {
		items []item
		lines []int
		errs  []error
	}
	chunks := make(chan parsedChunk, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(chunks)
		type raw struct {
			line int
			text []byte
		}
		var lines []raw
		emit := func() bool {
			ch := parsedChunk{items: make([]item, len(lines)), lines: make([]int, len(lines)), errs: make([]error, len(lines))}
			var wg sync.WaitGroup
			workers := runtime.GOMAXPROCS(0)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < len(lines); i += workers {
						ch.lines[i] = lines[i].line
						if len(lines[i].text) > MaxFeedLine {
							ch.errs[i] = Errorf(TooLarge, "line of %d bytes, limit %d", len(lines[i].text), MaxFeedLine)
							continue
						}
						ch.items[i].line = lines[i].line
						ch.items[i].c, ch.errs[i] = ParseFeedLine(lines[i].text)
					}
				}()
			}
			wg.Wait()
			lines = lines[:0]
			select {
			case chunks <- ch:
				return true
			case <-stop:
				return false
			}
		}
		line := 0
		for len(feed) > 0 {
			line++
			var l []byte
			if i := bytes.IndexByte(feed, '\n'); i >= 0 {
				l, feed = feed[:i], feed[i+1:]
			} else {
				l, feed = feed, nil
			}
			l = bytes.TrimSuffix(l, []byte("\r"))
			if len(bytes.TrimSpace(l)) == 0 {
				continue
			}
			lines = append(lines, raw{line, l})
			if len(lines) == parseChunk && !emit() {
				return
			}
		}
		if len(lines) > 0 {
			emit()
		}
	}()
	for ch := range chunks {
		for i := range ch.items {
			if ch.errs[i] != nil {
				res.fail(ch.lines[i], ch.errs[i])
				continue
			}
			batch = append(batch, ch.items[i])
			if len(batch) == feedBatch {
				if err := flush(); err != nil {
					return res, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	slices.SortFunc(res.Errors, func(a, b LineError) int { return cmp.Compare(a.Line, b.Line) })
	return res, nil
}

// applyBatch applies status changes in order in the caller's transaction,
// with a few statements for the whole batch: it reads (and locks) the
// holders, claims the event IDs, applies the rule (next) in memory, and
// writes the history rows, the changed holders and the revocations. It
// returns each change's result (Revoked is not set) or error (only
// HolderNotFound), and the number of passes revoked.
func (s *Service) applyBatch(tx Tx, by Principal, cs []StatusChange, now time.Time) ([]ChangeResult, []error, int, error) {
	ids := make([]string, 0, len(cs))
	for i := range cs {
		ids = append(ids, cs[i].HolderID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	hs, err := tx.Holders(ids)
	if err != nil {
		return nil, nil, 0, err
	}
	events := make(map[string]string, len(cs))
	for i := range cs {
		if hs[cs[i].HolderID] != nil {
			if _, ok := events[cs[i].EventID]; !ok {
				events[cs[i].EventID] = cs[i].HolderID
			}
		}
	}
	fresh, err := tx.ClaimEvents(events, now)
	if err != nil {
		return nil, nil, 0, err
	}
	rs := make([]ChangeResult, len(cs))
	errs := make([]error, len(cs))
	var changes []Change
	var dirty []*Holder
	isDirty := map[*Holder]bool{}
	actor := by.Actor()
	for i := range cs {
		c := &cs[i]
		h := hs[c.HolderID]
		switch {
		case h == nil:
			errs[i] = Errorf(HolderNotFound, "no holder %.64q", c.HolderID)
			continue
		case !fresh[c.EventID] || events[c.EventID] == "":
			rs[i].Duplicate = true // claimed before, or earlier in this batch
			continue
		}
		events[c.EventID] = "" // a second line with this ID is a duplicate
		if next(h, c.Status, h.Name, now) {
			rs[i].Changed = true
			changes = append(changes, Change{HolderID: h.ID, Version: h.Version, At: now, Status: h.Status, Name: h.Name, Actor: actor, EventID: c.EventID, Why: "status"})
			if !isDirty[h] {
				isDirty[h] = true
				dirty = append(dirty, h)
			}
		}
	}
	if len(changes) == 0 {
		return rs, errs, 0, nil
	}
	if err := tx.AddChanges(changes); err != nil {
		return nil, nil, 0, err
	}
	if err := tx.SaveHolders(dirty); err != nil {
		return nil, nil, 0, err
	}
	changed := make([]string, 0, len(dirty))
	for _, h := range dirty {
		changed = append(changed, h.ID)
	}
	n, err := tx.RevokePasses(changed, now)
	return rs, errs, n, err
}
