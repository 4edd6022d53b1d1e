package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/hufu-project/hufu/internal/benchratio"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/station"
	"github.com/hufu-project/hufu/station/web"
	"github.com/hufu-project/hufu/verifier"
)

// benchStation is a station as "hufu scan -dedupe 0" builds it, showing
// big verdicts to out, its log in a temporary state directory.
func benchStation(b *testing.B, f *stationFixture, out io.Writer, noSync bool) *station.Station {
	trust, err := keys.ReadTrustFile(f.trust)
	label := "trust file " + f.trust + " (unsigned)"
	if err != nil {
		b.Fatal(err)
	}
	t := &terminal{out: out, lang: "zh", bell: true, width: 120}
	s, err := station.Open(station.Config{Site: "gate-1", Guard: "bench", Lang: "zh", StateDir: f.state,
		Trust: station.Trust{Keys: trust, Label: label}, Passback: station.DefaultPassback, OnResult: t.show, UnsafeNoSync: noSync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// benchPasses issues n EdDSA passes of every colour.
func benchPasses(b *testing.B, f *stationFixture, n int) []string {
	colours := []pass.Colour{pass.Green, pass.Yellow, pass.Red}
	texts := make([]string, n)
	for i := range texts {
		c := issuer.Claims{Name: "张三", Colour: colours[i%3], Hints: pass.HealthRegistration}
		if c.Colour != pass.Green {
			c.Reason = pass.KeyRegionArrival
		}
		texts[i] = f.issue(b, c)
	}
	return texts
}

// BenchmarkScanLine measures a scanner line to a verdict on the screen:
// line splitting, verification, the scan log record (one write, then
// fsync of the record and of the head), and the big verdict rendered, with
// and without the fsyncs, against verifier.Verify alone on the same pass
// (x-raw). Goal: ≤ 5 ms end to end.
func BenchmarkScanLine(b *testing.B) {
	for _, mode := range []string{"fsync", "nosync"} {
		b.Run(mode, func(b *testing.B) {
			f := newFixture(b)
			texts := benchPasses(b, f, 64)
			s := benchStation(b, f, io.Discard, mode == "nosync")
			trust, _ := keys.ReadTrustFile(f.trust)
			i, j := 0, 0
			var in bytes.Buffer
			lr := station.NewLineReader(&in)
			benchratio.Run(b, "line", func() {
				if _, err := verifier.Verify(texts[i%len(texts)], trust, verifier.Options{}); err != nil {
					b.Fatal(err)
				}
				i++
			}, func() {
				in.WriteString(texts[j%len(texts)] + "\r\n")
				j++
				line, _ := lr.Next()
				if !station.IsCode(line) {
					b.Fatal("a pass not read as a code")
				}
				if r, err := s.Check(line, "scanner", ""); err != nil || r.Outcome != station.Logged {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkCameraFrame measures a 1280×720 camera frame posted to the
// station's web API to the verdict JSON received, over loopback HTTP:
// decoding the QR code (DecodeFrame), verification, the log record with
// fsync, and the JSON, against decoding and verifying the same frame in
// process (x-raw). "grey" is what the page sends; "jpeg" a JPEG of the
// same frame; "empty" a frame with no code (not logged). Goal: ≤ 100 ms
// from frame to verdict.
func BenchmarkCameraFrame(b *testing.B) {
	for _, kind := range []string{"grey", "jpeg", "empty"} {
		b.Run(kind, func(b *testing.B) {
			f := newFixture(b)
			text := f.issue(b, issuer.Claims{Name: "张三", Colour: pass.Green})
			frame := cameraFrame(b, text, 1280, 720, 6)
			if kind == "empty" {
				for i := range frame.Pix {
					frame.Pix[i] = byte(170 + i%1280%40)
				}
			}
			body, ctype, query := frame.Pix, web.GreyFrameType, "?w=1280&h=720"
			if kind == "jpeg" {
				body, ctype, query = jpegOf(b, frame), "image/jpeg", ""
			}
			s := benchStation(b, f, io.Discard, false)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			h, err := web.New(s, ln.Addr())
			if err != nil {
				b.Fatal(err)
			}
			srv := &http.Server{Handler: h}
			go srv.Serve(ln)
			b.Cleanup(func() { srv.Close() })
			pageURL := "http://" + ln.Addr().String() + h.Path()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			post := func() {
				req, _ := http.NewRequest("POST", pageURL+"api/frame"+query, bytes.NewReader(body))
				req.Header.Set("Content-Type", ctype)
				req.Header.Set("X-Hufu-Token", h.Token())
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || (kind != "empty") != bytes.Contains(got, []byte(`"found":true`)) {
					b.Fatalf("%s: %s", resp.Status, got)
				}
			}
			trust, _ := keys.ReadTrustFile(f.trust)
			var img image.Image = frame
			benchratio.Run(b, "frame", func() {
				if kind == "jpeg" {
					img = mustDecodeJPEG(b, body)
				}
				texts, err := qr.DecodeFrame(img)
				if kind == "empty" {
					return
				}
				if err != nil {
					b.Fatal(err)
				}
				if _, err := verifier.Verify(texts[0], trust, verifier.Options{}); err != nil {
					b.Fatal(err)
				}
			}, post)
		})
	}
}

func mustDecodeJPEG(b *testing.B, data []byte) image.Image {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	return img
}
