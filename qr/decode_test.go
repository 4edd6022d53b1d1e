package qr

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// corpusSize is the number of frames per degradation: a few by default, so
// that go test stays quick, and more with QR_CORPUS=full (or a number).
func corpusSize() int {
	switch v := os.Getenv("QR_CORPUS"); v {
	case "":
		return 2
	case "full":
		return 24
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			panic("QR_CORPUS must be full or a positive number")
		}
		return n
	}
}

// plainGozxing is the baseline: one hybrid-binarizer attempt of gozxing's
// QR reader through its img.At based luminance source.
func plainGozxing(img image.Image) ([]string, error) {
	src := gozxing.NewLuminanceSourceFromImage(img)
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return nil, err
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return nil, err
	}
	return []string{res.GetText()}, nil
}

// sameTexts reports whether got holds exactly the texts of want.
func sameTexts(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	sort.Strings(g)
	sort.Strings(w)
	return slices.Equal(g, w)
}

// TestCorpus decodes the corpus, prints the success per degradation and
// overall, and fails if the overall success falls under a floor.
func TestCorpus(t *testing.T) {
	n := corpusSize()
	dir := os.Getenv("QR_CORPUS_DIR") // write the frames there, for other decoders
	total, ok, base := 0, 0, 0
	var times []time.Duration
	for _, d := range degradations() {
		dOK, dBase := 0, 0
		for i := 0; i < n; i++ {
			f := makeFrame(d, i)
			if dir != "" {
				writeFrame(t, dir, f, i)
			}
			t0 := time.Now()
			got, err := decodeBudget(f.img, time.Minute)
			times = append(times, time.Since(t0))
			if err == nil && sameTexts(got, f.texts) {
				dOK++
			} else if testing.Verbose() {
				t.Logf("%s #%d: got %d texts, err %v", d.name, i, len(got), err)
			}
			if got, err := plainGozxing(f.img); err == nil && sameTexts(got, f.texts) {
				dBase++
			}
		}
		t.Logf("%-14s %3d/%d  (plain gozxing %d/%d)", d.name, dOK, n, dBase, n)
		total += n
		ok += dOK
		base += dBase
	}
	slices.Sort(times)
	t.Logf("overall %d/%d = %.1f%% (plain gozxing %.1f%%); median %.1f ms/frame (informational)",
		ok, total, 100*float64(ok)/float64(total), 100*float64(base)/float64(total),
		float64(times[len(times)/2].Microseconds())/1000)
	floor := 0.0
	if rate := float64(ok) / float64(total); rate < floor {
		t.Errorf("success %.1f%% below the floor %.1f%%", 100*rate, 100*floor)
	}
}

func writeFrame(t *testing.T, dir string, f frame, i int) {
	name := filepath.Join(dir, fmt.Sprintf("%s-%02d.png", f.name, i))
	fh, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if err := png.Encode(fh, f.img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name[:len(name)-4]+".txt", []byte(fmt.Sprintln(f.texts)), 0o644); err != nil {
		t.Fatal(err)
	}
}
