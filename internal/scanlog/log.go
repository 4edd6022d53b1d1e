package scanlog

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hufu-project/hufu/internal/atomicfile"
)

// Options adjust Open. The zero value is what a station uses.
type Options struct {
	// Visit, if not nil, is called with every record of the log, oldest
	// first, once Open has checked the chain.
	Visit func(Record)
	// UnsafeNoSync skips syncing records and the head to disk. It exists to
	// measure what syncing costs; a crash may then lose records whose
	// verdicts were shown.
	UnsafeNoSync bool
}

// Log is a site's scan log, open for appending. It is safe for concurrent
// use, and the open log is locked against other processes.
type Log struct {
	mu       sync.Mutex
	dir      string
	site     string
	f        *os.File // the log, O_APPEND
	hf       *os.File // the head file
	secret   []byte
	last     head
	sync     bool
	err      error // after a failed write the log takes no more records
	buf      []byte
	setAside string
}

// Entry is what the station records about a scan. Append adds the site,
// the sequence number and the chain.
type Entry struct {
	Time     time.Time
	Guard    string
	Source   string // scanner, watch or web
	Issuer   string
	Colour   string
	Decision string // admit, observe, deny, invalid or undecided
	Reason   string
	Name     string // match, mismatch or ""
	Pass     string // a pseudonym from Log.Pseudonym, or ""
	Passback bool
}

// Open opens site's log in dir for appending, creating dir (mode 0700),
// the site's secret, head and log files as needed. It checks the whole
// chain first and refuses a log that does not verify, returning the
// *Problem, whose Kind is a stable code: a station must not start on it
// (a record forged without the site's secret is such a problem). An
// incomplete last line, left by a crash in the middle of a write, is
// moved to a file of its own (see SetAside) before the log is used; a
// head file one record behind, whose last record's keyed hash verifies,
// is brought up to date.
func Open(dir, site string, opt Options) (l *Log, err error) {
	if err := ValidSite(site); err != nil {
		return nil, fmt.Errorf("scanlog: %v", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	secret, err := loadSecret(keyPath(dir, site))
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(logPath(dir, site), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if err := lockFile(f); err != nil {
		return nil, fmt.Errorf("scanlog: the log of site %q is in use by another station: %w", site, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	hp := headPath(dir, site)
	h, herr := readHead(hp)
	if errors.Is(herr, errNoHead) && len(data) == 0 {
		if err := atomicfile.Create(hp, newHeadFile(), 0o600); err != nil {
			return nil, err
		}
		h, herr = head{seq: 0, hash: ZeroHash}, nil
	}
	var pe *os.PathError
	if errors.As(herr, &pe) {
		return nil, herr
	}
	lines, torn := splitLines(data)
	recs, rep := check(lines, site, h, herr, secret)
	if rep.Problem != nil {
		return nil, rep.Problem
	}
	l = &Log{dir: dir, site: site, f: f, secret: secret, sync: !opt.UnsafeNoSync,
		last: head{seq: 0, hash: ZeroHash}}
	if len(torn) > 0 {
		if err := l.putAside(torn, int64(len(data)-len(torn))); err != nil {
			return nil, err
		}
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return nil, err
	}
	if l.hf, err = os.OpenFile(hp, os.O_RDWR, 0); err != nil {
		return nil, err
	}
	if rep.Records > 0 {
		l.last = head{seq: rep.Last.Seq, hash: rep.Last.Hash}
	}
	if rep.HeadBehind {
		if err := writeHead(l.hf, l.last, true); err != nil {
			l.hf.Close()
			return nil, err
		}
	}
	if opt.Visit != nil {
		for _, r := range recs {
			opt.Visit(r)
		}
	}
	return l, nil
}

// putAside moves an incomplete last line to SITE.torn-N and cuts it from
// the log, keeping the first size bytes.
func (l *Log) putAside(torn []byte, size int64) error {
	path := filepath.Join(l.dir, fmt.Sprintf("%s.torn-%d", l.site, time.Now().UnixNano()))
	if err := atomicfile.Create(path, torn, 0o600); err != nil {
		return err
	}
	if err := l.f.Truncate(size); err != nil {
		return err
	}
	if err := l.f.Sync(); err != nil {
		return err
	}
	l.setAside = path
	return nil
}

// SetAside returns the file an incomplete last line was moved to when the
// log was opened, or "" if there was none.
func (l *Log) SetAside() string { return l.setAside }

// Path returns the log file's path.
func (l *Log) Path() string { return logPath(l.dir, l.site) }

// Last returns the sequence number of the last record, 0 for an empty log.
func (l *Log) Last() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last.seq
}

// Pseudonym returns the site's pseudonym for the pass with the given
// issuer and ID: 32 hex digits of HMAC-SHA-256 under the site's secret.
// The same pass has the same pseudonym at this site only.
func (l *Log) Pseudonym(issuer string, id []byte) string {
	m := hmac.New(sha256.New, l.secret)
	m.Write([]byte("hufu scan pseudonym 1\x00"))
	m.Write([]byte(issuer))
	m.Write([]byte{0})
	m.Write(id)
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Append adds a record for e to the log with one write, and syncs it and
// then the head to disk before it returns: once Append returns, the
// record survives a crash. Every string of e is recorded as Text makes
// it, so no value a pass can carry is refused; Append fails on content
// only for programmer errors (no decision, a pass that is not a
// pseudonym). After a write or sync fails, the log takes no more records.
func (l *Log) Append(e Entry) (Record, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return Record{}, l.err
	}
	r := Record{
		Version: Version, Seq: l.last.seq + 1, Time: e.Time.UTC().Format(TimeLayout), Site: l.site,
		Guard: Text(e.Guard), Source: Text(e.Source), Issuer: Text(e.Issuer), Colour: Text(e.Colour),
		Decision: Text(e.Decision), Reason: Text(e.Reason), Name: Text(e.Name), Pass: e.Pass,
		Passback: e.Passback, Prev: l.last.hash,
	}
	if err := r.check(); err != nil {
		return Record{}, err
	}
	canon := r.canonical()
	r.Hash = r.sum(canon, l.secret)
	l.buf = appendLine(l.buf[:0], canon, r.Hash)
	if _, err := l.f.Write(l.buf); err != nil {
		l.err = fmt.Errorf("scanlog: writing record %d: %w", r.Seq, err)
		return Record{}, l.err
	}
	if l.sync {
		if err := l.f.Sync(); err != nil {
			l.err = fmt.Errorf("scanlog: syncing record %d: %w", r.Seq, err)
			return Record{}, l.err
		}
	}
	l.last = head{seq: r.Seq, hash: r.Hash}
	if err := writeHead(l.hf, l.last, l.sync); err != nil {
		l.err = fmt.Errorf("scanlog: writing the head for record %d: %w", r.Seq, err)
		return Record{}, l.err
	}
	return r, nil
}

// Close closes the log and releases its lock.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = errors.New("scanlog: the log is closed")
	}
	err1 := l.hf.Close()
	err2 := l.f.Close()
	return errors.Join(err1, err2)
}

// readSecret reads the site's secret; nil, with no error, if there is
// none.
func readSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(s) != 32 {
		return nil, fmt.Errorf("scanlog: %s: not a site secret (64 hex digits)", path)
	}
	return s, nil
}

// loadSecret reads the site's secret, creating it (32 random bytes in hex,
// mode 0600, never overwritten) if there is none.
func loadSecret(path string) ([]byte, error) {
	for range 2 {
		s, err := readSecret(path)
		if err != nil || s != nil {
			return s, err
		}
		s = make([]byte, 32)
		rand.Read(s)
		err = atomicfile.Create(path, []byte(hex.EncodeToString(s)+"\n"), 0o600)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("scanlog: %s: cannot create the site secret", path)
}
