package station

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hufu-project/hufu/internal/atomicfile"
)

// clockFloor is the latest trusted time the station has seen: the issue
// time of a pass whose signature verified (and of a trust bundle). A clock
// earlier than that has been set back, and expired passes would look
// valid; the station warns. It is kept in the state directory, in the file
// "latest-time", as one RFC 3339 line.
type clockFloor struct {
	mu     sync.Mutex
	path   string
	latest time.Time
	saved  time.Time
}

// clockSaveEvery bounds how often the floor is written: losing the last
// minute of it in a crash costs nothing that matters.
const clockSaveEvery = time.Minute

func loadClockFloor(stateDir string) (*clockFloor, error) {
	c := &clockFloor{path: filepath.Join(stateDir, "latest-time")}
	b, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.path, err)
	}
	c.latest, c.saved = t, t
	return c, nil
}

// see records a trusted time; it reports whether the floor should be
// saved now.
func (c *clockFloor) see(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.latest) {
		c.latest = t.UTC().Truncate(time.Second)
	}
	return c.latest.Sub(c.saved) >= clockSaveEvery
}

// save writes the floor if it moved.
func (c *clockFloor) save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.latest.After(c.saved) {
		return nil
	}
	if err := atomicfile.WriteFile(c.path, []byte(c.latest.Format(time.RFC3339)+"\n"), 0o600); err != nil {
		return err
	}
	c.saved = c.latest
	return nil
}

// behind reports whether now is earlier than the floor by more than skew,
// and the floor.
func (c *clockFloor) behind(now time.Time, skew time.Duration) (bool, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.latest.IsZero() && now.Add(skew).Before(c.latest), c.latest
}
