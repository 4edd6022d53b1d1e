package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/input"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/office"
	"github.com/schollz/progressbar/v3"
)

var cmdRegistry = &command{
	name:    "registry",
	summary: "run an issuing office: holders, statuses, passes, appeals, bundles",
	usage:   help("registry"),
}

func init() { cmdRegistry.run = runRegistry }

func runRegistry(e *env, args []string) int {
	c := cmdRegistry
	if len(args) == 0 {
		return usageError(e, c, "registry needs a subcommand")
	}
	fl := flagSet(e, c)
	db := fl.String("db", "", "")
	iss := fl.String("iss", "", "")
	keyFile := fl.String("key", "", "")
	rootFile := fl.String("root", "", "")
	out := fl.String("out", "", "")
	o := fl.String("o", "", "")
	listen := fl.String("listen", "127.0.0.1:8080", "")
	secretFile := fl.String("secret", "registry.secret", "")
	validity := fl.Duration("validity", registry.DefaultValidity, "")
	fraction := fl.Float64("reissue-fraction", registry.DefaultReissueFraction, "")
	every := fl.Duration("publish-every", 0, "")
	workers := fl.Int("workers", runtime.GOMAXPROCS(0), "")
	role := fl.String("role", "", "")
	name := fl.String("name", "", "")
	nameZH := fl.String("name-zh", "", "")
	nameEN := fl.String("name-en", "", "")
	maxTTL := fl.Duration("max-ttl", 168*time.Hour, "")
	colours := fl.String("colours", "green,yellow,red", "")
	var merge multiFlag
	fl.Var(&merge, "merge", "")
	sub := args[0]
	pos, ok := parse(e, c, fl, args[1:])
	if !ok {
		return exitUsage
	}
	switch {
	case *db == "":
		return usageError(e, c, "registry %s needs -db", sub)
	case !office.Task(sub).Known():
		return usageError(e, c, "unknown registry subcommand %q", sub)
	case (sub == "serve" || sub == "reissue") && (*keyFile == "" || *iss == ""):
		return usageError(e, c, "registry %s needs -iss and -key", sub)
	case sub == "publish" && (*rootFile == "" || *out == ""):
		return usageError(e, c, "publish needs -root and -out")
	case sub == "export" && (*keyFile == "" || *o == ""):
		return usageError(e, c, "export needs -key and -o")
	case sub == "source" && *o == "":
		return usageError(e, c, "source needs -o")
	}
	// A refusal (a bad export, an unknown key) exits 1; a fault of the
	// files, database or server exits 2.
	fail := func(err error) int {
		if code := e.fail(err); !registry.Refused(err) {
			return code
		}
		return exitInvalid
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	logger := slog.New(slog.NewJSONHandler(e.stderr, nil))
	off, err := office.Open(ctx, office.Task(sub), office.Config{DB: *db, IssuerID: *iss, KeyFile: *keyFile, RootFile: *rootFile,
		SecretFile: *secretFile, OutDir: *out, MergeFiles: merge, Validity: *validity, ReissueFraction: *fraction, Log: logger,
		Warn: func(err error) {
			e.warnf("%v", err)
			if h := hintOf(err); h != "" {
				e.hintf("%s", h)
			}
		}})
	if err != nil {
		return fail(err)
	}
	defer off.Close()

	switch sub {
	case "serve":
		err := off.Serve(ctx, *listen, *every, func(a net.Addr) { fmt.Fprintf(e.stderr, "hufu: registry listening on http://%s\n", a) })
		if err != nil {
			return fail(err)
		}
	case "token":
		tok, err := off.Service.CreateOperator(ctx, *name, registry.Role(*role))
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(e.stdout, tok)
	case "add-issuer":
		is := bundle.Issuer{ID: *iss, Name: bundle.Label{ZH: *nameZH, EN: *nameEN}, MaxLifetime: *maxTTL}
		if is.Colours, err = pass.ParseColours(strings.Split(*colours, ",")); err != nil {
			return usageError(e, c, "%v", strings.TrimPrefix(err.Error(), "pass: "))
		}
		if len(pos) == 0 || *nameZH == "" || *nameEN == "" {
			return usageError(e, c, "add-issuer needs -iss, -name-zh, -name-en and at least one KEY.pub")
		}
		if err := off.AddIssuer(ctx, &is, pos); err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stderr, "hufu: issuer %s (%s) listed with %d key(s)\n", is.ID, is.Name.EN, len(is.Keys))
	case "publish":
		res, err := off.Publish(ctx)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stderr, "hufu: wrote %s: seq %d, %d revoked passes, %d bytes\n", res.File, res.Seq, res.Revoked, res.Size)
	case "source":
		src, err := off.Source(ctx, *o)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stderr, "hufu: wrote %s: bundle %d, %s, %s\n", *o, src.Seq+1,
			plural(len(src.Issuers), "issuer"), plural(src.RevokedPasses(), "revoked pass"))
		e.hintf("sign it once, where the root key is: hufu bundle sign -key ROOT.key -in %s -o bundle.hfb", *o)
	case "export":
		n, err := off.Export(ctx, *o)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stderr, "hufu: wrote %s: %d revoked passes\n", *o, n)
	case "reissue":
		return reissue(e, ctx, off.Service, *workers)
	}
	return exitOK
}

// reissue runs Service.Reissue with a progress bar on a terminal, JSON
// progress lines (registry.JSONProgress) otherwise.
func reissue(e *env, ctx context.Context, svc *registry.Service, workers int) int {
	report := registry.JSONProgress(e.stdout)
	var bar *progressbar.ProgressBar
	if f, ok := e.stderr.(*os.File); ok && input.IsTerminal(f) {
		report = func(p registry.ReissueProgress) {
			if bar == nil {
				bar = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("re-issuing"),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionClearOnFinish())
			}
			bar.Set(p.Done)
		}
	}
	start := time.Now()
	p, err := svc.Reissue(ctx, workers, report)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stderr, "hufu: re-issued %d passes in %v (%d skipped: their status changed meanwhile)\n",
		p.Issued, time.Since(start).Round(time.Millisecond), p.Skipped)
	return exitOK
}
