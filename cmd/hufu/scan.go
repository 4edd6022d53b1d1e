package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/hufu-project/hufu/bundle/store"
	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/station"
	"github.com/hufu-project/hufu/station/folder"
	"github.com/hufu-project/hufu/station/web"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

var cmdScan = &command{
	name:    "scan",
	summary: "run a guard station: every scan logged, then shown",
	usage: `
Usage: hufu scan -site ID [-trust TRUST.json | -bundle B.hfb [-root ROOT.pub]]
                 [-dsc DSC.pem] [-guard NAME] [-state DIR] [-photos DIR]
                 [-lang zh|en] [-json] [-no-bell] [-ansi]
                 [-dedupe 3s] [-passback 30m] [-skew 5m]
                 [-scanner PATH] [-watch DIR [-interval 500ms]]
                 [-web [-addr 127.0.0.1:0]]

Scan runs a guard station. It checks one code after another, offline, and
records every scan in the site's scan log before it shows the verdict.

Inputs (any together):
    standard input   a handheld scanner (USB or Bluetooth keyboard wedge):
                     one code per line, CR, LF or CRLF; spaces around it
                     are ignored. It is always read; with neither -watch,
                     -web nor -scanner, the station stops at its end.
    -scanner PATH    a scanner on an input of its own: its serial device
                     in USB-CDC or serial mode (e.g. /dev/ttyACM0, put in
                     raw mode on Linux), a FIFO or a file; codes only.
                     Standard input is then the guard's keyboard, for
                     names only. With neither -watch nor -web, the
                     station stops when PATH ends.
    -watch DIR       a folder an IP camera or a phone drops photos into:
                     each new PNG, JPEG or GIF is checked once, after it
                     has stopped changing (files there at the start are
                     left alone; other files are ignored)
    -web             the laptop camera: serves a page on 127.0.0.1 only,
                     at a random port and a secret URL printed at start;
                     open it in a browser on this machine

Codes and names: a scanner line is a code only if it starts with HF1:,
HC1: or HF1P:. The guard types the holder's name from the ID card after
the = key ("=张三", Enter), so a QR code holding just a name is refused
("not a code"). But a keyboard-wedge scanner types whatever its QR code
holds, "=张三" too, and on one shared input that cannot be told from the
guard. With -scanner the two are apart: a line from PATH is a code or is
refused, never a name, and a line typed on the keyboard is a name (no =
needed; a code typed there is refused: it means a wedge scanner types
there too). So is the camera page: codes from the camera, names from its
name box. A name is checked against the pass scanned just before it, if
that was less than a minute ago and had no name yet (a new verdict is
shown and logged); otherwise against the next pass scanned within a
minute. A name that does not match makes the verdict DENY. Any other
line is refused with a message, and not logged.

Repeats: the same pass seen again within -dedupe (a camera sees a code
many times a second; a guard scans twice) is one scan: not logged or shown
again. The same pass admitted at this site within -passback before (also
across restarts, from the log) is flagged "USED HERE … AGO": the decision
is not changed, the guard decides. -passback 0 turns this off.

Live codes: a holder-bound pass counts only as the holder's live code
(HF1P:…), which the phone signs again every few seconds. A live code this
station has seen before, while it is still fresh (30 s), is a copy (a
screenshot, a photo) and is refused, logged with reason "replayed":
    ✘ INVALID · CODE ALREADY USED — ASK FOR THE LIVE CODE
Seen again within -dedupe of its last sighting (a camera, a second scan,
a name typed for it) it is the same showing, not a replay; a new live
code of the same pass is not a replay either (anti-passback applies).
Live codes are remembered in memory only: not across a restart, nor by
another station (SPEC.md §14.8).

The verdict leads with the decision as a word and a symbol, in colour on a
terminal (never colour alone): ✔ ADMIT 通行, ▲ OBSERVE 注意, ✘ DENY 禁止通行,
✘ INVALID 无效, ? CANNOT DECIDE 无法判断, and for an EU DCC (with -dsc)
✔ VALID EU DCC; then the name check, the holder's
photo file (with -photos, matched by the pass's photo digest), the time
left, the reason and hints, and warnings (a stale trust list, a clock set
earlier than a time already seen). The terminal rings its bell on DENY,
INVALID and a passback alert unless -no-bell. Text from a pass is shown
with control characters escaped. With -json, each scan is one verdict
object on a line, as verify prints (SPEC.md §17), with "scan" set:
{"time", "site", "source", "log_seq", "passback", "passback_at",
"photo_file"}; notes go to standard error. With -web, the first line is
{"hufu_scan_web":1,"url":"…"}.

The scan log is STATE/scanlog/SITE.jsonl: one record per scan with the
time, site, guard, issuer, colour, decision (the verdict's word: admit,
observe, deny, invalid, cannot_decide or valid), reason and a pseudonym of
the pass (no name, photo or pass text), chained by hash and synced before the
verdict is shown. See "hufu help log".

The keys come from the same places as for verify, chosen by the same
flags: -trust FILE (unsigned), -bundle FILE (signed, checked against -root
or the pinned roots), or else the trust bundle installed in the state
directory, which the station reads again at the next scan after "hufu
bundle install" replaces it; -dsc adds EU document-signer certificates.
A bundle's names for its issuers, and its own wording for colours,
reasons and hints, are shown; a bundle past its next update adds a
warning to every verdict, and one that has expired, or is newer than this
computer's clock, makes every verdict CANNOT DECIDE.

Flags:
    -trust FILE     unsigned trust file with the keys to accept
    -bundle FILE    signed trust bundle instead of the installed one
    -root FILE      a bundle root public key to check -bundle with
    -dsc FILE       EU document-signer certificates (HC1 codes); repeatable
    -site ID        this checkpoint, e.g. gate-1 (or $HUFU_SITE): lower-case
                    letters, digits, '-', '_', '.'; names its log
    -guard NAME     who is on duty, recorded with each scan (default $USER)
    -state DIR      state directory (default $HUFU_STATE, else
                    $XDG_STATE_HOME/hufu, else ~/.local/state/hufu)
    -photos DIR     folder of holders' photos, found by digest
    -lang L         zh or en (default from LC_ALL, LC_MESSAGES, LANG)
    -json           one JSON object per scan instead of the big verdict
    -no-bell        no bell on deny
    -ansi           colour with ANSI escapes even when output is not a
                    terminal (it is on a terminal unless NO_COLOR is set);
                    -color is its old name
    -dedupe D       the same pass within D is one scan (default 3s); a
                    live code seen again after D is a replay
    -passback D     flag a pass admitted here within D (default 30m; 0 off)
    -skew D         clock-skew tolerance (default 5m; 0 for none)
    -watch DIR      check new images in DIR
    -interval D     how often to look in the -watch folder (default 500ms)
    -scanner PATH   read codes from PATH, names from the keyboard
    -web            serve the camera page
    -addr A         the page's address (default 127.0.0.1:0, a random
                    port); loopback addresses only

Exit status: 0 when the input ends or the station is stopped (Ctrl-C);
2 for usage errors, and when the scan log cannot be opened or written
(the station stops rather than show a verdict it could not record).

Example:
    $ hufu scan -trust trust.json -site gate-1 -guard wang
    hufu: station gate-1 (guard wang), scan log ~/.local/state/hufu/scanlog/gate-1.jsonl, 0 records
    HF1:RRQT 9O60GO0F…          ← the scanner types this
     ██  ███  ...               ← ✔ ADMIT in block letters, on green
                  ✔  ADMIT  ·  GREEN
      name    not checked — type the name from the ID card
      valid   23 h 59 min left, until 2026-11-28 15:32 CST
      record  #1 · 15:33:01 · issuer 310000
`,
}

func init() { cmdScan.run = runScan }

func runScan(e *env, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return scanMain(ctx, e, args)
}

// Defaults of scan's flags.
const (
	defaultDedupe   = 3 * time.Second
	defaultPassback = 30 * time.Minute
)

func scanMain(ctx context.Context, e *env, args []string) int {
	c := cmdScan
	fl := flagSet(e, c)
	trustPath := fl.String("trust", "", "")
	bundlePath := fl.String("bundle", "", "")
	var rootFiles, dscPaths multiFlag
	fl.Var(&rootFiles, "root", "")
	fl.Var(&dscPaths, "dsc", "")
	site := fl.String("site", e.getenv("HUFU_SITE"), "")
	guard := fl.String("guard", "", "")
	state := fl.String("state", "", "")
	photos := fl.String("photos", "", "")
	lang := fl.String("lang", detectLang(e), "")
	asJSON := fl.Bool("json", false, "")
	noBell := fl.Bool("no-bell", false, "")
	color := fl.Bool("ansi", false, "")
	renamed(e, fl, "color", "ansi")
	dedupe := fl.Duration("dedupe", defaultDedupe, "")
	passback := fl.Duration("passback", defaultPassback, "")
	skew := fl.Duration("skew", verifier.DefaultSkew, "")
	watch := fl.String("watch", "", "")
	interval := fl.Duration("interval", 500*time.Millisecond, "")
	webPage := fl.Bool("web", false, "")
	addr := fl.String("addr", "127.0.0.1:0", "")
	scanner := fl.String("scanner", "", "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) > 0 {
		return usageError(e, c, "unexpected argument %q", pos[0])
	}
	if *site == "" {
		return usageError(e, c, "-site ID is required (this checkpoint's name, e.g. gate-1)")
	}
	if err := scanlog.ValidSite(*site); err != nil {
		return usageError(e, c, "%v", err)
	}
	if *guard == "" {
		*guard = firstNonEmpty(e.getenv("USER"), e.getenv("LOGNAME"), "-")
	}
	if err := scanlog.CheckText(*guard); err != nil {
		return usageError(e, c, "-guard: %v", err)
	}
	if *lang != "zh" && *lang != "en" {
		return usageError(e, c, "-lang %q: want zh or en", *lang)
	}
	if *dedupe < 0 || *passback < 0 || *skew < 0 || *interval <= 0 {
		return usageError(e, c, "durations must not be negative")
	}
	if *scanner != "" {
		if st, err := os.Stat(*scanner); err != nil {
			return usageError(e, c, "-scanner: %v", err)
		} else if st.IsDir() {
			return usageError(e, c, "-scanner %s is a directory: want a scanner's serial device, a FIFO or a file", *scanner)
		}
	}
	if *webPage {
		if err := web.LoopbackOnly(*addr); err != nil {
			return usageError(e, c, "-addr: %v", err)
		}
	}
	// The same trust as verify, chosen by the same flags.
	src, code := openVerifyTrust(e, c, *trustPath, *bundlePath, *state, rootFiles, dscPaths)
	if code != exitOK {
		return code
	}
	if src.Err != nil {
		e.warnf("the trust bundle cannot be used: %v; every verdict will be CANNOT DECIDE", src.Err)
	}
	dir, err := stateDir(e, *state)
	if err != nil {
		return usageError(e, c, "%v", err)
	}
	t := &terminal{out: e.stdout, errOut: e.stderr, lang: *lang, asJSON: *asJSON, st: newStyle(*color || colorOn(e)), bell: !*noBell, width: termWidth(e)}
	cfg := station.Config{
		Site: *site, Guard: *guard, StateDir: dir, Lang: *lang, Now: e.now,
		Trust:  *src,
		Dedupe: *dedupe, Passback: *passback, Skew: *skew, Photos: *photos,
		Notify:   func(msg string) { fmt.Fprintf(e.stderr, "hufu: %s\n", msg) },
		OnResult: t.show,
	}
	if *skew == 0 {
		cfg.Skew = -1
	}
	if *trustPath == "" && *bundlePath == "" && (src.Bundle != nil || src.Err != nil) {
		cfg.Reload = reloadInstalled(e, c, *state, filepath.Join(dir, store.BundleFile), rootFiles, dscPaths)
	}
	s, err := station.Open(cfg)
	if err != nil {
		e.errorf("%v", err)
		if station.IsLogProblem(err) {
			logDir := filepath.Join(dir, "scanlog")
			e.hintf("run \"hufu log verify -state %s -site %s\"; to start a new log, move the %s.* files in %s aside", dir, *site, *site, logDir)
		}
		return exitUsage
	}
	defer s.Close()
	if p := s.SetAside(); p != "" {
		e.warnf("the last record of the scan log was cut short by a crash (its verdict was never shown); moved to %s", p)
	}
	fmt.Fprintf(e.stderr, "hufu: station %s (guard %s), scan log %s, %s\n", *site, *guard, s.LogPath(), plural(int(s.Records()), "record"))
	if *photos != "" {
		fmt.Fprintf(e.stderr, "hufu: %d photos in %s\n", s.Photos(), *photos)
	}
	if behind, floor := s.ClockBehind(); behind {
		e.warnf("this computer's clock (%s) is earlier than a trusted time already seen (%s): check the clock", verdict.LocalTime(e.now()), verdict.LocalTime(floor))
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	fatalc := make(chan error, 1)
	fail := func(err error) {
		select {
		case fatalc <- err:
		default:
		}
		cancel()
	}
	go func() {
		select {
		case <-s.Done():
			fail(s.Err())
		case <-ctx.Done():
		}
	}()
	if *webPage {
		if code := serveWeb(ctx, e, s, t, *addr, &wg, fail); code != exitOK {
			return code
		}
	}
	if *watch != "" {
		w, err := folder.New(s, *watch, *interval, func(path, msg string) { e.warnf("%s: %s", path, msg) })
		if err != nil {
			e.errorf("-watch: %v", err)
			return exitUsage
		}
		fmt.Fprintf(e.stderr, "hufu: watching %s (%s already there left alone)\n", *watch, plural(w.Ignored, "file"))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(ctx); err != nil {
				fail(err)
			}
		}()
	}
	// Codes come from -scanner, names from the keyboard; or both from
	// standard input (a keyboard wedge).
	codesDone, stdinDone := make(chan struct{}), make(chan struct{})
	keyboard := func(l string) (*station.Result, error) { return s.Line(l, "scanner") }
	if *scanner != "" {
		keyboard = s.KeyboardLine
		go func() {
			defer close(codesDone)
			f, err := station.OpenScanner(*scanner) // a FIFO waits for a writer
			if err != nil {
				fail(err)
				return
			}
			context.AfterFunc(ctx, func() { f.Close() })
			err = station.ReadScanner(ctx, s, f, func(l string) (*station.Result, error) { return s.ScannerLine(l, "scanner") }, t.note)
			if err != nil && ctx.Err() == nil {
				fail(err)
			} else if ctx.Err() == nil {
				fmt.Fprintf(e.stderr, "hufu: the scanner %s has ended\n", *scanner)
			}
		}()
	} else {
		codesDone = stdinDone
	}
	if f, ok := e.stdin.(*os.File); ok && (*webPage || *watch != "" || *scanner != "") && inBackground(f) {
		// Started with "&": the terminal is not ours to read.
		fmt.Fprintf(e.stderr, "hufu: running in the background: not reading the terminal\n")
	} else {
		if *scanner == "" {
			fmt.Fprintf(e.stderr, "hufu: scanner and keyboard share standard input: a name after = may come from a QR code as well as from the guard; -scanner PATH keeps them apart\n")
		}
		go func() {
			defer close(stdinDone)
			if err := station.ReadScanner(ctx, s, e.stdin, keyboard, t.note); err != nil {
				fail(err)
			}
		}()
	}
	if *webPage || *watch != "" {
		<-ctx.Done()
	} else {
		select {
		case <-codesDone:
		case <-ctx.Done():
		}
	}
	cancel()
	wg.Wait()
	s.Stop() // a scanner line still being read finds the station closed
	select {
	case err := <-fatalc:
		if err != nil && !errors.Is(err, station.ErrStopped) {
			e.errorf("%v", err)
			e.hintf("the station stopped: no verdict is shown that was not logged")
			return exitUsage
		}
	default:
	}
	return exitOK
}

// serveWeb serves the camera page on addr until ctx is done.
func serveWeb(ctx context.Context, e *env, s *station.Station, t *terminal, addr string, wg *sync.WaitGroup, fail func(error)) int {
	srv, err := web.Listen(s, addr)
	if err != nil {
		e.errorf("-web: %v", err)
		return exitUsage
	}
	if t.asJSON {
		fmt.Fprintf(e.stdout, "{\"hufu_scan_web\":1,\"url\":%q}\n", srv.URL)
	} else {
		fmt.Fprintf(e.stdout, "camera page: %s\n", srv.URL)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ctx); err != nil {
			fail(err)
		}
	}()
	return exitOK
}

// reloadInstalled is the station's Reload for the installed bundle: it
// opens the bundle again when the file changes ("hufu bundle install"
// while the station runs).
func reloadInstalled(e *env, c *command, state, file string, roots, dscs []string) func() (*station.Trust, error) {
	return station.ReloadWhenChanged(file, func() (*station.Trust, error) {
		src, code := openVerifyTrust(e, c, "", "", state, roots, dscs)
		if code != exitOK {
			return nil, errors.New("cannot open " + file)
		}
		return src, nil
	})
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
