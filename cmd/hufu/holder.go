package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hufu-project/hufu/holder/page"
	"github.com/hufu-project/hufu/input"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
)

var cmdHolder = &command{
	name:    "holder",
	summary: "serve the holder page on this computer, to try it",
	usage:   help("holder"),
}

func init() { cmdHolder.run = runHolder }

func runHolder(e *env, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return holderMain(ctx, e, args)
}

func holderMain(ctx context.Context, e *env, args []string) int {
	c := cmdHolder
	fl := flagSet(e, c)
	var f issueFlags
	f.passFlags(fl)
	addr := fl.String("addr", "127.0.0.1:0", "")
	pos, ok := parse(e, c, fl, args)
	if !ok {
		return exitUsage
	}
	if len(pos) != 0 {
		return usageError(e, c, "unexpected argument %q", pos[0])
	}
	if f.ttl <= 0 {
		return usageError(e, c, "-ttl %v: want a positive duration", f.ttl)
	}
	// Check every flag, and the key, by issuing one pass now.
	f.maxTTL = f.ttl
	if _, code := issue(e, c, &f); code != exitOK {
		return code
	}
	b := &page.Local{}
	var err error
	if b.Issuer, b.Claims, err = holderIssuer(&f); err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	if f.photo != "" {
		if b.Photo, err = input.ReadFile(f.photo, page.MaxPhoto); err != nil {
			e.errorf("-photo: %v", err)
			return exitUsage
		}
		if _, err := page.CheckPhoto(b.Photo); err != nil {
			e.errorf("-photo %s: %v", f.photo, err)
			return exitUsage
		}
	}
	srv, err := page.ListenLocal(b, *addr)
	if err != nil {
		return usageError(e, c, "-addr: %v", strings.TrimPrefix(err.Error(), "page: "))
	}
	fmt.Fprintln(e.stdout, srv.URL)
	e.hintf("open the URL in a browser on this computer; Ctrl-C stops")
	if err := srv.Serve(ctx); err != nil {
		return e.fail(err)
	}
	return exitOK
}

// holderIssuer returns the issuer and the claims of f, already checked by
// issue.
func holderIssuer(f *issueFlags) (*issuer.Issuer, issuer.Claims, error) {
	cl := issuer.Claims{Name: f.name, Validity: f.ttl}
	if err := cl.SetStatus(f.colour, f.reason, f.hints); err != nil {
		return nil, cl, err
	}
	priv, err := keys.ReadPrivateFile(f.key)
	if errors.Is(err, keys.ErrReadableByOthers) {
		err = nil // issue has warned
	}
	if err != nil {
		return nil, cl, err
	}
	is, err := issuer.New(priv, f.iss, f.ttl)
	return is, cl, err
}
