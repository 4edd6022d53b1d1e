package web

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
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/internal/verdictschema"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/station"
)

// fixture is an issuer for 310000, its trust, and a state directory.
type fixture struct {
	dir   string
	state string
	trust *keys.TrustFile
	is    *issuer.Issuer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	priv, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	is, err := issuer.New(priv, "310000", 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := keys.KID(priv.Public())
	tr, err := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.EdDSA, Public: priv.Public(), Issuers: []string{"310000"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return &fixture{dir: dir, state: filepath.Join(dir, "state"), trust: tr, is: is}
}

func (f *fixture) issue(t testing.TB, c issuer.Claims) string {
	t.Helper()
	if c.Validity == 0 {
		c.Validity = 24 * time.Hour
	}
	text, err := f.is.Issue(c)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// start opens a station and serves its camera page; it returns the
// station and the page's URL.
func (f *fixture) start(t testing.TB, lang, photos string) (*station.Station, string) {
	t.Helper()
	s, err := station.Open(station.Config{Site: "gate-1", Guard: "wang", StateDir: f.state, Lang: lang, Photos: photos,
		Trust: station.Trust{Keys: f.trust, Label: "test"}, Dedupe: 3 * time.Second, Passback: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Listen(s, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		s.Close()
	})
	return s, srv.URL
}

// TestWebRefuses: only a request that names the token, with a loopback
// Host, reaches the page; API calls need the token header too, and no
// other origin.
func TestRefuses(t *testing.T) {
	f := newFixture(t)
	_, u := f.start(t, "en", "")
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
	req.Header.Set("Content-Type", GreyFrameType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("frame without token header: %d", resp.StatusCode)
	}
	if rep, _ := scanlog.Verify(filepath.Join(f.state, "scanlog"), "gate-1"); rep.Records != 0 {
		t.Errorf("%d records logged", rep.Records)
	}
}

// postFrame posts a grey frame to the station and decodes the answer.
func postFrame(t testing.TB, pageURL string, img *image.Gray, name string, nameFor ...string) *FrameResponse {
	t.Helper()
	tok := strings.Split(pageURL, "/")[4]
	b := img.Bounds()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%sapi/frame?w=%d&h=%d", pageURL, b.Dx(), b.Dy()), bytes.NewReader(img.Pix))
	req.Header.Set("Content-Type", GreyFrameType)
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
	var fr FrameResponse
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
func TestFrames(t *testing.T) {
	f := newFixture(t)
	photos := filepath.Join(f.dir, "photos")
	os.Mkdir(photos, 0o755)
	photo := []byte("\xff\xd8\xff\xe0 a jpeg of 张三")
	os.WriteFile(filepath.Join(photos, "zhang.jpg"), photo, 0o644)
	text := f.issue(t, issuer.Claims{Name: "张三", Colour: pass.Green, Photo: photo, PhotoID: "P1"})
	s, u := f.start(t, "zh", photos)

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
	var jr FrameResponse
	json.NewDecoder(resp.Body).Decode(&jr)
	resp.Body.Close()
	if !jr.Found || jr.Verdict.Decision != "observe" {
		t.Fatalf("jpeg frame: %+v", jr)
	}
	s.Close()
	recs, rep, _ := scanlog.Read(filepath.Join(f.state, "scanlog"), "gate-1")
	if rep.Problem != nil || len(recs) != 4 || recs[0].Source != "web" || recs[2].Name != "mismatch" {
		t.Fatalf("log: %+v %+v", rep, recs)
	}
}

func jpegOf(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
