package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// station is the guard station behind "hufu scan": it checks codes from
// any input (scanner lines, watched images, camera frames), logs every
// scan, and only then shows the verdict. Its methods are safe for
// concurrent use; scans are handled one at a time.
type station struct {
	e        *env
	out      io.Writer // where verdicts are shown
	site     string
	guard    string
	lang     string
	trust    verifier.Trust
	label    string // where the trust comes from, for the verdict
	trustErr error  // the trust bundle could not be opened: nothing is decided
	bundle   *bundle.Bundle
	// With the installed bundle, reopen reads it again when the file
	// changes (bundle install while the station runs).
	reopen      func() (*trustSource, int)
	bundleFile  string
	bundleStamp fileStamp
	skew        time.Duration // verifier.Options.Skew
	log         *scanlog.Log
	clock       *clockFloor
	photos      *photoIndex // nil without -photos
	dedupe      time.Duration
	passback    time.Duration
	asJSON      bool
	st          style
	bell        bool
	width       int

	mu        sync.Mutex
	recent    map[string]*scanResult // dedupe key → the scan, for dedupe
	used      map[string]time.Time   // pass pseudonym → last admitted here
	pruned    time.Time
	last      *scanResult // the last scan, for a name typed after it
	pending   string      // a name typed before its pass
	pendingAt time.Time
	failed    error // the log failed: no more scans
}

// A scanResult is one scan and its verdict.
type scanResult struct {
	v      *verdict
	at     time.Time // when it was scanned
	seen   time.Time // when it was last seen again (for dedupe)
	repeat bool      // the same as a scan moments ago: not logged or shown again
	text   string
	source string
	name   string
	pass   *verifier.Pass
}

// Time windows for names typed at the scanner (see "hufu help scan").
const (
	nameAfterWindow  = time.Minute // a name checks the pass scanned up to this long before
	nameBeforeWindow = time.Minute // or waits this long for the next pass
)

// errStopped is what a scan gets once the station has stopped.
var errStopped = errors.New("the station has stopped")

// stop ends the station: scans after it fail with errStopped, and nothing
// more is logged or shown.
func (s *station) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil {
		s.failed = errStopped
	}
}

// tolerance is the clock-skew tolerance the verifier uses.
func (s *station) tolerance() time.Duration {
	switch {
	case s.skew == 0:
		return verifier.DefaultSkew
	case s.skew < 0:
		return 0
	}
	return s.skew
}

// check verifies text from source, with the name the guard typed ("" for
// none), logs it and shows the verdict. A repeat of a scan within the
// dedupe window is returned with repeat set, neither logged nor shown. An
// error means the log failed and the station must stop.
func (s *station) check(text, source, name string) (*scanResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.e.now().Sub(s.pendingAt); s.pending != "" && (d > nameBeforeWindow || d < 0) {
		s.pending = ""
	}
	pending := name == "" && s.pending != ""
	if pending {
		name = s.pending
	}
	r, err := s.checkLocked(text, source, name, nil)
	if err == nil && pending && r.pass != nil {
		s.pending = "" // used up by the pass it was typed for
	}
	return r, err
}

func (s *station) checkLocked(text, source, name string, again *scanResult) (*scanResult, error) {
	if s.failed != nil {
		return nil, s.failed
	}
	now := s.e.now()
	s.prune(now)
	s.reloadTrust()
	var (
		p    *verifier.Pass
		verr error = &verifier.Error{Reason: verifier.TrustUnavailable, Err: s.trustErr}
	)
	if s.trustErr == nil {
		p, verr = verifier.Verify(text, s.trust, verifier.Options{Now: now, Skew: s.skew})
	}
	key := scanKey(p, text, name)
	if r := s.recent[key]; r != nil && again == nil {
		if d := now.Sub(r.seen); d >= 0 && d < s.dedupe {
			r.seen = now
			if !s.asJSON && source == "scanner" {
				// A guard who scans twice sees why nothing happens; a
				// camera sees the code many times a second, silently.
				fmt.Fprintf(s.out, "%s%s%s\n", s.st.dim, say(s.lang, "repeat"), s.st.reset)
			}
			return &scanResult{v: r.v, at: r.at, seen: now, repeat: true, text: text, source: source, name: name, pass: r.pass}, nil
		}
	}
	v := newVerdict(p, verr, checks{name: name}, now, s.label)
	if p != nil && s.bundle != nil {
		if is := s.bundle.Issuer(p.Issuer); is != nil {
			v.issuerName = is.Name.EN
			if s.lang == "zh" {
				v.issuerName = is.Name.ZH
			}
		}
	}
	v.Time = now.UTC().Format(scanlog.TimeLayout)
	v.Site = s.site
	v.Source = source
	if verr != nil && v.Reason == string(verifier.BadPrefix) && strings.HasPrefix(strings.ToUpper(text), verifier.Prefix) {
		v.Detail = "it starts with lower-case \"hf1:\": is Caps Lock on, or the scanner set to lower case?"
	}
	e := scanlog.Entry{Time: now, Guard: s.guard, Source: source, Decision: logDecision(v), Reason: v.Reason}
	if p != nil {
		e.Reason = v.StatusReason
		iss, id := passKey(p)
		e.Pass = s.log.Pseudonym(iss, id)
		e.Issuer, e.Colour = iss, v.Colour
		if again != nil {
			v.Passback, v.PassbackAt = again.v.Passback, again.v.PassbackAt
		} else if last, ok := s.used[e.Pass]; ok && s.passback > 0 && now.Sub(last) < s.passback && !now.Before(last) {
			v.Passback, v.PassbackAt = true, last.UTC().Format(time.RFC3339)
		}
		e.Passback = v.Passback
		v.PhotoFile = s.photos.lookup(p.PhotoDigest)
	}
	if v.NameMatch != nil {
		e.Name = map[bool]string{true: "match", false: "mismatch"}[*v.NameMatch]
	}
	if behind, _ := s.clock.behind(now, s.tolerance()); behind {
		v.Warnings = append(v.Warnings[:len(v.Warnings):len(v.Warnings)], "clock_earlier_than_seen")
	}
	rec, err := s.log.Append(e)
	if err != nil {
		s.failed = err
		return nil, err
	}
	v.LogSeq = rec.Seq
	r := &scanResult{v: v, at: now, seen: now, text: text, source: source, name: name, pass: p}
	s.recent[key] = r
	s.last = r
	if p != nil && admitted(v.Decision) {
		s.used[e.Pass] = now
	}
	s.show(r)
	if p != nil && s.clock.see(p.IssuedAt) {
		if err := s.clock.save(); err != nil {
			s.e.warnf("cannot save the latest trusted time: %v", err)
		}
	}
	return r, nil
}

// fileStamp tells whether a file changed.
type fileStamp struct {
	size  int64
	mtime time.Time
	ok    bool
}

func stampOf(path string) fileStamp {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{size: st.Size(), mtime: st.ModTime(), ok: true}
}

// reloadTrust opens the installed trust bundle again if it changed since it
// was read: a station runs for days, and bundles bring revocations and
// freshness. A bundle that cannot be read leaves the one in use.
func (s *station) reloadTrust() {
	if s.reopen == nil {
		return
	}
	st := stampOf(s.bundleFile)
	if st == s.bundleStamp || !st.ok {
		return
	}
	s.bundleStamp = st
	src, code := s.reopen()
	if code != exitOK {
		s.e.warnf("the newly installed trust bundle cannot be read; still using %s", s.label)
		return
	}
	// Never go back: not below the state's high-water mark (store.Load
	// refuses that), nor below the bundle in use.
	if errors.Is(src.err, bundle.Rollback) || (src.bundle != nil && s.bundle != nil && src.bundle.Replaces(s.bundle) != nil) {
		s.e.warnf("the installed trust bundle is older than the one in use (rollback); still using %s", s.label)
		return
	}
	s.trust, s.label, s.trustErr, s.bundle = src.trust, src.label, src.err, src.bundle
	if s.bundle != nil && s.clock.see(s.bundle.IssuedAt) {
		s.clock.save()
	}
	fmt.Fprintf(s.e.stderr, "hufu: now using %s\n", s.label)
}

// typedName handles a name the guard typed at the scanner: it checks the
// pass scanned just before, if that was within nameAfterWindow and had no
// name yet; otherwise it waits for the next pass.
func (s *station) typedName(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := pass.NormalizeName(name); err != nil {
		msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "pass: "), "unusable name: ")
		s.note(say(s.lang, "name_bad", msg))
		return nil
	}
	now := s.e.now()
	if l := s.last; l != nil && l.pass != nil && l.name == "" && now.Sub(l.at) <= nameAfterWindow && !now.Before(l.at) {
		_, err := s.checkLocked(l.text, l.source, name, l)
		return err
	}
	s.pending, s.pendingAt = name, now
	s.note(say(s.lang, "name_pending", name))
	return nil
}

// note shows a line that is not a verdict (not in JSON mode).
func (s *station) note(msg string) {
	if !s.asJSON {
		fmt.Fprintf(s.out, "%s%s%s\n", s.st.bold, msg, s.st.reset)
	}
}

// show prints the verdict: one JSON object, or the big terminal form.
func (s *station) show(r *scanResult) {
	if s.asJSON {
		r.v.writeJSON(s.out)
		return
	}
	s.writeBig(s.out, r.v)
}

// prune forgets scans past the dedupe window and passes past the
// anti-passback window.
func (s *station) prune(now time.Time) {
	for k, r := range s.recent {
		if d := now.Sub(r.seen); d >= s.dedupe || d < -time.Minute {
			delete(s.recent, k)
		}
	}
	if now.Sub(s.pruned) < time.Minute && !now.Before(s.pruned) {
		return
	}
	s.pruned = now
	for k, at := range s.used {
		if d := now.Sub(at); d >= s.passback || d < -time.Minute {
			delete(s.used, k)
		}
	}
}

// passKey returns what identifies a verified pass: its issuer and pass ID,
// or for an EU DCC the issuing country and the certificate ID.
func passKey(p *verifier.Pass) (issuer string, id []byte) {
	if p.HC1 != nil {
		return p.HC1.Country, []byte(p.HC1.ID)
	}
	return p.Issuer, p.ID
}

// admitted reports whether a decision lets the holder in: the decisions
// anti-passback remembers.
func admitted(decision string) bool {
	return decision == "admit" || decision == "observe" || decision == "valid"
}

// scanKey identifies a scan for dedupe: the same pass (issuer and ID), or
// for a code that is not a valid pass the same text; and the same name.
func scanKey(p *verifier.Pass, text, name string) string {
	if n, err := pass.NormalizeName(name); err == nil {
		name = n
	}
	if p != nil {
		iss, id := passKey(p)
		return "p\x00" + iss + "\x00" + hex.EncodeToString(id) + "\x00" + name
	}
	sum := sha256.Sum256([]byte(text))
	return "t\x00" + hex.EncodeToString(sum[:16]) + "\x00" + name
}

// logDecision is the decision recorded in the scan log.
func logDecision(v *verdict) string {
	switch {
	case v.Undecided:
		return "undecided"
	case !v.Valid:
		return "invalid"
	}
	return v.Decision
}
