package dialogue

import (
	"fmt"
	"strings"
)

// Patterns are ChatScript-like and written by trainers, so the syntax is
// small (docs/scenario-format.md, "Patterns"):
//
//	money allowance        every term must appear, in any order
//	leav*                  a word starting with "leav"
//	~children              any member of the concept "children"
//	[police officer ~law]  any one of the alternatives
//	(bank account)         these words next to each other, in order
//	(how * boys)           "*" inside a sequence skips up to three words
//	(how [are is] ~kids)   alternatives may stand inside a sequence
//	!pay                   the term must not appear anywhere
//
// A pattern's specificity is the number of words its terms matched, so a
// pattern that says more wins over one that says less, whatever the order
// of intents in the file.

// maxGap is how many words "*" may skip inside a sequence.
const maxGap = 3

type elemKind uint8

const (
	elemWord elemKind = iota
	elemPrefix
	elemConcept
	elemGap
	elemAlt
)

type elem struct {
	kind elemKind
	// val is the stem for words, the normalised prefix for prefixes, the
	// concept name for concepts.
	val string
	// alts are the choices of an [a b] inside a sequence.
	alts []seq
}

// seq is a run of elements that must match next to each other.
type seq []elem

// term is one requirement of a pattern: any of its alternatives.
type term struct {
	neg  bool
	alts []seq
}

// Pattern is a compiled pattern.
type Pattern struct {
	Source string
	terms  []term
}

// PatternError says what is wrong with a pattern and where in it.
type PatternError struct {
	Pattern string
	Offset  int
	Msg     string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("pattern %q at character %d: %s", e.Pattern, e.Offset+1, e.Msg)
}

// CompilePattern parses a pattern. concepts is consulted so an unknown
// ~name is an error here rather than a pattern that silently never matches.
func CompilePattern(src string, concepts map[string][]string) (*Pattern, error) {
	p := &Pattern{Source: src}
	fail := func(at int, format string, a ...any) (*Pattern, error) {
		return nil, &PatternError{Pattern: src, Offset: at, Msg: fmt.Sprintf(format, a...)}
	}
	i := 0
	skip := func() {
		for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
			i++
		}
	}
	// parseAtom reads one word, prefix, concept or gap at i.
	parseAtom := func(inSeq bool) (elem, error) {
		start := i
		for i < len(src) && !strings.ContainsRune(" \t[]()!", rune(src[i])) {
			i++
		}
		w := src[start:i]
		switch {
		case w == "":
			return elem{}, &PatternError{src, start, "expected a word here"}
		case w == "*":
			if !inSeq {
				return elem{}, &PatternError{src, start, `"*" only works inside a sequence, as in (how * boys)`}
			}
			return elem{kind: elemGap}, nil
		case strings.HasPrefix(w, "~"):
			name := w[1:]
			if _, ok := concepts[name]; !ok {
				return elem{}, &PatternError{src, start, fmt.Sprintf("unknown concept ~%s (declare it under concepts:)", name)}
			}
			return elem{kind: elemConcept, val: name}, nil
		case strings.HasSuffix(w, "*"):
			pre := Words(strings.TrimSuffix(w, "*"))
			if len(pre) != 1 {
				return elem{}, &PatternError{src, start, fmt.Sprintf("%q is not one word", w)}
			}
			return elem{kind: elemPrefix, val: pre[0]}, nil
		}
		toks := Tokenize(w)
		if len(toks) != 1 {
			return elem{}, &PatternError{src, start, fmt.Sprintf("%q is not one word; use (a b) for a phrase", w)}
		}
		return elem{kind: elemWord, val: toks[0].Stem}, nil
	}
	parseSeq := func() (seq, error) { // at '('
		open := i
		i++
		var s seq
		for {
			skip()
			if i >= len(src) {
				return nil, &PatternError{src, open, "this ( is never closed"}
			}
			if src[i] == ')' {
				i++
				break
			}
			if src[i] == '[' {
				open := i
				i++
				var alts []seq
				for {
					skip()
					if i >= len(src) {
						return nil, &PatternError{src, open, "this [ is never closed"}
					}
					if src[i] == ']' {
						i++
						break
					}
					if strings.ContainsRune("[(!", rune(src[i])) {
						return nil, &PatternError{src, i, "inside a sequence, [ ] holds words and ~concepts only"}
					}
					e, err := parseAtom(false)
					if err != nil {
						return nil, err
					}
					alts = append(alts, seq{e})
				}
				if len(alts) == 0 {
					return nil, &PatternError{src, open, "[] needs at least one alternative"}
				}
				s = append(s, elem{kind: elemAlt, alts: alts})
				continue
			}
			if strings.ContainsRune("(!", rune(src[i])) {
				return nil, &PatternError{src, i, "a sequence holds words, ~concepts, [alternatives] and * only"}
			}
			e, err := parseAtom(true)
			if err != nil {
				return nil, err
			}
			s = append(s, e)
		}
		if len(s) == 0 || s[0].kind == elemGap || s[len(s)-1].kind == elemGap {
			return nil, &PatternError{src, open, "a sequence needs words at both ends"}
		}
		return s, nil
	}
	for {
		skip()
		if i >= len(src) {
			break
		}
		var t term
		if src[i] == '!' {
			t.neg = true
			i++
		}
		switch {
		case i < len(src) && src[i] == '[':
			open := i
			i++
			for {
				skip()
				if i >= len(src) {
					return fail(open, "this [ is never closed")
				}
				if src[i] == ']' {
					i++
					break
				}
				if src[i] == '(' {
					s, err := parseSeq()
					if err != nil {
						return nil, err
					}
					t.alts = append(t.alts, s)
					continue
				}
				e, err := parseAtom(false)
				if err != nil {
					return nil, err
				}
				t.alts = append(t.alts, seq{e})
			}
			if len(t.alts) == 0 {
				return fail(open, "[] needs at least one alternative")
			}
		case i < len(src) && src[i] == '(':
			s, err := parseSeq()
			if err != nil {
				return nil, err
			}
			t.alts = []seq{s}
		case i < len(src) && (src[i] == ')' || src[i] == ']'):
			return fail(i, "%q closes nothing", src[i])
		default:
			e, err := parseAtom(false)
			if err != nil {
				return nil, err
			}
			t.alts = []seq{{e}}
		}
		p.terms = append(p.terms, t)
	}
	positive := 0
	for _, t := range p.terms {
		if !t.neg {
			positive++
		}
	}
	if positive == 0 {
		return fail(0, "a pattern needs at least one term that must appear")
	}
	return p, nil
}

// conceptIndex holds each concept's members as stem sequences.
type conceptIndex map[string][][]string

func buildConcepts(concepts map[string][]string) conceptIndex {
	idx := make(conceptIndex, len(concepts))
	for name, members := range concepts {
		for _, m := range members {
			toks := Tokenize(m)
			if len(toks) == 0 {
				continue
			}
			stems := make([]string, len(toks))
			for i, t := range toks {
				stems[i] = t.Stem
			}
			idx[name] = append(idx[name], stems)
		}
	}
	return idx
}

// Match reports whether the pattern matches the tokens and how specific the
// match is (the number of words its terms matched).
func (p *Pattern) Match(toks []Token, concepts conceptIndex) (float64, bool) {
	score, _, ok := p.match(toks, concepts)
	return score, ok
}

// match also reports where the match ends: the token position just after
// the latest-placed term, so the engine can tell which of two topics the
// trainee raised last.
func (p *Pattern) match(toks []Token, concepts conceptIndex) (float64, int, bool) {
	score, last := 0.0, 0
	for _, t := range p.terms {
		best, end := -1.0, 0
		for _, alt := range t.alts {
			// From the end backwards: the latest place the term appears.
			for start := len(toks) - 1; start >= 0; start-- {
				if n, stop, ok := matchAt(alt, toks, start, concepts); ok {
					if w := seqWeight(alt, n); w > best || (w == best && stop > end) {
						best, end = w, stop
					}
					break
				}
			}
		}
		if t.neg {
			if best >= 0 {
				return 0, 0, false
			}
			continue
		}
		if best < 0 {
			return 0, 0, false
		}
		score += best
		last = max(last, end)
	}
	return score, last, true
}

// seqWeight: each matched word counts 1; a prefix a little less, since it
// says less about what the trainee meant.
func seqWeight(s seq, matchedWords int) float64 {
	w := float64(matchedWords)
	for _, e := range s {
		if e.kind == elemPrefix {
			w -= 0.25
		}
	}
	return w
}

// matchAt matches s at toks[i:], returning the words matched (gaps not
// counted) and the position after the match.
func matchAt(s seq, toks []Token, i int, concepts conceptIndex) (int, int, bool) {
	if len(s) == 0 {
		return 0, i, true
	}
	e := s[0]
	switch e.kind {
	case elemGap:
		for g := 0; g <= maxGap && i+g <= len(toks); g++ {
			if n, end, ok := matchAt(s[1:], toks, i+g, concepts); ok {
				return n, end, true
			}
		}
		return 0, 0, false
	case elemAlt:
		for _, alt := range e.alts {
			if n, mid, ok := matchAt(alt, toks, i, concepts); ok {
				if m, end, ok := matchAt(s[1:], toks, mid, concepts); ok {
					return n + m, end, true
				}
			}
		}
		return 0, 0, false
	case elemConcept:
		for _, member := range concepts[e.val] {
			if i+len(member) > len(toks) {
				continue
			}
			ok := true
			for j, stem := range member {
				if toks[i+j].Stem != stem {
					ok = false
					break
				}
			}
			if ok {
				if n, end, ok := matchAt(s[1:], toks, i+len(member), concepts); ok {
					return n + len(member), end, true
				}
			}
		}
		return 0, 0, false
	}
	if i >= len(toks) {
		return 0, 0, false
	}
	tk := toks[i]
	switch e.kind {
	case elemWord:
		if tk.Stem != e.val && tk.Norm != e.val {
			return 0, 0, false
		}
	case elemPrefix:
		if !strings.HasPrefix(tk.Norm, e.val) {
			return 0, 0, false
		}
	}
	n, end, ok := matchAt(s[1:], toks, i+1, concepts)
	return n + 1, end, ok
}
