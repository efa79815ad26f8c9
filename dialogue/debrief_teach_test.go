package dialogue_test

import (
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

func scenario(t *testing.T, id string) *dialogue.Scenario {
	t.Helper()
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := lib.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func playLines(sc *dialogue.Scenario, lines []string) ([]dialogue.Turn, dialogue.State) {
	st := dialogue.NewState(sc, 1)
	var turns []dialogue.Turn
	for _, l := range lines {
		var t dialogue.Turn
		t, st = dialogue.Step(sc, st, l)
		turns = append(turns, t)
	}
	return turns, st
}

var strongJennifer = []string{
	"Hi Jennifer, I'm Sam from social work. I'm here because we got two police concern forms this week and I'd like to hear from you.",
	"Before we start, is it safe to talk just now? Is Brian due home?",
	"What you tell me I won't share with Brian. If I'm worried a child is at risk I'll tell you what I need to share and who with.",
	"How are you doing with everything this week?",
	"What happens when Brian has been drinking?",
	"What have you done to keep the boys safe on those Friday nights?",
	"Can you tell me about the support you get from DASAT?",
	"What do the boys see or hear when Brian's like that?",
	"How does the money work in your house?",
}

// A strong interview is praised specifically: three of the trainee's own
// lines, each with why it worked, and the protective-actions question is
// among them with its credit and what Jennifer then told.
func TestDebriefNamesTheBestMovesQuoted(t *testing.T) {
	sc := scenario(t, "jennifer")
	turns, st := playLines(sc, strongJennifer)
	d := dialogue.MakeDebrief(sc, turns, st)
	if len(d.Strengths) != 3 {
		t.Fatalf("strengths = %+v; want three", d.Strengths)
	}
	var protect *dialogue.Strength
	for i, s := range d.Strengths {
		if s.Text != strongJennifer[s.Turn-1] {
			t.Errorf("strength %d quotes %q, but turn %d was %q", i, s.Text, s.Turn, strongJennifer[s.Turn-1])
		}
		if len(s.Credit) == 0 && len(s.Unlocked) == 0 {
			t.Errorf("strength %q has no reason", s.Text)
		}
		if i > 0 && s.Turn <= d.Strengths[i-1].Turn {
			t.Errorf("strengths not in turn order: %+v", d.Strengths)
		}
		if strings.Contains(s.Text, "keep the boys safe") {
			protect = &d.Strengths[i]
		}
	}
	if protect == nil {
		t.Fatalf("the acts-of-protection question is not among the strengths: %+v", d.Strengths)
	}
	if protect.Credit[0].Kind != dialogue.ActsOfProtection || protect.Credit[0].Why == "" {
		t.Errorf("its credit = %+v; want acts of protection with a why", protect.Credit)
	}
	if len(protect.Unlocked) == 0 || !strings.Contains(protect.Unlocked[0], "protective actions") {
		t.Errorf("it unlocked %q; want Jennifer's protective actions", protect.Unlocked)
	}
}

// A blaming line is never praised, even when it unlocked something.
func TestBlamingTurnIsNeverAStrength(t *testing.T) {
	sc := scenario(t, "jennifer")
	turns, st := playLines(sc, []string{strongJennifer[0], "Why haven't you left him?", "What happens when Brian has been drinking?"})
	for _, s := range dialogue.MakeDebrief(sc, turns, st).Strengths {
		if strings.Contains(s.Text, "left him") {
			t.Errorf("blaming line praised: %+v", s)
		}
	}
}

// Each key disclosure not reached is named by its title with a question
// that opens it: asked in a session where trust is built, that question
// does reach it.
func TestDebriefNamesGapsWithAQuestionThatOpensThem(t *testing.T) {
	sc := scenario(t, "jennifer")
	turns, st := playLines(sc, strongJennifer[:4])
	d := dialogue.MakeDebrief(sc, turns, st)
	if len(d.Gaps) != d.KeyTotal-d.KeyReached || len(d.Gaps) == 0 {
		t.Fatalf("gaps = %d, want %d", len(d.Gaps), d.KeyTotal-d.KeyReached)
	}
	opened := 0
	for _, g := range d.Gaps {
		ds, _ := sc.Disclosure(g.ID)
		if g.Title != ds.Title || !ds.Key {
			t.Errorf("gap %+v is not the key disclosure's title", g)
		}
		if g.Question == "" {
			t.Errorf("gap %q has no question", g.Title)
			continue
		}
		if a := sc.Scorer().Score(sc.Role, g.Question); a.Blaming() {
			t.Errorf("the question for %q is blaming: %q", g.ID, g.Question)
		}
		_, after := playLines(sc, append(append([]string(nil), strongJennifer[:8]...), g.Question))
		if after.HasDisclosed(g.ID) {
			opened++
		}
	}
	if opened*2 < len(d.Gaps) {
		t.Errorf("only %d of %d suggested questions opened their disclosure after a respectful start", opened, len(d.Gaps))
	}
}

func TestQuestionForEveryKeyDisclosure(t *testing.T) {
	for _, id := range []string{"jennifer", "brian", "magda", "tomasz"} {
		sc := scenario(t, id)
		for _, k := range sc.KeyDisclosures() {
			if q, ok := sc.QuestionFor(k); !ok || q == "" {
				t.Errorf("%s: no question opens %s", id, k)
			}
		}
	}
	if _, ok := scenario(t, "jennifer").QuestionFor("no_such"); ok {
		t.Error("a question for an unknown disclosure")
	}
}
