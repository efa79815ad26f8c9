package scenarios

import (
	"slices"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
)

// jennifer loads the embedded Jennifer scenario.
func jennifer(t *testing.T) *dialogue.Scenario { return libGet(t, "jennifer") }

// play runs lines through a fresh session and returns every turn and the
// final state.
func play(sc *dialogue.Scenario, seed int64, lines []string) ([]dialogue.Turn, dialogue.State) {
	return playAt(sc, seed, dialogue.Standard, lines)
}

// playAt plays lines from a new session at a difficulty.
func playAt(sc *dialogue.Scenario, seed int64, d dialogue.Difficulty, lines []string) ([]dialogue.Turn, dialogue.State) {
	st := dialogue.NewState(sc, seed, dialogue.WithDifficulty(d))
	turns := make([]dialogue.Turn, 0, len(lines))
	for _, line := range lines {
		var t dialogue.Turn
		t, st = dialogue.Step(sc, st, line)
		turns = append(turns, t)
	}
	return turns, st
}

var jenniferOpening = []string{
	"Hi Jennifer, I'm Sam from social work. I'm here because we got two police concern forms this week and I'd like to hear from you.",
	"Before we start, is it safe to talk just now? Is Brian due home?",
	"What you tell me I won't share with Brian. If I'm worried a child is at risk I'll tell you what I need to share and who with.",
}

// A trainee who asks "Why haven't you left him?" loses Jennifer's trust,
// is shown a rewrite, and does not hear about the drinking or the money,
// where a trainee who asks the same later questions respectfully does.
func TestJenniferWhyHaventYouLeftLocksDisclosures(t *testing.T) {
	sc := jennifer(t)
	later := []string{
		"What happens when Brian has been drinking?",
		"What have you done to keep the boys safe on those Friday nights?",
		"Can you tell me about the support you get from DASAT?",
		"What do the boys see or hear when Brian's like that?",
		"How does the money work in your house?",
	}
	respectful := append(append(slices.Clone(jenniferOpening), "How are you doing with everything this week?"), later...)
	blaming := append(append(slices.Clone(jenniferOpening), "Why haven't you left him?"), later...)

	_, good := play(sc, 1, respectful)
	turns, bad := play(sc, 1, blaming)

	blamed := turns[len(jenniferOpening)]
	if blamed.Assessment.Label != dialogue.Blaming {
		t.Errorf("%q was labelled %s, want blaming", blamed.Text, blamed.Assessment.Label)
	}
	var rewrite string
	for _, f := range blamed.Assessment.BlamingFindings() {
		if f.Rewrite != "" {
			rewrite = f.Rewrite
		}
	}
	if rewrite == "" {
		t.Errorf("%q: no blaming finding carries a rewrite (findings %+v)", blamed.Text, blamed.Assessment.Findings)
	}
	if blamed.TrustAfter >= blamed.TrustBefore {
		t.Errorf("%q: trust went %d → %d, want it to fall", blamed.Text, blamed.TrustBefore, blamed.TrustAfter)
	}
	if blamed.Reaction == "" || len(blamed.Disclosed) > 0 {
		t.Errorf("%q: Jennifer should react to the blame and reveal nothing; got reaction %q, reply %q, disclosed %v",
			blamed.Text, blamed.Reaction, blamed.Reply, blamed.Disclosed)
	}

	for _, id := range []string{"drinking_pattern", "money_control"} {
		if !good.HasDisclosed(id) {
			t.Errorf("respectful path: %s should be disclosed; disclosed %v", id, good.Disclosed)
		}
		if bad.HasDisclosed(id) {
			t.Errorf("blaming path: %s should stay locked; disclosed %v", id, bad.Disclosed)
		}
	}
	if g, b := len(sc.KeyReached(good)), len(sc.KeyReached(bad)); b >= g {
		t.Errorf("blaming path reached %d key disclosures, respectful %d: blame should cost disclosures", b, g)
	}
}

// A full non-blaming interview, typed the way trainees type, reaches most
// of Jennifer's key disclosures.
func TestJenniferRespectfulInterviewReachesKeyDisclosures(t *testing.T) {
	sc := jennifer(t)
	lines := []string{
		"hi jennifer, I'm Sam, a social worker from the council. I've come because the police sent us two concern forms about the boys",
		"is it ok to talk now? is brian at home or likely to come back?",
		"I won't tell Brian what you say. If I'm worried a child is at risk I'll tell you first what I have to share",
		"how are you doing with all of this?",
		"what happens at home when Brian has been drinking?",
		"What do you do to keep the boys safe when he's like that?",
		"how does DASAT help you?",
		"Where are the boys when he's shouting at you?",
		"who manages the finances at home?",
		"where does James's DLA get paid into?",
		"school say James comes in hungry some days, what's happening there do you think?",
		"How are you feeling about what Alan and Peter have been charged with?",
		"does Brian ever check your phone or stop you seeing people?",
		"what would you like to happen for you and the boys?",
		"on a scale of 0 to 10 how safe are the boys this week?",
		"thanks Jennifer. when is a safe time for me to come back?",
	}
	turns, st := play(sc, 11, lines)
	for _, tr := range turns {
		if tr.Assessment.Label == dialogue.Blaming {
			t.Errorf("respectful line %q was labelled blaming: %+v", tr.Text, tr.Assessment.Findings)
		}
		if tr.Ended {
			t.Fatalf("the interview ended at %q", tr.Text)
		}
	}
	got := sc.KeyReached(st)
	if len(got) < 8 {
		t.Errorf("reached %d key disclosures %v, want at least 8 of %d", len(got), got, len(sc.KeyDisclosures()))
		for _, tr := range turns {
			t.Logf("%q → %s/%s (trust %d→%d) %v", tr.Text, tr.Intent, tr.ReplyID, tr.TrustBefore, tr.TrustAfter, tr.Disclosed)
		}
	}
}

// Every intent's examples reach that intent from a fresh session, and none
// of its not_examples does.
func TestJenniferExamplesMatchTheirIntent(t *testing.T) {
	sc := jennifer(t)
	if len(sc.Intents) < 16 {
		t.Errorf("jennifer has %d intents, want at least 16", len(sc.Intents))
	}
	for _, in := range sc.Intents {
		if len(in.Examples) < 3 || len(in.NotExamples) < 2 {
			t.Errorf("intent %s has %d examples and %d not_examples; want at least 3 and 2", in.ID, len(in.Examples), len(in.NotExamples))
		}
		for _, ex := range in.Examples {
			turn, _ := dialogue.Step(sc, dialogue.NewState(sc, 1), ex)
			if turn.Intent != in.ID || turn.Clarify || turn.Fallback {
				t.Errorf("example %q of %s: got intent %q (clarify %v, fallback %v, reaction %q)\n%v",
					ex, in.ID, turn.Intent, turn.Clarify, turn.Fallback, turn.Reaction, turn.Trace)
			}
		}
		for _, ex := range in.NotExamples {
			turn, _ := dialogue.Step(sc, dialogue.NewState(sc, 1), ex)
			if turn.Intent == in.ID {
				t.Errorf("not_example %q of %s matched it\n%v", ex, in.ID, turn.Trace)
			}
		}
	}
}

// The same seed and the same lines replay exactly.
func TestJenniferDeterministic(t *testing.T) {
	sc := jennifer(t)
	lines := append(slices.Clone(jenniferOpening),
		"How are you doing?",
		"Is that a new telly?",
		"What happens when Brian has been drinking?",
		"What happens when Brian has been drinking?",
		"What have you done to keep the boys safe?",
		"Sorry, I lost my train of thought there.",
		"How does the money work in your house?",
	)
	for _, seed := range []int64{1, 42, 99} {
		a, sa := play(sc, seed, lines)
		b, sb := play(sc, seed, lines)
		for i := range a {
			if a[i].ReplyID != b[i].ReplyID || a[i].Reply != b[i].Reply || a[i].TrustAfter != b[i].TrustAfter {
				t.Errorf("seed %d, turn %d (%q): %s %q vs %s %q", seed, i+1, lines[i], a[i].ReplyID, a[i].Reply, b[i].ReplyID, b[i].Reply)
			}
		}
		if !slices.Equal(sa.Disclosed, sb.Disclosed) || sa.Trust != sb.Trust {
			t.Errorf("seed %d: states differ: %v/%d vs %v/%d", seed, sa.Disclosed, sa.Trust, sb.Disclosed, sb.Trust)
		}
	}
}

// Blame on blame collapses trust: Jennifer ends the interview, and nothing
// the trainee says afterwards gets an answer or a disclosure.
func TestJenniferTrustCollapseEndsTheInterview(t *testing.T) {
	sc := jennifer(t)
	turns, st := play(sc, 3, []string{
		"Why haven't you left him?",
		"You're choosing him over the boys.",
		"You two need to stop fighting in front of the kids.",
		"Sorry. What happens when Brian drinks?",
		"What have you done to keep the boys safe?",
	})
	for _, tr := range turns[:2] {
		if tr.Ended {
			t.Errorf("one or two blaming remarks should not end the interview (turn %d, trust %d)", tr.Number, tr.TrustAfter)
		}
	}
	end := turns[2]
	if !end.Ended || end.TrustAfter >= sc.Trust.EndBelow {
		t.Fatalf("after three blaming remarks: ended %v, trust %d (ends below %d); reply %q",
			end.Ended, end.TrustAfter, sc.Trust.EndBelow, end.Reply)
	}
	if end.Reply == "" || !strings.Contains(end.EndReason, "3 blaming lines (turns 1, 2, 3)") {
		t.Errorf("Jennifer should say a shutdown line, and the turn why it ended: %q, %q", end.Reply, end.EndReason)
	}
	for _, tr := range turns[3:] {
		if !tr.Ended || tr.Reply != "" || tr.Intent != "" || len(tr.Disclosed) > 0 {
			t.Errorf("after the end, %q got intent %q, reply %q, disclosed %v", tr.Text, tr.Intent, tr.Reply, tr.Disclosed)
		}
	}
	if len(st.Disclosed) != 0 {
		t.Errorf("a collapsed interview disclosed %v", st.Disclosed)
	}
}

// Room to repair: two blaming lines, then an apology and a refocus on
// Brian, and Jennifer stays in the interview at standard difficulty; at
// hard difficulty the same lines end it.
func TestJenniferRecoveryAfterAnApologyDependsOnDifficulty(t *testing.T) {
	sc := jennifer(t)
	lines := []string{
		"Hi Jennifer, I'm Sam from the children and families team.",
		"Why haven't you left him?",
		"You're choosing him over the boys.",
		"Sorry, that came out completely wrong. None of this is your fault.",
		"What does Brian do when he's been drinking?",
		"What have you done to keep the boys safe on those nights?",
		"Who helps you with all of this?",
	}
	turns, _ := playAt(sc, 1, dialogue.Standard, lines)
	for _, tr := range turns {
		if tr.Ended {
			t.Fatalf("standard: the interview ended at turn %d (%s); an apology and a refocus should keep it going", tr.Number, tr.EndReason)
		}
	}
	if last := turns[len(turns)-1]; last.Fallback || last.Intent == "" || last.TrustAfter <= turns[2].TrustAfter {
		t.Errorf("standard: after the repair she should answer and trust recover: intent %q, trust %d (low point %d)", last.Intent, last.TrustAfter, turns[2].TrustAfter)
	}
	turns, _ = playAt(sc, 1, dialogue.Hard, lines)
	ended := -1
	for _, tr := range turns {
		if tr.Ended && tr.Reply != "" && ended < 0 {
			ended = tr.Number
		}
	}
	if ended != 3 {
		t.Fatalf("hard: want the interview ended by the second blaming line (turn 3), got %d", ended)
	}
}

// Jennifer answers every kind of blame in character, and has fallbacks and
// hints for every phase.
func TestJenniferHasReactionsFallbacksAndHints(t *testing.T) {
	sc := jennifer(t)
	for _, k := range dialogue.BlamingKinds {
		if len(sc.Reactions[k]) < 2 {
			t.Errorf("reactions.%s has %d replies, want at least 2", k, len(sc.Reactions[k]))
		}
	}
	if len(sc.Fallbacks) < 6 {
		t.Errorf("%d fallbacks, want at least 6", len(sc.Fallbacks))
	}
	for _, p := range dialogue.Phases {
		if n := len(sc.Hints[p]); n < 3 {
			t.Errorf("hints.%s has %d, want 3 or more", p, n)
		}
	}
	if keys := sc.KeyDisclosures(); len(keys) < 8 {
		t.Errorf("%d key disclosures, want at least 8", len(keys))
	}
}
