package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hufu-project/hufu/station"
	"github.com/hufu-project/hufu/station/folder"
	"github.com/hufu-project/hufu/station/web"
	"github.com/hufu-project/hufu/verifier"
)

var cmdScan = &command{
	name:    "scan",
	summary: "run a guard station: every scan logged, then shown",
	usage:   help("scan"),
}

func init() { cmdScan.run = runScan }

func runScan(e *env, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return scanMain(ctx, e, args)
}

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
	dedupe := fl.Duration("dedupe", station.DefaultDedupe, "")
	passback := fl.Duration("passback", station.DefaultPassback, "")
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
	if *guard == "" {
		*guard = cmp.Or(e.getenv("USER"), e.getenv("LOGNAME"), "-")
	}
	dir, err := stateDir(e, *state)
	if err != nil {
		return e.fail(err) // with its hint: set HUFU_STATE or give -state DIR
	}
	t := &terminal{out: e.stdout, errOut: e.stderr, lang: *lang, asJSON: *asJSON, st: newStyle(*color || colorOn(e)), bell: !*noBell, width: termWidth(e)}
	cfg := station.Config{
		Site: *site, Guard: *guard, StateDir: dir, Lang: *lang, Now: e.now,
		Dedupe: *dedupe, Passback: *passback, Skew: *skew, Photos: *photos,
		Notify:   func(msg string) { fmt.Fprintf(e.stderr, "hufu: %s\n", msg) },
		OnResult: t.show,
	}
	in := station.Inputs{Scanner: *scanner, Note: t.note}
	if err := cfg.Check(); err != nil {
		return usageError(e, c, "%v", err)
	}
	if *skew < 0 || *interval <= 0 {
		return usageError(e, c, "durations must not be negative")
	}
	if err := in.Check(); err != nil {
		return usageError(e, c, "%v", err)
	}
	if *webPage {
		if err := web.LoopbackOnly(*addr); err != nil {
			return usageError(e, c, "-addr: %v", err)
		}
	}
	// The same trust as verify, chosen by the same flags.
	src, reload, code := openVerifyTrust(e, *trustPath, *bundlePath, *state, rootFiles, dscPaths)
	if code != exitOK {
		return code
	}
	cfg.Trust, cfg.Reload = *src, reload
	if *skew == 0 {
		cfg.Skew = -1
	}
	s, err := station.Open(cfg)
	if err != nil {
		return e.fail(err)
	}
	defer s.Close()
	for _, n := range s.Notices() {
		if n.Warning {
			e.warnf("%s", n.Text)
		} else {
			fmt.Fprintf(e.stderr, "hufu: %s\n", n.Text)
		}
	}

	if *webPage {
		srv, err := web.Listen(s, *addr)
		if err != nil {
			e.errorf("-web: %v", err)
			return exitUsage
		}
		if t.asJSON {
			fmt.Fprintf(e.stdout, "{\"hufu_scan_web\":1,\"url\":%q}\n", srv.URL)
		} else {
			fmt.Fprintf(e.stdout, "camera page: %s\n", srv.URL)
		}
		in.Background = append(in.Background, srv.Serve)
	}
	if *watch != "" {
		w, err := folder.New(s, *watch, *interval, func(path, msg string) { e.warnf("%s: %s", path, msg) })
		if err != nil {
			e.errorf("-watch: %v", err)
			return exitUsage
		}
		fmt.Fprintf(e.stderr, "hufu: watching %s (%s already there left alone)\n", *watch, plural(w.Ignored, "file"))
		in.Background = append(in.Background, w.Run)
	}
	// Codes come from -scanner, names from the keyboard; or both from
	// standard input (a keyboard wedge).
	if f, ok := e.stdin.(*os.File); ok && (*webPage || *watch != "" || *scanner != "") && inBackground(f) {
		// Started with "&": the terminal is not ours to read.
		fmt.Fprintf(e.stderr, "hufu: running in the background: not reading the terminal\n")
	} else {
		in.Stdin = e.stdin
	}
	if err := station.Run(ctx, s, in); err != nil {
		e.errorf("%v", err)
		e.hintf("the station stopped: no verdict is shown that was not logged")
		return exitUsage
	}
	return exitOK
}
