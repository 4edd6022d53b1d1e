package station

import (
	"container/heap"
	"time"

	"github.com/hufu-project/hufu/verifier"
)

// MaxRemembered bounds how many presentations a station remembers for its
// replay check (SPEC.md §14.8). A presentation is forgotten once the
// verifier would call it stale (its time plus the presentation window),
// so a gate remembers at most about a minute of scans; the bound matters
// only under a flood, and then the presentation that goes stale soonest
// is forgotten first. At the bound the memory holds about 2 MB.
const MaxRemembered = 10_000

// presentationWindow is the verifier's presentation window: the station
// verifies with the default.
const presentationWindow = verifier.DefaultPresentationWindow

// A sighting is a presentation the station has seen.
type sighting struct {
	digest [32]byte
	until  time.Time // the presentation's time plus the window: stale after it
	first  time.Time // when it was first scanned here
	seq    uint64    // the log record of its first scan
	last   time.Time // when it was last seen in a showing that was not refused
}

// replayMemory remembers the presentations a station has seen, by digest,
// until each goes stale: a map for lookups and a heap ordered by expiry
// for pruning. Not safe for concurrent use: the station's lock guards it.
type replayMemory struct {
	byDigest map[[32]byte]*sighting
	byUntil  sightingHeap
	max      int
}

func newReplayMemory(max int) *replayMemory {
	return &replayMemory{byDigest: map[[32]byte]*sighting{}, max: max}
}

// prune forgets the presentations that are stale at now.
func (m *replayMemory) prune(now time.Time) {
	for len(m.byUntil) > 0 && m.byUntil[0].until.Before(now) {
		delete(m.byDigest, heap.Pop(&m.byUntil).(*sighting).digest)
	}
}

// get returns the sighting of a presentation, or nil.
func (m *replayMemory) get(p *verifier.Presentation) *sighting { return m.byDigest[p.Digest] }

// add remembers a presentation first seen at now in log record seq, and
// returns it; if the memory is full, the one that goes stale soonest is
// forgotten.
func (m *replayMemory) add(p *verifier.Presentation, now time.Time, seq uint64) *sighting {
	if len(m.byUntil) >= m.max {
		delete(m.byDigest, heap.Pop(&m.byUntil).(*sighting).digest)
	}
	s := &sighting{digest: p.Digest, until: p.Time.Add(presentationWindow), first: now, seq: seq, last: now}
	m.byDigest[p.Digest] = s
	heap.Push(&m.byUntil, s)
	return s
}

func (m *replayMemory) len() int { return len(m.byDigest) }

// sightingHeap is a min-heap of sightings by until.
type sightingHeap []*sighting

func (h sightingHeap) Len() int           { return len(h) }
func (h sightingHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h sightingHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *sightingHeap) Push(x any)        { *h = append(*h, x.(*sighting)) }
func (h *sightingHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return s
}
