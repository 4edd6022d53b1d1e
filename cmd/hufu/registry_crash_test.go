package main

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hufu-project/hufu/registry/registrytest"
)

// TestRegistryCrash kills the registry server (kill -9) while it applies a
// feed of 100 000 status changes, restarts it and sends the same feed
// again: every line is applied exactly once, and every holder's history
// ends in its current status.
func TestRegistryCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("a 100 000-line feed")
	}
	t.Parallel() // beside the scripts, which mostly wait on processes
	const holders, lines = 1000, 100_000
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			x := &e2e{t: t, bin: plainHufuBinary(t), dir: t.TempDir()}
			db := b.DSN(t)
			x.must("keygen", "-o", "issuer.key")
			reg := strings.TrimSpace(x.must("registry", "token", "-db", db, "-role", "registrar", "-name", "reg"))
			health := strings.TrimSpace(x.must("registry", "token", "-db", db, "-role", "health", "-name", "feed"))
			srv := x.serve("-db", db, "-iss", "310000", "-key", "issuer.key")
			ids := make([]string, holders)
			for i := range ids {
				var r struct {
					HolderID string `json:"holder_id"`
				}
				if code, body := srv.call(t, "POST", "/v1/holders", reg, fmt.Sprintf(`{"name":"Holder %d","id_number":"%d"}`, i, 100000+i), &r); code != 201 {
					t.Fatalf("register: %d %s", code, body)
				}
				ids[i] = r.HolderID
			}
			// Line i changes holder i%holders to the next colour of a
			// cycle, so every line is a real change (one history row).
			cycle := []string{`"colour":"yellow","reason":"close_contact"`, `"colour":"red","reason":"confirmed"`, `"colour":"green"`}
			var feed strings.Builder
			for i := range lines {
				fmt.Fprintf(&feed, `{"event_id":"crash-%d","holder_id":"%s",%s}`+"\n", i, ids[i%holders], cycle[(i/holders)%3])
			}
			body := feed.String()

			store := registrytest.Open(t, db)
			count := func(q string) int {
				var n int
				if err := store.DB().QueryRow(q).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			sent := make(chan error, 1)
			go func() {
				req, _ := http.NewRequest("POST", srv.url+"/v1/feed", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+health)
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				sent <- err
			}()
			deadline := time.Now().Add(2 * time.Minute)
			for count(`SELECT COUNT(*) FROM events`) < 2000 {
				if time.Now().After(deadline) {
					t.Fatal("the feed did not start")
				}
				time.Sleep(5 * time.Millisecond)
			}
			srv.cmd.Process.Signal(syscall.SIGKILL)
			<-srv.done
			<-sent
			before := count(`SELECT COUNT(*) FROM events`)
			t.Logf("killed with %d of %d lines committed", before, lines)
			if before >= lines {
				t.Fatalf("the feed finished before the kill; nothing was tested")
			}

			srv = x.serve("-db", db, "-iss", "310000", "-key", "issuer.key")
			var fr struct{ Applied, Duplicates, Failed int }
			if code, out := srv.call(t, "POST", "/v1/feed", health, body, &fr); code != 200 {
				t.Fatalf("feed again: %d %s", code, out)
			}
			if fr.Applied != lines-before || fr.Duplicates != before || fr.Failed != 0 {
				t.Errorf("feed again: %+v, want %d applied and %d duplicates", fr, lines-before, before)
			}
			if n := count(`SELECT COUNT(*) FROM events`); n != lines {
				t.Errorf("%d events recorded, want %d", n, lines)
			}
			if n := count(`SELECT COUNT(DISTINCT event_id) FROM history WHERE event_id <> ''`); n != lines {
				t.Errorf("%d feed history rows, want %d (one per line)", n, lines)
			}
			if n := count(`SELECT COUNT(*) FROM history`); n != lines+holders {
				t.Errorf("%d history rows, want %d", n, lines+holders)
			}
			// Every holder's last history row is its current status.
			if n := count(`SELECT COUNT(*) FROM holders h JOIN history c ON c.holder_id = h.holder_id AND c.version = h.version
				WHERE c.colour = h.colour AND c.reason = h.reason AND c.hints = h.hints AND c.name = h.name AND h.version = ` + fmt.Sprint(1+lines/holders)); n != holders {
				t.Errorf("%d of %d holders have a history that ends in their status after %d changes", n, holders, lines/holders)
			}
			srv.cmd.Process.Signal(syscall.SIGTERM)
			<-srv.done
		})
	}
}
