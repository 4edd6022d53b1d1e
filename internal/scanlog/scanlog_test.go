package scanlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

func entry(i int) Entry {
	e := Entry{Time: t0.Add(time.Duration(i) * time.Minute), Guard: "王师傅", Source: "scanner",
		Issuer: "310000", Colour: "green", Decision: "admit", Pass: strings.Repeat("ab", 16)}
	if i%3 == 2 {
		e = Entry{Time: e.Time, Guard: "wang", Source: "web", Decision: "invalid", Reason: "bad_signature"}
	}
	return e
}

// newLog writes n records to a fresh log of site "gate-1" and returns dir.
func newLog(t testing.TB, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "scanlog")
	l, err := Open(dir, "gate-1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		r, err := l.Append(entry(i))
		if err != nil {
			t.Fatal(err)
		}
		if r.Seq != uint64(i+1) {
			t.Fatalf("record %d has seq %d", i+1, r.Seq)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readLines(t testing.TB, dir string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(logPath(dir, "gate-1"))
	if err != nil {
		t.Fatal(err)
	}
	lines, torn := splitLines(b)
	if len(torn) != 0 {
		t.Fatalf("torn tail %q", torn)
	}
	return lines
}

func writeLines(t testing.TB, dir string, lines [][]byte) {
	t.Helper()
	var b []byte
	for _, l := range lines {
		b = append(append(b, l...), '\n')
	}
	if err := os.WriteFile(logPath(dir, "gate-1"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// secretOf returns the site secret of gate-1's log in dir.
func secretOf(t testing.TB, dir string) []byte {
	t.Helper()
	s, err := readSecret(keyPath(dir, "gate-1"))
	if err != nil || s == nil {
		t.Fatalf("secret: %v", err)
	}
	return s
}

// parse parses a line of gate-1's log in dir.
func parse(t testing.TB, dir string, line []byte) Record {
	t.Helper()
	r, err := ParseLine(line, secretOf(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// encode returns the line for r with its hash computed under secret.
func encode(r Record, secret []byte) []byte {
	canon := r.canonical()
	out := appendLine(nil, canon, r.sum(canon, secret))
	return out[:len(out)-1]
}

// rehash returns line with its hash recomputed, with the site's secret,
// after f changes it.
func rehash(t testing.TB, dir string, line []byte, f func(*Record)) []byte {
	t.Helper()
	r := parse(t, dir, line)
	f(&r)
	return encode(r, secretOf(t, dir))
}

func TestAppendVerifyReopen(t *testing.T) {
	dir := newLog(t, 5)
	rep, err := Verify(dir, "gate-1")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil || rep.Records != 5 || rep.Last.Seq != 5 || rep.Head != 5 || rep.HeadBehind || rep.Torn != 0 {
		t.Fatalf("report %+v, problem %v", rep, rep.Problem)
	}
	var seen []uint64
	l, err := Open(dir, "gate-1", Options{Visit: func(r Record) { seen = append(seen, r.Seq) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 5 || seen[4] != 5 || l.Last() != 5 {
		t.Fatalf("visited %v, last %d", seen, l.Last())
	}
	r, err := l.Append(entry(5))
	if err != nil || r.Seq != 6 || r.Prev != rep.Last.Hash {
		t.Fatalf("append after reopen: %+v, %v", r, err)
	}
	l.Close()
	lines := readLines(t, dir)
	if len(lines) != 6 {
		t.Fatalf("%d lines", len(lines))
	}
	// The line is exactly the record's JSON: the hash is HMAC-SHA-256,
	// under the site's secret, of the line without its hash member.
	if !bytes.HasPrefix(lines[0], []byte(`{"hufu_scan":2,"seq":1,"time":"2026-06-01T08:00:00.000Z","site":"gate-1","guard":"王师傅","source":"scanner","issuer":"310000","colour":"green","decision":"admit","reason":"","name":"","pass":"abababababababababababababababab","passback":false,"prev":"`+ZeroHash+`","hash":"`)) {
		t.Errorf("first line %s", lines[0])
	}
	if _, err := Open(dir, "gate-1", Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestSecretAndPseudonym(t *testing.T) {
	dir := newLog(t, 1)
	st, err := os.Stat(keyPath(dir, "gate-1"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secret has mode %04o", st.Mode().Perm())
	}
	key, _ := os.ReadFile(keyPath(dir, "gate-1"))
	a, _ := Open(dir, "gate-1", Options{})
	p1 := a.Pseudonym("310000", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	a.Close()
	b, _ := Open(dir, "gate-1", Options{})
	p2 := b.Pseudonym("310000", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	p3 := b.Pseudonym("320000", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	b.Close()
	c, _ := Open(dir, "gate-2", Options{})
	p4 := c.Pseudonym("310000", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	c.Close()
	if p1 != p2 || p1 == p3 || p1 == p4 || len(p1) != 32 {
		t.Errorf("pseudonyms %s %s %s %s", p1, p2, p3, p4)
	}
	if key2, _ := os.ReadFile(keyPath(dir, "gate-1")); !bytes.Equal(key, key2) {
		t.Error("the secret changed")
	}
	for _, p := range []string{logPath(dir, "gate-1"), headPath(dir, "gate-1")} {
		if b, _ := os.ReadFile(p); bytes.Contains(b, bytes.TrimSpace(key)) {
			t.Errorf("%s holds the secret", p)
		}
	}
}

func TestLocked(t *testing.T) {
	dir := newLog(t, 1)
	l, err := Open(dir, "gate-1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Open(dir, "gate-1", Options{}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Open: %v", err)
	}
}

// TestTamper changes a six-record log in every way verify must notice, and
// checks the kind and the line named.
func TestTamper(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(t *testing.T, dir string, lines [][]byte) [][]byte
		kind  Kind
		line  int
		seq   uint64
		match string
	}{
		{"edited_field", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[2] = bytes.Replace(l[2], []byte(`"decision":"invalid"`), []byte(`"decision":"admit"`), 1)
			return l
		}, Edited, 3, 3, "does not match its hash"},
		{"edited_rehashed", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[2] = rehash(t, dir, l[2], func(r *Record) { r.Decision = "admit"; r.Reason = "" })
			return l
		}, Edited, 3, 3, "recomputed"},
		{"edited_last_rehashed", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[5] = rehash(t, dir, l[5], func(r *Record) { r.Decision = "invalid"; r.Reason = "expired" })
			return l
		}, Edited, 6, 6, "head file holds another hash"},
		{"not_canonical", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[1] = bytes.Replace(l[1], []byte(`,"seq"`), []byte(`, "seq"`), 1)
			return l
		}, Edited, 2, 2, "canonical"},
		{"garbage_line", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[3] = []byte("hello")
			return l
		}, Edited, 4, 4, "well-formed"},
		{"deleted_middle", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return append(l[:2:2], l[4:]...)
		}, Deleted, 3, 5, "records 3 to 4"},
		{"deleted_first", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return l[1:]
		}, Deleted, 1, 2, "record 1 before it"},
		{"truncated", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return l[:4]
		}, Truncated, 0, 5, "records 5 to 6"},
		{"truncated_all", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return nil
		}, Truncated, 0, 1, "records 1 to 6"},
		{"truncated_with_head", func(t *testing.T, dir string, l [][]byte) [][]byte {
			f, _ := os.OpenFile(headPath(dir, "gate-1"), os.O_RDWR, 0)
			defer f.Close()
			r := parse(t, dir, l[4])
			writeHead(f, head{seq: 5, hash: r.Hash}, false)
			f.WriteAt(bytes.Repeat([]byte{' '}, headSlot), 0) // slot of record 6
			return l[:5]
		}, Truncated, 0, 0, ""}, // undetectable without the head: see below
		{"reordered", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[2], l[3] = l[3], l[2]
			return l
		}, Reordered, 3, 4, "before record 3 (line 4)"},
		{"reordered_last", func(t *testing.T, dir string, l [][]byte) [][]byte {
			l[4], l[5] = l[5], l[4]
			return l
		}, Reordered, 5, 6, "before record 5 (line 6)"},
		{"duplicated", func(t *testing.T, dir string, l [][]byte) [][]byte {
			return append(l[:3:3], append([][]byte{l[1]}, l[3:]...)...)
		}, Inserted, 4, 2, "a copy of record 2"},
		{"inserted_foreign", func(t *testing.T, dir string, l [][]byte) [][]byte {
			x := rehash(t, dir, l[2], func(r *Record) { r.Seq = 77 })
			return append(l[:2:2], append([][]byte{x}, l[2:]...)...)
		}, Inserted, 3, 77, "not part of the chain"},
		{"inserted_same_number", func(t *testing.T, dir string, l [][]byte) [][]byte {
			// A forged record 3 chained to record 2, before the real one.
			x := rehash(t, dir, l[2], func(r *Record) { r.Decision = "admit"; r.Reason = ""; r.Colour = "green" })
			return append(l[:2:2], append([][]byte{x}, l[2:]...)...)
		}, Inserted, 3, 3, "the chain continues from that one"},
		{"appended", func(t *testing.T, dir string, l [][]byte) [][]byte {
			x := rehash(t, dir, l[5], func(r *Record) { r.Seq = 7; r.Prev = r.Hash })
			y := rehash(t, dir, x, func(r *Record) { r.Seq = 8; r.Prev = r.Hash })
			return append(l, x, y)
		}, Inserted, 8, 8, "added after"},
		{"head_missing", func(t *testing.T, dir string, l [][]byte) [][]byte {
			os.Remove(headPath(dir, "gate-1"))
			return l
		}, BadHead, 0, 0, "head file is missing"},
		{"head_garbled", func(t *testing.T, dir string, l [][]byte) [][]byte {
			os.WriteFile(headPath(dir, "gate-1"), []byte("nonsense"), 0o600)
			return l
		}, BadHead, 0, 0, "no valid head record"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := newLog(t, 6)
			writeLines(t, dir, c.edit(t, dir, readLines(t, dir)))
			rep, err := Verify(dir, "gate-1")
			if err != nil {
				t.Fatal(err)
			}
			if c.kind == Truncated && c.seq == 0 {
				// With the head rewritten too, the shortened log is
				// consistent: the chain cannot tell. Documented in SPEC.md.
				if rep.Problem != nil {
					t.Fatalf("problem %v", rep.Problem)
				}
				return
			}
			p := rep.Problem
			if p == nil {
				t.Fatalf("no problem found; report %+v", rep)
			}
			if p.Kind != c.kind || p.Line != c.line || p.Seq != c.seq || !strings.Contains(p.Detail, c.match) {
				t.Fatalf("got %v (kind %s line %d seq %d), want %s at line %d (record %d) mentioning %q",
					p, p.Kind, p.Line, p.Seq, c.kind, c.line, c.seq, c.match)
			}
			// Open refuses a log that does not verify, and changes nothing.
			before, _ := os.ReadFile(logPath(dir, "gate-1"))
			_, err = Open(dir, "gate-1", Options{})
			var op *Problem
			if !errors.As(err, &op) || op.Kind != c.kind {
				t.Fatalf("Open: %v", err)
			}
			if after, _ := os.ReadFile(logPath(dir, "gate-1")); !bytes.Equal(before, after) {
				t.Error("Open changed a log that does not verify")
			}
		})
	}
}

// TestTorn cuts the last record short, as a crash in the middle of a write
// can: verify reports it without failing, and Open sets it aside and
// carries on from the record before.
func TestTorn(t *testing.T) {
	for _, cut := range []int{1, 40, 200} {
		dir := newLog(t, 4)
		path := logPath(dir, "gate-1")
		b, _ := os.ReadFile(path)
		lines := readLines(t, dir)
		whole := len(b) - len(lines[3]) - 1
		b = b[:whole+cut]
		os.WriteFile(path, b, 0o600)
		// The head names record 4, whose line is now torn: as after a crash
		// between write and sync, the head is never ahead of a shown
		// record, but here it is; put it back one, as a real crash leaves it.
		r3 := parse(t, dir, lines[2])
		f, _ := os.OpenFile(headPath(dir, "gate-1"), os.O_RDWR, 0)
		f.WriteAt(bytes.Repeat([]byte{' '}, 2*headSlot), 0)
		writeHead(f, head{seq: 3, hash: r3.Hash}, true)
		f.Close()

		rep, err := Verify(dir, "gate-1")
		if err != nil || rep.Problem != nil || rep.Torn != cut || rep.Records != 3 {
			t.Fatalf("cut %d: %+v %v", cut, rep, err)
		}
		l, err := Open(dir, "gate-1", Options{})
		if err != nil {
			t.Fatalf("cut %d: Open: %v", cut, err)
		}
		if l.SetAside() == "" {
			t.Fatal("nothing set aside")
		}
		if got, _ := os.ReadFile(l.SetAside()); !bytes.Equal(got, lines[3][:cut]) {
			t.Errorf("set aside %q", got)
		}
		r, err := l.Append(entry(9))
		if err != nil || r.Seq != 4 || r.Prev != r3.Hash {
			t.Fatalf("append after torn: %+v %v", r, err)
		}
		l.Close()
		rep, _ = Verify(dir, "gate-1")
		if rep.Problem != nil || rep.Torn != 0 || rep.Records != 4 {
			t.Fatalf("after repair: %+v", rep)
		}
	}
}

// TestHeadBehind: a crash between syncing a record and its head leaves the
// head one behind; that verifies, and Open repairs it.
func TestHeadBehind(t *testing.T) {
	dir := newLog(t, 3)
	lines := readLines(t, dir)
	r2 := parse(t, dir, lines[1])
	os.WriteFile(headPath(dir, "gate-1"), append(head{seq: 2, hash: r2.Hash}.slot(), head{seq: 1, hash: ZeroHash}.slot()...), 0o600)
	rep, _ := Verify(dir, "gate-1")
	if rep.Problem != nil || !rep.HeadBehind {
		t.Fatalf("%+v", rep)
	}
	l, err := Open(dir, "gate-1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	rep, _ = Verify(dir, "gate-1")
	if rep.Problem != nil || rep.HeadBehind || rep.Head != 3 {
		t.Fatalf("after Open: %+v", rep)
	}
}

// TestHeadSlots: a torn head write leaves the other slot.
func TestHeadSlots(t *testing.T) {
	dir := newLog(t, 5)
	p := headPath(dir, "gate-1")
	b, _ := os.ReadFile(p)
	if len(b) != 2*headSlot {
		t.Fatalf("head is %d bytes", len(b))
	}
	copy(b[headSlot+10:], "XXXX") // slot 1 holds record 5
	os.WriteFile(p, b, 0o600)
	h, err := readHead(p)
	if err != nil || h.seq != 4 {
		t.Fatalf("head %+v %v", h, err)
	}
}

func TestAppendRejects(t *testing.T) {
	dir := newLog(t, 0)
	l, err := Open(dir, "gate-1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, e := range []Entry{
		{Time: t0, Decision: ""},
		{Time: t0, Decision: "admit", Pass: "nothex"},
	} {
		if _, err := l.Append(e); err == nil {
			t.Errorf("Append(%+v) succeeded", e)
		}
	}
	if r, err := l.Append(entry(0)); err != nil || r.Seq != 1 {
		t.Fatalf("after rejects: %+v %v", r, err)
	}
}

// TestAppendAnyPassValue: every value a verified pass can carry is
// recorded, never refused (SPEC allows issuer IDs with & < > " \, and an
// EU certificate's country is any text of any length up to the HC1
// limits), and the log still verifies and reads back the same values.
func TestAppendAnyPassValue(t *testing.T) {
	long := strings.Repeat("Ü", 150) // 300 bytes
	cases := []struct{ in, want string }{
		{"R&D", "R&D"},
		{`say "hi"`, `say "hi"`},
		{`back\slash`, `back\slash`},
		{"<script>", "<script>"},
		{"new\nline\r\ttab", "new\nline\r\ttab"},
		{"\x00\x01\x1f\x7f\u0085\u2028\u2029", "\x00\x01\x1f\x7f\u0085\u2028\u2029"},
		{"\x1b[2J\x1b[32mVALID", "\x1b[2J\x1b[32mVALID"},
		{"\xff\xfeDE", "\uFFFDDE"},
		{"\ufffd", "\ufffd"},
		{long, strings.Repeat("Ü", 126) + "…"},
		{strings.Repeat("x", 64<<10), strings.Repeat("x", MaxString-3) + "…"},
	}
	dir := newLog(t, 0)
	l, err := Open(dir, "gate-1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		e := Entry{Time: t0.Add(time.Duration(i) * time.Second), Guard: c.in, Source: "scanner",
			Issuer: c.in, Colour: "green", Decision: "valid", Reason: c.in, Pass: strings.Repeat("cd", 16)}
		r, err := l.Append(e)
		if err != nil {
			t.Fatalf("Append with %q: %v", c.in, err)
		}
		if r.Issuer != c.want || r.Guard != c.want || r.Reason != c.want {
			t.Errorf("recorded %q, want %q", r.Issuer, c.want)
		}
		if len(r.Issuer) > MaxString {
			t.Errorf("recorded %d bytes", len(r.Issuer))
		}
	}
	l.Close()
	recs, rep, err := Read(dir, "gate-1")
	if err != nil || rep.Problem != nil || len(recs) != len(cases) {
		t.Fatalf("read back: %d records, %+v, %v", len(recs), rep, err)
	}
	for i, c := range cases {
		if recs[i].Issuer != c.want {
			t.Errorf("record %d reads back %q, want %q", i+1, recs[i].Issuer, c.want)
		}
	}
	for i, line := range readLines(t, dir) {
		if bytes.ContainsAny(line, "\x00\x1b\x7f\n") || bytes.Contains(line, []byte("\u2028")) || bytes.Contains(line, []byte("\u0085")) {
			t.Errorf("line %d holds a raw control character: %q", i+1, line)
		}
	}
}

func TestValidSite(t *testing.T) {
	for s, ok := range map[string]bool{
		"gate-1": true, "bank.0012": true, "a": true, "": false, "Gate": false, "-x": false,
		"../x": false, "a/b": false, ".hidden": false, strings.Repeat("a", 33): false, "门": false,
	} {
		if err := ValidSite(s); (err == nil) != ok {
			t.Errorf("ValidSite(%q) = %v", s, err)
		}
	}
}

func TestSites(t *testing.T) {
	dir := newLog(t, 1)
	l, _ := Open(dir, "b-2", Options{})
	l.Close()
	got, err := Sites(dir)
	if err != nil || strings.Join(got, ",") != "b-2,gate-1" {
		t.Fatalf("Sites = %q, %v", got, err)
	}
}

// FuzzParseLine: ParseLine never panics, and accepts only lines that are
// exactly what Append writes for the record it returns.
func FuzzParseLine(f *testing.F) {
	dir := newLog(f, 6)
	secret := secretOf(f, dir)
	lines := readLines(f, dir)
	if len(lines) == 0 {
		f.Fatal("no seeds")
	}
	for _, l := range lines {
		f.Add(l)
		f.Add(l[:len(l)/2])
		f.Add(bytes.Replace(l, []byte(`"seq":`), []byte(`"seq":0`), 1))
		f.Add(bytes.Replace(l, []byte(`"admit"`), []byte(`"\u0061dmit"`), 1))
		f.Add(bytes.Replace(l, []byte(`"wang"`), []byte(`"w\u0000\"\\g"`), 1))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"hufu_scan":1,"hufu_scan":1}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		r, err := ParseLine(line, secret)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrHash) {
				t.Fatalf("error %v is neither ErrMalformed nor ErrHash", err)
			}
			return
		}
		if want := encode(r, secret); !bytes.Equal(want, line) {
			t.Fatalf("accepted %q, which re-encodes as %q", line, want)
		}
	})
}

// TestForgedAppend reproduces the forgery of issue 11 (item 4): whoever can
// write the log but does not hold the site's secret appends a canonical
// record with a recomputed unkeyed hash, leaving the head one behind as a
// crash would. Verify must report it, and Open must refuse the log, so the
// station does not start (and so never moves the head over the forgery).
func TestForgedAppend(t *testing.T) {
	for _, version := range []int{1, 2} {
		dir := newLog(t, 3)
		lines := readLines(t, dir)
		last := parse(t, dir, lines[2])
		forged := Record{Version: version, Seq: 4, Time: "2026-06-01T09:00:00.000Z", Site: "gate-1",
			Guard: "wang", Source: "scanner", Issuer: "310000", Colour: "green", Decision: "admit",
			Pass: strings.Repeat("ef", 16), Prev: last.Hash}
		canon := forged.canonical()
		sum := sha256.Sum256(canon) // unkeyed: all the forger can compute
		line := appendLine(nil, canon, hex.EncodeToString(sum[:]))
		writeLines(t, dir, append(lines, line[:len(line)-1]))

		rep, err := Verify(dir, "gate-1")
		if err != nil {
			t.Fatal(err)
		}
		want := Edited // version 1 after version 2, or a hash not keyed with the secret
		if p := rep.Problem; p == nil || p.Kind != want || p.Line != 4 || p.Seq != 4 {
			t.Fatalf("version %d forgery: report %+v, problem %v; want %s at line 4", version, rep, rep.Problem, want)
		}
		before, _ := os.ReadFile(headPath(dir, "gate-1"))
		_, err = Open(dir, "gate-1", Options{})
		var p *Problem
		if !errors.As(err, &p) || p.Kind != want {
			t.Fatalf("version %d forgery: Open = %v, want a *Problem of kind %s", version, err, want)
		}
		if after, _ := os.ReadFile(headPath(dir, "gate-1")); !bytes.Equal(before, after) {
			t.Errorf("version %d forgery: Open moved the head over it", version)
		}
	}
}

// TestKeyed: a version 2 log cannot be checked without its secret, and a
// record hashed under another site's secret does not verify.
func TestKeyed(t *testing.T) {
	dir := newLog(t, 2)
	if err := os.Rename(keyPath(dir, "gate-1"), keyPath(dir, "gate-1")+".away"); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir, "gate-1")
	if err != nil || rep.Problem == nil || rep.Problem.Kind != BadKey || rep.Problem.Line != 1 {
		t.Fatalf("without the secret: %+v %v", rep, err)
	}
	os.Rename(keyPath(dir, "gate-1")+".away", keyPath(dir, "gate-1"))

	other := newLog(t, 0)
	lines := readLines(t, dir)
	r := parse(t, dir, lines[1])
	r.Decision = "admit"
	lines[1] = encode(r, secretOf(t, other))
	writeLines(t, dir, lines)
	rep, _ = Verify(dir, "gate-1")
	if rep.Problem == nil || rep.Problem.Kind != Edited || rep.Problem.Line != 2 {
		t.Fatalf("another site's secret: %+v", rep)
	}
}

// TestVersion1Log: a log written in version 1 (unkeyed, before issue 11)
// still verifies and exports, and a station continues it in version 2; a
// version 1 record after a version 2 one is refused.
func TestVersion1Log(t *testing.T) {
	dir := newLog(t, 0) // creates the secret and an empty head
	prev := ZeroHash
	var lines [][]byte
	for i := range 3 {
		e := entry(i)
		r := Record{Version: 1, Seq: uint64(i + 1), Time: e.Time.UTC().Format(TimeLayout), Site: "gate-1",
			Guard: e.Guard, Source: e.Source, Issuer: e.Issuer, Colour: e.Colour, Decision: e.Decision,
			Reason: e.Reason, Pass: e.Pass, Prev: prev}
		line := encode(r, nil)
		if i == 0 && !bytes.HasPrefix(line, []byte(`{"hufu_scan":1,"seq":1,"time":"2026-06-01T08:00:00.000Z","site":"gate-1","guard":"王师傅",`)) {
			t.Fatalf("version 1 line %s", line)
		}
		r = parse(t, dir, line)
		lines, prev = append(lines, line), r.Hash
	}
	writeLines(t, dir, lines)
	hf, _ := os.OpenFile(headPath(dir, "gate-1"), os.O_RDWR, 0)
	writeHead(hf, head{seq: 3, hash: prev}, true)
	hf.Close()
	if rep, err := Verify(dir, "gate-1"); err != nil || rep.Problem != nil || rep.Records != 3 {
		t.Fatalf("version 1 log: %+v %v", rep, err)
	}
	// A forged version 1 record after the head of a version 1 log: the
	// head one behind is a crash's only when the record is keyed.
	forged := encode(Record{Version: 1, Seq: 4, Time: "2026-06-01T09:00:00.000Z", Site: "gate-1",
		Source: "web", Decision: "admit", Prev: prev}, nil)
	writeLines(t, dir, append(lines[:3:3], forged))
	if rep, _ := Verify(dir, "gate-1"); rep.Problem == nil || rep.Problem.Kind != Inserted || rep.Problem.Line != 4 {
		t.Fatalf("forged version 1 record: %+v", rep)
	}
	if _, err := Open(dir, "gate-1", Options{}); err == nil {
		t.Fatal("Open accepted a forged version 1 record")
	}
	writeLines(t, dir, lines)
	l, err := Open(dir, "gate-1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	r4, err := l.Append(entry(3))
	l.Close()
	if err != nil || r4.Version != 2 || r4.Prev != prev {
		t.Fatalf("continued with %+v, %v", r4, err)
	}
	if rep, _ := Verify(dir, "gate-1"); rep.Problem != nil || rep.Records != 4 {
		t.Fatalf("mixed log: %+v", rep)
	}
	// A version 1 record after the version 2 one, chained and with the
	// head moved: refused for its version.
	r5 := Record{Version: 1, Seq: 5, Time: r4.Time, Site: "gate-1", Source: "web", Decision: "admit", Prev: r4.Hash}
	lines = append(readLines(t, dir), encode(r5, nil))
	writeLines(t, dir, lines)
	r5 = parse(t, dir, lines[4])
	hf, _ = os.OpenFile(headPath(dir, "gate-1"), os.O_RDWR, 0)
	writeHead(hf, head{seq: 5, hash: r5.Hash}, true)
	hf.Close()
	if rep, _ := Verify(dir, "gate-1"); rep.Problem == nil || rep.Problem.Kind != Edited || rep.Problem.Line != 5 {
		t.Fatalf("version 1 after version 2: %+v", rep)
	}
}
