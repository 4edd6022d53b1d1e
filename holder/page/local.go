package page

import (
	"context"
	"sync"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
)

// Local is a Backend that issues passes itself, for trying the page
// without a registry (hufu holder) and for tests. It binds whichever key
// enrolled last; Renew with any other key is ErrNotEnrolled. Every call
// issues a new pass. Set its fields before use and leave them alone after.
type Local struct {
	Issuer *issuer.Issuer
	// Claims are the pass's claims; Photo and HolderKey are set for each
	// pass from the Photo field and the enrolled key.
	Claims issuer.Claims
	Photo  []byte // the holder's photo (see CheckPhoto), or nil

	mu  sync.Mutex
	key []byte
}

// Enrol implements Backend.
func (l *Local) Enrol(ctx context.Context, key []byte) (*Pass, error) {
	l.mu.Lock()
	l.key = append([]byte(nil), key...)
	l.mu.Unlock()
	return l.issue(key)
}

// Renew implements Backend.
func (l *Local) Renew(ctx context.Context, key []byte) (*Pass, error) {
	l.mu.Lock()
	enrolled := l.key != nil && string(l.key) == string(key)
	l.mu.Unlock()
	if !enrolled {
		return nil, ErrNotEnrolled
	}
	return l.issue(key)
}

func (l *Local) issue(key []byte) (*Pass, error) {
	hk, err := pass.ParseHolderKey(key)
	if err != nil {
		return nil, err
	}
	c := l.Claims
	c.Photo, c.PhotoDigest, c.HolderKey = l.Photo, nil, hk
	text, err := l.Issuer.Issue(c)
	if err != nil {
		return nil, err
	}
	return &Pass{Text: text, Photo: l.Photo}, nil
}
