package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
)

// TestCrash runs the station as a separate process fed a stream of
// passes, kills it with SIGKILL at random moments while it logs, and
// starts it again, a dozen times. Every other time it also simulates a
// power cut: what had not reached the disk is cut off at a random byte, or
// half a record is left at the end. Afterwards "hufu log verify" must pass
// and every verdict the station showed must be in the log, intact.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	t.Parallel()
	f := newFixture(t)
	const rounds, perRound = 12, 120
	texts := make([]string, rounds*perRound)
	colours := []pass.Colour{pass.Green, pass.Green, pass.Yellow, pass.Red}
	for i := range texts {
		c := issuer.Claims{Name: "持码人", Colour: colours[i%len(colours)]}
		if c.Colour != pass.Green {
			c.Reason = pass.CloseContact
		}
		texts[i] = f.issue(t, c)
		if i%17 == 5 {
			texts[i] = forge(t, texts[i])
		}
	}
	rng := rand.New(rand.NewPCG(2026, 6))
	logDir := filepath.Join(f.state, "scanlog")
	logFile := scanlog.LogPath(logDir, "gate-1")

	var all []shown
	tears := 0
	for round := range rounds {
		cmd := exec.Command(hufuBinary(t), "scan", "-trust", f.trust, "-state", f.state, "-site", "gate-1",
			"-guard", "crash", "-json", "-dedupe", "0", "-passback", "0")
		cmd.Env = append(os.Environ(), "NO_COLOR=1")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan []shown, 1)
		first := make(chan struct{})
		go func() {
			var got []shown
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				var s shown
				if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
					t.Errorf("round %d: bad output %q", round, sc.Text())
				}
				if got = append(got, s); len(got) == 1 {
					close(first)
				}
			}
			if err := sc.Err(); err != nil {
				t.Errorf("round %d: reading the station's output: %v", round, err)
			}
			lines <- got
		}()
		go func() {
			for _, text := range texts[round*perRound : (round+1)*perRound] {
				if _, err := io.WriteString(stdin, text+"\n"); err != nil {
					return
				}
			}
		}()
		// Kill it at a random moment once it is under way.
		select {
		case <-first:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-lines
			cmd.Wait()
			t.Fatalf("round %d: no verdict: %s", round, stderr.String())
		}
		time.Sleep(time.Duration(rng.IntN(60000)) * time.Microsecond)
		cmd.Process.Kill()
		// Read what it printed to the end before Wait, which closes the
		// pipe: closed early, the reader could lose lines or be left
		// with half of one.
		got := <-lines
		cmd.Wait()
		for _, s := range got {
			if s.Scan.Seq == 0 {
				t.Fatalf("round %d: a verdict without a log record: %+v\nstation's standard error:\n%s", round, s, stderr.String())
			}
		}
		all = append(all, got...)
		t.Logf("round %d: %d verdicts shown before SIGKILL", round, len(got))

		// Every other round, a power cut: bytes not yet synced are lost.
		// Records up to the head, and every record shown, were synced.
		if round%2 == 1 {
			rep, err := scanlog.Verify(logDir, "gate-1")
			if err != nil || rep.Problem != nil {
				t.Fatalf("round %d: %v %+v", round, err, rep)
			}
			data, _ := os.ReadFile(logFile)
			keep := syncedEnd(t, data, max(rep.Head, lastSeq(all)))
			cut := keep + rng.IntN(len(data)-keep+1)
			data = data[:cut]
			if cut == len(data) && bytes.HasSuffix(data, []byte("\n")) {
				// Nothing unsynced to lose: leave half a record instead.
				lines := bytes.Split(data, []byte("\n"))
				half := lines[rng.IntN(len(lines)-1)]
				data = append(data, half[:1+rng.IntN(len(half)-1)]...)
			}
			if !bytes.HasSuffix(data, []byte("\n")) {
				tears++
			}
			if err := os.WriteFile(logFile, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Start once more: the station repairs what the last crash left.
	var out, errb bytes.Buffer
	if code := scanMain(t.Context(), testEnv(strings.NewReader(""), &out, &errb, nil),
		[]string{"-trust", f.trust, "-state", f.state, "-site", "gate-1", "-json"}); code != 0 {
		t.Fatalf("restart: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run(testEnv(nil, &out, &errb, nil), []string{"log", "verify", "-state", f.state}); code != 0 {
		t.Fatalf("hufu log verify: exit %d\n%s%s", code, out.String(), errb.String())
	}
	t.Logf("%s", strings.TrimSpace(out.String()))

	recs, rep, err := scanlog.Read(logDir, "gate-1")
	if err != nil || rep.Problem != nil {
		t.Fatal(err, rep)
	}
	l, err := scanlog.Open(logDir, "gate-1", scanlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	bySeq := map[uint64]scanlog.Record{}
	for _, r := range recs {
		bySeq[r.Seq] = r
	}
	for _, s := range all {
		r, ok := bySeq[s.Scan.Seq]
		if !ok {
			t.Fatalf("shown verdict %+v is not in the log", s)
		}
		id, _ := hex.DecodeString(s.PassID)
		if r.Time != s.Scan.Time || r.Decision != s.Decision || (s.Valid && r.Pass != l.Pseudonym(s.Issuer, id)) {
			t.Fatalf("shown %+v, logged %+v", s, r)
		}
	}
	torn, _ := filepath.Glob(filepath.Join(logDir, "gate-1.torn-*"))
	if len(torn) != tears {
		t.Errorf("%d torn records set aside, want %d", len(torn), tears)
	}
	if len(all) < rounds {
		t.Errorf("only %d verdicts shown in %d rounds", len(all), rounds)
	}
	t.Logf("%d verdicts shown, %d records logged, %d torn records set aside", len(all), len(recs), len(torn))
}

// shown is what the crash test reads of a verdict the station showed.
type shown struct {
	Scan struct {
		Seq  uint64 `json:"log_seq"`
		Time string `json:"time"`
	} `json:"scan"`
	Decision string `json:"decision"`
	Valid    bool   `json:"valid"`
	Issuer   string `json:"issuer"`
	PassID   string `json:"pass_id"`
}

func lastSeq(s []shown) uint64 {
	var m uint64
	for _, x := range s {
		m = max(m, x.Scan.Seq)
	}
	return m
}

// syncedEnd returns the offset just after record seq in the log data.
func syncedEnd(t *testing.T, data []byte, seq uint64) int {
	off := 0
	for n := uint64(0); n < seq; n++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			t.Fatalf("record %d is not in the log", seq)
		}
		off += i + 1
	}
	return off
}
