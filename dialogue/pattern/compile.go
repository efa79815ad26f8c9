package pattern

import (
	"fmt"
	"strings"
)

// Word is a word of a pattern as the caller's normaliser reads it: the
// normalised form (lower case, contractions expanded, one spelling) and
// its stem.
type Word struct {
	Norm string
	Stem string
}

// Options are what compiling needs from the caller.
type Options struct {
	// Normalise splits text into normalised words; a word of a pattern
	// that becomes several ("didn't") matches them in a row.
	Normalise func(text string) []Word
	// Concept returns the members of ~name, each written in the pattern
	// language as the body of a sequence ("bank account", "=did",
	// "leav*", "@name", "~other"), and false for an unknown name.
	Concept func(name string) ([]string, bool)
	// Members, if set, keeps each concept member's parse between
	// compiles, for a caller that compiles many patterns over the same
	// concepts (the scorer's 1,500 rule patterns).
	Members *MemberCache
}

// maxConceptDepth bounds concepts that include concepts.
const maxConceptDepth = 6

// maxProgram bounds a compiled pattern, whose concepts are expanded.
const maxProgram = 20000

type opcode uint8

const (
	opTest  opcode = iota // the token at pos passes test: go to out at pos+1
	opAny                 // skip the token at pos
	opSplit               // try each of alts in order
	opNot                 // the sub-program at sub does not match at pos
	opStart               // pos is the first word of its sentence
	opMatch               // success
)

type inst struct {
	op   opcode
	out  int
	sub  int
	alts []int
	test *test
}

// test is what one word of the line must be: one of norms (exact), one of
// stems (the word's stem, or its normalised form, equals the pattern
// word's stem), starting with one of prefixes, or a name.
type test struct {
	// norm and stem hold a single word, compared without hashing.
	norm, stem string
	norms      map[string]bool
	stems      map[string]bool
	prefixes   []string
	name       bool
	// starts holds the first two bytes of every word, stem and prefix
	// above: a token whose norm and stem start otherwise cannot match,
	// which settles most tokens without hashing, and a line none of whose
	// words start so cannot match at all.
	starts bloom
}

// bloom is a 256-bit set of words' first two bytes.
type bloom [4]uint64

func startKey(w string) uint8 {
	switch len(w) {
	case 0:
		return 0
	case 1:
		return w[0] * 31
	}
	return w[0]*31 + w[1]
}

func (b *bloom) add(w string) {
	k := startKey(w)
	b[k>>6] |= 1 << (k & 63)
}

func (b *bloom) has(w string) bool {
	k := startKey(w)
	return b[k>>6]&(1<<(k&63)) != 0
}

func (b *bloom) meets(o *bloom) bool {
	return b[0]&o[0]|b[1]&o[1]|b[2]&o[2]|b[3]&o[3] != 0
}

// seal computes starts once the test is complete.
func (t *test) seal() *test {
	if t.name { // any word may be a name
		t.starts = bloom{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
		return t
	}
	for _, w := range []string{t.norm, t.stem} {
		if w != "" {
			t.starts.add(w)
		}
	}
	for w := range t.norms {
		t.starts.add(w)
	}
	for w := range t.stems {
		t.starts.add(w)
	}
	for _, w := range t.prefixes {
		t.starts.add(w)
	}
	return t
}

// weight of a prefix match: it says less about what was meant than a word.
const prefixWeight = 0.75

func (t *test) match(tok *Token) (float32, bool) {
	if t.name && tok.Name {
		return 1, true
	}
	if !t.starts.has(tok.Norm) && !t.starts.has(tok.Stem) {
		return 0, false
	}
	if t.norm != "" && tok.Norm == t.norm || t.stem != "" && (tok.Stem == t.stem || tok.Norm == t.stem) {
		return 1, true
	}
	if t.norms != nil && t.norms[tok.Norm] || t.stems != nil && (t.stems[tok.Stem] || t.stems[tok.Norm]) {
		return 1, true
	}
	for _, p := range t.prefixes {
		if strings.HasPrefix(tok.Norm, p) {
			return prefixWeight, true
		}
	}
	return 0, false
}

// term is one compiled term: a program entry for each top-level
// alternative, so the alternative that says the most can win.
type term struct {
	neg     bool
	entries []int
	// starts is where the term's words can start, when every entry begins
	// with a word test: a line with none of them cannot match the term.
	starts *bloom
}

// Pattern is a compiled pattern, safe for concurrent use.
type Pattern struct {
	tree  *Tree
	prog  []inst
	terms []term
}

// Source is the pattern as written.
func (p *Pattern) Source() string { return p.tree.Source }

// Tree is the parsed pattern.
func (p *Pattern) Tree() *Tree { return p.tree }

// Size is the number of instructions the pattern compiled to, the factor
// by which matching it costs more than reading the line.
func (p *Pattern) Size() int { return len(p.prog) }

// Compile parses and compiles a pattern, looking its words and concepts
// up through opts. An unknown concept is an error here rather than a
// pattern that silently never matches.
func Compile(src string, opts Options) (*Pattern, error) {
	t, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return CompileTree(t, opts)
}

// CompileTree compiles a parsed pattern.
func CompileTree(t *Tree, opts Options) (*Pattern, error) {
	if opts.Normalise == nil {
		opts.Normalise = splitLower
	}
	c := &compiler{src: t.Source, opts: opts, p: &Pattern{tree: t}}
	match := c.emit(inst{op: opMatch})
	for _, n := range t.Terms {
		var tm term
		if not, ok := n.(*NotNode); ok {
			tm.neg, n = true, not.X
		}
		if alt, ok := n.(*AltNode); ok {
			for _, x := range alt.Items {
				e, err := c.node(x, match, 0)
				if err != nil {
					return nil, err
				}
				tm.entries = append(tm.entries, e)
			}
		} else {
			e, err := c.node(n, match, 0)
			if err != nil {
				return nil, err
			}
			tm.entries = []int{e}
		}
		tm.starts = c.termStarts(tm.entries)
		c.p.terms = append(c.p.terms, tm)
	}
	return c.p, nil
}

// splitLower is the normaliser used when the caller gives none.
func splitLower(text string) []Word {
	var out []Word
	for _, f := range strings.Fields(strings.ToLower(text)) {
		out = append(out, Word{Norm: f, Stem: f})
	}
	return out
}

type compiler struct {
	src  string
	opts Options
	p    *Pattern
	// concepts being expanded, to catch one that includes itself
	open []string
}

func (c *compiler) emit(i inst) int {
	c.p.prog = append(c.p.prog, i)
	return len(c.p.prog) - 1
}

func (c *compiler) errorf(pos int, format string, a ...any) error {
	return &Error{Pattern: c.src, Offset: pos, Msg: fmt.Sprintf(format, a...)}
}

// node compiles n so that on success it continues at next, and returns
// its entry. Programs are built back to front, so they are DAGs: no
// pattern can loop.
func (c *compiler) node(n Node, next, depth int) (int, error) {
	if len(c.p.prog) > maxProgram {
		return 0, c.errorf(n.Position(), "the pattern is too large once its concepts are expanded (over %d steps); split it", maxProgram)
	}
	switch n := n.(type) {
	case *WordNode:
		return c.word(n, next)
	case *NameNode:
		return c.emit(inst{op: opTest, out: next, test: (&test{name: true}).seal()}), nil
	case *ConceptNode:
		return c.concept(n, next, depth)
	case *AltNode:
		return c.alternatives(n, next, depth)
	case *SeqNode:
		at := next
		for i := len(n.Items) - 1; i >= 0; i-- {
			e, err := c.node(n.Items[i], at, depth)
			if err != nil {
				return 0, err
			}
			at = e
		}
		if n.Anchor {
			at = c.emit(inst{op: opStart, out: at})
		}
		return at, nil
	case *GapNode:
		// split(next, skip → split(next, skip → …)): fewest words first
		at := next
		for range n.Max {
			skip := c.emit(inst{op: opAny, out: at})
			at = c.emit(inst{op: opSplit, alts: []int{next, skip}})
		}
		return at, nil
	case *OptNode:
		x, err := c.node(n.X, next, depth)
		if err != nil {
			return 0, err
		}
		return c.emit(inst{op: opSplit, alts: []int{x, next}}), nil
	case *NotNode:
		match := c.emit(inst{op: opMatch})
		sub, err := c.node(n.X, match, depth)
		if err != nil {
			return 0, err
		}
		return c.emit(inst{op: opNot, sub: sub, out: next}), nil
	}
	return 0, c.errorf(n.Position(), "unexpected %s", n)
}

func (c *compiler) word(n *WordNode, next int) (int, error) {
	words := c.opts.Normalise(n.Text)
	if len(words) == 0 {
		return 0, c.errorf(n.Pos, "%q has no letters or digits to match", n.Text)
	}
	if n.Kind == Prefix {
		if len(words) != 1 {
			return 0, c.errorf(n.Pos, "the prefix %q* is not one word", n.Text)
		}
		return c.emit(inst{op: opTest, out: next, test: (&test{prefixes: []string{words[0].Norm}}).seal()}), nil
	}
	// a word that normalises to several ("didn't") matches them in a row
	at := next
	for i := len(words) - 1; i >= 0; i-- {
		t := &test{}
		if n.Kind == Exact {
			t.norm = words[i].Norm
		} else {
			t.stem = words[i].Stem
		}
		at = c.emit(inst{op: opTest, out: at, test: t.seal()})
	}
	return at, nil
}

// alternatives compiles [a b c] as a split over its items, tried in
// order. A run of two or more one-word items of the same weight (words
// and names, or prefixes) becomes one test: every item of the run goes
// on to the same next step from the same word, so the first of them that
// matches and a test of all of them give the same result, and one test
// is a map lookup where the run was a test, a heap object and a memo
// cell per word.
func (c *compiler) alternatives(n *AltNode, next, depth int) (int, error) {
	var alts []int
	var run []Node
	runPrefix := false
	flush := func() error {
		switch len(run) {
		case 0:
		case 1: // a single word: compiled as usual
			e, err := c.node(run[0], next, depth)
			if err != nil {
				return err
			}
			alts = append(alts, e)
		default:
			t := &test{}
			for _, x := range run {
				c.mergeable(x, t)
			}
			alts = append(alts, c.emit(inst{op: opTest, out: next, test: t.seal()}))
		}
		run = run[:0]
		return nil
	}
	for _, x := range n.Items {
		prefix, ok := c.oneWord(x)
		if ok && (len(run) == 0 || prefix == runPrefix) {
			run, runPrefix = append(run, x), prefix
			continue
		}
		if err := flush(); err != nil {
			return 0, err
		}
		if ok {
			run, runPrefix = append(run, x), prefix
			continue
		}
		e, err := c.node(x, next, depth)
		if err != nil {
			return 0, err
		}
		alts = append(alts, e)
	}
	if err := flush(); err != nil {
		return 0, err
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return c.emit(inst{op: opSplit, alts: alts}), nil
}

// oneWord reports whether n matches exactly one word (a name, or a word
// that normalises to one word) and whether it is a prefix.
func (c *compiler) oneWord(n Node) (prefix, ok bool) {
	switch n := n.(type) {
	case *NameNode:
		return false, true
	case *WordNode:
		return n.Kind == Prefix, len(c.opts.Normalise(n.Text)) == 1
	}
	return false, false
}

// concept compiles ~name as alternatives over its members. Members that
// are one word each are merged into one test, tried first; longer members
// follow in the order written.
func (c *compiler) concept(n *ConceptNode, next, depth int) (int, error) {
	if c.opts.Concept == nil {
		return 0, c.errorf(n.Pos, "unknown concept ~%s (no concepts are declared here)", n.Name)
	}
	members, ok := c.opts.Concept(n.Name)
	if !ok {
		return 0, c.errorf(n.Pos, "unknown concept ~%s (declare it under concepts:)", n.Name)
	}
	for _, o := range c.open {
		if o == n.Name {
			return 0, c.errorf(n.Pos, "concept ~%s includes itself (%s)", n.Name, strings.Join(append(c.open, n.Name), " → "))
		}
	}
	if depth >= maxConceptDepth {
		return 0, c.errorf(n.Pos, "concept ~%s nests more than %d concepts deep", n.Name, maxConceptDepth)
	}
	c.open = append(c.open, n.Name)
	defer func() { c.open = c.open[:len(c.open)-1] }()
	merged := &test{}
	var alts []int
	for _, m := range members {
		body, err := c.opts.Members.parse(m)
		if err != nil {
			e := err.(*Error)
			return 0, c.errorf(n.Pos, "in concept ~%s, member %q: %s", n.Name, m, e.Msg)
		}
		seq := body.Terms[0].(*SeqNode)
		if len(body.Terms) != 1 || seq.Anchor {
			return 0, c.errorf(n.Pos, "in concept ~%s, member %q is not one word or phrase", n.Name, m)
		}
		if len(seq.Items) == 1 && c.mergeable(seq.Items[0], merged) {
			continue
		}
		sub := &compiler{src: m, opts: c.opts, p: c.p, open: c.open}
		e, err := sub.node(seq, next, depth+1)
		if err != nil {
			e := err.(*Error)
			return 0, c.errorf(n.Pos, "in concept ~%s, member %q: %s", n.Name, m, e.Msg)
		}
		alts = append(alts, e)
	}
	if merged.norms != nil || merged.stems != nil || merged.prefixes != nil || merged.name {
		alts = append([]int{c.emit(inst{op: opTest, out: next, test: merged.seal()})}, alts...)
	}
	if len(alts) == 0 {
		return 0, c.errorf(n.Pos, "concept ~%s has no members", n.Name)
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return c.emit(inst{op: opSplit, alts: alts}), nil
}

// mergeable adds a one-word member to t and reports whether it could.
func (c *compiler) mergeable(n Node, t *test) bool {
	switch n := n.(type) {
	case *NameNode:
		t.name = true
		return true
	case *WordNode:
		words := c.opts.Normalise(n.Text)
		if len(words) != 1 {
			return false
		}
		switch n.Kind {
		case Exact:
			if t.norms == nil {
				t.norms = map[string]bool{}
			}
			t.norms[words[0].Norm] = true
		case Prefix:
			t.prefixes = append(t.prefixes, words[0].Norm)
		default:
			if t.stems == nil {
				t.stems = map[string]bool{}
			}
			t.stems[words[0].Stem] = true
		}
		return true
	}
	return false
}

// termStarts unions the starts of the word tests the entries begin with,
// or is nil when an entry begins otherwise (alternatives, an anchor).
func (c *compiler) termStarts(entries []int) *bloom {
	var b bloom
	for _, e := range entries {
		in := &c.p.prog[e]
		if in.op != opTest {
			return nil
		}
		for k := range b {
			b[k] |= in.test.starts[k]
		}
	}
	return &b
}
