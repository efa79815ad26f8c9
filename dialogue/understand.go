package dialogue

import (
	"sort"

	"github.com/pivotcoach/pivot/dialogue/pattern"
	"unicode"
	"unicode/utf8"
)

// How the engine decides what a line asks. Two readers vote: the author's
// patterns (precise, where written) and the learned matcher (broad). The
// matcher's probability is the base; a pattern match adds PatternBonus to
// its intent, so an author's precise pattern can settle a close call but
// cannot overrule a matcher that is sure of something else. A line of
// several questions is read whole and part by part, and the surest reading
// wins: the character answers the part she can answer.
const (
	// AnswerAbove: a reading this sure is answered.
	AnswerAbove = 0.45
	// ConfirmAbove: a reading this sure, but not sure enough to answer,
	// makes the character ask about it ("The money, you mean?"). Below
	// it she says she did not follow: a clarifying question is better
	// than a wrong answer, a fallback better than a confident wrong one.
	ConfirmAbove = 0.27
	// PatternBonus is what a matching author pattern adds to an intent the
	// matcher has learned: enough to settle a close call. An intent with
	// no example wordings at all (a patterns-only scenario) has nothing
	// learned to weigh, so its pattern counts as sure: patternOnlyBonus.
	PatternBonus     = 0.2
	patternOnlyBonus = 0.5
	// specificityStep is added per word a pattern matched.
	specificityStep = 0.03
	// clauseMargin is how much surer a reading of one clause must be than
	// the reading of the whole line to be answered instead.
	clauseMargin = 0.15
)

// reading is the engine's interpretation of one trainee line.
type reading struct {
	intent     int // index into Intents; -1 for none
	confidence float64
	// how names what decided it, for the trace.
	how     string
	pattern string
	// confirm: not sure enough; ask about intent instead of answering.
	confirm bool
	// tiedWith is a second intent read exactly as strongly, that neither
	// the phase nor the order of the line separates (-1 if none): the
	// character asks which was meant.
	tiedWith int
	// patternsCut: the turn's pattern-matching budget ran out, so some
	// patterns were not tried (a pathological line or pattern).
	patternsCut bool
}

// candidate readings of one clause, best first.
type scored struct {
	intent  int
	score   float64
	learned float64
	pattern string
	end     int
}

// tieMargin: two readings this close are a tie, settled by the phase the
// trainee is in, then by the topic raised last.
const tieMargin = 0.02

// read decides which intent a line asks about. phase is the scorer's
// phase for the line, which settles ties.
func (sc *Scenario) read(toks []Token, phase Phase) reading {
	budget := pattern.NewBudget(turnPatternSteps)
	r := sc.readWithin(toks, phase, budget)
	r.patternsCut = budget.Err() != nil
	return r
}

// readWithin is read with every pattern match charged to budget.
func (sc *Scenario) readWithin(toks []Token, phase Phase, budget *pattern.Budget) reading {
	// The whole line first; a clause wins only when it is clearly surer,
	// so an aside ("the kids are at school, aye?") does not hijack the
	// question around it.
	parts := clauses(toks)
	best := sc.readPart(parts[0], budget)
	for _, part := range parts[1:] {
		c := sc.readPart(part, budget)
		if len(c) > 0 && (len(best) == 0 || c[0].score > best[0].score+clauseMargin) {
			best = c
		}
	}
	if len(best) == 0 || best[0].score < ConfirmAbove {
		conf := 0.0
		if len(best) > 0 {
			conf = best[0].score
		}
		return reading{intent: -1, tiedWith: -1, confidence: conf, how: "nothing sure enough"}
	}
	tied := 1
	for tied < len(best) && best[0].score-best[tied].score < tieMargin {
		tied++
	}
	r := reading{tiedWith: -1}
	if tied > 1 {
		key := func(c scored) [2]int {
			in := 0
			if sc.Intents[c.intent].Phase == phase {
				in = 1
			}
			return [2]int{in, c.end}
		}
		group := best[:tied]
		sort.SliceStable(group, func(i, j int) bool {
			ki, kj := key(group[i]), key(group[j])
			return ki[0] > kj[0] || (ki[0] == kj[0] && ki[1] > kj[1])
		})
		if key(group[0]) == key(group[1]) {
			r.tiedWith = group[1].intent
		}
	}
	top := best[0]
	r.intent, r.confidence, r.pattern = top.intent, min(top.score, 1), top.pattern
	switch {
	case top.pattern != "" && top.learned >= AnswerAbove:
		r.how = "the matcher and a pattern"
	case top.pattern != "":
		r.how = "a pattern"
	default:
		r.how = "the matcher"
	}
	r.confirm = top.score < AnswerAbove
	return r
}

// readPart scores one clause with both readers: every intent either
// reader gives some weight, best first.
func (sc *Scenario) readPart(toks []Token, budget *pattern.Budget) []scored {
	m := sc.matcher()
	p := m.Probabilities(toks, sc.index.concepts)
	// Unknown words discount the matcher (not the patterns an author
	// wrote): most of all for a follow-up, which has no topic of its own,
	// so "what about the receipts?" is not read as "and then?".
	cover := m.Coverage(toks)
	all := make([]scored, len(sc.Intents))
	classes := sc.intentClasses(m)
	for i, in := range sc.Intents {
		discount := 0.4 + 0.6*cover
		if in.Move == MoveFollowUp {
			discount = cover
		}
		all[i] = scored{intent: i, learned: p[classes[i]] * discount}
		all[i].score = all[i].learned
	}
	learned := sc.learnedIntents()
	for _, c := range sc.rank(toks, budget) {
		if all[c.intent].pattern == "" {
			bonus := PatternBonus
			if !learned[c.intent] {
				bonus = patternOnlyBonus
			}
			// A more specific pattern (more words matched) adds a little
			// more, so it beats a vaguer one as it always has.
			all[c.intent].score += bonus + specificityStep*min(c.score, 6)
			all[c.intent].pattern, all[c.intent].end = c.pattern, c.end
		}
	}
	out := all[:0]
	for _, c := range all {
		if c.score >= 0.01 {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}

// learnedIntents reports, by intent index, which intents the matcher has
// example wordings for.
func (sc *Scenario) learnedIntents() []bool {
	sc.index.learnedOnce.Do(func() {
		_, examples := sc.trainingExamples()
		has := map[string]bool{}
		for _, ex := range examples {
			has[ex.Intent] = true
		}
		sc.index.learned = make([]bool, len(sc.Intents))
		for i, in := range sc.Intents {
			sc.index.learned[i] = has[in.ID]
		}
	})
	return sc.index.learned
}

// intentClasses gives, by intent index, the matcher's class for the
// intent (its last class, the catch-all, when it has none of its own).
// It is worked out once: looking each intent up among the classes on
// every clause made a turn quadratic in the number of intents.
func (sc *Scenario) intentClasses(m *Matcher) []int {
	sc.index.classOnce.Do(func() {
		first := make(map[string]int, len(m.Classes))
		for k, c := range m.Classes {
			if _, seen := first[c]; !seen {
				first[c] = k
			}
		}
		sc.index.classes = make([]int, len(sc.Intents))
		for i, in := range sc.Intents {
			k, ok := first[in.ID]
			if !ok {
				k = len(m.Classes) - 1
			}
			sc.index.classes[i] = k
		}
	})
	return sc.index.classes
}

// clauses returns the whole line and, when it holds several questions or
// sentences, each of them: "What did you do with your hands, and with her
// phone?" is read whole, then as its two halves.
func clauses(toks []Token) [][]Token {
	out := [][]Token{toks}
	if len(toks) < 6 {
		return out
	}
	start := 0
	for i := 1; i < len(toks); i++ {
		if toks[i].Norm == "and" || toks[i].Norm == "or" || toks[i].Norm == "also" || toks[i].Norm == "but" || toks[i-1].SentenceEnd {
			if i-start >= 3 && len(toks)-i >= 3 {
				out = append(out, toks[start:i])
				start = i
			}
		}
	}
	if start > 0 {
		out = append(out, toks[start:])
	}
	return out
}

// capitalise upper-cases the first letter, for a topic opening a sentence.
func capitalise(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
