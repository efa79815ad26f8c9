// Package wordmap is a read-only map from words to values, for the word
// lists the scorer and the tokeniser look every word of every reply up
// in. Built once from a Go map, it finds a word in about half the
// instructions a Go map takes: a short word's hash is a few multiplies
// (the built-in map's hash is made for any key), the table holds only
// the hash and the entry's index (eight bytes a slot, so a probe stays
// in one cache line) and the words and values lie side by side in a
// dense array read only on a hit.
package wordmap

import "sort"

// Map is a read-only map from words to values of type V.
type Map[V any] struct {
	mask    uint32
	slots   []slot
	entries []entry[V]
}

// entry is a word and its value side by side: a hit reads the one to
// compare and then the other, in one cache line or two neighbours.
type entry[V any] struct {
	key   string
	value V
}

// slot is one entry of the hash table: the word's hash and its index in
// entries plus one (0: an empty slot).
type slot struct {
	hash  uint32
	index uint32
}

// New builds a Map holding m's words and values.
func New[V any](m map[string]V) *Map[V] {
	keys := make([]string, 0, len(m))
	for w := range m {
		keys = append(keys, w)
	}
	sort.Strings(keys) // the same layout on every start
	t := &Map[V]{entries: make([]entry[V], 0, len(m))}
	size := 8
	for size < 2*len(m) {
		size <<= 1
	}
	t.mask = uint32(size - 1)
	t.slots = make([]slot, size)
	for i, w := range keys {
		t.entries = append(t.entries, entry[V]{w, m[w]})
		h := hash(w)
		j := h & t.mask
		for t.slots[j].index != 0 {
			j = (j + 1) & t.mask
		}
		t.slots[j] = slot{hash: h, index: uint32(i + 1)}
	}
	return t
}

// Find is a pointer to w's value (not to be written through), nil if t
// lacks w: for a value too big to copy on every word.
func (t *Map[V]) Find(w string) *V {
	h := hash(w)
	for j := h & t.mask; ; j = (j + 1) & t.mask {
		s := t.slots[j]
		if s.index == 0 {
			return nil
		}
		if s.hash == h {
			if e := &t.entries[s.index-1]; e.key == w {
				return &e.value
			}
		}
	}
}

// hash mixes w eight bytes at a time, the last one to eight bytes in one
// step without a loop (two four-byte loads that may overlap, or the
// first, middle and last byte, as wyhash does: with the length mixed in,
// they tell apart every word of that length), and finishes with a
// multiply, whose high bits are well spread.
func hash(w string) uint32 {
	h := uint64(len(w)) * 0x9E3779B97F4A7C15
	for len(w) > 8 {
		h = (h ^ (uint64(load4(w)) | uint64(load4(w[4:]))<<32)) * 0xBF58476D1CE4E5B9
		h ^= h >> 31
		w = w[8:]
	}
	var x uint64
	switch n := len(w); {
	case n >= 4:
		x = uint64(load4(w)) | uint64(load4(w[n-4:]))<<32
	case n > 0:
		x = uint64(w[0]) | uint64(w[n/2])<<8 | uint64(w[n-1])<<16
	}
	h = (h ^ x) * 0x94D049BB133111EB
	return uint32(h >> 32)
}

// load4 is the first four bytes of s, little-endian (one load, once the
// compiler has combined the four).
func load4(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}
