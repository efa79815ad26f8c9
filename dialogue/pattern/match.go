package pattern

import "errors"

// Token is one word of the line being matched, as the caller's tokeniser
// produced it.
type Token struct {
	Norm string // normalised form: lower case, contractions expanded
	Stem string
	// Name: the word is a person's name (for @name).
	Name bool
	// SentenceStart: a new sentence begins at this word. Sequences never
	// reach across a sentence start; the first word always starts one.
	SentenceStart bool
}

// Result is where and how well a pattern matched.
type Result struct {
	// Start is the first word of the earliest-placed term; End is one past
	// the last word of the latest-placed term, so the caller can tell which
	// of two topics was raised last.
	Start, End int
	// Weight is the pattern's specificity: the words its terms matched, a
	// prefix counting 0.75, gaps and negations nothing.
	Weight float64
}

// ErrBudget is reported once a Budget is spent: the match that ran out
// and every later one charged to the same budget report no match.
var ErrBudget = errors.New("pattern matching stopped: the step budget is spent")

// DefaultBudget is the step budget of a nil *Budget. A step is one
// instruction tried at one word.
const DefaultBudget = 20_000_000

// Budget is a number of steps shared by the matchers charged to it, so a
// caller can bound all the matching of one turn (every pattern, every
// clause) at once. It is not safe for concurrent use.
type Budget struct {
	left int
	err  error
	// memo is scratch memory reused by the matchers charged to the
	// budget, one after another (the clauses of one turn).
	memo []cell
	gen  uint32
}

// NewBudget returns a budget of steps.
func NewBudget(steps int) *Budget { return &Budget{left: steps} }

// Left is the number of steps not yet spent.
func (b *Budget) Left() int { return b.left }

// Err is ErrBudget once the budget is spent, nil before.
func (b *Budget) Err() error { return b.err }

// Matcher matches patterns against one line. Its cost is counted in
// steps: each (instruction, word) pair is worked out at most once per
// pattern (a word test that fails is re-checked, once per way in), so a
// match costs at most 2 × Size() × (words + sentences) steps whatever the
// pattern, and everything charged to one Budget at most the budget. A
// Matcher is not safe for concurrent use; make one per line.
type Matcher struct {
	toks   []Token
	starts bloom // where the line's words start
	sents  []span
	width  int // the longest sentence plus one: the memo's row length
	budget *Budget
	steps  int

	// memo is the budget's scratch, sized for the pattern being matched;
	// gen stamps its valid cells.
	memo []cell
	gen  uint32
	prog []inst
}

type span struct{ from, to int }

// cell memoises one (instruction, position) result for one pattern.
type cell struct {
	gen uint32
	ok  bool
	w   float32
	end int32
}

// NewMatcher prepares to match patterns against toks, charging every
// step to budget (nil: a budget of its own of DefaultBudget steps).
func NewMatcher(toks []Token, budget *Budget) *Matcher {
	m := &Matcher{}
	m.Reset(toks, budget)
	return m
}

// Reset makes m match a new line, keeping its memory: a caller that
// matches many lines one after another (the scorer, on every reply) keeps
// a Matcher and a Budget (which holds the memo) per worker instead of
// allocating them for each line. budget is as for NewMatcher.
func (m *Matcher) Reset(toks []Token, budget *Budget) {
	if budget == nil {
		budget = NewBudget(DefaultBudget)
	}
	m.toks, m.budget, m.steps, m.prog, m.memo = toks, budget, 0, nil, nil
	m.starts = bloom{}
	m.sents = m.sents[:0]
	m.width = 0
	for i := range toks {
		m.starts.add(toks[i].Norm)
		m.starts.add(toks[i].Stem)
		if i == 0 || toks[i].SentenceStart {
			if n := len(m.sents); n > 0 {
				m.sents[n-1].to = i
			}
			m.sents = append(m.sents, span{from: i})
		}
	}
	if n := len(m.sents); n > 0 {
		m.sents[n-1].to = len(toks)
	}
	for _, s := range m.sents {
		m.width = max(m.width, s.to-s.from+1)
	}
}

// Reset gives the budget steps to spend again, keeping its scratch
// memory.
func (b *Budget) Reset(steps int) { b.left, b.err = steps, nil }

// Steps is how many steps the matcher has used so far.
func (m *Matcher) Steps() int { return m.steps }

// Err is ErrBudget once the matcher's budget is spent, nil before.
func (m *Matcher) Err() error { return m.budget.err }

// begin prepares the memo for pattern p.
func (m *Matcher) begin(p *Pattern) bool {
	if m.budget.err != nil {
		return false
	}
	m.prog = p.prog
	b := m.budget
	need := len(p.prog) * m.width
	if cap(b.memo) < need {
		b.memo = make([]cell, need)
		b.gen = 0
	}
	m.memo = b.memo[:need]
	m.fresh()
	return true
}

// fresh forgets the memo: its cells hold results for one sentence, so a
// search in another sentence starts afresh (by stamp, without clearing).
func (m *Matcher) fresh() {
	b := m.budget
	b.gen++
	if b.gen == 0 { // wrapped: old stamps could collide
		clear(b.memo[:cap(b.memo)])
		b.gen = 1
	}
	m.gen = b.gen
}

// Find matches p anywhere in the line: every term must match somewhere
// (each at the latest place it does, its heaviest top-level alternative
// winning) and no !term anywhere.
func (m *Matcher) Find(p *Pattern) (Result, bool) {
	if !m.begin(p) {
		return Result{}, false
	}
	// a term none of whose words the line has settles it at once
	for _, t := range p.terms {
		if !t.neg && t.starts != nil && !t.starts.meets(&m.starts) {
			m.charge()
			return Result{}, false
		}
	}
	res := Result{Start: len(m.toks)}
	for _, t := range p.terms {
		best, found := Result{}, false
		for _, e := range t.entries {
			r, ok := m.latest(e)
			if ok && (!found || r.Weight > best.Weight || (r.Weight == best.Weight && r.End > best.End)) {
				best, found = r, true
			}
			if m.budget.err != nil {
				return Result{}, false
			}
			if ok && t.neg {
				break
			}
		}
		if found == !t.neg {
			if t.neg {
				continue
			}
			res.Weight += best.Weight
			res.Start = min(res.Start, best.Start)
			res.End = max(res.End, best.End)
			continue
		}
		return Result{}, false
	}
	return res, true
}

// latest finds the last start position at which entry matches.
func (m *Matcher) latest(entry int) (Result, bool) {
	for si := len(m.sents) - 1; si >= 0; si-- {
		s := &m.sents[si]
		m.fresh()
		for pos := s.to - 1; pos >= s.from; pos-- {
			if w, end, ok := m.run(s, entry, pos); ok {
				return Result{Start: pos, End: end, Weight: float64(w)}, true
			}
			if m.budget.err != nil {
				return Result{}, false
			}
		}
	}
	return Result{}, false
}

// At matches p's first term starting exactly at word i (within i's
// sentence), its other terms anywhere and its !terms nowhere. The scorer
// uses it to try a rule where its first word appears.
func (m *Matcher) At(p *Pattern, i int) (Result, bool) {
	if i < 0 || i >= len(m.toks) || len(p.terms) == 0 || p.terms[0].neg || !m.begin(p) {
		return Result{}, false
	}
	s := m.sentenceOf(i)
	first, found := Result{}, false
	for _, e := range p.terms[0].entries {
		if w, end, ok := m.run(s, e, i); ok && (!found || float64(w) > first.Weight) {
			first, found = Result{Start: i, End: end, Weight: float64(w)}, true
		}
	}
	if !found {
		return Result{}, false
	}
	if len(p.terms) == 1 {
		return first, true
	}
	rest := &Pattern{tree: p.tree, prog: p.prog, terms: p.terms[1:]}
	r, ok := m.Find(rest)
	if !ok {
		return Result{}, false
	}
	return Result{Start: min(first.Start, r.Start), End: max(first.End, r.End), Weight: first.Weight + r.Weight}, true
}

// Before reports whether p's first term matches starting at one of the n
// words before word i in i's sentence: "not after" a word, as in a
// negation just before the phrase.
func (m *Matcher) Before(p *Pattern, i, n int) bool {
	if i < 0 || i >= len(m.toks) || len(p.terms) == 0 || !m.begin(p) {
		return false
	}
	s := m.sentenceOf(i)
	for j := i - 1; j >= s.from && j >= i-n; j-- {
		for _, e := range p.terms[0].entries {
			if _, _, ok := m.run(s, e, j); ok {
				return true
			}
		}
	}
	return false
}

func (m *Matcher) sentenceOf(i int) *span {
	lo, hi := 0, len(m.sents)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if m.sents[mid].from <= i {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return &m.sents[lo]
}

// run reports whether the program from instruction pc matches at pos
// within sentence s, the weight of the words it matched and where it
// ends. The first success in priority order wins (fewest words skipped,
// alternatives as written, an optional word taken when present). The
// result depends only on (pc, pos), so it is memoised: the program is a
// DAG, so this is linear in the sentence length times the program size.
func (m *Matcher) run(s *span, pc, pos int) (float32, int, bool) {
	in := &m.prog[pc]
	var tw float32
	if in.op == opTest {
		// a word that is not there fails at once, with no memo to write
		hit := false
		if pos < s.to {
			tw, hit = in.test.match(&m.toks[pos])
		}
		if !hit {
			m.charge()
			return 0, 0, false
		}
	}
	idx := pc*m.width + pos - s.from
	if c := &m.memo[idx]; c.gen == m.gen {
		return c.w, int(c.end), c.ok
	}
	if !m.charge() {
		return 0, 0, false
	}
	var (
		w   float32
		end int
		ok  bool
	)
	switch in.op {
	case opMatch:
		end, ok = pos, true
	case opTest: // the word is there (checked above)
		if w, end, ok = m.run(s, in.out, pos+1); ok {
			w += tw
		}
	case opAny:
		if pos < s.to {
			w, end, ok = m.run(s, in.out, pos+1)
		}
	case opSplit:
		for _, a := range in.alts {
			if w, end, ok = m.run(s, a, pos); ok || m.budget.err != nil {
				break
			}
		}
	case opNot:
		if _, _, hit := m.run(s, in.sub, pos); !hit && m.budget.err == nil {
			w, end, ok = m.run(s, in.out, pos)
		}
	case opStart:
		if pos == s.from {
			w, end, ok = m.run(s, in.out, pos)
		}
	}
	if m.budget.err != nil {
		return 0, 0, false
	}
	m.memo[idx] = cell{gen: m.gen, ok: ok, w: w, end: int32(end)}
	return w, end, ok
}

// charge spends one step of the budget and reports whether there was one.
func (m *Matcher) charge() bool {
	if m.budget.left <= 0 {
		m.budget.err = ErrBudget
		return false
	}
	m.budget.left--
	m.steps++
	return true
}
