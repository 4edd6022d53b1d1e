package station_test

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/station"
)

// A kiosk embeds a station: it reads codes from its own scanner (here,
// lines of text), lets the station check and log each one, and lights its
// own lamp. The clock is fixed so that the example's output is too.
func Example_kiosk() {
	// The issuing side, for the example: a key for Shanghai (310000).
	priv, _ := keys.Generate(keys.EdDSA)
	is, _ := issuer.New(priv, "310000", 7*24*time.Hour)
	kid, _ := keys.KID(priv.Public())
	trust, _ := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.EdDSA, Public: priv.Public(), Issuers: []string{"310000"}})
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	green, _ := is.Issue(issuer.Claims{Name: "张三", Colour: pass.Green, Validity: 24 * time.Hour, IssuedAt: at})
	red, _ := is.Issue(issuer.Claims{Name: "李四", Colour: pass.Red, Reason: pass.Confirmed, Validity: 24 * time.Hour, IssuedAt: at})

	// The kiosk.
	state, _ := os.MkdirTemp("", "kiosk")
	defer os.RemoveAll(state)
	now := at.Add(time.Hour)
	s, err := station.Open(station.Config{
		Site:     "turnstile-3",
		StateDir: state,
		Trust:    station.Trust{Keys: trust, Label: "example trust"},
		Dedupe:   3 * time.Second,
		Passback: 30 * time.Minute,
		Now:      func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	scanner := bufio.NewScanner(strings.NewReader(green + "\n" + green + "\n" + red + "\nHF1:FORGED\n"))
	for scanner.Scan() {
		r, err := s.Check(scanner.Text(), "turnstile", "")
		if err != nil {
			fmt.Println("out of order:", err) // the log failed: open nothing
			return
		}
		if r.Outcome == station.Repeat {
			continue // the same pass held to the reader a moment longer
		}
		v := r.Verdict
		lamp := map[bool]string{true: "open", false: "stay shut"}[v.Decision.Admitted()]
		fmt.Printf("#%d %s %s: %s\n", v.Scan.LogSeq, v.Decision, v.Reason+v.StatusReason, lamp)
		now = now.Add(time.Second)
	}
	// Output:
	// #1 admit : open
	// #2 deny confirmed: stay shut
	// #3 invalid bad_cose: stay shut
}
