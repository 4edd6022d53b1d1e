package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hufu-project/hufu/holder/page"
	"github.com/hufu-project/hufu/input"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

var cmdHolder = &command{
	name:    "holder",
	summary: "serve the holder page on this computer, to try it",
	usage: `
Usage: hufu holder -key FILE -iss ID -name NAME -colour green|yellow|red
                   [-photo IMAGE] [-ttl 24h] [-reason CODE] [-hint CODE]…
                   [-addr 127.0.0.1:0]

Holder serves the holder page (SPEC.md §14) on a loopback address, for
trying it without a registry, and prints its URL. Open the URL in a
browser on this computer and press the button: the page makes a P-256 key
that cannot leave the browser, and this command issues it a pass bound to
that key, signed with -key. The page then shows a presentation (HF1P:…)
that it signs again every 5 seconds; hufu verify or hufu scan check it.
Each renewal (the page asks at 80% of -ttl) issues a new pass. A second
browser that enrols takes the pass over.

The URL holds a random token: anyone who has it can take the pass. The
server answers only requests that name it, on a loopback Host.

Flags:
    -key FILE      the issuer's private key (from hufu keygen)
    -iss ID        issuer ID, e.g. the region code 310000
    -name NAME     the holder's name, as on the ID card (hashed into the pass)
    -colour C      green, yellow or red (-color also works)
    -photo FILE    the holder's photo (JPEG, PNG, GIF or WebP, at most 1 MiB):
                   shown on the page, its digest in the pass
    -ttl D         how long each pass is valid (default 24h)
    -reason CODE   why a pass is yellow or red (see hufu help issue)
    -hint CODE     advice shown even on green; repeatable
    -addr A        where to listen, a loopback address (default 127.0.0.1:0,
                   any free port)

Example:
    $ hufu holder -key issuer.key -iss 310000 -name "张三" -colour green
    http://127.0.0.1:40113/h/5f0c…/
    hufu: hint: open the URL in a browser on this computer; Ctrl-C stops
`,
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
	fl.StringVar(&f.key, "key", "", "")
	fl.StringVar(&f.iss, "iss", "", "")
	fl.StringVar(&f.name, "name", "", "")
	fl.StringVar(&f.colour, "colour", "", "")
	fl.StringVar(&f.colour, "color", "", "")
	fl.StringVar(&f.photo, "photo", "", "")
	fl.StringVar(&f.reason, "reason", "", "")
	fl.Var(&f.hints, "hint", "")
	durationVar(fl, &f.ttl, "ttl", 24*time.Hour)
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
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	tcp, _ := ln.Addr().(*net.TCPAddr)
	if tcp == nil || !tcp.IP.IsLoopback() {
		ln.Close()
		return usageError(e, c, "-addr %s is not a loopback address: the page's link is a secret", *addr)
	}
	tok := make([]byte, 16)
	rand.Read(tok)
	prefix := "/h/" + hex.EncodeToString(tok)
	hosts := loopbackHosts(tcp)
	h := http.StripPrefix(prefix, page.New(b))
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// A loopback Host only (no DNS rebinding), and the token.
			p := r.URL.Path
			if !hosts[r.Host] || len(p) < len(prefix) || (len(p) > len(prefix) && p[len(prefix)] != '/') ||
				subtle.ConstantTimeCompare([]byte(p[:len(prefix)]), []byte(prefix)) != 1 {
				http.NotFound(w, r)
				return
			}
			h.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	fmt.Fprintf(e.stdout, "http://%s%s/\n", ln.Addr(), prefix)
	e.hintf("open the URL in a browser on this computer; Ctrl-C stops")
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		e.errorf("%v", err)
		return exitUsage
	}
	return exitOK
}

// holderIssuer returns the issuer and the claims of f, already checked by
// issue.
func holderIssuer(f *issueFlags) (*issuer.Issuer, issuer.Claims, error) {
	cl := issuer.Claims{Name: f.name, Validity: f.ttl}
	cl.Colour, _ = pass.ParseColour(strings.ToLower(f.colour))
	cl.Reason, _ = pass.ParseReason(f.reason)
	for _, h := range f.hints {
		bit, _ := pass.ParseHint(h)
		cl.Hints |= bit
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

// loopbackHosts returns the Host headers that name the listener at a.
func loopbackHosts(a *net.TCPAddr) map[string]bool {
	port := strconv.Itoa(a.Port)
	hosts := map[string]bool{}
	for _, h := range []string{"127.0.0.1", "localhost", "[::1]", a.IP.String()} {
		if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
			h = "[" + h + "]"
		}
		hosts[h+":"+port] = true
	}
	return hosts
}
