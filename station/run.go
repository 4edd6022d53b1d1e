package station

import (
	"context"
	"errors"
	"io"
	"sync"
)

// Inputs are what Run feeds a station from.
type Inputs struct {
	// Background are run each in its own goroutine until the context
	// ends: the camera page's Serve, a watched folder's Run. An error
	// from one stops the station.
	Background []func(context.Context) error
	// Scanner, if not empty, is the path of a scanner's serial device, a
	// FIFO or a file (see OpenScanner): codes come from it, and Stdin is
	// the guard's keyboard (KeyboardLine). If empty, Stdin is a keyboard
	// wedge: codes and names alike (Line).
	Scanner string
	// Stdin, if not nil, is read as Scanner says; nil when the terminal
	// is not the station's to read (started in the background).
	Stdin io.Reader
	// Note, if not nil, is told what ReadScanner notes about a line.
	Note func(msg string)
}

// Run feeds s from in until ctx ends or s stops on an error; without
// Background inputs, also until the codes' input (Scanner, else Stdin)
// ends. It then waits for the Background inputs to return and stops s,
// so that a scanner line still being read finds the station closed. It
// returns the error that stopped the station, or nil if it stopped
// because ctx ended or the input did.
//
// Through Config.Notify it tells the operator, as it starts, that a
// keyboard wedge (Stdin without Scanner) lets a QR code type a name too,
// and when the scanner's input ends before ctx does.
func Run(ctx context.Context, s *Station, in Inputs) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	note := in.Note
	if note == nil {
		note = func(string) {}
	}
	var wg sync.WaitGroup
	fatalc := make(chan error, 1)
	fail := func(err error) {
		select {
		case fatalc <- err:
		default:
		}
		cancel()
	}
	go func() {
		select {
		case <-s.Done():
			fail(s.Err())
		case <-ctx.Done():
		}
	}()
	for _, run := range in.Background {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil {
				fail(err)
			}
		}()
	}
	codesDone, stdinDone := make(chan struct{}), make(chan struct{})
	keyboard := func(l string) (*Result, error) { return s.Line(l, "scanner") }
	if in.Scanner != "" {
		keyboard = s.KeyboardLine
		go func() {
			defer close(codesDone)
			f, err := OpenScanner(in.Scanner) // a FIFO waits for a writer
			if err != nil {
				fail(err)
				return
			}
			context.AfterFunc(ctx, func() { f.Close() })
			err = ReadScanner(ctx, s, f, func(l string) (*Result, error) { return s.ScannerLine(l, "scanner") }, note)
			if err != nil && ctx.Err() == nil {
				fail(err)
			} else if ctx.Err() == nil {
				s.notify("the scanner %s has ended", in.Scanner)
			}
		}()
	} else {
		codesDone = stdinDone
		if in.Stdin != nil {
			s.notify("scanner and keyboard share standard input: a name after = may come from a QR code as well as from the guard; reading the scanner from its own device (hufu scan -scanner PATH) keeps them apart")
		}
	}
	if in.Stdin != nil {
		go func() {
			defer close(stdinDone)
			if err := ReadScanner(ctx, s, in.Stdin, keyboard, note); err != nil {
				fail(err)
			}
		}()
	}
	if len(in.Background) > 0 {
		<-ctx.Done()
	} else {
		select {
		case <-codesDone:
		case <-ctx.Done():
		}
	}
	cancel()
	wg.Wait()
	s.Stop()
	select {
	case err := <-fatalc:
		if err != nil && !errors.Is(err, ErrStopped) {
			return err
		}
	default:
	}
	return nil
}
