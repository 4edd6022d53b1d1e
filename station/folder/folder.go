// Package folder feeds a guard station from a folder that an IP camera or
// a phone drops photos into: each new PNG, JPEG or GIF image is decoded
// (package qr) and every code in it checked once. It is a sub-package so
// that the station core stays free of image packages.
package folder

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/station"
	"github.com/hufu-project/hufu/verdict"
)

// A Watcher polls a folder for new images: a camera or phone dropping
// snapshots. A file is checked once its size and modification time have
// stayed the same for one poll (so a file still being written is not read
// half-way), and then not again unless it changes. Files already there at
// the start, hidden files and files that are not PNG, JPEG or GIF images
// are left alone. Polling needs no dependency and works on network and
// removable file systems, where change notification often does not.
type Watcher struct {
	warn     func(path, msg string)
	s        *station.Station
	dir      string
	interval time.Duration
	files    map[string]*watchedFile
	Ignored  int // files there at the start, left alone
}

type watchedFile struct {
	size  int64
	mtime time.Time
	done  bool // checked (or not an image) at this size and time
}

// New returns a watcher of dir for station s, polling every interval.
// warn, if not nil, is told about images that hold no readable code.
func New(s *station.Station, dir string, interval time.Duration, warn func(path, msg string)) (*Watcher, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, errors.New(dir + ": not a directory")
	}
	w := &Watcher{warn: warn, s: s, dir: dir, interval: interval, files: map[string]*watchedFile{}}
	for name, info := range w.list() {
		w.files[name] = &watchedFile{size: info.Size(), mtime: info.ModTime(), done: true}
		w.Ignored++
	}
	return w, nil
}

// list returns the regular, visible files of the folder.
func (w *Watcher) list() map[string]os.FileInfo {
	ents, err := os.ReadDir(w.dir)
	if err != nil {
		return nil
	}
	out := make(map[string]os.FileInfo, len(ents))
	for _, d := range ents {
		n := d.Name()
		if strings.HasPrefix(n, ".") || strings.HasPrefix(n, "~") || !d.Type().IsRegular() {
			continue
		}
		info, err := d.Info()
		if err != nil {
			continue
		}
		out[n] = info
	}
	return out
}

// Run polls until ctx is done. An error is the station's: the log failed
// and the station has stopped.
func (w *Watcher) Run(ctx context.Context) error {
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := w.poll(ctx); err != nil {
			return err
		}
	}
}

// poll looks at the folder once and checks the files that are ready.
func (w *Watcher) poll(ctx context.Context) error {
	now := w.list()
	for name := range w.files {
		if _, ok := now[name]; !ok {
			delete(w.files, name)
		}
	}
	var ready []string
	for name, info := range now {
		f := w.files[name]
		switch {
		case f == nil:
			w.files[name] = &watchedFile{size: info.Size(), mtime: info.ModTime()}
		case f.size != info.Size() || !f.mtime.Equal(info.ModTime()):
			f.size, f.mtime, f.done = info.Size(), info.ModTime(), false
		case !f.done:
			f.done = true
			ready = append(ready, name)
		}
	}
	slices.Sort(ready)
	for _, name := range ready {
		if ctx.Err() != nil {
			return nil
		}
		if err := w.check(filepath.Join(w.dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// check reads one image and checks every code in it.
func (w *Watcher) check(path string) error {
	b, err := readFileLimited(path, maxImage)
	if err != nil || !isImage(b) {
		return nil
	}
	texts, err := qr.DecodeBytes(b)
	if err != nil {
		msg := err.Error()
		switch {
		case errors.Is(err, qr.ErrNotFound):
			msg = verdict.Text(w.s.Lang(), "no_qr_code")
		case errors.Is(err, qr.ErrUnreadable):
			msg = verdict.Text(w.s.Lang(), "unreadable_qr")
		}
		if w.warn != nil {
			w.warn(path, msg)
		}
		return nil
	}
	for _, text := range texts {
		if _, err := w.s.Check(text, "watch", ""); err != nil {
			return err
		}
	}
	return nil
}

// maxImage bounds the size of an image file read.
const maxImage = 64 << 20

// isImage reports whether data starts like a PNG, JPEG or GIF file.
func isImage(data []byte) bool {
	return bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) ||
		bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}) ||
		bytes.HasPrefix(data, []byte("GIF87a")) || bytes.HasPrefix(data, []byte("GIF89a"))
}

func readFileLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errors.New(path + ": too large")
	}
	return b, nil
}
