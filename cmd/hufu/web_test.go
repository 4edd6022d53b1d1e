package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"net/http"
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
	"github.com/hufu-project/hufu/internal/verdictschema"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/station/web"
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

// TestWebRefuses: only a request that names the token, with a loopback
// Host, reaches the page; API calls need the token header too, and no
// other origin.
func TestWebRefuses(t *testing.T) {
	f := newFixture(t)
	rs := startStation(t, "-trust", f.trust, "-state", f.state, "-site", "gate-1", "-web", "-lang", "en")
	u := rs.url(t)
	base := strings.TrimSuffix(u, "/t/"+strings.Split(u, "/")[4]+"/")
	tok := strings.Split(u, "/")[4]
	get := func(url, host string, hdr ...string) int {
		req, _ := http.NewRequest("GET", url, nil)
		if host != "" {
			req.Host = host
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		name, url, host string
		hdr             []string
		want            int
	}{
		{"page", u, "", nil, 200},
		{"page by localhost", u, strings.Replace(strings.TrimPrefix(base, "http://"), "127.0.0.1", "localhost", 1), nil, 200},
		{"script", u + "app.js", "", nil, 200},
		{"no token", base + "/", "", nil, 404},
		{"no token, script", base + "/app.js", "", nil, 404},
		{"wrong token", base + "/t/" + strings.Repeat("0", 32) + "/", "", nil, 404},
		{"token prefix", base + "/t/" + tok[:16] + "/", "", nil, 404},
		{"wrong host", u, "evil.example", nil, 403},
		{"rebinding host", u, "evil.example:" + strings.Split(base, ":")[2], nil, 403},
		{"api without token header", u + "api/config", "", nil, 403},
		{"api with token header", u + "api/config", "", []string{"X-Hufu-Token", tok}, 200},
		{"api, wrong token header", u + "api/config", "", []string{"X-Hufu-Token", strings.Repeat("1", 32)}, 403},
		{"api, other origin", u + "api/config", "", []string{"X-Hufu-Token", tok, "Origin", "http://evil.example"}, 403},
		{"api, cross-site fetch", u + "api/config", "", []string{"X-Hufu-Token", tok, "Sec-Fetch-Site", "cross-site"}, 403},
	} {
		if got := get(c.url, c.host, c.hdr...); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
	// A frame posted without the token header is refused and not logged.
	req, _ := http.NewRequest("POST", u+"api/frame?w=16&h=16", bytes.NewReader(make([]byte, 256)))
	req.Header.Set("Content-Type", web.GreyFrameType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("frame without token header: %d", resp.StatusCode)
	}
	if code := rs.stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, rs.stderr.String())
	}
	if rep, _ := scanlog.Verify(filepath.Join(f.state, "scanlog"), "gate-1"); rep.Records != 0 {
		t.Errorf("%d records logged", rep.Records)
	}
}

// postFrame posts a grey frame to the station and decodes the answer.
func postFrame(t testing.TB, pageURL string, img *image.Gray, name string, nameFor ...string) *web.FrameResponse {
	t.Helper()
	tok := strings.Split(pageURL, "/")[4]
	b := img.Bounds()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%sapi/frame?w=%d&h=%d", pageURL, b.Dx(), b.Dy()), bytes.NewReader(img.Pix))
	req.Header.Set("Content-Type", web.GreyFrameType)
	req.Header.Set("X-Hufu-Token", tok)
	if name != "" {
		req.Header.Set("X-Hufu-Name", name)
	}
	if len(nameFor) > 0 {
		req.Header.Set("X-Hufu-Name-For", nameFor[0])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("frame: %s: %s", resp.Status, body)
	}
	var fr web.FrameResponse
	if err := json.Unmarshal(body, &fr); err != nil {
		t.Fatal(err)
	}
	var raw struct{ Verdict json.RawMessage }
	json.Unmarshal(body, &raw)
	if string(raw.Verdict) != "null" {
		if err := verdictschema.Validate(raw.Verdict); err != nil {
			t.Errorf("web verdict %s\ndoes not fit the verdict schema: %v", raw.Verdict, err)
		}
	} else if fr.Found {
		t.Errorf("a code found without a verdict: %s", body)
	}
	return &fr
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

// TestWebFrames posts frames to the API: no code, a pass, the same pass
// again (one scan), the name box, a photo found by digest.
func TestWebFrames(t *testing.T) {
	f := newFixture(t)
	photos := filepath.Join(f.dir, "photos")
	os.Mkdir(photos, 0o755)
	photo := []byte("\xff\xd8\xff\xe0 a jpeg of 张三")
	os.WriteFile(filepath.Join(photos, "zhang.jpg"), photo, 0o644)
	text := f.issue(t, issuer.Claims{Name: "张三", Colour: pass.Green, Photo: photo, PhotoID: "P1"})
	rs := startStation(t, "-trust", f.trust, "-state", f.state, "-site", "gate-1", "-web", "-lang", "zh", "-photos", photos)
	u := rs.url(t)

	blank := image.NewGray(image.Rect(0, 0, 320, 240))
	if fr := postFrame(t, u, blank, ""); fr.Found || fr.Verdict != nil {
		t.Fatalf("blank frame: %+v", fr)
	}
	frame := cameraFrame(t, text, 1280, 720, 6)
	fr := postFrame(t, u, frame, "")
	if !fr.Found || fr.Repeat || fr.Verdict.Decision != "admit" || fr.Display.State != "admit" ||
		fr.Display.Word != "通行" || fr.Display.WordEn != "ADMIT" || fr.Verdict.Scan.Source != "web" || fr.Verdict.Scan.LogSeq != 1 {
		t.Fatalf("frame: %+v %+v %+v", fr, fr.Verdict, fr.Display)
	}
	if fr.Display.Photo == "" || fr.Verdict.Scan.PhotoFile != filepath.Join(photos, "zhang.jpg") {
		t.Fatalf("photo: %q %q", fr.Display.Photo, fr.Verdict.Scan.PhotoFile)
	}
	// The photo is served under the token.
	resp, err := http.Get(u + fr.Display.Photo)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, photo) || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("photo: %s %q", resp.Header.Get("Content-Type"), got)
	}
	// The same code in the next frames is the same scan.
	for range 3 {
		if fr := postFrame(t, u, frame, ""); !fr.Found || !fr.Repeat || fr.Verdict.Scan.LogSeq != 1 {
			t.Fatalf("repeat: %+v", fr)
		}
	}
	// A name in the name box: a new check; a wrong one is DENY.
	if fr := postFrame(t, u, frame, "%E5%BC%A0%E4%B8%89"); fr.Repeat || fr.Verdict.NameMatch == nil || !*fr.Verdict.NameMatch || fr.Verdict.Scan.LogSeq != 2 {
		t.Fatalf("name: %+v", fr.Verdict)
	}
	fr = postFrame(t, u, frame, "%E6%9D%8E%E5%9B%9B")
	if fr.Verdict.Decision != "deny" || fr.Display.Sub != "姓名与此码不符" || !fr.Display.Bell {
		t.Fatalf("wrong name: %+v %+v", fr.Verdict, fr.Display)
	}
	// A name typed for another pass is not checked against this one.
	if fr := postFrame(t, u, frame, "%E6%9D%8E%E5%9B%9B", "0123456789abcdef"); fr.Verdict.NameMatch != nil || fr.Verdict.Scan.LogSeq != 1 {
		t.Fatalf("name for another pass: %+v", fr.Verdict)
	}
	if fr := postFrame(t, u, frame, "%E6%9D%8E%E5%9B%9B", fr.Verdict.PassID); !fr.Repeat || fr.Verdict.Scan.LogSeq != 3 {
		t.Fatalf("name for this pass: %+v", fr.Verdict)
	}
	// A JPEG frame works too.
	jpegFrame := jpegOf(t, cameraFrame(t, f.issue(t, issuer.Claims{Name: "x", Colour: pass.Yellow}), 640, 480, 5))
	tok := strings.Split(u, "/")[4]
	req, _ := http.NewRequest("POST", u+"api/frame", bytes.NewReader(jpegFrame))
	req.Header.Set("Content-Type", "image/jpeg")
	req.Header.Set("X-Hufu-Token", tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var jr web.FrameResponse
	json.NewDecoder(resp.Body).Decode(&jr)
	resp.Body.Close()
	if !jr.Found || jr.Verdict.Decision != "observe" {
		t.Fatalf("jpeg frame: %+v", jr)
	}
	rs.stop(t)
	recs, rep, _ := scanlog.Read(filepath.Join(f.state, "scanlog"), "gate-1")
	if rep.Problem != nil || len(recs) != 4 || recs[0].Source != "web" || recs[2].Name != "mismatch" {
		t.Fatalf("log: %+v %+v", rep, recs)
	}
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
	bin := findChromium(t)
	f := newFixture(t)
	text := f.issue(t, issuer.Claims{Name: "张三", Colour: pass.Green, Hints: pass.TestSuggested})
	video := filepath.Join(f.dir, "pass.y4m")
	y4m(t, video, cameraFrame(t, text, 1280, 720, 6), 2)
	rs := startStation(t, "-trust", f.trust, "-state", f.state, "-site", "gate-1", "-web", "-lang", "zh", "-no-bell")
	u := rs.url(t)
	ch := startChromium(t, bin, video, u)
	page := ch.page(t, u)

	type pageState struct {
		State, Word, WordEn, Sub, Rows, Seq string
		Verdicts                            int
		Latencies                           []float64
	}
	read := func() pageState {
		var s pageState
		err := page.eval(`(() => {
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
				t.Fatalf("page never showed %s; it shows %+v\nstation: %s\nchromium: %s", what, s, rs.stderr.String(), ch.output())
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
	if err := page.eval(`Promise.all([
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
		if err := page.call("Page.captureScreenshot", map[string]any{"format": "png"}, &r); err != nil {
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
		if err := page.eval(fmt.Sprintf(`(() => { const n = document.getElementById('name'); n.value = %q;
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
func fits(t *testing.T, page *cdpConn) {
	t.Helper()
	for _, w := range []int{360, 780, 1920} {
		var ignored any
		if err := page.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": w, "height": 800, "deviceScaleFactor": 1, "mobile": w < 600}, &ignored); err != nil {
			t.Fatal(err)
		}
		var got struct{ ScrollWidth, InnerWidth int }
		if err := page.eval(`({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth})`, &got); err != nil {
			t.Fatal(err)
		}
		if got.InnerWidth != w || got.ScrollWidth > got.InnerWidth {
			t.Errorf("at %d px: scrollWidth %d, innerWidth %d: the page overflows", w, got.ScrollWidth, got.InnerWidth)
		}
	}
	var ignored any
	page.call("Emulation.clearDeviceMetricsOverride", map[string]any{}, &ignored)
}

func jpegOf(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
