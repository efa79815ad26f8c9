package score

import "strings"

// lexEntry is all the scan and the learned layer's features need to know
// about one spelling: its vocabulary ids and which word lists hold it.
// Each token is looked up once, in one map, instead of once per list (the
// string-keyed lookups were a tenth of the cost of a reply).
type lexEntry struct {
	exact int32 // vocabulary id of "=word"; -1 if no pattern uses it
	stem  int32 // vocabulary id of "+word"; -1 likewise
	flags wordFlags
	// known: the word is in the lexicon, and prefixes are the ids of the
	// listed prefixes it starts with ("leav*"), worked out once here
	// rather than on every reply
	known    bool
	prefixes []int32
}

// wordFlags are the word lists a spelling is in.
type wordFlags uint16

const (
	listedName     wordFlags = 1 << iota // the names concept
	notName                              // the not_names concept: capitalised, not a name
	honorificWord                        // mr, dr …: its full stop ends no sentence
	negatorWord                          // featNegators
	subjectWord                          // featSubjects
	svoSubjectWord                       // svoSubjects
	svoSkipWord                          // svoSkip
	svoObjectWord                        // svoObjects
)

var unknownWord = lexEntry{exact: -1, stem: -1}

// buildLexicon gathers the vocabulary's words and every list into one map.
func (rs *ruleSet) buildLexicon() {
	rs.lexicon = map[string]lexEntry{}
	entry := func(w string) lexEntry {
		if e, ok := rs.lexicon[w]; ok {
			return e
		}
		return unknownWord
	}
	for key, id := range rs.vocab {
		w := key[1:]
		e := entry(w)
		switch key[0] {
		case '=':
			e.exact = id
		case '+':
			e.stem = id
		default:
			continue
		}
		rs.lexicon[w] = e
	}
	mark := func(words []string, f wordFlags) {
		for _, w := range words {
			e := entry(w)
			e.flags |= f
			rs.lexicon[w] = e
		}
	}
	lower := func(ws []string) []string {
		out := make([]string, len(ws))
		for i, w := range ws {
			out[i] = strings.TrimPrefix(strings.ToLower(w), "=")
		}
		return out
	}
	mark(lower(rs.concepts["names"]), listedName)
	mark(lower(rs.concepts["not_names"]), notName)
	mark(honorifics, honorificWord)
	mark(featNegators, negatorWord)
	mark(featSubjects, subjectWord)
	mark(svoSubjects, svoSubjectWord)
	mark(svoSkip, svoSkipWord)
	mark(svoObjects, svoObjectWord)
	for w, e := range rs.lexicon {
		e.known, e.prefixes = true, rs.appendPrefixIDs(nil, w)
		rs.lexicon[w] = e
	}
}

// appendPrefixIDs appends the ids of the listed prefixes w starts with,
// in the order of their buckets.
func (rs *ruleSet) appendPrefixIDs(ids []int32, w string) []int32 {
	if len(w) < 2 {
		return ids
	}
	for _, pe := range rs.prefixBuckets[w[0]] {
		if pe.prefix[1] == w[1] && strings.HasPrefix(w, pe.prefix) {
			ids = append(ids, pe.id)
		}
	}
	return ids
}

// lookup is w's entry; unknownWord if the rules and lists never name it.
func (rs *ruleSet) lookup(w string) lexEntry {
	if e, ok := rs.lexicon[w]; ok {
		return e
	}
	return unknownWord
}
