// Package station is a guard station: it checks the codes a gate sees,
// from any source (a handheld scanner's lines, camera frames, image files),
// against a verifier.Trust, records every scan in the site's scan log, and
// only then returns the verdict. It owns what makes a gate more than a
// loop around verifier.Verify:
//
//   - dedupe: the same pass seen again within Config.Dedupe (a camera sees
//     a code many times a second; a guard scans twice) is one scan, not
//     logged again;
//   - anti-passback: a pass admitted at this site within Config.Passback
//     (also before a restart, from the log) is flagged, and the guard
//     decides;
//   - replay: a holder's live code (a presentation, HF1P:…) seen here
//     before, while it is still fresh, is a copy of it (a screenshot, a
//     photo) and is refused (Outcome Replayed, SPEC.md §14.8);
//   - the clock floor: the latest trusted time seen (the issue time of a
//     verified pass or of a trust bundle) is kept in the state directory,
//     and a clock set earlier than it gets a warning on every verdict;
//   - the log: each scan is written and synced to the scan log before
//     Check returns, so no verdict is shown that was not recorded;
//   - trust reload: a running station takes up a newly installed bundle
//     through Config.Reload.
//
// The guard may type the holder's name for a pass. Where a keyboard-wedge
// scanner and the keyboard share one input (Line), a QR code can type a
// name too; ScannerLine and KeyboardLine, for a scanner read from its own
// device (OpenScanner), keep codes and names apart.
//
// A station is safe for concurrent use; scans are handled one at a time,
// in the order they are logged. It has no flags, terminal or processes:
// "hufu scan" is one front end, the camera page (package station/web)
// another, and a kiosk program can embed it (see the example).
//
// The scan log (internal/scanlog) stays internal: its on-disk format is
// guarded by the station, and a public API would freeze it.
package station

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

// Trust is where a station's keys come from.
type Trust struct {
	Keys   verifier.Trust // the trusted keys; nil only with Err
	Label  string         // where they come from, for the verdict ("trust bundle seq 4 …")
	Bundle *bundle.Bundle // the trust bundle, for issuers' names and its wording; may be nil
	Err    error          // the trust source cannot be used: every verdict is cannot_decide
}

// Verdict checks one code's text against t, as verify does: a trust
// source that cannot be used gives cannot_decide (trust_unavailable), and
// a pass's issuer is named from the bundle, in both languages ("上海市 ·
// Shanghai").
func (t *Trust) Verdict(text string, ck verdict.Checks, opts verifier.Options) *verdict.Verdict {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
		opts.Now = now
	}
	if t.Err != nil {
		return verdict.New(nil, &verifier.Error{Reason: verifier.TrustUnavailable, Err: t.Err}, ck, now, t.Label)
	}
	p, err := verifier.Verify(text, t.Keys, opts)
	v := verdict.New(p, err, ck, now, t.Label)
	if p != nil && t.Bundle != nil {
		if is := t.Bundle.Issuer(p.Issuer); is != nil {
			v.IssuerName = is.Name.ZH + " · " + is.Name.EN
		}
	}
	return v
}

// Config configures a station. Site and StateDir are required; the zero
// value of every other field is safe.
type Config struct {
	Site     string // this checkpoint (scanlog.ValidSite): names its log
	Guard    string // who is on duty, recorded with each scan
	StateDir string // the state directory: the scan log is in StateDir/scanlog, the clock floor in StateDir/latest-time
	Trust    Trust

	// Reload, if not nil, is called before each scan. It returns a new
	// trust source when the installed one changed (a bundle installed
	// while the station runs), or nil when nothing changed. An error keeps
	// the trust in use, and is passed to Notify.
	Reload func() (*Trust, error)

	Dedupe   time.Duration // the same pass within this is one scan; 0 = every scan counts
	Passback time.Duration // flag a pass admitted here within this; 0 = off
	Skew     time.Duration // verifier.Options.Skew (0 = verifier.DefaultSkew, negative = none)
	Photos   string        // a folder of holders' photos, found by digest; "" = none
	Lang     string        // "zh" or "en" ("" means "en"), for Display

	// Now returns the time; nil means time.Now.
	Now func() time.Time
	// Notify, if not nil, receives notices that are not verdicts ("now
	// using trust bundle …", a bundle that cannot be read).
	Notify func(msg string)
	// OnResult, if not nil, is called with every result, in log order,
	// while the station still holds its lock: a front end that shows
	// every scan (a terminal) shows them in the order they were logged.
	// It must not call the station's methods (Result.Display is there).
	OnResult func(*Result)

	// UnsafeNoSync skips syncing the log: only for measuring what syncing
	// costs.
	UnsafeNoSync bool
}

// Outcome says what a scan was to the station.
type Outcome int

const (
	// Logged: a new scan, recorded in the log under Verdict.Scan.LogSeq.
	Logged Outcome = iota
	// Repeat: the same scan as one moments before (within Config.Dedupe);
	// not logged again. The verdict is the earlier one.
	Repeat
	// Replayed: a presentation (HF1P:…) this station has seen before,
	// while the verifier still accepts it, and not in the same showing
	// (seen again within Config.Dedupe of its last sighting): a copy of a
	// live code. It is logged under Verdict.Scan.LogSeq with decision
	// invalid and reason verdict.ReasonReplayed, never admitted, and shown
	// as "code already used — ask for the live code" (SPEC.md §14.8).
	// A different presentation of the same pass is not a replay: it is
	// the holder's phone, and anti-passback's business.
	Replayed
)

// A Result is one scan and its verdict.
type Result struct {
	Verdict *verdict.Verdict
	Outcome Outcome
	Text    string // the code's text
	Source  string // scanner, watch, web, …
	Name    string // the name the guard typed for it, or ""
	Display *Display

	replayed *verifier.Presentation // the presentation refused, for Outcome Replayed
}

// The windows "hufu scan" uses unless told otherwise (-dedupe,
// -passback). A Config's zero value turns both off.
const (
	// DefaultDedupe: a guard who scans twice, or a camera that sees a
	// code many times a second, makes one scan of a pass in 3 seconds.
	DefaultDedupe = 3 * time.Second
	// DefaultPassback: a pass admitted at the site in the last 30 minutes
	// is flagged.
	DefaultPassback = 30 * time.Minute
)

// Time windows for names typed at the station.
const (
	NameAfterWindow  = time.Minute // a name checks the pass scanned up to this long before
	NameBeforeWindow = time.Minute // or waits this long for the next pass
)

// ErrStopped is the error of a scan once the station has stopped.
var ErrStopped = errors.New("station: stopped")

// A Station checks and logs scans. Create it with Open.
type Station struct {
	cfg    Config
	log    *scanlog.Log
	clock  *clockFloor
	photos *photoIndex

	mu        sync.Mutex
	trust     Trust
	recent    map[string]*Result   // dedupe key → the scan
	seen      map[string]time.Time // dedupe key → when last seen
	used      map[string]time.Time // pass pseudonym → last admitted here
	replay    *replayMemory        // presentations seen, until they go stale
	pruned    time.Time
	last      *Result // the last scan, for a name typed after it
	lastAt    time.Time
	pending   string // a name typed before its pass
	pendingAt time.Time
	failed    error
	done      chan struct{}
}

// Open starts a station: it checks cfg (Config.Check: a *ConfigError),
// opens the site's scan log (refusing one that does not verify: the error
// is then a *LogError, see IsLogProblem), reads the anti-passback memory
// back from it, and loads the clock floor.
func Open(cfg Config) (*Station, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Guard == "" {
		cfg.Guard = "-"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Trust.Keys == nil && cfg.Trust.Err == nil {
		cfg.Trust.Err = errors.New("no trusted keys")
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("station: %w", err)
	}
	s := &Station{cfg: cfg, trust: cfg.Trust, recent: map[string]*Result{}, seen: map[string]time.Time{},
		used: map[string]time.Time{}, replay: newReplayMemory(MaxRemembered), done: make(chan struct{})}
	var err error
	if s.clock, err = loadClockFloor(cfg.StateDir); err != nil {
		return nil, fmt.Errorf("station: %w", err)
	}
	if cfg.Photos != "" {
		if s.photos, err = newPhotoIndex(cfg.Photos); err != nil {
			return nil, fmt.Errorf("station: photos: %w", err)
		}
	}
	if b := s.trust.Bundle; b != nil && s.clock.see(b.IssuedAt) {
		s.clock.save()
	}
	now := cfg.Now()
	s.log, err = scanlog.Open(filepath.Join(cfg.StateDir, "scanlog"), cfg.Site, scanlog.Options{UnsafeNoSync: cfg.UnsafeNoSync, Visit: func(r scanlog.Record) {
		if r.Pass != "" && verdict.Decision(r.Decision).Admitted() {
			if at := r.When(); now.Sub(at) < cfg.Passback && !now.Before(at) {
				s.used[r.Pass] = at
			}
		}
	}})
	if IsLogProblem(err) {
		return nil, &LogError{Site: cfg.Site, StateDir: cfg.StateDir, Err: err, starting: true}
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// LogPath is the path of the station's scan log.
func (s *Station) LogPath() string { return s.log.Path() }

// Records is the number of records in the log.
func (s *Station) Records() uint64 { return s.log.Last() }

// SetAside returns where Open moved an incomplete last record, left by a
// crash during a write (its verdict was never shown), or "".
func (s *Station) SetAside() string { return s.log.SetAside() }

// Photos is the number of photos in the photo folder.
func (s *Station) Photos() int { return s.photos.len() }

// Site is the station's site.
func (s *Station) Site() string { return s.cfg.Site }

// Guard is who is on duty.
func (s *Station) Guard() string { return s.cfg.Guard }

// Lang is the station's language, "zh" or "en".
func (s *Station) Lang() string {
	if s.cfg.Lang == "zh" {
		return "zh"
	}
	return "en"
}

// ClockBehind reports whether the clock is now earlier, beyond the clock
// skew tolerance, than a trusted time already seen, and that time.
func (s *Station) ClockBehind() (bool, time.Time) {
	return s.clock.behind(s.cfg.Now(), s.tolerance())
}

// A Notice is a line for the operator that is not a verdict.
type Notice struct {
	Warning bool   // something to look into: a record set aside, the clock
	Text    string // in English, lower case, without a final full stop
}

// Notices are what a front end tells the operator as the station starts,
// in order: a trust source that cannot be used (Config.Trust.Err: a
// warning, as every verdict will be cannot_decide), an incomplete last
// record that Open set aside (a warning), the station with its guard, log
// and number of records, the photos in the photo folder, and a clock
// behind a trusted time already seen (a warning, see ClockBehind).
func (s *Station) Notices() []Notice {
	var ns []Notice
	if t := s.cfg.Trust; t.Err != nil {
		ns = append(ns, Notice{true, fmt.Sprintf("the %s cannot be used: %v; every verdict will be CANNOT DECIDE", cmp.Or(t.Label, "trust source"), t.Err)})
	}
	if p := s.SetAside(); p != "" {
		ns = append(ns, Notice{true, "the last record of the scan log was cut short by a crash (its verdict was never shown); moved to " + p})
	}
	ns = append(ns, Notice{Text: fmt.Sprintf("station %s (guard %s), scan log %s, %s", s.cfg.Site, s.cfg.Guard, s.LogPath(), plural(int(s.Records()), "record"))})
	if s.cfg.Photos != "" {
		ns = append(ns, Notice{Text: fmt.Sprintf("%s in %s", plural(s.Photos(), "photo"), s.cfg.Photos)})
	}
	if behind, floor := s.ClockBehind(); behind {
		ns = append(ns, Notice{true, fmt.Sprintf("this computer's clock (%s) is earlier than a trusted time already seen (%s): check the clock",
			verdict.LocalTime(s.cfg.Now()), verdict.LocalTime(floor))})
	}
	return ns
}

// plural is "1 record", "2 records".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// PhotoFile returns the photo with the given digest in the photo folder,
// or "".
func (s *Station) PhotoFile(digest []byte) string { return s.photos.lookup(digest) }

// Done is closed when the station stops: Stop was called, or the log
// failed.
func (s *Station) Done() <-chan struct{} { return s.done }

// Err returns why the station stopped: ErrStopped, or the error of the
// log; nil while it runs.
func (s *Station) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// Stop ends the station: scans after it fail with ErrStopped.
func (s *Station) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLocked(ErrStopped)
}

func (s *Station) failLocked(err error) {
	if s.failed == nil {
		s.failed = err
		close(s.done)
	}
}

// Close stops the station, saves the clock floor and closes the log.
func (s *Station) Close() error {
	s.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.clock.save()
	if cerr := s.log.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Station) tolerance() time.Duration {
	switch {
	case s.cfg.Skew == 0:
		return verifier.DefaultSkew
	case s.cfg.Skew < 0:
		return 0
	}
	return s.cfg.Skew
}

func (s *Station) notify(format string, args ...any) {
	if s.cfg.Notify != nil {
		s.cfg.Notify(fmt.Sprintf(format, args...))
	}
}

// Check verifies the code text from source, with the name the guard typed
// for it ("" for none: a name typed just before, see TypedName, is used),
// logs the scan and returns the result. A repeat within the dedupe window
// is returned with Outcome Repeat, not logged again; a presentation seen
// before is refused with Outcome Replayed. An error means the log failed
// and the station has stopped: no verdict may be shown.
func (s *Station) Check(text, source, name string) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	if d := now.Sub(s.pendingAt); s.pending != "" && (d > NameBeforeWindow || d < 0) {
		s.pending = ""
	}
	pending := name == "" && s.pending != ""
	if pending {
		name = s.pending
	}
	r, err := s.check(now, text, source, name, nil)
	if err == nil && pending && r.Verdict.Pass != nil {
		s.pending = "" // used up by the pass it was typed for
	}
	return r, err
}

// TypedName takes a name the guard typed. It checks the pass scanned just
// before, if that was within NameAfterWindow and had no name yet: the
// result is a new verdict, logged. Otherwise the name waits for the next
// pass (NameBeforeWindow) and the result is nil. A name that cannot be
// used is an error of type *NameError; other errors stop the station as
// for Check.
func (s *Station) TypedName(name string) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := pass.NormalizeName(name); err != nil {
		return nil, &NameError{Err: err}
	}
	now := s.cfg.Now()
	if l := s.last; l != nil && l.Verdict.Pass != nil && l.Name == "" && now.Sub(s.lastAt) <= NameAfterWindow && !now.Before(s.lastAt) {
		return s.check(now, l.Text, l.Source, name, l)
	}
	s.pending, s.pendingAt = name, now
	return nil, nil
}

// A NameError is a typed name that cannot be checked (empty, too long).
type NameError struct{ Err error }

func (e *NameError) Error() string {
	return "station: unusable name: " + strings.TrimPrefix(strings.TrimPrefix(e.Err.Error(), "pass: "), "unusable name: ")
}
func (e *NameError) Unwrap() error { return e.Err }

func (s *Station) check(now time.Time, text, source, name string, again *Result) (*Result, error) {
	if s.failed != nil {
		return nil, s.failed
	}
	s.prune(now)
	s.reload()
	var (
		p    *verifier.Pass
		verr error = &verifier.Error{Reason: verifier.TrustUnavailable, Err: s.trust.Err}
	)
	if s.trust.Err == nil {
		p, verr = verifier.Verify(text, s.trust.Keys, verifier.Options{Now: now, Skew: s.cfg.Skew})
	}
	var pr *verifier.Presentation
	if p != nil {
		pr = p.Presentation
	}
	key := scanKey(p, text, name)
	if r := s.recent[key]; r != nil && again == nil && (r.replayed == nil || pr != nil && pr.Digest == r.replayed.Digest) {
		if d := now.Sub(s.seen[key]); d >= 0 && d < s.cfg.Dedupe {
			s.seen[key] = now
			if pr != nil {
				s.sawInShowing(pr, now, r)
			}
			rep := &Result{Verdict: r.Verdict, Outcome: Repeat, Text: text, Source: source, Name: name, Display: r.Display, replayed: r.replayed}
			if s.cfg.OnResult != nil {
				s.cfg.OnResult(rep)
			}
			return rep, nil
		}
	}
	var seen *sighting
	if pr != nil {
		seen = s.replay.get(pr)
	}
	if seen != nil && again == nil && !s.sameShowing(seen, now) {
		return s.refuseReplay(now, text, source, name, key, p, seen)
	}
	v := verdict.New(p, verr, verdict.Checks{Name: name}, now, s.trust.Label)
	if p != nil && s.trust.Bundle != nil {
		if is := s.trust.Bundle.Issuer(p.Issuer); is != nil {
			v.IssuerName = is.Name.EN
			if s.Lang() == "zh" {
				v.IssuerName = is.Name.ZH
			}
		}
	}
	if verr != nil && v.Reason == string(verifier.BadPrefix) && strings.HasPrefix(strings.ToUpper(text), verifier.Prefix) {
		v.Detail = "it starts with lower-case \"hf1:\": is Caps Lock on, or the scanner set to lower case?"
	}
	v.Scan = &verdict.Scan{Time: now, Site: s.cfg.Site, Source: source}
	e := scanlog.Entry{Time: now, Guard: s.cfg.Guard, Source: source, Decision: string(v.Decision), Reason: v.Reason}
	if p != nil {
		e.Reason = v.StatusReason
		iss, id := passKey(p, text)
		e.Pass = s.log.Pseudonym(iss, id)
		e.Issuer, e.Colour = iss, v.Colour
		if again != nil {
			v.Scan.Passback, v.Scan.PassbackAt = again.Verdict.Scan.Passback, again.Verdict.Scan.PassbackAt
		} else if last, ok := s.used[e.Pass]; ok && s.cfg.Passback > 0 && now.Sub(last) < s.cfg.Passback && !now.Before(last) {
			v.Scan.Passback, v.Scan.PassbackAt = true, last
		}
		e.Passback = v.Scan.Passback
		v.Scan.PhotoFile = s.photos.lookup(p.PhotoDigest)
	}
	if v.NameMatch != nil {
		e.Name = map[bool]string{true: "match", false: "mismatch"}[*v.NameMatch]
	}
	if behind, _ := s.clock.behind(now, s.tolerance()); behind {
		v.Warnings = append(v.Warnings[:len(v.Warnings):len(v.Warnings)], "clock_earlier_than_seen")
	}
	rec, err := s.log.Append(e)
	if err != nil {
		s.failLocked(err)
		return nil, err
	}
	v.Scan.LogSeq = rec.Seq
	r := &Result{Verdict: v, Outcome: Logged, Text: text, Source: source, Name: name, Display: s.display(v)}
	s.recent[key], s.seen[key] = r, now
	s.last, s.lastAt = r, now
	if p != nil && v.Decision.Admitted() {
		s.used[e.Pass] = now
	}
	switch {
	case pr != nil && seen == nil:
		s.replay.add(pr, now, rec.Seq)
	case pr != nil:
		seen.last = now // the guard's name for the scan just shown
	}
	s.finish(r, p)
	return r, nil
}

// finish ends a logged scan: the front end is told, and the clock floor
// takes up the pass's issue time.
func (s *Station) finish(r *Result, p *verifier.Pass) {
	if s.cfg.OnResult != nil {
		s.cfg.OnResult(r)
	}
	if p != nil && s.clock.see(p.IssuedAt) {
		if err := s.clock.save(); err != nil {
			s.notify("cannot save the latest trusted time: %v", err)
		}
	}
}

// sameShowing reports whether a presentation seen before, seen again now,
// is still the same showing: seen within the dedupe window of its last
// sighting (a camera sees a phone many times a second; a guard scans
// twice, or types the holder's name for it).
func (s *Station) sameShowing(seen *sighting, now time.Time) bool {
	d := now.Sub(seen.last)
	return d >= 0 && d < s.cfg.Dedupe
}

// sawInShowing notes a presentation seen in a repeat of r: one seen for
// the first time is remembered; one seen before stays in its showing,
// unless r refused it as a replay.
func (s *Station) sawInShowing(pr *verifier.Presentation, now time.Time, r *Result) {
	switch seen := s.replay.get(pr); {
	case seen == nil:
		s.replay.add(pr, now, r.Verdict.Scan.LogSeq)
	case r.replayed == nil:
		seen.last = now
	}
}

// refuseReplay logs and returns the verdict on a presentation seen before
// (Outcome Replayed): invalid, reason replayed. The record names the pass
// inside it (issuer and pseudonym, for the audit: whose code was copied),
// without its colour, which did not count.
func (s *Station) refuseReplay(now time.Time, text, source, name, key string, p *verifier.Pass, seen *sighting) (*Result, error) {
	ago := now.Sub(seen.first).Round(time.Second)
	v := &verdict.Verdict{Decision: verdict.Invalid, Reason: verdict.ReasonReplayed, CheckedAt: now, Trust: s.trust.Label,
		Detail: fmt.Sprintf("the same live code was scanned here %s ago (record %d)", verdict.HumanDuration("en", ago), seen.seq)}
	v.Scan = &verdict.Scan{Time: now, Site: s.cfg.Site, Source: source}
	iss, id := passKey(p, text)
	e := scanlog.Entry{Time: now, Guard: s.cfg.Guard, Source: source, Decision: string(v.Decision), Reason: v.Reason,
		Issuer: iss, Pass: s.log.Pseudonym(iss, id)}
	if behind, _ := s.clock.behind(now, s.tolerance()); behind {
		v.Warnings = append(v.Warnings, "clock_earlier_than_seen")
	}
	rec, err := s.log.Append(e)
	if err != nil {
		s.failLocked(err)
		return nil, err
	}
	v.Scan.LogSeq = rec.Seq
	r := &Result{Verdict: v, Outcome: Replayed, Text: text, Source: source, Name: name, Display: s.display(v), replayed: p.Presentation}
	s.recent[key], s.seen[key] = r, now
	s.last, s.lastAt = r, now
	s.finish(r, p)
	return r, nil
}

// reload takes up a new trust source from Config.Reload.
func (s *Station) reload() {
	if s.cfg.Reload == nil {
		return
	}
	t, err := s.cfg.Reload()
	if err != nil {
		s.notify("the newly installed trust bundle cannot be read (%v); still using %s", err, s.trust.Label)
		return
	}
	if t == nil {
		return
	}
	// Never go back: not to a bundle below the state's high-water mark
	// (bundle/store refuses it with a rollback error), nor to one that
	// may not replace the bundle in use.
	if errors.Is(t.Err, bundle.Rollback) || (t.Bundle != nil && s.trust.Bundle != nil && t.Bundle.Replaces(s.trust.Bundle) != nil) {
		s.notify("the installed trust bundle is older than the one in use (rollback); still using %s", s.trust.Label)
		return
	}
	if t.Keys == nil && t.Err == nil {
		t.Err = errors.New("no trusted keys")
	}
	s.trust = *t
	if b := t.Bundle; b != nil && s.clock.see(b.IssuedAt) {
		s.clock.save()
	}
	s.notify("now using %s", t.Label)
}

// TrustLabel says where the keys in use come from.
func (s *Station) TrustLabel() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trust.Label
}

// prune forgets scans past the dedupe window, presentations gone stale,
// and passes past the anti-passback window.
func (s *Station) prune(now time.Time) {
	s.replay.prune(now)
	for k, at := range s.seen {
		if d := now.Sub(at); d >= s.cfg.Dedupe || d < -time.Minute {
			delete(s.seen, k)
			delete(s.recent, k)
		}
	}
	if now.Sub(s.pruned) < time.Minute && !now.Before(s.pruned) {
		return
	}
	s.pruned = now
	for k, at := range s.used {
		if d := now.Sub(at); d >= s.cfg.Passback || d < -time.Minute {
			delete(s.used, k)
		}
	}
}

// passKey returns what identifies a verified pass: its issuer and pass ID;
// for an EU DCC the issuing country and the certificate ID (ci), or, for
// a certificate without one, a digest of its signed payload, so that two
// people's certificates are never one pass.
func passKey(p *verifier.Pass, text string) (issuer string, id []byte) {
	if p.HC1 == nil {
		return p.Issuer, p.ID
	}
	if p.HC1.ID != "" {
		return p.HC1.Country, []byte(p.HC1.ID)
	}
	return p.HC1.Country, payloadDigest(text)
}

// payloadDigest is the SHA-256 of the signed payload of a code that
// verified (so it decodes); "payload:" keeps it apart from any ci.
func payloadDigest(text string) []byte {
	h := sha256.New()
	h.Write([]byte("payload:"))
	if u, err := verifier.InspectUnverified(text); err == nil {
		if m, err := cose.ParseSign1Max(u.COSE, len(u.COSE)); err == nil {
			h.Write(m.Payload)
			return h.Sum(nil)
		}
	}
	h.Write([]byte(text)) // not reached for a verified code
	return h.Sum(nil)
}

// scanKey identifies a scan for dedupe: the same pass, or for a code that
// is not a valid pass the same text; and the same name.
func scanKey(p *verifier.Pass, text, name string) string {
	if n, err := pass.NormalizeName(name); err == nil {
		name = n
	}
	if p != nil {
		iss, id := passKey(p, text)
		return "p\x00" + iss + "\x00" + hex.EncodeToString(id) + "\x00" + name
	}
	sum := sha256.Sum256([]byte(text))
	return "t\x00" + hex.EncodeToString(sum[:16]) + "\x00" + name
}

// ReloadWhenChanged returns a Config.Reload that calls open when the file
// at path changes (its size or modification time), such as an installed
// trust bundle replaced while the station runs, and otherwise returns nil.
func ReloadWhenChanged(path string, open func() (*Trust, error)) func() (*Trust, error) {
	stamp := stampOf(path)
	return func() (*Trust, error) {
		st := stampOf(path)
		if st == stamp || !st.ok {
			return nil, nil
		}
		stamp = st
		return open()
	}
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
