package dialogue_test

import (
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
)

// One sentence with two mutualizing words ("You two", "fighting") is one
// mutualizing reply: it "came up once", not "2 times".
func TestOneSentenceTwoMutualizingWordsCountsOnce(t *testing.T) {
	sc := scenario(t, "jennifer")
	turns, st := playLines(sc, []string{strongJennifer[0], "You two need to stop fighting in front of the kids."})
	d := dialogue.MakeDebrief(sc, turns, st)
	if len(d.Blaming) < 2 {
		t.Fatalf("want two mutualizing findings in the one line, got %+v", d.Blaming)
	}
	all := strings.Join(d.Suggestions, "\n")
	if !strings.Contains(all, "Mutualizing language came up once") {
		t.Errorf("suggestions = %q; want mutualizing counted once", d.Suggestions)
	}
}

// Advice is not quoted as words to say: from "Ask about her acts of
// protection: 'What have you done…?'" only the question is quoted, and
// advice alone is shown unquoted.
func TestInstructionsAreNotQuotedAsThingsToSay(t *testing.T) {
	for in, want := range map[string]string{
		"Ask about her acts of protection: 'What have you done to keep the boys safe when Brian drinks?'": "Ask about her acts of protection. Try: “What have you done to keep the boys safe when Brian drinks?”",
		"Say what Brian did: 'when he shouted at you' rather than 'your argument'.":                       "Say what Brian did: 'when he shouted at you' rather than 'your argument'.",
		"What has Brian done when you have tried to leave or get help? What gets in the way?":             "Try: “What has Brian done when you have tried to leave or get help? What gets in the way?”",
		"Tell me about the support you get from DASAT.":                                                   "Try: “Tell me about the support you get from DASAT.”",
	} {
		if got := dialogue.TryText(in); got != want {
			t.Errorf("TryText(%q)\n = %q\nwant %q", in, got, want)
		}
	}
	sc := scenario(t, "jennifer")
	turns, st := playLines(sc, []string{"Hi Jennifer, I'm Jo from the children and families team. Is it a good time to talk?",
		"Why haven't you left him?", "You two need to stop fighting in front of the kids.", "What happens when Brian has been drinking?"})
	d := dialogue.MakeDebrief(sc, turns, st)
	for _, s := range d.Suggestions {
		for _, verb := range []string{"Ask", "Talk", "Say", "Name"} {
			if strings.Contains(s, "“"+verb+" ") || strings.Contains(s, "\""+verb+" ") {
				t.Errorf("suggestion quotes advice as words to say: %q", s)
			}
		}
	}
	if all := strings.Join(d.Suggestions, "\n"); !strings.Contains(all, "Try: “What have you done to keep the boys safe when Brian drinks?”") {
		t.Errorf("suggestions = %q; want the working-well question quoted on its own", d.Suggestions)
	}
}

// A next-steps move that did good (the character answered it with a
// disclosure, trust rose) draws no order warning; one that did nothing,
// before the worries were explored, still does.
func TestOrderWarningsSpareGoodMoves(t *testing.T) {
	sc := scenario(t, "jennifer")
	lines := []string{"Hi Jennifer, I'm Sam from children's services. Is it safe to talk right now?",
		"Who could you call if things got bad on a Friday?",
		"Is there somewhere safe you and the boys could go if you needed to?"}
	turns, st := playLines(sc, lines)
	if turns[1].Assessment.Phase != dialogue.NextSteps || len(turns[1].Disclosed) == 0 {
		t.Fatalf("turn 2 should be a next-steps move that opened a disclosure: %+v", turns[1])
	}
	d := dialogue.MakeDebrief(sc, turns, st)
	for _, n := range d.OutOfOrd {
		if strings.Contains(n, "turn 2 ") {
			t.Errorf("order warning on a good move: %q", n)
		}
	}
	if turns[2].Assessment.Phase == dialogue.NextSteps && turns[2].TrustAfter <= turns[2].TrustBefore && len(turns[2].Disclosed) == 0 {
		if len(d.OutOfOrd) != 1 || !strings.Contains(d.OutOfOrd[0], "turn 3 ") {
			t.Errorf("order notes = %q; want turn 3 noted", d.OutOfOrd)
		}
	}
}

// A single blaming reply in an otherwise non-blaming interview (it may be
// a misreading) is never the only thing to try next time.
func TestALoneFindingIsNotTheOnlyTryNextTime(t *testing.T) {
	sc := scenario(t, "jennifer")
	lines := append(append([]string(nil), coverAll...), "Why haven't you left him?")
	turns, st := playLines(sc, lines)
	d := dialogue.MakeDebrief(sc, turns, st)
	if d.Turns-d.NonBlaming != 1 {
		t.Fatalf("want exactly one blaming reply, got %d of %d", d.Turns-d.NonBlaming, d.Turns)
	}
	if len(d.Suggestions) < 2 || !strings.HasPrefix(d.Suggestions[len(d.Suggestions)-1], "Otherwise") {
		t.Errorf("suggestions = %q; want the correction and something more to practise", d.Suggestions)
	}
}
