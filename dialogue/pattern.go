package dialogue

import (
	"fmt"

	"github.com/pivotcoach/pivot/dialogue/pattern"
)

// Scenario patterns are written in the one pattern language of package
// pattern (docs/patterns.md), which the scorer's rules share:
//
//	money allowance        every term must appear, in any order
//	leave                  the word in any form (leave, leaving, left)
//	=left                  exactly this word
//	leav*                  a word starting with "leav"
//	~children              any member of the concept "children"
//	[police officer ~law]  any one of the alternatives
//	(bank account)         these words in a row, within one sentence
//	(how * boys)           "*" skips up to three words, "*N" up to N
//	!pay                   the term does not appear anywhere
//
// A pattern's specificity is the number of words its terms matched, so a
// pattern that says more wins over one that says less, whatever the order
// of intents in the file.

// turnPatternSteps bounds the pattern matching of one turn (the whole line
// and each of its clauses against every pattern of the scenario). A turn
// of a long line against a few hundred patterns uses a few hundred
// thousand steps; the budget only bites on a pathological line or pattern,
// which then reads as if no pattern matched, and the turn's trace says so.
const turnPatternSteps = 4_000_000

// maxPatternSize bounds one pattern's compiled size. Matching costs at most
// about 2 × size steps per word, so on the longest line (MaxReplyRunes
// characters, some 2,000 words) a pattern this size may spend a third of
// the turn's budget alone; every pattern shipped is under 50.
const maxPatternSize = 300

// patternCost rejects a pattern too costly to match on every turn.
func patternCost(p *pattern.Pattern) error {
	if p.Size() > maxPatternSize {
		return fmt.Errorf("pattern %q is too costly: it compiles to %d steps a word (at most %d); use fewer or shorter gaps (*N) and optional words, or split it into several patterns", p.Source(), p.Size(), maxPatternSize)
	}
	return nil
}

// CompilePattern parses and compiles a scenario pattern. concepts is
// consulted so an unknown ~name is an error here rather than a pattern
// that silently never matches. Errors are *pattern.Error values naming the
// character and what was expected.
func CompilePattern(src string, concepts map[string][]string) (*pattern.Pattern, error) {
	return pattern.Compile(src, patternOptions(concepts))
}

// patternOptions gives the pattern compiler the engine's normalisation
// and the scenario's concepts, whose members are words and phrases.
func patternOptions(concepts map[string][]string) pattern.Options {
	return pattern.Options{
		Normalise: func(text string) []pattern.Word {
			toks := Tokenize(text)
			out := make([]pattern.Word, len(toks))
			for i, t := range toks {
				out[i] = pattern.Word{Norm: t.Norm, Stem: t.Stem}
			}
			return out
		},
		Concept: func(name string) ([]string, bool) {
			m, ok := concepts[name]
			return m, ok
		},
	}
}

// patternLine is a line's tokens as the pattern matcher reads them: a new
// sentence after ".", "?", "!" or ";", and a capitalised word that does
// not start a sentence (other than "I") taken as a name.
func patternLine(toks []Token) []pattern.Token {
	out := make([]pattern.Token, len(toks))
	for i, t := range toks {
		start := i == 0 || toks[i-1].SentenceEnd
		out[i] = pattern.Token{
			Norm:          t.Norm,
			Stem:          t.Stem,
			SentenceStart: start,
			Name:          t.Capital && !start && t.Norm != "i" && (i == 0 || toks[i-1].Start != t.Start),
		}
	}
	return out
}

// conceptIndex holds each concept's members as stem sequences, for the
// learned matcher's concept features (matcher.go).
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
