package sqlite

import (
	"context"
	"encoding/json"
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"

	"github.com/pivotcoach/pivot/dialogue"
)

// The cache must give exactly what decoding gives, for every field of the
// state, including fields added later: random states (every field set),
// and states whose lists and maps are all empty or all nil, are put in
// the cache and read back, and compared with a decode of their JSON. A new
// list or map field that copyState does not copy fails the aliasing check.
func TestStateCacheIsExactlyTheDecode(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	states := []dialogue.State{{}, emptyCollections()}
	for range 300 {
		v, ok := quick.Value(reflect.TypeFor[dialogue.State](), rng)
		if !ok {
			t.Fatal("cannot make a random state")
		}
		states = append(states, v.Interface().(dialogue.State))
	}
	for i, st := range states {
		text, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		var want dialogue.State
		if err := json.Unmarshal(text, &want); err != nil {
			t.Fatal(err)
		}
		c := newStateCache()
		c.put(7, string(text), st)
		var got dialogue.State
		if err := c.decode(7, string(text), &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("state %d: from the cache\n%#v\nwant (decoded)\n%#v", i, got, want)
		}
		// What the caller is given shares nothing with the cache.
		scribble(reflect.ValueOf(&got).Elem())
		var again dialogue.State
		if err := c.decode(7, string(text), &again); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, want) {
			t.Fatalf("state %d: changing a state read from the cache changed the cache:\n%#v\nwant\n%#v", i, again, want)
		}
	}
}

// emptyCollections is a state whose every list and map is empty, not nil.
func emptyCollections() dialogue.State {
	var st dialogue.State
	v := reflect.ValueOf(&st).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 0, 0))
		case reflect.Map:
			f.Set(reflect.MakeMap(f.Type()))
		}
	}
	return st
}

// scribble changes every element of every list and map in v.
func scribble(v reflect.Value) {
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Slice:
			for j := range f.Len() {
				f.Index(j).Set(reflect.Zero(f.Type().Elem()))
			}
		case reflect.Map:
			if f.IsNil() {
				continue
			}
			for _, k := range f.MapKeys() {
				f.SetMapIndex(k, reflect.Zero(f.Type().Elem()))
			}
			f.SetMapIndex(reflect.ValueOf("scribbled").Convert(f.Type().Key()), reflect.Zero(f.Type().Elem()))
		}
	}
}

// A state changed in the database behind the store's back (another
// process, a hand edit) is read as stored, not as cached.
func TestOpenSessionReadsAStateChangedElsewhere(t *testing.T) {
	ctx := context.Background()
	db := open(t, "", newClock())
	s := newSession(t, db, conv("U1", ""), "jennifer")
	t1, st1 := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion, "d1")
	if err := db.SaveTurn(ctx, s.ID, t1, st1); err != nil {
		t.Fatal(err)
	}
	got, err := db.OpenSession(ctx, s.Conv)
	if err != nil {
		t.Fatal(err)
	}
	if got.State.Turn != 1 || got.State.Trust != st1.Trust || !got.State.HasDisclosed("d1") {
		t.Fatalf("read back %+v, want the state after turn 1", got.State)
	}
	got.State.Disclosed[0] = "changed by the caller"
	if _, err := db.w.ExecContext(ctx, `UPDATE sessions SET state = json_set(state, '$.trust', 3) WHERE id = ?`, s.ID); err != nil {
		t.Fatal(err)
	}
	again, err := db.OpenSession(ctx, s.Conv)
	if err != nil {
		t.Fatal(err)
	}
	if again.State.Trust != 3 || !again.State.HasDisclosed("d1") {
		t.Errorf("after the state was changed in the file: trust %d, disclosed %v; want 3, [d1]", again.State.Trust, again.State.Disclosed)
	}
}
