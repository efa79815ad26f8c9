package dialogue

import (
	"fmt"
	"strconv"
)

// The Safe & Together critical components (issue 14): a session is scored
// against them from the intents it reached, the disclosures it unlocked
// and its credit findings. A scenario says which of its intents and
// disclosures evidence which component (components: in the file).

// Component ids, in the model's order.
const (
	CoerciveControl   = "coercive_control"
	HarmToChild       = "harm_to_child"
	ProtectiveEfforts = "protective_efforts"
	AdverseImpact     = "adverse_impact"
	OtherFactors      = "other_factors"
)

// CriticalComponent is one of the five, in the trainer's words.
type CriticalComponent struct {
	ID   string
	Name string
	// Credit are the positive finding kinds that evidence it.
	Credit []FindingKind
}

// CriticalComponents are the Safe & Together critical components.
var CriticalComponents = []CriticalComponent{
	{CoerciveControl, "The perpetrator's pattern of coercive control", []FindingKind{PerpetratorFocus, BarrierQuestion}},
	{HarmToChild, "Actions taken by the perpetrator to harm the child", []FindingKind{Accountability}},
	{ProtectiveEfforts, "The full spectrum of the non-offending parent's efforts", []FindingKind{ActsOfProtection}},
	{AdverseImpact, "The adverse impact of the perpetrator's behaviour on the child", []FindingKind{ChildImpact}},
	{OtherFactors, "Substance abuse, mental health, culture and other socio-economic factors", nil},
}

// ComponentEvidence lists a scenario's intents and disclosures that
// evidence one critical component.
type ComponentEvidence struct {
	Intents     []string `yaml:"intents"`
	Disclosures []string `yaml:"disclosures"`
}

// Coverage is how well a session covered a component.
type Coverage string

const (
	CoveredWell Coverage = "covered_well"
	Touched     Coverage = "touched"
	Missed      Coverage = "missed"
)

// ComponentScore is one row of the components table.
type ComponentScore struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Coverage Coverage `json:"coverage"`
	// Turn earned it (the first turn that unlocked one of its
	// disclosures, else the first that asked about it); 0 if missed.
	Turn int    `json:"turn,omitempty"`
	Text string `json:"text,omitempty"`
	// Reached are the titles of its disclosures reached.
	Reached []string `json:"reached,omitempty"`
	// Question would have opened (more of) it; set unless covered well.
	Question string `json:"question,omitempty"`
}

// ScoreComponents scores a session against the critical components. A
// component is covered well when at least two of its disclosures were
// reached (all of them, if it has fewer), touched when the trainee asked
// about it (a non-blaming turn on one of its intents or with one of its
// credit findings) or reached one disclosure, missed otherwise. It
// returns nil for a scenario that maps no components.
func ScoreComponents(sc *Scenario, turns []Turn, st State) []ComponentScore {
	if len(sc.Components) == 0 {
		return nil
	}
	askedIntents := map[string]bool{}
	for _, t := range turns {
		if t.Intent != "" && !t.Fallback {
			askedIntents[t.Intent] = true
		}
	}
	var out []ComponentScore
	for _, cc := range CriticalComponents {
		ev := sc.Components[cc.ID]
		row := ComponentScore{ID: cc.ID, Name: cc.Name, Coverage: Missed}
		asked, unlocked := 0, 0
		for _, t := range turns {
			if t.Text == "" {
				continue
			}
			for _, id := range t.Disclosed {
				if containsString(ev.Disclosures, id) && unlocked == 0 {
					unlocked, row.Turn, row.Text = t.Number, t.Number, t.Text
				}
			}
			if asked == 0 && t.Assessment.Label != Blaming && (containsString(ev.Intents, t.Intent) && !t.Fallback || hasCredit(t, cc.Credit)) {
				asked = t.Number
			}
		}
		reached := 0
		for _, id := range ev.Disclosures {
			if st.HasDisclosed(id) {
				reached++
				if ds, ok := sc.Disclosure(id); ok {
					row.Reached = append(row.Reached, ds.Title)
				}
			}
		}
		need := min(2, len(ev.Disclosures))
		switch {
		case need > 0 && reached >= need:
			row.Coverage = CoveredWell
		case reached > 0 || asked > 0:
			row.Coverage = Touched
		}
		if row.Turn == 0 && asked > 0 {
			row.Turn = asked
			for _, t := range turns {
				if t.Number == asked {
					row.Text = t.Text
				}
			}
		}
		if row.Coverage != CoveredWell {
			row.Question = componentQuestion(sc, ev, st, askedIntents)
		}
		out = append(out, row)
	}
	return out
}

func hasCredit(t Turn, kinds []FindingKind) bool {
	for _, f := range t.Assessment.Findings {
		for _, k := range kinds {
			if f.Kind == k {
				return true
			}
		}
	}
	return false
}

// componentQuestion is a question that opens one of the component's
// disclosures not yet reached, preferring one on a topic the trainee has
// not asked about yet (asking the same again rarely helps), else an
// example of its first intent.
func componentQuestion(sc *Scenario, ev ComponentEvidence, st State, asked map[string]bool) string {
	first := ""
	for _, id := range ev.Disclosures {
		if st.HasDisclosed(id) {
			continue
		}
		q, in := sc.questionFor(id, asked)
		if q != "" && !asked[in] {
			return q
		}
		if first == "" {
			first = q
		}
	}
	if first != "" {
		return first
	}
	for _, id := range ev.Intents {
		if in, ok := sc.Intent(id); ok {
			if ex := sc.intentExamples(in); len(ex) > 0 {
				return ex[0]
			}
		}
	}
	return ""
}

// CodeComponentGap: a scenario that maps critical components leaves one
// out, or names an intent or disclosure it does not have.
const CodeComponentGap = "PV407"

// checkComponents checks a scenario's components: map. A scenario that
// maps none is not checked (its debrief has no components table); one
// that maps any must map all five, each with at least one disclosure,
// naming only intents and disclosures it has.
func checkComponents(sc *Scenario) []Problem {
	if len(sc.Components) == 0 {
		return nil
	}
	var probs []Problem
	add := func(path, format string, a ...any) {
		probs = append(probs, Problem{Source: sc.Source, Pos: sc.Pos.At(path), Code: CodeComponentGap, Msg: fmt.Sprintf(format, a...)})
	}
	known := map[string]bool{}
	for _, cc := range CriticalComponents {
		known[cc.ID] = true
		ev, ok := sc.Components[cc.ID]
		if !ok || len(ev.Disclosures) == 0 {
			add("components", "critical component %q (%s) has no disclosures that evidence it, so no session can cover it; list them under components.%s.disclosures", cc.ID, cc.Name, cc.ID)
		}
	}
	for id, ev := range sc.Components {
		if !known[id] {
			add("components."+id, "%q is not a critical component; the five are %s, %s, %s, %s and %s", id,
				CoerciveControl, HarmToChild, ProtectiveEfforts, AdverseImpact, OtherFactors)
			continue
		}
		for i, in := range ev.Intents {
			if _, ok := sc.Intent(in); !ok {
				add("components."+id+".intents."+strconv.Itoa(i), "components.%s names intent %q, which the scenario does not have", id, in)
			}
		}
		for i, d := range ev.Disclosures {
			if _, ok := sc.Disclosure(d); !ok {
				add("components."+id+".disclosures."+strconv.Itoa(i), "components.%s names disclosure %q, which the scenario does not have", id, d)
			}
		}
	}
	return probs
}
