package station

import (
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hufu-project/hufu/pass"
)

// photoIndex finds holders' photos in a folder by the digest a pass
// carries (pass.PhotoDigest of the file's bytes). It hashes each file once
// (again when its size or time changes) and looks for new files at most
// every photoRescan.
type photoIndex struct {
	dir string

	mu       sync.Mutex
	files    map[string]photoFile // path → what was hashed
	byDigest map[string]string    // hex digest → path
	scanned  time.Time
}

type photoFile struct {
	size   int64
	mtime  time.Time
	digest string
}

const (
	photoRescan  = 2 * time.Second
	maxPhotoFile = 16 << 20
	maxPhotos    = 100_000
)

func newPhotoIndex(dir string) (*photoIndex, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, &fs.PathError{Op: "photos", Path: dir, Err: fs.ErrInvalid}
	}
	x := &photoIndex{dir: dir, files: map[string]photoFile{}, byDigest: map[string]string{}}
	x.rescan()
	return x, nil
}

// len returns the number of photos indexed.
func (x *photoIndex) len() int {
	if x == nil {
		return 0
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.byDigest)
}

// rescan hashes new and changed files and forgets removed ones.
func (x *photoIndex) rescan() {
	seen := map[string]bool{}
	filepath.WalkDir(x.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || len(seen) >= maxPhotos {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") && path != x.dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.Size() > maxPhotoFile {
			return nil
		}
		seen[path] = true
		x.mu.Lock()
		old, ok := x.files[path]
		x.mu.Unlock()
		if ok && old.size == info.Size() && old.mtime.Equal(info.ModTime()) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		f := photoFile{size: info.Size(), mtime: info.ModTime(), digest: hex.EncodeToString(pass.PhotoDigest(b))}
		x.mu.Lock()
		x.files[path] = f
		x.mu.Unlock()
		return nil
	})
	x.mu.Lock()
	defer x.mu.Unlock()
	for p := range x.files {
		if !seen[p] {
			delete(x.files, p)
		}
	}
	x.byDigest = make(map[string]string, len(x.files))
	for p, f := range x.files {
		if q, ok := x.byDigest[f.digest]; !ok || p < q {
			x.byDigest[f.digest] = p
		}
	}
	x.scanned = time.Now()
}

// lookup returns the path of the photo with the given digest, or "".
func (x *photoIndex) lookup(digest []byte) string {
	if x == nil || len(digest) == 0 {
		return ""
	}
	key := hex.EncodeToString(digest)
	x.mu.Lock()
	p, ok := x.byDigest[key]
	stale := time.Since(x.scanned) > photoRescan
	x.mu.Unlock()
	if ok && fileExists(p) {
		return p
	}
	if stale || ok {
		x.rescan()
		x.mu.Lock()
		p = x.byDigest[key]
		x.mu.Unlock()
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
