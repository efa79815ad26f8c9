package dialogue_test

import (
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
)

var coverAll = append(append([]string(nil), strongJennifer...),
	"Who gets James's disability benefit?",
	"Do you get to see your friends and family?",
	"Can we talk about Alan and Peter's charges?",
	"The school has said James sometimes comes in hungry. What's happening there?",
	"How are you sleeping? How is all this affecting your health?",
	"What would you like to happen for you and the boys?",
	"Can you tell me about the night the police came out last Friday?",
)

// A strong Jennifer interview covers every critical component well, each
// with the turn that earned it, and gets three quoted strengths.
func TestStrongInterviewCoversEveryComponent(t *testing.T) {
	sc := scenario(t, "jennifer")
	turns, st := playLines(sc, coverAll)
	d := dialogue.MakeDebrief(sc, turns, st)
	if len(d.Components) != len(dialogue.CriticalComponents) {
		t.Fatalf("components = %+v", d.Components)
	}
	for _, c := range d.Components {
		if c.Coverage != dialogue.CoveredWell || c.Turn == 0 || c.Text != coverAll[c.Turn-1] || len(c.Reached) < 2 {
			t.Errorf("%s: %+v; want covered well with the turn that earned it", c.ID, c)
		}
	}
	if len(d.Strengths) != 3 {
		t.Errorf("strengths = %d, want 3", len(d.Strengths))
	}
}

// A weak interview names each missed component with a question, and a
// touched one with a question on a topic not yet asked.
func TestWeakInterviewNamesMissedComponentsWithAQuestion(t *testing.T) {
	sc := scenario(t, "jennifer")
	lines := []string{"Hi Jennifer, I'm from social work.", "Why haven't you left him?",
		"You two need to stop fighting in front of the kids.", "What happens when Brian has been drinking?"}
	turns, st := playLines(sc, lines)
	d := dialogue.MakeDebrief(sc, turns, st)
	missed := 0
	for _, c := range d.Components {
		switch c.Coverage {
		case dialogue.Missed:
			missed++
			if c.Question == "" || c.Turn != 0 {
				t.Errorf("missed %s: %+v; want a question and no turn", c.ID, c)
			}
		case dialogue.Touched:
			if c.ID != dialogue.OtherFactors || c.Turn != 4 {
				t.Errorf("touched %+v; want only other factors, by turn 4", c)
			}
			if c.Question == "" || strings.Contains(c.Question, "drink") {
				t.Errorf("touched %s suggests %q; want a topic not yet asked", c.ID, c.Question)
			}
		default:
			t.Errorf("%s covered well in a weak interview", c.ID)
		}
	}
	if missed != 4 {
		t.Errorf("missed %d components, want 4: %+v", missed, d.Components)
	}
}

// validate checks the components map: all five, each with a disclosure,
// naming only what the scenario has.
func TestValidateChecksComponents(t *testing.T) {
	for _, id := range []string{"brian", "magda", "tomasz"} {
		if sc := scenario(t, id); len(sc.Components) != len(dialogue.CriticalComponents) {
			t.Errorf("%s maps %d components, want all five", id, len(sc.Components))
		} else if probs := dialogue.Lint(sc); len(probs) != 0 {
			t.Errorf("%s: %v", id, probs)
		}
	}
	sc := scenario(t, "jennifer")
	if probs := dialogue.Lint(sc); len(probs) != 0 {
		t.Fatalf("jennifer: %v", probs)
	}
	broken := *sc
	broken.Components = map[string]dialogue.ComponentEvidence{}
	for k, v := range sc.Components {
		broken.Components[k] = v
	}
	delete(broken.Components, dialogue.OtherFactors)
	broken.Components[dialogue.CoerciveControl] = dialogue.ComponentEvidence{Disclosures: []string{"no_such"}, Intents: []string{"ask_nothing"}}
	broken.Components["engagement"] = dialogue.ComponentEvidence{}
	var msgs []string
	for _, p := range dialogue.Lint(&broken) {
		if p.Code == dialogue.CodeComponentGap {
			msgs = append(msgs, p.Msg)
		}
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{`"other_factors"`, `disclosure "no_such"`, `intent "ask_nothing"`, `"engagement" is not a critical component`} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %s:\n%s", want, all)
		}
	}
}
