package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hufu-project/hufu/holder/page"
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
	f.maxTTL = f.ttl
	b := &page.Local{}
	var code int
	if b.Issuer, b.Claims, code = f.prepare(e, c); code != exitOK {
		return code
	}
	if b.Photo = b.Claims.Photo; b.Photo != nil {
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
