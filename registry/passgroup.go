package registry

import (
	"context"
	"slices"
	"time"
)

// Group commit of the passes that Pass issues.
//
// Pass signs outside any transaction, then stores the new pass with a
// version check. Concurrent calls hand their passes to one writer, which
// stores a group of them in one transaction, so that N concurrent issues
// cost one commit rather than N. The writer is not a goroutine of its own:
// the first caller that finds no writer at work becomes it, stores what is
// queued, and hands the role to the first caller still queued, if any. No
// goroutine outlives the calls, so nothing needs closing.
//
// Each pass in a group gets the check a pass stored alone gets (another
// request may have issued a pass meanwhile: keep it; the holder's version
// must still be the one the pass was signed for), and its caller learns
// its outcome only after the transaction committed. If the group's
// transaction fails (or storing it panics), every caller but the writer
// stores its pass alone, in its own transaction under its own context;
// the writer returns the error (or panics). A caller whose context ends
// while its pass is still queued leaves at once, and nothing of it is
// stored.

// maxGroup bounds the passes stored in one transaction.
const maxGroup = 256

// pendingPass is a signed pass waiting to be stored.
type pendingPass struct {
	ctx context.Context
	h   *Holder   // the holder as read when the pass was signed
	now time.Time // the time the pass was signed for
	rec *PassRecord

	out   storeOutcome // set by the writer before it sends false on done
	alone bool         // the group failed or panicked: store rec alone
	done  chan bool    // true: write the next group; false: out or alone is set
	ended bool         // the writer's own pass: out is set (no message on done)
}

// storeOutcome is the outcome of storing one pass: stored is false if the
// holder changed since the pass was signed (the caller starts again);
// otherwise rec is the holder's current pass, and fresh reports whether
// it is the pass that was stored.
type storeOutcome struct {
	rec           *PassRecord
	stored, fresh bool
	err           error
}

// store stores rec, the pass signed for holder h at now, with the
// passes of concurrent calls.
func (s *Service) store(ctx context.Context, h *Holder, now time.Time, rec *PassRecord) storeOutcome {
	p := &pendingPass{ctx: ctx, h: h, now: now, rec: rec, done: make(chan bool, 1)}
	s.groupMu.Lock()
	s.queue = append(s.queue, p)
	lead := !s.writing
	s.writing = true
	s.groupMu.Unlock()
	if !lead {
		select {
		case lead = <-p.done:
		case <-ctx.Done():
			s.groupMu.Lock()
			i := slices.Index(s.queue, p)
			if i >= 0 {
				s.queue = slices.Delete(s.queue, i, i+1)
				if len(p.done) > 0 && <-p.done { // it was to write the next group
					s.handOn()
				}
			}
			s.groupMu.Unlock()
			if i >= 0 {
				return storeOutcome{err: ctx.Err()}
			}
			// A writer has taken the pass: its outcome comes soon.
			lead = <-p.done
		}
	}
	if lead {
		s.lead(ctx, p)
	}
	if p.alone {
		return s.storeOne(ctx, h, now, rec)
	}
	return p.out
}

// lead writes groups until own's outcome is in, then hands the writer's
// role on, even if storing panicked.
func (s *Service) lead(ctx context.Context, own *pendingPass) {
	defer func() {
		s.groupMu.Lock()
		s.handOn()
		s.groupMu.Unlock()
	}()
	for !own.ended {
		s.writeGroup(ctx, own)
	}
}

// handOn makes the first queued caller the writer, or records that no
// one writes. The caller holds groupMu.
func (s *Service) handOn() {
	if len(s.queue) == 0 {
		s.writing = false
		return
	}
	s.queue[0].done <- true
}

// writeGroup takes up to maxGroup queued passes, one per holder (a later
// pass of the same holder waits for the next group, and then finds this
// one), and stores them in one transaction. A queued pass whose caller
// has gone is dropped. The writer's own pass, own, gets its outcome with
// ended set when it is taken; every other one gets false on done.
func (s *Service) writeGroup(ctx context.Context, own *pendingPass) {
	s.groupMu.Lock()
	var group, gone []*pendingPass
	seen := map[string]bool{}
	rest := s.queue[:0]
	for _, p := range s.queue {
		switch {
		case p.ctx.Err() != nil:
			p.out = storeOutcome{err: p.ctx.Err()}
			gone = append(gone, p)
		case len(group) < maxGroup && !seen[p.h.ID]:
			group = append(group, p)
			seen[p.h.ID] = true
		default:
			rest = append(rest, p)
		}
	}
	clear(s.queue[len(rest):])
	s.queue = rest
	s.groupMu.Unlock()
	for _, p := range gone {
		if p == own {
			p.ended = true
		} else {
			p.done <- false
		}
	}
	if len(group) == 0 {
		return
	}

	told := false
	defer func() {
		if !told { // storeGroup panicked: the others store their passes alone
			for _, p := range group {
				if p != own {
					p.alone = true
					p.done <- false
				}
			}
		}
	}()
	err := s.storeGroup(ctx, group)
	told = true
	for _, p := range group {
		if err != nil {
			p.out, p.alone = storeOutcome{err: err}, p != own
		}
		if p == own {
			p.ended = true
			continue
		}
		p.done <- false
	}
}

// storeOne stores rec, the pass signed for holder h at now, in a
// transaction of its own.
func (s *Service) storeOne(ctx context.Context, h *Holder, now time.Time, rec *PassRecord) storeOutcome {
	p := &pendingPass{ctx: ctx, h: h, now: now, rec: rec}
	if err := s.storeGroup(ctx, []*pendingPass{p}); err != nil {
		return storeOutcome{err: err}
	}
	return p.out
}

// storeGroup stores the passes of group, at most one per holder, in one
// transaction, and sets each one's out unless it returns an error.
func (s *Service) storeGroup(ctx context.Context, group []*pendingPass) error {
	ids := make([]string, len(group))
	for i, p := range group {
		ids[i] = p.h.ID
	}
	return s.cfg.Store.Update(ctx, func(tx Tx) error {
		live, err := tx.LockLive(ids)
		if err != nil {
			return err
		}
		var insert []*pendingPass
		for _, p := range group {
			l, ok := live[p.h.ID]
			switch {
			case !ok || l.Version != p.h.Version:
				// The holder changed since the pass was signed: the
				// caller reads it again.
				p.out = storeOutcome{}
			case l.Pass != nil && l.Pass.Version == p.h.Version && !s.due(l.Pass, p.now):
				// Another request issued a pass meanwhile: keep it.
				p.out = storeOutcome{rec: l.Pass, stored: true}
			default:
				p.out = storeOutcome{rec: p.rec, stored: true, fresh: true}
				insert = append(insert, p)
			}
		}
		// A superseded pass is marked at its successor's issue time:
		// store the passes in runs of one issue time.
		slices.SortStableFunc(insert, func(a, b *pendingPass) int { return a.rec.IssuedAt.Compare(b.rec.IssuedAt) })
		for len(insert) > 0 {
			n := 1
			for n < len(insert) && insert[n].rec.IssuedAt.Equal(insert[0].rec.IssuedAt) {
				n++
			}
			recs := make([]*PassRecord, n)
			var supersede []string
			for i, p := range insert[:n] {
				recs[i] = p.rec
				if live[p.h.ID].Pass != nil {
					supersede = append(supersede, p.h.ID)
				}
			}
			if err := tx.AddPasses(recs, supersede, recs[0].IssuedAt); err != nil {
				return err
			}
			insert = insert[n:]
		}
		return nil
	})
}
