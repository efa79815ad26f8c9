package scenarios

import (
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
)

func TestJenniferDebug(t *testing.T) {
	lib, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := lib.Get("jennifer")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range sc.Intents {
		for _, ex := range in.Examples {
			st := dialogue.NewState(sc, 1)
			turn, _ := dialogue.Step(sc, st, ex)
			if turn.Intent != in.ID {
				t.Logf("EX %s: %q -> %s clarify=%v %v", in.ID, ex, turn.Intent, turn.Clarify, turn.Trace)
			}
		}
		for _, ex := range in.NotExamples {
			st := dialogue.NewState(sc, 1)
			turn, _ := dialogue.Step(sc, st, ex)
			if turn.Intent == in.ID {
				t.Logf("NOT %s: %q -> %s %v", in.ID, ex, turn.Intent, turn.Trace)
			}
		}
	}
}

func TestJenniferPlay(t *testing.T) {
	lib, _ := Embedded()
	sc, _ := lib.Get("jennifer")
	st := dialogue.NewState(sc, 1)
	for _, line := range []string{
		"Hi Jennifer, I'm Sam from social work. I'm here because we got two police concern forms this week and I'd like to hear from you.",
		"Before we start, is it safe to talk just now? Is Brian due home?",
		"What you tell me I won't share with Brian. If I'm worried a child is at risk I'll tell you what I need to share and who with.",
		"How are you doing with everything this week?",
		"What happens when Brian has been drinking?",
		"What have you done to keep the boys safe on those Friday nights?",
		"Can you tell me about the support you get from DASAT?",
		"What do the boys see or hear when Brian's like that?",
		"How does the money work in your house?",
		"Who gets James's disability benefit?",
		"The school has said James sometimes comes in hungry. What's happening there?",
		"How are you feeling about what Alan and Peter have been charged with?",
		"Do you get to see your sister and your friends?",
		"Has Brian ever interfered with you trying to leave?",
		"What would you like to happen for you and the boys?",
		"On a scale of 0 to 10, where 10 is the boys are completely safe, where are things today?",
		"Thank you, Jennifer. When would be a safe time for me to come back?",
	} {
		var turn dialogue.Turn
		turn, st = dialogue.Step(sc, st, line)
		t.Logf("%q\n   -> [%s %s %d→%d %v] %s", line, turn.Intent, turn.ReplyID, turn.TrustBefore, turn.TrustAfter, turn.Disclosed, turn.Reply)
	}
	t.Logf("disclosed: %v", st.Disclosed)
}
