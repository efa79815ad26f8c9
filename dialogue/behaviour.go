package dialogue

import (
	"fmt"
	"math"
	"slices"
)

// Difficulty sets how forgiving a character is: how fast trust moves, how
// guarded she starts, how long a perpetrator minimises, and how many
// blaming lines end an interview. Standard is what a course uses; gentle
// lets a new trainee recover from mistakes; hard is for assessment.
type Difficulty string

// The difficulties.
const (
	Gentle   Difficulty = "gentle"
	Standard Difficulty = "standard"
	Hard     Difficulty = "hard"
)

// Difficulties lists them, easiest first.
var Difficulties = []Difficulty{Gentle, Standard, Hard}

// Valid reports whether d is a known difficulty ("" means standard).
func (d Difficulty) Valid() bool { return d == "" || slices.Contains(Difficulties, d) }

type difficultyRules struct {
	blameScale, creditScale float64
	startShift              int
	// sustained is how many blaming lines an interview takes before low
	// trust ends it: one bad moment is recoverable, a pattern is not.
	sustained int
	// ownShift moves the accountability thresholds.
	ownShift int
}

func (d Difficulty) rules() difficultyRules {
	switch d {
	case Gentle:
		return difficultyRules{blameScale: 0.6, creditScale: 1.3, startShift: 8, sustained: 4, ownShift: -1}
	case Hard:
		return difficultyRules{blameScale: 1.4, creditScale: 0.8, startShift: -8, sustained: 2, ownShift: 1}
	}
	return difficultyRules{blameScale: 1, creditScale: 1, sustained: 3}
}

// StateOption changes how a session starts.
type StateOption func(*State)

// WithDifficulty starts the session at difficulty d.
func WithDifficulty(d Difficulty) StateOption {
	return func(s *State) {
		if d != Standard {
			s.Difficulty = d
		}
	}
}

// effect is the trust change for a finding at the session's difficulty.
func (sc *Scenario) effect(st State, k FindingKind) int {
	v := float64(sc.Effect(k))
	r := st.Difficulty.rules()
	if v < 0 {
		v *= r.blameScale
	} else {
		v *= r.creditScale
	}
	return int(math.Round(v))
}

// endReason says why the interview must end now, or "" if it goes on:
// a single grave line (a threat of removal put on her), or trust below the
// scenario's floor after a sustained pattern of blame.
func (sc *Scenario) endReason(st State, a Assessment) (why string, grave bool) {
	for _, f := range a.Findings {
		if f.Grave && sc.Trust.EndBelow > 0 {
			return fmt.Sprintf("a single grave line at turn %d (%q, %s)", st.Turn, f.Words, f.Kind), true
		}
	}
	if sc.Trust.EndBelow == 0 || st.Trust >= sc.Trust.EndBelow {
		return "", false
	}
	if n := len(st.Blamed); n >= st.Difficulty.rules().sustained {
		what := "blaming lines"
		if sc.Role == Perpetrator {
			what = "blaming or shaming lines"
		}
		return fmt.Sprintf("trust %d fell below %d after %d %s (turns %s)", st.Trust, sc.Trust.EndBelow, n, what, joinTurns(st.Blamed)), false
	}
	return "", false
}

func joinTurns(ts []int) string {
	out := ""
	for i, t := range ts {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprint(t)
	}
	return out
}

// Stage is the perpetrator's accountability stage now.
func (sc *Scenario) Stage(st State) Stage {
	p := sc.Accountability
	if p == nil {
		return ""
	}
	shift := st.Difficulty.rules().ownShift
	switch {
	case st.Held >= max(1, p.OwnAfter+shift):
		return Owning
	case st.Held >= max(1, p.PartialAfter+shift):
		return Partial
	}
	return Minimising
}

// hold updates the accountability count for a turn: a skilled turn on one
// of the topics (or a follow-up to one) moves him on; shaming sets him back
// two, collusion or a move to another topic one.
func (sc *Scenario) hold(st *State, a Assessment, intent string, followUpOf string) string {
	p := sc.Accountability
	if p == nil {
		return ""
	}
	before := st.Held
	onTopic := slices.Contains(p.Topics, intent) || (followUpOf != "" && slices.Contains(p.Topics, followUpOf))
	switch {
	case a.Has(Hostile):
		st.Held = max(0, st.Held-2)
	case a.Has(Collusion):
		st.Held = max(0, st.Held-1)
	case a.Blaming():
		// blame of another kind loses the focus on him
		st.Held = max(0, st.Held-1)
	case onTopic:
		st.Held++
	case intent != "" && !sc.isSocial(intent) && st.Held > 0 && sc.Stage(*st) != Owning:
		st.Held--
	}
	if st.Held == before {
		return ""
	}
	return fmt.Sprintf("accountability %d → %d (%s)", before, st.Held, sc.Stage(*st))
}

// isSocial reports whether an intent is a shared move that keeps the
// conversation where it is (empathy, thanks, a follow-up).
func (sc *Scenario) isSocial(id string) bool {
	in, ok := sc.Intent(id)
	return ok && in.Move != "" && !topicalMoves[in.Move]
}
