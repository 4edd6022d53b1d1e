package main

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/backend"
	"github.com/hufu-project/hufu/registry/server"
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
	if *db == "" {
		return usageError(e, c, "registry %s needs -db", sub)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	store, err := backend.Open(ctx, *db)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	defer store.Close()
	cfg := registry.Config{Store: store, IssuerID: *iss, Validity: *validity, ReissueFraction: *fraction,
		Log: slog.New(slog.NewJSONHandler(e.stderr, nil))}
	readKey := func(path string) (crypto.Signer, bool) {
		if path == "" {
			return nil, true
		}
		return readPrivateKey(e, path)
	}
	fail := func(err error) int {
		e.errorf("%v", err)
		var re *registry.Error
		if errors.As(err, &re) && registry.HTTPStatus(re.Code) < 500 {
			return exitInvalid
		}
		return exitUsage
	}
	var key, root crypto.Signer
	if key, ok = readKey(*keyFile); !ok {
		return exitUsage
	}
	if root, ok = readKey(*rootFile); !ok {
		return exitUsage
	}
	if sub == "serve" || sub == "reissue" {
		if key == nil || *iss == "" {
			return usageError(e, c, "registry %s needs -iss and -key", sub)
		}
		if cfg.Issuer, err = issuer.New(key, *iss, *validity); err != nil {
			return fail(err)
		}
	}
	if sub == "serve" {
		var created bool
		if cfg.Secret, created, err = registry.LoadSecret(*secretFile); err != nil {
			return fail(err)
		}
		if created {
			e.hintf("created the registry secret %s: keep it with the database's backups", *secretFile)
		}
	}
	svc, err := registry.New(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	var exports [][]byte
	for _, f := range merge {
		data, err := os.ReadFile(f)
		if err != nil {
			return fail(err)
		}
		exports = append(exports, data)
	}

	switch sub {
	case "serve":
		err := server.ListenAndRun(ctx, server.ListenConfig{
			Options:  server.Options{Service: svc, Root: root, OutDir: *out, Merge: exports, Log: cfg.Log},
			IssuerID: *iss, Key: key.Public(), Addr: *listen, PublishEvery: *every,
			Listening: func(a net.Addr) { fmt.Fprintf(e.stderr, "hufu: registry listening on http://%s\n", a) },
		})
		if err != nil {
			return fail(err)
		}
	case "token":
		tok, err := svc.CreateOperator(ctx, *name, registry.Role(*role))
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
		for _, f := range pos {
			pub, ok := readPublicKey(e, f)
			if !ok {
				return exitUsage
			}
			is.Keys = append(is.Keys, bundle.IssuerKey{Public: pub})
		}
		if err := svc.AddIssuer(ctx, is); err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stderr, "hufu: issuer %s (%s) listed with %d key(s)\n", is.ID, is.Name.EN, len(is.Keys))
	case "publish":
		if root == nil || *out == "" {
			return usageError(e, c, "publish needs -root and -out")
		}
		res, err := svc.Publish(ctx, registry.PublishOptions{Root: root, Dir: *out, Merge: exports})
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stderr, "hufu: wrote %s: seq %d, %d revoked passes, %d bytes\n", res.File, res.Seq, res.Revoked, res.Size)
	case "export":
		if key == nil || *o == "" {
			return usageError(e, c, "export needs -key and -o")
		}
		data, n, err := svc.Export(ctx, *iss, key)
		if err != nil {
			return fail(err)
		}
		if err := atomicfile.WriteFile(*o, data, 0o644); err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stderr, "hufu: wrote %s: %d revoked passes\n", *o, n)
	case "reissue":
		return reissue(e, ctx, svc, *workers)
	default:
		return usageError(e, c, "unknown registry subcommand %q", sub)
	}
	return exitOK
}

// reissue runs Service.Reissue with a progress bar on a terminal, JSON
// progress lines otherwise.
func reissue(e *env, ctx context.Context, svc *registry.Service, workers int) int {
	f, _ := e.stderr.(*os.File)
	var bar *progressbar.ProgressBar
	enc := json.NewEncoder(e.stdout)
	report := func(p registry.ReissueProgress) {
		if f != nil {
			if st, err := f.Stat(); err == nil && st.Mode()&fs.ModeCharDevice != 0 {
				if bar == nil {
					bar = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("re-issuing"),
						progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionClearOnFinish())
				}
				bar.Set(p.Done)
				return
			}
		}
		enc.Encode(map[string]any{"hufu_reissue": 1, "done": p.Done, "total": p.Total, "issued": p.Issued, "skipped": p.Skipped})
	}
	start := time.Now()
	p, err := svc.Reissue(ctx, workers, report)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "hufu: re-issued %d passes in %v (%d skipped: their status changed meanwhile)\n",
		p.Issued, time.Since(start).Round(time.Millisecond), p.Skipped)
	return exitOK
}
