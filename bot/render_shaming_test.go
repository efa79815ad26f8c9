package bot

import (
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/dialogue/score"
)

func TestRenderCoachingShaming(t *testing.T) {
	a := score.Default().Score(dialogue.Perpetrator, "Are you an abuser, Brian?")
	got := RenderCoaching(dialogue.Turn{Number: 1, Assessment: a, TrustBefore: 40, TrustAfter: 28})
	for _, want := range []string{"shaming language", "Shaming language — “abuser”", "Try: “"} {
		if !strings.Contains(got, want) {
			t.Errorf("coaching %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "*blaming*") {
		t.Errorf("shaming coached as blaming: %q", got)
	}
	d := dialogue.Debrief{Character: "Brian", Turns: 2, NonBlaming: 2, NonBlamingShare: 1, Shaming: 1,
		ShamingFindings: []dialogue.DebriefFinding{{Turn: 1, Finding: a.Findings[0]}}}
	out := RenderDebrief(d)
	for _, want := range []string{"Shaming language: 1 of 2 replies", "*Shaming language and what to say instead:*", "Turn 1, shaming language — “abuser”"} {
		if !strings.Contains(out, want) {
			t.Errorf("debrief lacks %q:\n%s", want, out)
		}
	}
}
