package registry

import (
	"context"
	"encoding/json"
	"io"
	"runtime"
	"sync"
)

// ReissueProgress is reported as Reissue goes.
type ReissueProgress struct {
	Done    int // holders handled
	Total   int // holders due when Reissue started
	Issued  int // new passes stored
	Skipped int // holders whose status changed meanwhile (their next fetch re-issues)
}

// JSONProgress returns a progress func for Reissue that writes each
// report to w as one JSON object on a line, the version key first:
//
//	{"hufu_reissue":1,"done":1000,"total":5000,"issued":998,"skipped":2}
//
// It is what "hufu registry reissue" prints when its standard error is
// not a terminal. Write errors are ignored: progress is advisory.
func JSONProgress(w io.Writer) func(ReissueProgress) {
	enc := json.NewEncoder(w)
	return func(p ReissueProgress) {
		enc.Encode(struct {
			Version int `json:"hufu_reissue"`
			Done    int `json:"done"`
			Total   int `json:"total"`
			Issued  int `json:"issued"`
			Skipped int `json:"skipped"`
		}{1, p.Done, p.Total, p.Issued, p.Skipped})
	}
}

// Reissue re-issues every live pass within the re-issue fraction of its
// expiry (expired ones included), signing on workers goroutines (zero
// means one per core) and storing the new passes in transactions of up to
// 1000, one after the other, while the next ones are signed. The old pass
// is superseded, not revoked: it says the same and expires soon.
// progress, if not nil, is called after each transaction, in order, from
// one goroutine. The first error stops it and is returned; what earlier
// transactions stored stays.
func (s *Service) Reissue(ctx context.Context, workers int, progress func(ReissueProgress)) (ReissueProgress, error) {
	var p ReissueProgress
	if s.cfg.Issuer == nil {
		return p, Errorf(Unavailable, "the registry has no issuer key")
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	now := s.now()
	const page = 1000
	err := s.cfg.Store.View(ctx, func(tx Tx) error {
		n, err := tx.CountDue(now, s.perMille)
		p.Total = n
		return err
	})
	if err != nil {
		return p, err
	}
	if progress != nil {
		progress(p)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() {
			if ctx.Err() == nil { // else err is the caller's cancelling, reported as ctx.Err()
				firstErr = err
			}
			cancel()
		})
	}
	// cpu holds a token for each goroutine here that computes: a worker
	// holds one while it signs a pass, the writer one while it stores a
	// batch. With a token a processor, a processor stays free for the
	// writer while it waits on the database, so that each of its round
	// trips resumes at once instead of after a signing worker's time
	// slice (on PostgreSQL, 5 round trips a batch).
	cpu := make(chan struct{}, runtime.GOMAXPROCS(0))
	holders := make(chan *Holder, 4*page)
	signed := make(chan *PassRecord, 4*page)
	read := make(chan struct{})
	go func() { // read the due holders page by page
		defer close(read)
		defer close(holders)
		after := ""
		for {
			var hs []Holder
			err := s.cfg.Store.View(ctx, func(tx Tx) error {
				var err error
				hs, err = tx.DueHolders(now, s.perMille, after, page)
				return err
			})
			if err != nil {
				fail(err)
				return
			}
			for i := range hs {
				select {
				case holders <- &hs[i]:
				case <-ctx.Done():
					return
				}
			}
			if len(hs) < page {
				return
			}
			after = hs[len(hs)-1].ID
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range holders {
				select {
				case cpu <- struct{}{}:
				case <-ctx.Done():
					return
				}
				rec, err := s.issue(h, now)
				<-cpu
				if err != nil {
					fail(err)
					return
				}
				select {
				case signed <- rec:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(signed) }()
	// One writer stores the batches in order, one transaction each, while
	// the next batch is read and signed. After a failure it stores no more.
	batches := make(chan []*PassRecord, 1)
	written := make(chan struct{})
	go func() {
		defer close(written)
		for batch := range batches {
			if ctx.Err() != nil {
				continue
			}
			issued := 0
			cpu <- struct{}{} // a worker returns one within a signature
			err := s.cfg.Store.Update(ctx, func(tx Tx) error {
				issued = 0
				ok, err := tx.InsertPasses(batch)
				for _, o := range ok {
					if o {
						issued++
					}
				}
				return err
			})
			<-cpu
			if err != nil {
				fail(err)
				continue
			}
			p.Done += len(batch)
			p.Issued += issued
			p.Skipped += len(batch) - issued
			if progress != nil {
				progress(p)
			}
		}
	}()
	batch := make([]*PassRecord, 0, page)
	for rec := range signed { // after a failure the workers stop and this drains
		if ctx.Err() != nil {
			continue
		}
		batch = append(batch, rec)
		if len(batch) == page {
			select {
			case batches <- batch:
			case <-ctx.Done():
			}
			batch = make([]*PassRecord, 0, page)
		}
	}
	if ctx.Err() == nil && len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	<-written
	<-read
	if firstErr != nil {
		return p, firstErr
	}
	return p, ctx.Err()
}
