package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/hufu-project/hufu/internal/cdptest"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/qr"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runningStation is "hufu scan" running in-process until stop.
type runningStation struct {
	stdout, stderr *syncBuffer
	cancel         func()
	done           chan int
}

func startStation(t testing.TB, args ...string) *runningStation {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rs := &runningStation{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	e := testEnv(strings.NewReader(""), rs.stdout, rs.stderr, nil)
	go func() { rs.done <- scanMain(ctx, e, args) }()
	t.Cleanup(func() { rs.stop(t) })
	return rs
}

func (rs *runningStation) stop(t testing.TB) int {
	rs.cancel()
	select {
	case code := <-rs.done:
		rs.done <- code
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("the station did not stop")
		return -1
	}
}

var urlRE = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/t/[0-9a-f]{32}/`)

// url waits for the camera page's URL on standard output.
func (rs *runningStation) url(t testing.TB) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if u := urlRE.FindString(rs.stdout.String()); u != "" {
			return u
		}
		select {
		case code := <-rs.done:
			t.Fatalf("the station exited (%d):\n%s", code, rs.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no URL printed:\n%s\n%s", rs.stdout.String(), rs.stderr.String())
	return ""
}

// cameraFrame draws the QR code of text at module size px in the middle
// of a w×h grey frame, dark on a light, slightly uneven background.
func cameraFrame(t testing.TB, text string, w, h, px int) *image.Gray {
	t.Helper()
	m, err := qr.Matrix(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*w+x] = byte(170 + (x+y)%40)
		}
	}
	side := len(m) * px
	ox, oy := (w-side)/2, (h-side)/2
	for y := -4 * px; y < side+4*px; y++ {
		for x := -4 * px; x < side+4*px; x++ {
			v := byte(235)
			if y >= 0 && x >= 0 && y < side && x < side && m[y/px][x/px] {
				v = 25
			}
			img.Pix[(oy+y)*w+ox+x] = v
		}
	}
	return img
}

// y4m writes frames of a grey image as a YUV4MPEG2 video (4:2:0, neutral
// chroma), the format Chromium's fake camera plays from a file.
func y4m(t testing.TB, path string, img *image.Gray, frames int) {
	t.Helper()
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	chroma := bytes.Repeat([]byte{128}, 2*((w+1)/2)*((h+1)/2))
	for range frames {
		buf.WriteString("FRAME\n")
		for y := 0; y < h; y++ {
			buf.Write(img.Pix[y*img.Stride : y*img.Stride+w])
		}
		buf.Write(chroma)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWebCamera opens the camera page in real headless Chromium, with a
// fake camera playing a video of a pass's QR code, and waits for the
// verdict on the page. Requests from the page without the token are
// refused. Then it types names into the name box, each giving
// a new verdict, and reports the time from frame grab to verdict painted.
func TestWebCamera(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	text := f.issue(t, issuer.Claims{Name: "张三", Colour: pass.Green, Hints: pass.TestSuggested})
	video := filepath.Join(f.dir, "pass.y4m")
	y4m(t, video, cameraFrame(t, text, 1280, 720, 6), 2)
	rs := startStation(t, "-trust", f.trust, "-state", f.state, "-site", "gate-1", "-web", "-lang", "zh", "-no-bell")
	u := rs.url(t)
	ch := cdptest.Start(t, u, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
		"--use-file-for-fake-video-capture="+video)
	page := ch.Page(t, u)

	type pageState struct {
		State, Word, WordEn, Sub, Rows, Seq string
		Verdicts                            int
		Latencies                           []float64
	}
	read := func() pageState {
		var s pageState
		err := page.Eval(`(() => {
			const g = (id) => { const e = document.getElementById(id); return e ? e.innerText : ''; };
			const d = document.body ? document.body.dataset : {};
			const st = window.hufuStats || {verdicts: 0, latencies: []};
			return {state: d.state || '', word: g('word'), wordEn: g('word-en'), sub: g('sub'), rows: g('rows'),
				seq: d.seq || '', verdicts: st.verdicts, latencies: st.latencies};
		})()`, &s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	waitFor := func(what string, ok func(pageState) bool) pageState {
		deadline := time.Now().Add(45 * time.Second)
		for {
			s := read()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("page never showed %s; it shows %+v\nstation: %s\nchromium: %s", what, s, rs.stderr.String(), ch.Output())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	s := waitFor("the verdict", func(s pageState) bool { return s.State == "admit" })
	if s.Word != "通行" || s.WordEn != "ADMIT" || s.Sub != "绿码" || !strings.Contains(s.Rows, "建议做核酸检测") || s.Seq != "1" {
		t.Fatalf("page shows %+v", s)
	}
	fits(t, page)
	// From the page itself: without the token, nothing answers.
	var status []int
	if err := page.Eval(`Promise.all([
		fetch('api/config').then((r) => r.status),
		fetch('/').then((r) => r.status),
		fetch('/t/`+strings.Repeat("0", 32)+`/api/config', {headers: {'X-Hufu-Token': '`+strings.Repeat("0", 32)+`'}}).then((r) => r.status),
		fetch('/t/`+strings.Repeat("0", 32)+`/').then((r) => r.status),
	])`, &status); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(status) != "[403 404 404 404]" {
		t.Errorf("requests without the token: %v, want [403 404 404 404]", status)
	}
	// HUFU_CAMERA_SHOT=FILE.png saves a screenshot of the verdict.
	if shot := os.Getenv("HUFU_CAMERA_SHOT"); shot != "" {
		var r struct{ Data []byte }
		if err := page.Call("Page.captureScreenshot", map[string]any{"format": "png"}, &r); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(shot, r.Data, 0o644)
	}
	// The camera keeps seeing the code: still one scan.
	time.Sleep(time.Second)
	if s := read(); s.Verdicts != 1 || s.Seq != "1" {
		t.Fatalf("after a second of the same code: %+v", s)
	}
	// Each name typed is a new check: match, mismatch, …
	names := []string{"张 三", "李四", "王五", "Zhang San", "赵六", "钱七"}
	// HUFU_CAMERA_SAMPLES=N measures N more verdicts (for BENCHMARKS.md).
	if n, err := strconv.Atoi(os.Getenv("HUFU_CAMERA_SAMPLES")); err == nil {
		for i := range n {
			names = append(names, fmt.Sprintf("Visitor %c%c", 'A'+i/26%26, 'A'+i%26))
		}
	}
	for i, name := range names {
		var ignored any
		if err := page.Eval(fmt.Sprintf(`(() => { const n = document.getElementById('name'); n.value = %q;
			n.dispatchEvent(new Event('input')); return 1; })()`, name), &ignored); err != nil {
			t.Fatal(err)
		}
		want := "deny"
		if strings.Contains(name, "张") {
			want = "admit"
		}
		s = waitFor(fmt.Sprintf("verdict %d (%s for %s)", i+2, want, name), func(s pageState) bool {
			return s.Verdicts >= i+2 && s.State == want
		})
	}
	fits(t, page) // a deny, with the name box filled in
	rs.stop(t)
	recs, rep, _ := scanlog.Read(filepath.Join(f.state, "scanlog"), "gate-1")
	if rep.Problem != nil || len(recs) != 1+len(names) || recs[0].Source != "web" {
		t.Fatalf("log: %+v, %d records", rep, len(recs))
	}
	lat := slices.Clone(s.Latencies)
	slices.Sort(lat)
	t.Logf("camera frame to verdict on the page: %d verdicts, median %.1f ms, max %.1f ms (all: %.1f)",
		len(lat), lat[len(lat)/2], lat[len(lat)-1], s.Latencies)
}

// fits checks that the page fits the window, without sideways scrolling,
// from a 360 px phone to a 1920 px screen.
func fits(t *testing.T, page *cdptest.Conn) {
	t.Helper()
	for _, w := range []int{360, 780, 1920} {
		var ignored any
		if err := page.Call("Emulation.setDeviceMetricsOverride", map[string]any{"width": w, "height": 800, "deviceScaleFactor": 1, "mobile": w < 600}, &ignored); err != nil {
			t.Fatal(err)
		}
		var got struct{ ScrollWidth, InnerWidth int }
		if err := page.Eval(`({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth})`, &got); err != nil {
			t.Fatal(err)
		}
		if got.InnerWidth != w || got.ScrollWidth > got.InnerWidth {
			t.Errorf("at %d px: scrollWidth %d, innerWidth %d: the page overflows", w, got.ScrollWidth, got.InnerWidth)
		}
	}
	var ignored any
	page.Call("Emulation.clearDeviceMetricsOverride", map[string]any{}, &ignored)
}

func jpegOf(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
