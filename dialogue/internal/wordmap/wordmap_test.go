package wordmap

import (
	"fmt"
	"testing"
)

// TestMapHoldsWhatItWasBuiltFrom: every word of the source map is found
// with its value, words it lacks (prefixes, extensions, case variants,
// the empty word) are not, whatever their length.
func TestMapHoldsWhatItWasBuiltFrom(t *testing.T) {
	src := map[string]int{"": 7, "a": 1, "you": 2, "leave": 3, "protective": 4, "responsibility": 5, "counselling's": 6}
	for i := 0; i < 3000; i++ {
		src[fmt.Sprintf("w%dx", i)] = 100 + i
	}
	m := New(src)
	for w, want := range src {
		if got := m.Find(w); got == nil || *got != want {
			t.Errorf("Find(%q) = %v; want %d", w, got, want)
		}
	}
	for _, w := range []string{"yo", "youu", "You", "leaves", "protectiv", "responsibilities", "w3000x", "w12", "x"} {
		if got := m.Find(w); got != nil {
			t.Errorf("Find(%q) = %d; the map has no such word", w, *got)
		}
	}
	if New(map[string]bool{}).Find("you") != nil {
		t.Errorf("an empty map found a word")
	}
}

// TestHashTellsWordsApart: the 32-bit hash gives distinct values to all
// words of one to three letters and to 20,000 long words differing in a
// letter or two, as a good hash should (a collision costs only speed, as
// Find compares the words, but many would mean a weak mix).
func TestHashTellsWordsApart(t *testing.T) {
	seen := map[uint32]string{}
	collisions := 0
	add := func(w string) {
		h := hash(w)
		if o, ok := seen[h]; ok && o != w {
			collisions++
		}
		seen[h] = w
	}
	letters := "abcdefghijklmnopqrstuvwxyz"
	for _, a := range letters {
		add(string(a))
		for _, b := range letters {
			add(string(a) + string(b))
			for _, c := range letters {
				add(string(a) + string(b) + string(c))
			}
		}
	}
	for i := 0; i < 20000; i++ {
		add(fmt.Sprintf("responsib%c%c%s", letters[i%26], letters[i/26%26], letters[:i/676%8]))
	}
	if collisions > 1 {
		t.Errorf("%d collisions among %d words", collisions, len(seen)+collisions)
	}
}
