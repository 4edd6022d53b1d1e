package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/station"
	"github.com/hufu-project/hufu/verdict"
)

// watcher polls a folder for new images: a camera or phone dropping
// snapshots. A file is checked once its size and modification time have
// stayed the same for one poll (so a file still being written is not read
// half-way), and then not again unless it changes. Files already there at
// the start, hidden files and files that are not PNG, JPEG or GIF images
// are left alone. Polling needs no dependency and works on network and
// removable file systems, where change notification often does not.
type watcher struct {
	e        *env
	s        *station.Station
	dir      string
	interval time.Duration
	files    map[string]*watchedFile
	ignored  int // files there at the start
}

type watchedFile struct {
	size  int64
	mtime time.Time
	done  bool // checked (or not an image) at this size and time
}

func newWatcher(e *env, s *station.Station, dir string, interval time.Duration) (*watcher, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, errors.New(dir + ": not a directory")
	}
	w := &watcher{e: e, s: s, dir: dir, interval: interval, files: map[string]*watchedFile{}}
	for name, info := range w.list() {
		w.files[name] = &watchedFile{size: info.Size(), mtime: info.ModTime(), done: true}
		w.ignored++
	}
	return w, nil
}

// list returns the regular, visible files of the folder.
func (w *watcher) list() map[string]os.FileInfo {
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

func (w *watcher) run(ctx context.Context) error {
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
func (w *watcher) poll(ctx context.Context) error {
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
func (w *watcher) check(path string) error {
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
		w.e.warnf("%s: %s", path, msg)
		return nil
	}
	for _, text := range texts {
		if _, err := w.s.Check(text, "watch", ""); err != nil {
			return err
		}
	}
	return nil
}
