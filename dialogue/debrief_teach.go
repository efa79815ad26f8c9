package dialogue

import (
	"sort"
	"strings"
)

// Feedback that teaches (issue 14): the debrief praises the session's best
// moves as specifically as it corrects, and names the key disclosures not
// reached, each with a question that would have opened it. These live
// apart from MakeDebrief so other debrief lines merge cleanly.

// Strength is one of the session's best moves: the trainee's words, the
// credit findings behind it and what it unlocked on that turn.
type Strength struct {
	Turn int    `json:"turn"`
	Text string `json:"text"`
	// Credit holds the positive findings of the turn, each with its why.
	Credit []Finding `json:"credit"`
	// Unlocked are the titles of the disclosures reached on the turn.
	Unlocked []string `json:"unlocked,omitempty"`
	// TrustDelta is how far trust moved on the turn.
	TrustDelta int `json:"trust_delta"`
	// Open: the turn was an open question.
	Open bool `json:"open_question,omitempty"`
}

// Gap is a key disclosure the session did not reach, in the trainer's
// words (its title), with one question that would have opened it.
type Gap struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Question string `json:"question,omitempty"`
}

// maxStrengths is how many best moves a debrief names.
const maxStrengths = 3

// bestMoves picks up to n non-blaming turns that did the most good:
// credit findings and disclosures reached (a key disclosure counts
// double), then trust gained. They are returned in turn order. A turn with
// neither credit nor a disclosure is not praised: praise must name why.
func bestMoves(sc *Scenario, turns []Turn, n int) []Strength {
	type scored struct {
		s     Strength
		score int
	}
	var cands []scored
	for _, t := range turns {
		if t.Text == "" || t.Assessment.Label == Blaming {
			continue
		}
		s := Strength{Turn: t.Number, Text: t.Text, TrustDelta: t.TrustAfter - t.TrustBefore, Open: t.Assessment.Question == OpenQuestion}
		score := 0
		for _, f := range t.Assessment.Findings {
			if f.Kind.Positive() {
				s.Credit = append(s.Credit, f)
				score += 2
			}
		}
		for _, id := range t.Disclosed {
			ds, ok := sc.Disclosure(id)
			if !ok {
				continue
			}
			s.Unlocked = append(s.Unlocked, ds.Title)
			score += 2
			if ds.Key {
				score += 2
			}
		}
		if score == 0 {
			continue
		}
		if s.TrustDelta > 0 {
			score++
		}
		cands = append(cands, scored{s, score})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	if len(cands) > n {
		cands = cands[:n]
	}
	out := make([]Strength, len(cands))
	for i, c := range cands {
		out[i] = c.s
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Turn < out[j].Turn })
	return out
}

// namedGaps lists the key disclosures st has not reached, in file order,
// each with a question that would have opened it, preferring a topic the
// trainee did not already ask about.
func namedGaps(sc *Scenario, turns []Turn, st State) []Gap {
	asked := map[string]bool{}
	for _, t := range turns {
		if t.Intent != "" && !t.Fallback {
			asked[t.Intent] = true
		}
	}
	var out []Gap
	for _, ds := range sc.Disclosures {
		if !ds.Key || st.HasDisclosed(ds.ID) {
			continue
		}
		q, _ := sc.questionFor(ds.ID, asked)
		out = append(out, Gap{ID: ds.ID, Title: ds.Title, Question: q})
	}
	return out
}

// QuestionFor returns a wording a trainee could use to open disclosure
// id: an example of an intent with a reply that discloses it. Of those
// intents it prefers the one whose disclosing reply asks least (fewest
// conditions), and of its examples the first that is a question and
// scores non-blaming. It reports false if no intent's reply discloses id
// or none has an example.
func (sc *Scenario) QuestionFor(id string) (string, bool) {
	q, _ := sc.questionFor(id, nil)
	return q, q != ""
}

// questionFor is QuestionFor, skipping intents in skip where another
// intent opens id too; it also returns the intent the question is from.
func (sc *Scenario) questionFor(id string, skip map[string]bool) (string, string) {
	type cand struct {
		in   *Intent
		cost int
	}
	var cands []cand
	for i := range sc.Intents {
		in := &sc.Intents[i]
		best := -1
		for _, r := range in.Replies {
			if r.Again || !containsString(r.Discloses, id) {
				continue
			}
			if c := r.When.Specificity(); best < 0 || c < best {
				best = c
			}
		}
		if best >= 0 {
			cands = append(cands, cand{in, best})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if si, sj := skip[cands[i].in.ID], skip[cands[j].in.ID]; si != sj {
			return sj
		}
		return cands[i].cost < cands[j].cost
	})
	fallback, fallbackIntent := "", ""
	for _, c := range cands {
		for _, ex := range sc.intentExamples(c.in) {
			ex = strings.TrimSpace(ex)
			if ex == "" {
				continue
			}
			if fallback == "" {
				fallback, fallbackIntent = ex, c.in.ID
			}
			if strings.HasSuffix(ex, "?") && sc.Scorer().Score(sc.Role, ex).Label != Blaming {
				return ex, c.in.ID
			}
		}
	}
	return fallback, fallbackIntent
}

// intentExamples are an intent's own example wordings, then its shared
// move's.
func (sc *Scenario) intentExamples(in *Intent) []string {
	out := append([]string(nil), in.Examples...)
	if mv, ok := sc.moves.Move(in.Move); ok {
		out = append(out, mv.Examples...)
	}
	return out
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// addTeaching fills the debrief's strengths and named gaps.
func addTeaching(d *Debrief, sc *Scenario, turns []Turn, st State) {
	d.Strengths = bestMoves(sc, turns, maxStrengths)
	d.Gaps = namedGaps(sc, turns, st)
	d.Components = ScoreComponents(sc, turns, st)
}
