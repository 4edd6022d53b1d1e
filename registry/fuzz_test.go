package registry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
)

var feedSeeds = []string{
	`{"event_id":"e1","holder_id":"h1","colour":"red","reason":"confirmed"}`,
	`{"event_id":"e2","holder_id":"h1","colour":"green","hints":["test_suggested"]}`,
	`{"event_id":"e3","holder_id":"h1","colour":"yellow","reason":"reason_2"}`,
	`{"event_id":"e1","holder_id":"h1","colour":"green","colour":"red"}`,
	`{"event_id":"","holder_id":"h1","colour":"green"}`,
	`{"EVENT_ID":"e","holder_id":"h1","colour":"green"}`,
	`[1,2,3]`, `{}`, `null`, `{"event_id":"e","holder_id":"h","colour":"green"} {}`,
}

// FuzzFeedLine: a feed line either parses into a change that passes its
// own checks, or fails with a registry error code; never a panic.
func FuzzFeedLine(f *testing.F) {
	for _, s := range feedSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		c, err := registry.ParseFeedLine(line)
		if err != nil {
			var re *registry.Error
			if !errors.As(err, &re) || registry.HTTPStatus(re.Code) >= 500 {
				t.Fatalf("error %v is not a 4xx registry error", err)
			}
			return
		}
		if err := c.Check(); err != nil {
			t.Fatalf("parsed change fails its check: %v", err)
		}
	})
}

// FuzzFeed: a whole feed applied to a real (SQLite) registry never fails
// with a server error, and accounts for every non-blank line.
func FuzzFeed(f *testing.F) {
	fx := newFixtureB(f, registrytest.Backends()[0])
	id, _, err := fx.s.Register(context.Background(), registrar, registry.NewHolder{Name: "A A", IDNumber: "1"})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range feedSeeds {
		f.Add([]byte(s + "\n" + s))
	}
	f.Add([]byte(`{"event_id":"x","holder_id":"` + id + `","colour":"red","reason":"confirmed"}` + "\n\n\r\n"))
	f.Fuzz(func(t *testing.T, feed []byte) {
		res, err := fx.s.Feed(context.Background(), health, feed)
		if err != nil {
			t.Fatalf("feed: %v", err)
		}
		if res.Applied < 0 || res.Failed != len(res.Errors) && len(res.Errors) < registry.MaxFeedErrors {
			t.Fatalf("result %+v", res)
		}
		checkConsistent(t, fx, id)
	})
}
