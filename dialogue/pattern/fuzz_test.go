package pattern

import (
	"strings"
	"testing"
)

// naive runs the program without memoisation: exponential, but the
// definition the memoised matcher must agree with.
func naive(m *Matcher, s *span, pc, pos int) (float32, int, bool) {
	in := &m.prog[pc]
	switch in.op {
	case opMatch:
		return 0, pos, true
	case opTest:
		if pos < s.to {
			if tw, hit := in.test.match(&m.toks[pos]); hit {
				if w, end, ok := naive(m, s, in.out, pos+1); ok {
					return w + tw, end, true
				}
			}
		}
	case opAny:
		if pos < s.to {
			return naive(m, s, in.out, pos+1)
		}
	case opSplit:
		for _, a := range in.alts {
			if w, end, ok := naive(m, s, a, pos); ok {
				return w, end, true
			}
		}
	case opNot:
		if _, _, hit := naive(m, s, in.sub, pos); !hit {
			return naive(m, s, in.out, pos)
		}
	case opStart:
		if pos == s.from {
			return naive(m, s, in.out, pos)
		}
	}
	return 0, 0, false
}

// naiveFind is Find without memoisation or the start filter.
func naiveFind(m *Matcher, p *Pattern) (Result, bool) {
	m.prog = p.prog
	res := Result{Start: len(m.toks)}
	for _, t := range p.terms {
		best, found := Result{}, false
		for _, e := range t.entries {
		sentences:
			for si := len(m.sents) - 1; si >= 0; si-- {
				s := &m.sents[si]
				for pos := s.to - 1; pos >= s.from; pos-- {
					if w, end, ok := naive(m, s, e, pos); ok {
						r := Result{Start: pos, End: end, Weight: float64(w)}
						if !found || r.Weight > best.Weight || (r.Weight == best.Weight && r.End > best.End) {
							best, found = r, true
						}
						break sentences
					}
				}
			}
		}
		if t.neg {
			if found {
				return Result{}, false
			}
			continue
		}
		if !found {
			return Result{}, false
		}
		res.Weight += best.Weight
		res.Start, res.End = min(res.Start, best.Start), max(res.End, best.End)
	}
	return res, true
}

// FuzzPattern parses and compiles arbitrary patterns and matches them
// against arbitrary short lines: no panic, errors carry a position inside
// the pattern, canonical spellings reparse, steps stay within the bound
// and the memoised matcher agrees with plain backtracking.
//
//	go test -fuzz FuzzPattern -fuzztime 60s ./dialogue/pattern
func FuzzPattern(f *testing.F) {
	for _, s := range []string{
		"money allowance", "(how * boys)", "!(~kids * see) [police (came to) ~kids]",
		"(^ i =will !~neg *2 go)", "(you really? know) leav*", "[leave (take ~kids)] @name",
		"(a * a * a * a * b)", "~nested ~conflict", "(tell ~him) !pay",
	} {
		f.Add(s, "how are the boys. I will go to Brian now")
	}
	f.Fuzz(func(t *testing.T, src, text string) {
		tree, err := Parse(src)
		if err != nil {
			pe, ok := err.(*Error)
			if !ok || pe.Offset < 0 || pe.Offset > len(pe.Pattern) {
				t.Fatalf("Parse(%q): bad error %#v", src, err)
			}
			return
		}
		if _, err := Parse(tree.String()); err != nil {
			t.Fatalf("canonical %q of %q does not reparse: %v", tree.String(), src, err)
		}
		p, err := CompileTree(tree, opts)
		if err != nil {
			return
		}
		if len(text) > 200 {
			text = text[:200]
		}
		toks := line(strings.ToValidUTF8(text, " "))
		m := NewMatcher(toks, nil)
		got, gotOK := m.Find(p)
		if bound := 2 * p.Size() * (len(toks) + len(m.sents)) * len(p.terms); m.Steps() > bound+1 {
			t.Fatalf("%q: %d steps over the bound %d", src, m.Steps(), bound)
		}
		if p.Size() > 200 || len(toks) > 12 {
			return // plain backtracking could take too long
		}
		if want, wantOK := naiveFind(m, p); gotOK != wantOK || (gotOK && got != want) {
			t.Fatalf("%q on %q: Find %+v %v, plain backtracking %+v %v", src, text, got, gotOK, want, wantOK)
		}
		m.begin(p)
		for si := range m.sents {
			s := &m.sents[si]
			m.fresh()
			for pos := s.from; pos <= s.to; pos++ {
				for pc := range p.prog {
					w1, e1, ok1 := m.run(s, pc, pos)
					w2, e2, ok2 := naive(m, s, pc, pos)
					if ok1 != ok2 || (ok1 && (w1 != w2 || e1 != e2)) {
						t.Fatalf("%q on %q at pc %d pos %d: memoised %v %v %v, backtracking %v %v %v", src, text, pc, pos, w1, e1, ok1, w2, e2, ok2)
					}
				}
			}
		}
	})
}
