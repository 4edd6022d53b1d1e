// Command hufu issues and verifies hufu passes: signed health-code passes
// carried in a QR code and checked offline.
//
// Run "hufu help" for the commands, "hufu help COMMAND" for one of them.
package main

import (
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/humantime"
)

// Exit statuses. verify documents its own (0 admit, 3 observe, 4 deny, 1
// invalid, 5 cannot decide, 6 valid EU DCC); every command uses 2 for usage
// and I/O errors.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
	exitObserve = 3
	exitDeny    = 4
	exitUndecid = 5
	exitValid   = 6 // a valid EU DCC (HC1): hufu applies no admission rules to it
)

type command struct {
	name    string
	summary string
	usage   string
	run     func(env *env, args []string) int
}

var commands []*command

// helpFiles holds each command's usage text: help/NAME.txt, with flags,
// exit statuses and an example transcript.
//
//go:embed help/*.txt
var helpFiles embed.FS

// help returns the usage text of the command name.
func help(name string) string {
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		panic("hufu: no help text for " + name)
	}
	return string(b)
}

func init() {
	commands = []*command{
		cmdDemo, cmdKeygen, cmdTrust, cmdIssue, cmdPresent, cmdVerify, cmdInspect, cmdBundle, cmdScan, cmdLog,
		cmdHolder, cmdRegistry,
	}
}

// env is what a command may touch: the standard streams and the working
// directory's view of files. Tests run commands in-process with their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	clock          func() time.Time // nil means time.Now
	helped         bool             // a command printed its usage for -h
}

// now returns the time from the env's clock.
func (e *env) now() time.Time {
	if e.clock != nil {
		return e.clock()
	}
	return time.Now()
}

func (e *env) errorf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "hufu: error: "+format+"\n", args...)
}

func (e *env) hintf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "hufu: hint: "+format+"\n", args...)
}

// fail reports an error that ends a command as a usage or I/O error,
// with the error's hint if it has one (see hintOf).
func (e *env) fail(err error) int {
	e.errorf("%v", err)
	if h := hintOf(err); h != "" {
		e.hintf("%s", h)
	}
	return exitUsage
}

// hintOf returns what the operator can do about err: the first hint
// that an error in its chain gives (a Hint method, as the packages' Error
// types have), searched depth first as errors.As does; "" if none does.
func hintOf(err error) string {
	if h, ok := err.(interface{ Hint() string }); ok && h.Hint() != "" {
		return h.Hint()
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return hintOf(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if h := hintOf(e); h != "" {
				return h
			}
		}
	}
	return ""
}

// noticef tells of an old spelling that still works.
func (e *env) noticef(format string, args ...any) {
	fmt.Fprintf(e.stderr, "hufu: notice: "+format+"\n", args...)
}

func (e *env) warnf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "hufu: warning: "+format+"\n", args...)
}

func main() {
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(e, os.Args[1:]))
}

func run(e *env, args []string) int {
	if len(args) == 0 {
		printUsage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				fmt.Fprint(e.stdout, strings.TrimLeft(c.usage, "\n"))
				return exitOK
			}
			e.errorf("unknown command %q", args[1])
			return exitUsage
		}
		printUsage(e.stdout)
		return exitOK
	case "version", "-version", "--version":
		fmt.Fprintln(e.stdout, "hufu", version())
		return exitOK
	}
	c := lookup(args[0])
	if c == nil {
		e.errorf("unknown command %q", args[0])
		e.hintf("run \"hufu help\" for the list of commands")
		return exitUsage
	}
	if len(args) > 1 && (args[1] == "-h" || args[1] == "-help" || args[1] == "--help") {
		// "hufu bundle -h" as well as "hufu verify -h": before a
		// subcommand, where no flag set would see it.
		fmt.Fprint(e.stdout, strings.TrimLeft(c.usage, "\n"))
		return exitOK
	}
	code := c.run(e, args[1:])
	if e.helped {
		return exitOK // "hufu verify -h" is a request, like "hufu -h"
	}
	return code
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// printUsage prints help/hufu.txt with the list of commands in place of
// its COMMANDS line.
func printUsage(w io.Writer) {
	var list strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&list, "    %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, strings.Replace(help("hufu"), "COMMANDS\n", list.String(), 1))
}

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

// flagSet returns a FlagSet for command c whose usage output is c's usage.
func flagSet(e *env, c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("hufu "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args, allowing flags after positional arguments (as in
// "hufu verify pass.txt -json"). "--" ends the flags. It reports usage
// errors itself and returns ok=false after them.
func parse(e *env, c *command, fs *flag.FlagSet, args []string) (pos []string, ok bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			e.helped = true
			fmt.Fprint(e.stdout, strings.TrimLeft(c.usage, "\n"))
			return nil, false
		}
		if err != nil {
			e.errorf("%v", err)
			e.hintf("run \"hufu help %s\" for usage", c.name)
			return nil, false
		}
		rest := fs.Args()
		if len(args) > 0 && len(rest) > 0 && len(args)-len(rest) > 0 && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), true
		}
		if len(rest) == 0 {
			return pos, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func usageError(e *env, c *command, format string, args ...any) int {
	e.errorf(format, args...)
	e.hintf("run \"hufu help %s\" for usage", c.name)
	return exitUsage
}

// multiFlag collects a repeatable flag; commas also separate values.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*m = append(*m, s)
		}
	}
	return nil
}

// renamed registers old as the previous spelling of the flag now called
// name: it still works for this release, with a notice.
func renamed(e *env, fl *flag.FlagSet, old, name string) {
	f := fl.Lookup(name)
	if f == nil {
		panic("renamed: no flag " + name)
	}
	set := func(v string) error {
		e.noticef("-%s is now -%s; the old name will go in the next release", old, name)
		return fl.Set(name, v)
	}
	if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
		fl.BoolFunc(old, "", set)
	} else {
		fl.Func(old, "", set)
	}
}

// durationFlag is a duration as people write it: a Go duration (90m,
// 12h, 1h30m) or whole days (7d, or 1d12h).
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := humantime.ParseDuration(s)
	if err == nil {
		*f.d = d
	}
	return err
}

// durationVar defines a duration flag that also accepts days.
func durationVar(fl *flag.FlagSet, p *time.Duration, name string, value time.Duration) {
	*p = value
	fl.Var(durationFlag{p}, name, "")
}

// parseTime parses a time given on the command line: RFC 3339
// (2026-12-02T08:00:00Z, or with an offset) or a date (2026-12-02, its
// start in UTC).
func parseTime(s string) (time.Time, error) { return humantime.ParseTime(s, time.UTC) }
