package score

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/pivotcoach/pivot/dialogue/pattern"
	"github.com/pivotcoach/pivot/dialogue/text"
)

// Rule patterns are written in Pivot's one pattern language (package
// dialogue/pattern): each rule pattern is one sequence,
// "(=why ~aux ~neg ~you ~adv? ~protect_act)", matched where its first word
// stands. The pattern package parses and matches; this file adds what the
// scorer needs to try some 1,500 patterns on every reply in microseconds:
// an index from the words a pattern can start with to the pattern, and a
// pre-check of the words it cannot match without.

// rulePattern is a compiled rule or phase-cue pattern.
type rulePattern struct {
	p     *pattern.Pattern
	id    int // index among all patterns
	cueID int // index among phase-cue patterns, each counted once a reply
	// first holds the vocabulary ids of the words the pattern can start
	// with; need, for each later word it must match, the ids that word
	// can be: a reply with none of them cannot match.
	first []int32
	need  []filterID
	// check is need as the scan reads it (a slice of ruleSet.checks)
	check []checkWord
	// next holds, while the pattern's words are one word each from its
	// first on, a filter for each later one: the k-th of them (from 0)
	// must be word i+1+k of the sentence of word i, where the pattern is
	// tried. nextCheck is next as the scan reads it, one filter after
	// another (a slice of ruleSet.checks).
	next      []filterID
	nextCheck []checkWord
}

// filterID indexes compiler.sets. Patterns share concepts, so many of
// them need the same set of words: each distinct set is kept once, and
// the keys (compiler.key) weigh each set once.
type filterID int32

// filter is a set of vocabulary ids as the non-zero 64-bit words of a
// bitset: testing it against the reply's words is a few ANDs.
type filter []filterWord

type filterWord struct {
	word int32
	bits uint64
}

func newFilter(ids []int32) filter {
	var f filter
	for _, id := range ids {
		w, bit := id>>6, uint64(1)<<(uint(id)&63)
		found := false
		for i := range f {
			if f[i].word == w {
				f[i].bits |= bit
				found = true
				break
			}
		}
		if !found {
			f = append(f, filterWord{w, bit})
		}
	}
	return f
}

// size is the number of ids in f.
func (f filter) size() int {
	n := 0
	for _, fw := range f {
		n += bits.OnesCount64(fw.bits)
	}
	return n
}

// ids are the vocabulary ids in f.
func (f filter) ids() []int32 {
	var ids []int32
	for _, fw := range f {
		for b := fw.bits; b != 0; b &= b - 1 {
			ids = append(ids, fw.word<<6|int32(bits.TrailingZeros64(b)))
		}
	}
	return ids
}

// checkWord is one word of a pre-check filter as the scan reads it:
// every pattern's filters lie word after word in one array
// (ruleSet.checks), last marking a filter's last word, so a pattern's
// pre-check is one run through a few cache lines, not a walk through
// its filters' ids to the filters.
type checkWord struct {
	word int32
	last bool
	bits uint64
}

type compiler struct {
	rs       *ruleSet
	opts     pattern.Options
	patterns []*rulePattern
	index    map[int32][]patternRef
	// checked remembers oneWord's verdicts
	checked map[string]error
	// members caches each concept's members, parsed
	members map[string][]*pattern.SeqNode
	// sets are the distinct pre-check filters of all patterns, by
	// filterID, read while compiling only (the scan reads
	// ruleSet.checks); filters finds one by its contents
	sets    []filter
	filters map[string]filterID
}

type prefixEntry struct {
	prefix string
	id     int32
}

func newCompiler(concepts map[string][]string) *compiler {
	c := &compiler{rs: &ruleSet{vocab: map[string]int32{}, concepts: concepts}, index: map[int32][]patternRef{}, members: map[string][]*pattern.SeqNode{}, filters: map[string]filterID{}}
	// concepts are expanded at every use, so the same words are
	// normalised many times while the rules compile: the answers are kept
	normalised := map[string][]pattern.Word{}
	c.opts = pattern.Options{
		Normalise: func(s string) []pattern.Word {
			if ws, ok := normalised[s]; ok {
				return ws
			}
			toks := text.Tokenize(s)
			out := make([]pattern.Word, len(toks))
			for i, t := range toks {
				out[i] = pattern.Word{Norm: t.Norm, Stem: t.Stem}
			}
			normalised[s] = out
			return out
		},
		Concept: func(name string) ([]string, bool) {
			m, ok := concepts[name]
			return m, ok
		},
		Members: &pattern.MemberCache{},
	}
	return c
}

func (c *compiler) id(key string) int32 {
	if id, ok := c.rs.vocab[key]; ok {
		return id
	}
	id := int32(len(c.rs.vocab))
	c.rs.vocab[key] = id
	return id
}

// compile compiles one rule or phase-cue pattern and works out its index
// keys and pre-check.
func (c *compiler) compile(src string) (*rulePattern, error) {
	p, err := c.compilePattern(src)
	if err != nil {
		return nil, err
	}
	terms := p.Tree().Terms
	seq, ok := terms[0].(*pattern.SeqNode)
	if len(terms) != 1 || !ok {
		return nil, fmt.Errorf("pattern %q: a rule pattern is one sequence in brackets, (like this)", src)
	}
	rp := &rulePattern{p: p}
	if rp.first, err = c.keys(seq.Items[0], 0); err != nil {
		return nil, fmt.Errorf("pattern %q: %v", src, err)
	}
	for _, item := range seq.Items[1:] {
		switch item.(type) {
		case *pattern.GapNode, *pattern.OptNode, *pattern.NotNode:
			continue
		}
		ids, err := c.keys(item, 0)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %v", src, err)
		}
		rp.need = append(rp.need, c.filter(ids))
	}
	if c.isOneWord(seq.Items[0], 0) {
		for _, item := range seq.Items[1:] {
			ids, err := c.keys(item, 0)
			if err != nil || !c.isOneWord(item, 0) {
				break
			}
			rp.next = append(rp.next, c.filter(ids))
		}
	}
	// the most particular words first: a reply usually lacks them, and
	// the check stops at the first word it lacks
	fs := c.sets
	sort.SliceStable(rp.need, func(i, j int) bool { return fs[rp.need[i]].size() < fs[rp.need[j]].size() })
	c.patterns = append(c.patterns, rp)
	return rp, nil
}

// pack lays the pre-check out for the scan, which reads it for dozens
// of patterns on every reply: every pattern's and guard's filters, word
// by word, in one array (ruleSet.checks), in place of hundreds of small
// slices spread over the heap.
func (c *compiler) pack() {
	rs := c.rs
	// checks is made its full size first, so the slices into it stay put
	total := 0
	count := func(need []filterID) {
		for _, f := range need {
			total += len(c.sets[f])
		}
	}
	for _, p := range c.patterns {
		count(p.need)
		count(p.next)
	}
	for _, r := range rs.rules {
		for _, u := range r.unless {
			count(u.need)
		}
		if r.notAfter != nil {
			count(r.notAfter.need)
		}
	}
	rs.checks = make([]checkWord, 0, total)
	place := func(need []filterID) []checkWord {
		from := len(rs.checks)
		for _, f := range need {
			words := c.sets[f]
			for i, w := range words {
				rs.checks = append(rs.checks, checkWord{word: w.word, bits: w.bits, last: i == len(words)-1})
			}
		}
		return rs.checks[from:len(rs.checks):len(rs.checks)]
	}
	for _, p := range c.patterns {
		p.check = place(p.need)
		p.nextCheck = place(p.next)
	}
	for _, r := range rs.rules {
		for k := range r.unless {
			r.unless[k].check = place(r.unless[k].need)
		}
		if g := r.notAfter; g != nil {
			g.check = place(g.need)
		}
	}
}

// key fills ruleSet.keyed: each pattern under every id of its rarest
// word set (the words it can start with, or one of its needs), the set
// a reply is least likely to have a word of (keyCost).
func (c *compiler) key() {
	rs := c.rs
	names := make([]string, len(rs.vocab))
	for name, id := range rs.vocab {
		names[id] = name
	}
	common := map[string]bool{}
	for _, w := range strings.Fields(commonWords) {
		common[w] = true
	}
	cost := func(ids []int32) int {
		n := 0
		for _, id := range ids {
			n += keyCost(names[id], common)
		}
		return n
	}
	// filters are shared among patterns: each one's ids and cost once
	type keySet struct {
		ids  []int32
		cost int
	}
	keySets := make([]*keySet, len(c.sets))
	filterSet := func(f filterID) *keySet {
		if keySets[f] == nil {
			ids := c.sets[f].ids()
			keySets[f] = &keySet{ids, cost(ids)}
		}
		return keySets[f]
	}
	keyed := make([][]int32, len(rs.vocab))
	for _, p := range c.patterns {
		key, least := p.first, cost(p.first)
		for _, f := range p.need {
			if set := filterSet(f); set.cost < least {
				key, least = set.ids, set.cost
			}
		}
		for _, id := range key {
			keyed[id] = append(keyed[id], int32(p.id))
		}
	}
	rs.keyed = packLists(keyed)
}

// idLists are lists of pattern ids by vocabulary id, packed in one
// array: a reply's words read a few of them, and an offset each (four
// bytes, sixteen to a cache line) is cheaper to find than a slice header
// each (twenty-four).
type idLists struct {
	at  []int32 // list id is ids[at[id]:at[id+1]]
	ids []int32
}

func packLists(lists [][]int32) idLists {
	l := idLists{at: make([]int32, 1, len(lists)+1)}
	for _, ids := range lists {
		l.ids = append(l.ids, ids...)
		l.at = append(l.at, int32(len(l.ids)))
	}
	return l
}

// of is list id.
func (l *idLists) of(id int32) []int32 { return l.ids[l.at[id]:l.at[id+1]] }

// len is the number of lists.
func (l *idLists) len() int { return len(l.at) - 1 }

// keyCost is how likely a reply is to have a word a vocabulary key
// matches, roughly: the words of nearly every reply (common) cost most,
// a name or a prefix more than a plain word.
func keyCost(key string, common map[string]bool) int {
	switch {
	case key == "@name":
		return 20
	case key[0] == '*':
		return 5
	case common[key[1:]]:
		return 50
	}
	return 1
}

// commonWords are words most replies have (as keys: "=you", "+go").
const commonWords = `i you he she it we they me him her us them my your his its our their
	a an the this that these those what who how why when where which
	to of in on at for with about from by as and or but so if not no
	be is are was were been being am do does did have has had will would can could should may might must
	there here just really very all any some more get got go going know think want say said tell told
	feel like need make let ok okay yes well now then again also still even`

// guardPattern is an unless or not_after pattern with its pre-check:
// the filters of the words it cannot match without. A guard is matched
// only once a rule has matched, but then across the whole reply, and
// most replies lack one of its words, which the pre-check sees at once.
type guardPattern struct {
	p     *pattern.Pattern
	need  []filterID
	check []checkWord // need as the scan reads it
}

// guard compiles p's pre-check: for every term it must match (not a
// !term), a filter for each word that term cannot match without. A
// word the keys cannot say (a sequence opening with a gap) adds none,
// which only makes the check let more replies through.
func (c *compiler) guard(p *pattern.Pattern) guardPattern {
	g := guardPattern{p: p}
	add := func(n pattern.Node) {
		if ids, err := c.keys(n, 0); err == nil {
			g.need = append(g.need, c.filter(ids))
		}
	}
	for _, t := range p.Tree().Terms {
		switch t := t.(type) {
		case *pattern.NotNode:
		case *pattern.SeqNode:
			for _, item := range t.Items {
				switch item.(type) {
				case *pattern.GapNode, *pattern.OptNode, *pattern.NotNode:
					continue
				}
				add(item)
			}
		default:
			add(t)
		}
	}
	return g
}

// filter returns the id of the filter of ids, adding it to the rule set
// the first time that set is seen.
func (c *compiler) filter(ids []int32) filterID {
	f := newFilter(ids)
	sort.Slice(f, func(i, j int) bool { return f[i].word < f[j].word })
	var key strings.Builder
	for _, fw := range f {
		fmt.Fprintf(&key, "%d:%x,", fw.word, fw.bits)
	}
	if id, ok := c.filters[key.String()]; ok {
		return id
	}
	id := filterID(len(c.sets))
	c.sets = append(c.sets, f)
	c.filters[key.String()] = id
	return id
}

// compilePattern compiles src and checks that its words are written as
// the scorer normalises them.
func (c *compiler) compilePattern(src string) (*pattern.Pattern, error) {
	p, err := pattern.Compile(src, c.opts)
	if err != nil {
		return nil, err // it names the pattern and the character
	}
	for _, t := range p.Tree().Terms {
		if err := c.checkWords(t, 0); err != nil {
			return nil, fmt.Errorf("pattern %q: %v", src, err)
		}
	}
	return p, nil
}

// compileWords compiles a list of words (not_after) as one alternative.
func (c *compiler) compileWords(words []string) (*pattern.Pattern, error) {
	return c.compilePattern("[" + strings.Join(words, " ") + "]")
}

// checkWords rejects a word that is not one normalised word ("didn't",
// "behaviour"): rules are written as the scorer reads replies, so a rule
// says exactly what it matches.
func (c *compiler) checkWords(n pattern.Node, depth int) error {
	switch n := n.(type) {
	case *pattern.WordNode:
		if n.Kind != pattern.Prefix {
			return c.oneWord(strings.ToLower(n.Text))
		}
	case *pattern.AltNode:
		for _, x := range n.Items {
			if err := c.checkWords(x, depth); err != nil {
				return err
			}
		}
	case *pattern.SeqNode:
		for _, x := range n.Items {
			if err := c.checkWords(x, depth); err != nil {
				return err
			}
		}
	case *pattern.OptNode:
		return c.checkWords(n.X, depth)
	case *pattern.NotNode:
		return c.checkWords(n.X, depth)
	case *pattern.ConceptNode:
		members, err := c.conceptMembers(n.Name, depth)
		if err != nil {
			return err
		}
		for _, m := range members {
			if err := c.checkWords(m, depth+1); err != nil {
				return fmt.Errorf("in ~%s: %v", n.Name, err)
			}
		}
	}
	return nil
}

// maxConceptDepth bounds concepts that include concepts.
const maxConceptDepth = 6

// conceptMembers parses a concept's members (each the body of a
// sequence), once.
func (c *compiler) conceptMembers(name string, depth int) ([]*pattern.SeqNode, error) {
	if depth > maxConceptDepth {
		return nil, fmt.Errorf("concept ~%s nests too deeply", name)
	}
	if ms, ok := c.members[name]; ok {
		return ms, nil
	}
	words, ok := c.rs.concepts[name]
	if !ok {
		return nil, fmt.Errorf("unknown concept ~%s (declare it under concepts:)", name)
	}
	var ms []*pattern.SeqNode
	for _, w := range words {
		t, err := pattern.Parse("(" + w + ")")
		if err != nil {
			return nil, fmt.Errorf("in ~%s, member %q: %v", name, w, err)
		}
		ms = append(ms, t.Terms[0].(*pattern.SeqNode))
	}
	c.members[name] = ms
	return ms, nil
}

// keys are the vocabulary ids of the words node can start with: "=word"
// for an exact word, "+stem" for a word in any form, "*prefix" and
// "@name".
func (c *compiler) keys(n pattern.Node, depth int) ([]int32, error) {
	switch n := n.(type) {
	case *pattern.WordNode:
		return []int32{c.wordKey(n)}, nil
	case *pattern.NameNode:
		return []int32{c.id("@name")}, nil
	case *pattern.SeqNode:
		return c.keys(n.Items[0], depth)
	case *pattern.AltNode:
		var ids []int32
		for _, x := range n.Items {
			more, err := c.keys(x, depth)
			if err != nil {
				return nil, err
			}
			ids = appendNew(ids, more...)
		}
		return ids, nil
	case *pattern.ConceptNode:
		members, err := c.conceptMembers(n.Name, depth)
		if err != nil {
			return nil, err
		}
		var ids []int32
		for _, m := range members {
			more, err := c.keys(m, depth+1)
			if err != nil {
				return nil, err
			}
			ids = appendNew(ids, more...)
		}
		return ids, nil
	}
	return nil, fmt.Errorf("%s: a rule pattern starts with a word it must match", n)
}

// isOneWord reports whether node always matches exactly one word of a
// reply: a word, a name, or alternatives and concepts all of whose
// members are. A gap, an optional word, a !word or a member of several
// words is not.
func (c *compiler) isOneWord(n pattern.Node, depth int) bool {
	switch n := n.(type) {
	case *pattern.WordNode:
		return c.oneWord(strings.ToLower(n.Text)) == nil
	case *pattern.NameNode:
		return true
	case *pattern.SeqNode:
		return len(n.Items) == 1 && c.isOneWord(n.Items[0], depth)
	case *pattern.AltNode:
		for _, x := range n.Items {
			if !c.isOneWord(x, depth) {
				return false
			}
		}
		return len(n.Items) > 0
	case *pattern.ConceptNode:
		members, err := c.conceptMembers(n.Name, depth)
		if err != nil || len(members) == 0 {
			return false
		}
		for _, m := range members {
			if !c.isOneWord(m, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

func (c *compiler) wordKey(n *pattern.WordNode) int32 {
	w := strings.ToLower(n.Text)
	switch n.Kind {
	case pattern.Prefix:
		id := c.id("*" + w)
		if c.rs.prefixes == nil {
			c.rs.prefixes = map[string]int32{}
		}
		c.rs.prefixes[w] = id
		return id
	case pattern.Exact:
		return c.id("=" + w)
	}
	return c.id("+" + text.Stem(w))
}

func appendNew(ids []int32, more ...int32) []int32 {
	for _, id := range more {
		dup := false
		for _, x := range ids {
			if x == id {
				dup = true
				break
			}
		}
		if !dup {
			ids = append(ids, id)
		}
	}
	return ids
}

// oneWord checks that w is one normalised word. Concepts are expanded at
// every use, so the same word comes up many times: the answer is kept.
func (c *compiler) oneWord(w string) error {
	if err, seen := c.checked[w]; seen {
		return err
	}
	err := checkOneWord(w)
	if c.checked == nil {
		c.checked = map[string]error{}
	}
	c.checked[w] = err
	return err
}

func checkOneWord(w string) error {
	toks := text.Tokenize(w)
	if len(toks) != 1 || toks[0].Norm != w {
		return fmt.Errorf("%q is not one normalised word (write contractions in full: \"did not\", and US spelling)", w)
	}
	return nil
}

func (c *compiler) addIndex(r patternRef) {
	for _, id := range r.pattern.first {
		c.index[id] = append(c.index[id], r)
	}
}
