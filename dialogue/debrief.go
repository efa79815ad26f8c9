package dialogue

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Debrief is what a practice session gives back: the figures, each blaming
// finding with its rewrite, the phase timeline and what was skipped, the
// disclosures reached, trust over time, and a few concrete suggestions.
type Debrief struct {
	Scenario  string `json:"scenario"`
	Character string `json:"character"`
	Turns     int    `json:"turns"`
	// NonBlaming counts non-blaming replies; NonBlamingShare is it over Turns.
	NonBlaming      int     `json:"non_blaming"`
	NonBlamingShare float64 `json:"non_blaming_share"`
	// OpenShare is the share of replies that were open questions.
	OpenShare float64          `json:"open_question_share"`
	Blaming   []DebriefFinding `json:"blaming_findings"`
	// Shaming counts replies with shaming language (hostile findings) and
	// ShamingFindings lists them with a why and a rewrite. Shaming is
	// coached as its own line: it never counts as blaming.
	Shaming         int               `json:"shaming"`
	ShamingFindings []DebriefFinding  `json:"shaming_findings,omitempty"`
	Credit          map[string]int    `json:"credit"`
	Timeline        []Phase           `json:"phase_timeline"`
	Skipped         []Phase           `json:"phases_skipped"`
	OutOfOrd        []string          `json:"out_of_order"`
	Reached         []DisclosureState `json:"disclosures_reached"`
	Missed          []DisclosureState `json:"disclosures_missed"`
	// KeyReached of KeyTotal key disclosures were reached.
	KeyReached int   `json:"key_reached"`
	KeyTotal   int   `json:"key_total"`
	Trust      []int `json:"trust"`
	EndedEarly bool  `json:"ended_early"`
	// EndReason says why the character ended the interview; CostlyTurns
	// are the turns that cost the most trust, worst first.
	EndReason   string       `json:"end_reason,omitempty"`
	CostlyTurns []CostlyTurn `json:"costly_turns,omitempty"`
	Suggestions []string     `json:"suggestions"`
	// Strengths are the session's best moves, quoted, with why they
	// worked; Gaps are the key disclosures not reached, each with a
	// question that would have opened it (debrief_teach.go).
	Strengths []Strength `json:"strengths,omitempty"`
	Gaps      []Gap      `json:"gaps,omitempty"`
	// Components scores the session against the Safe & Together
	// critical components (components.go); nil if the scenario maps none.
	Components []ComponentScore `json:"components,omitempty"`
	// Undos counts the turns taken back; Redone shows, for each turn
	// taken back, the versions tried and the one kept (debrief_undo.go).
	Undos  int    `json:"undos,omitempty"`
	Redone []Redo `json:"redone,omitempty"`
}

// CostlyTurn is a trainee line that lowered trust, and by how much.
type CostlyTurn struct {
	Turn  int    `json:"turn"`
	Text  string `json:"text"`
	Delta int    `json:"delta"`
}

// DebriefFinding is one blaming finding with the turn it came from.
type DebriefFinding struct {
	Turn int `json:"turn"`
	Finding
}

// DisclosureState names a disclosure and whether it was key.
type DisclosureState struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Key   bool   `json:"key"`
}

// MakeDebrief builds the debrief from a session's turns and final state.
func MakeDebrief(sc *Scenario, turns []Turn, st State) Debrief {
	d := Debrief{Scenario: sc.ID, Character: sc.Character, Credit: map[string]int{}, Trust: []int{sc.Trust.Start}}
	open := 0
	for _, t := range turns {
		if t.Text == "" && t.Assessment.Label == "" {
			continue
		}
		d.Turns++
		if t.Assessment.Label != Blaming {
			d.NonBlaming++
		}
		if t.Assessment.Question == OpenQuestion {
			open++
		}
		if t.Assessment.Has(Hostile) {
			d.Shaming++
		}
		for _, f := range t.Assessment.Findings {
			switch {
			case f.Kind == Hostile:
				d.ShamingFindings = append(d.ShamingFindings, DebriefFinding{Turn: t.Number, Finding: f})
			case f.Kind.Blaming():
				d.Blaming = append(d.Blaming, DebriefFinding{Turn: t.Number, Finding: f})
			case f.Kind.Positive():
				d.Credit[string(f.Kind)]++
			}
		}
		d.Timeline = append(d.Timeline, t.Assessment.Phase)
		d.Trust = append(d.Trust, t.TrustAfter)
	}
	if d.Turns > 0 {
		d.NonBlamingShare = float64(d.NonBlaming) / float64(d.Turns)
		d.OpenShare = float64(open) / float64(d.Turns)
	}
	for _, p := range Phases {
		if !slices.Contains(d.Timeline, p) {
			d.Skipped = append(d.Skipped, p)
		}
	}
	d.OutOfOrd = outOfOrder(d.Timeline, turns)
	for _, ds := range sc.Disclosures {
		s := DisclosureState{ID: ds.ID, Title: ds.Title, Key: ds.Key}
		if st.HasDisclosed(ds.ID) {
			d.Reached = append(d.Reached, s)
			if ds.Key {
				d.KeyReached++
			}
		} else {
			d.Missed = append(d.Missed, s)
		}
		if ds.Key {
			d.KeyTotal++
		}
	}
	d.EndedEarly = st.Ended && len(turns) > 0 && turns[len(turns)-1].Ended && (d.TrustFell(sc) || st.EndReason != "")
	if d.EndedEarly {
		d.EndReason = st.EndReason
		d.CostlyTurns = costlyTurns(turns, 3)
	}
	d.Suggestions = suggestions(sc, d)
	addTeaching(&d, sc, turns, st)
	d.Suggestions = beyondOneSlip(d)
	return d
}

// beyondOneSlip keeps a single blaming reply in an otherwise non-blaming
// interview from being the only thing to try next time: a lone finding
// may be a misreading, and even when it is not, the interview has more to
// teach. It adds the next thing worth practising: a critical component
// not covered well, with its question, or else a key disclosure not
// reached, or else the strong-interview advice.
func beyondOneSlip(d Debrief) []string {
	out := d.Suggestions
	if len(out) != 1 || d.Turns-d.NonBlaming != 1 || d.Turns < 3 || len(d.Blaming) == 0 {
		return out
	}
	for _, c := range d.Components {
		if c.Coverage != CoveredWell && c.Question != "" {
			return append(out, fmt.Sprintf("Otherwise a sound interview. Go further on %s: “%s”", lowerFirst(c.Name), c.Question))
		}
	}
	for _, g := range d.Gaps {
		if g.Question != "" {
			return append(out, fmt.Sprintf("Otherwise a sound interview. Still unknown: %s. A question that opens it: “%s”", g.Title, g.Question))
		}
	}
	return append(out, "Otherwise a strong interview. Try it again with coaching off (coach off) to practise under exam conditions.")
}

// lowerFirst lowers a name's first letter for use mid-sentence ("The
// perpetrator's pattern" → "the perpetrator's pattern").
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// costlyTurns returns up to n turns that lowered trust most, worst first.
func costlyTurns(turns []Turn, n int) []CostlyTurn {
	var out []CostlyTurn
	for _, t := range turns {
		if d := t.TrustAfter - t.TrustBefore; d < 0 && t.Text != "" {
			out = append(out, CostlyTurn{Turn: t.Number, Text: t.Text, Delta: d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Delta < out[j].Delta })
	if len(out) > n {
		out = out[:n]
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Turn < out[j].Turn })
	return out
}

// TrustFell reports whether the session ended below where it started.
func (d Debrief) TrustFell(sc *Scenario) bool {
	return len(d.Trust) > 0 && d.Trust[len(d.Trust)-1] < sc.Trust.Start
}

// outOfOrder notes the orderings the practice model coaches: worries
// before any engagement, and next steps before both worries and what is
// working well have been explored. A next-steps move is noted only if it
// did no good: a good move (one that earned credit, opened a disclosure
// or raised trust) showed the character was ready for it, and a blaming
// one is coached as blaming, not as a matter of order. timeline is the
// phase of each of turns, in order.
func outOfOrder(timeline []Phase, turns []Turn) []string {
	var notes []string
	if len(timeline) > 0 && timeline[0] != Engagement {
		notes = append(notes, fmt.Sprintf("opened with %s before any engagement", phaseName(timeline[0])))
	}
	scored := scoredTurns(turns)
	seenW, seenWW := false, false
	for i, p := range timeline {
		switch p {
		case Worries:
			seenW = true
		case WorkingWell:
			seenWW = true
		case NextSteps:
			if seenW && seenWW {
				return notes
			}
			if i < len(scored) && (goodMove(scored[i]) || scored[i].Assessment.Blaming()) {
				continue
			}
			var missing string
			switch {
			case !seenW && !seenWW:
				missing = "the worries and what is working well"
			case !seenW:
				missing = "the worries"
			default:
				missing = "what is working well"
			}
			return append(notes, fmt.Sprintf("turn %d moved to next steps before %s had been explored", i+1, missing))
		}
	}
	return notes
}

// scoredTurns are the turns MakeDebrief counts, in order (the timeline's
// turns).
func scoredTurns(turns []Turn) []Turn {
	var out []Turn
	for _, t := range turns {
		if t.Text == "" && t.Assessment.Label == "" {
			continue
		}
		out = append(out, t)
	}
	return out
}

// goodMove reports whether a turn did good: non-blaming, and it earned a
// credit finding, opened a disclosure or raised trust.
func goodMove(t Turn) bool {
	if t.Assessment.Blaming() {
		return false
	}
	if len(t.Disclosed) > 0 || t.TrustAfter > t.TrustBefore {
		return true
	}
	for _, f := range t.Assessment.Findings {
		if f.Kind.Positive() {
			return true
		}
	}
	return false
}

func phaseName(p Phase) string {
	switch p {
	case Engagement:
		return "engagement"
	case Worries:
		return "worries"
	case WorkingWell:
		return "what is working well"
	case NextSteps:
		return "next steps"
	}
	return string(p)
}

// PhaseName is the phase in the trainer's words.
func PhaseName(p Phase) string { return phaseName(p) }

// suggestions picks the two or three most useful things to practise next,
// most important first.
func suggestions(sc *Scenario, d Debrief) []string {
	var out []string
	// A kind is counted once per turn: one sentence with two
	// mutualizing words is one mutualizing reply, not two.
	counts := map[FindingKind]int{}
	var first = map[FindingKind]Finding{}
	counted := map[FindingKind]map[int]bool{}
	for _, f := range d.Blaming {
		if counted[f.Kind] == nil {
			counted[f.Kind] = map[int]bool{}
			first[f.Kind] = f.Finding
		}
		if !counted[f.Kind][f.Turn] {
			counted[f.Kind][f.Turn] = true
			counts[f.Kind]++
		}
	}
	for _, k := range BlamingKinds {
		if counts[k] == 0 {
			continue
		}
		f := first[k]
		times := "once"
		if counts[k] > 1 {
			times = fmt.Sprintf("in %d replies", counts[k])
		}
		s := fmt.Sprintf("%s came up %s. Next time, instead of “%s”, %s", kindName(k), times, f.Words, lowerFirst(TryText(f.Rewrite)))
		out = append(out, s)
		if len(out) == 2 {
			break
		}
	}
	if len(d.ShamingFindings) > 0 && len(out) < 3 {
		f := d.ShamingFindings[0].Finding
		times := "once"
		if d.Shaming > 1 {
			times = fmt.Sprintf("in %d replies", d.Shaming)
		}
		s := fmt.Sprintf("Shaming language came up %s (not blaming, but it costs engagement). Next time, instead of “%s”, name the behaviour. %s", times, f.Words, TryText(f.Rewrite))
		out = append(out, s)
	}
	if len(d.Skipped) > 0 && len(out) < 3 {
		p := d.Skipped[0]
		s := fmt.Sprintf("You did not get to %s.", phaseName(p))
		if h := sc.Hints[p]; len(h) > 0 {
			s += " " + TryText(h[0])
		}
		out = append(out, s)
	}
	if d.Credit[string(ActsOfProtection)] == 0 && sc.Role == Survivor && len(out) < 3 {
		out = append(out, fmt.Sprintf("Ask about %s's protective efforts: what has she done to keep the children safe? Naming them builds the partnership.", sc.Character))
	}
	if d.Credit[string(ParentEngagement)] == 0 && sc.Role == Perpetrator && len(out) < 3 {
		out = append(out, fmt.Sprintf("Engage %s as a father who matters: ask what kind of dad he wants to be, and hold him to the same parenting standard.", sc.Character))
	}
	if d.KeyTotal > 0 && d.KeyReached*2 < d.KeyTotal && len(out) < 3 {
		out = append(out, "Most key disclosures stayed locked. Specific, behaviour-focused questions about the perpetrator's pattern, asked once trust is built, open them.")
	}
	if d.Turns > 0 && d.OpenShare < 0.5 && len(out) < 3 {
		out = append(out, fmt.Sprintf("Only %.0f%% of your replies were open questions. Start with what, how or tell me about.", d.OpenShare*100))
	}
	if len(out) == 0 {
		out = append(out, "A strong interview. Try it again with coaching off (/coach off) to practise under exam conditions.")
	}
	return out
}

// KindName is a finding kind in the trainer's words.
func KindName(k FindingKind) string { return kindName(k) }

func kindName(k FindingKind) string {
	switch k {
	case SurvivorBlame:
		return "Survivor blame"
	case FailureToProtect:
		return "Failure-to-protect framing"
	case Mutualizing:
		return "Mutualizing language"
	case Collusion:
		return "Collusion with his excuses"
	case AssumptionAsFact:
		return "An assumption stated as fact"
	case Hostile:
		return "Shaming language"
	case PerpetratorFocus:
		return "Perpetrator focus"
	case ActsOfProtection:
		return "Acts of protection"
	case ChildImpact:
		return "Impact on a child"
	case BarrierQuestion:
		return "A barrier question"
	case ParentEngagement:
		return "Engaging him as a parent"
	case Accountability:
		return "Accountability"
	case SolutionFocused:
		return "Solution-focused question"
	}
	return string(k)
}
