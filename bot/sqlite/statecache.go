package sqlite

import (
	"encoding/json"
	"maps"
	"slices"
	"sync"

	"github.com/pivotcoach/pivot/dialogue"
)

// Every turn reads its session, and decoding the state's JSON was about a
// quarter of that read's CPU (docs/benchmarks.md). The state read is
// nearly always the one the previous turn saved, so the store keeps, per
// session, the last state text it saved or decoded and that text decoded,
// and skips the decode when the stored text is the same. The stored text
// is still read and compared in full, so whatever wrote the row (another
// process, a hint, a hand edit) the answer is what the database holds.
//
// The cache holds ids and counts, never the trainee's words; it is bounded
// and dropped when sessions end or are forgotten.

// stateCacheMax bounds the sessions kept: with more open at once the
// cache starts again (and decodes) rather than grow.
const stateCacheMax = 4096

type stateCache struct {
	mu sync.Mutex
	m  map[int64]cachedState
}

type cachedState struct {
	text  string
	state dialogue.State
}

func newStateCache() *stateCache { return &stateCache{m: map[int64]cachedState{}} }

// decode sets *st to text decoded, from the cache when session id's
// cached text is text.
func (c *stateCache) decode(id int64, text string, st *dialogue.State) error {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && e.text == text {
		*st = copyState(e.state)
		return nil
	}
	if err := json.Unmarshal([]byte(text), st); err != nil {
		return err
	}
	c.put(id, text, *st)
	return nil
}

// put records that session id's state is st, stored as text (st's JSON).
func (c *stateCache) put(id int64, text string, st dialogue.State) {
	e := cachedState{text: text, state: asDecoded(copyState(st))}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[id]; !ok && len(c.m) >= stateCacheMax {
		clear(c.m)
	}
	c.m[id] = e
}

// drop forgets session id's state; clear forgets every session's.
func (c *stateCache) drop(id int64) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

func (c *stateCache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

// copyState is a deep copy: the caller may change what it is given.
func copyState(s dialogue.State) dialogue.State {
	c := s
	c.Disclosed = slices.Clone(s.Disclosed)
	c.Phases = slices.Clone(s.Phases)
	c.LastUsed = maps.Clone(s.LastUsed)
	c.Spent = slices.Clone(s.Spent)
	c.Asked = maps.Clone(s.Asked)
	c.Committed = slices.Clone(s.Committed)
	c.Blamed = slices.Clone(s.Blamed)
	return c
}

// asDecoded makes s what decoding its JSON gives: the fields the JSON
// omits when empty come back nil. (TestStateCacheIsExactlyTheDecode holds
// copyState and asDecoded to json.Unmarshal for every field.)
func asDecoded(s dialogue.State) dialogue.State {
	if len(s.Asked) == 0 {
		s.Asked = nil
	}
	if len(s.Committed) == 0 {
		s.Committed = nil
	}
	if len(s.Blamed) == 0 {
		s.Blamed = nil
	}
	return s
}
