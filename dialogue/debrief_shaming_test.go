package dialogue

import (
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue/score"
)

// Shaming language is coached as its own line: it is counted and listed
// with a why and a rewrite, and suggested on, but it never counts as
// blaming.
func TestDebriefCoachesShaming(t *testing.T) {
	sc := &Scenario{ID: "t", Character: "Brian", Role: Perpetrator}
	var turns []Turn
	for i, line := range []string{"Are you an abuser, Brian?", "What did the boys see when you pushed Jennifer?", "Men like you never change, do you."} {
		a := score.Default().Score(Perpetrator, line)
		turns = append(turns, Turn{Number: i + 1, Text: line, Assessment: a})
	}
	if !turns[0].Assessment.Coached() || turns[0].Assessment.Blaming() {
		t.Fatalf("a shaming label should be coached but not blaming: %+v", turns[0].Assessment)
	}
	d := MakeDebrief(sc, turns, State{})
	if d.Shaming != 2 || len(d.ShamingFindings) != 2 {
		t.Fatalf("shaming %d, findings %+v; want 2", d.Shaming, d.ShamingFindings)
	}
	if d.NonBlaming != 3 || len(d.Blaming) != 0 {
		t.Errorf("shaming counted as blaming: non-blaming %d, blaming %+v", d.NonBlaming, d.Blaming)
	}
	for _, f := range d.ShamingFindings {
		if f.Why == "" || f.Rewrite == "" {
			t.Errorf("shaming finding without a why or rewrite: %+v", f)
		}
	}
	if !strings.Contains(strings.Join(d.Suggestions, "\n"), "Shaming language came up in 2 replies") {
		t.Errorf("no shaming suggestion: %q", d.Suggestions)
	}
	if KindName(Hostile) != "Shaming language" {
		t.Errorf("KindName(Hostile) = %q", KindName(Hostile))
	}
}
