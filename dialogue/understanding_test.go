package dialogue

import (
	"os"
	"strings"
	"testing"
)

func loadDana(t *testing.T) *Scenario {
	t.Helper()
	mv, err := os.ReadFile("testdata/understanding/moves.yaml")
	if err != nil {
		t.Fatal(err)
	}
	moves, err := LoadMoves(mv, "moves.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/understanding/dana.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := LoadScenario(data, "dana.yaml", WithMoves(moves))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// An intent with no patterns at all is understood from its examples, in
// wordings the examples never used.
func TestLearnedMatcherUnderstandsNewWordings(t *testing.T) {
	sc := loadDana(t)
	for line, want := range map[string]string{
		"Who looks after the money in the house?":             "ask_money",
		"who handles the cash n bills":                        "ask_money",
		"What happened the other night when the police came?": "police_night",
	} {
		turn, _ := Step(sc, NewState(sc, 1), line)
		if turn.Intent == "" {
			t.Errorf("%q: not understood (fallback %v, confirm %v, trace %v)", line, turn.Fallback, turn.Confirm, turn.Trace)
			continue
		}
		if turn.Intent != want {
			t.Errorf("%q: answered %s", line, turn.Intent)
		}
	}
}

// Off-topic lines are not answered as some intent: the character says she
// did not follow.
func TestUnrelatedLineFallsBack(t *testing.T) {
	sc := loadDana(t)
	turn, _ := Step(sc, NewState(sc, 1), "Do you watch the football at all?")
	if !turn.Fallback {
		t.Fatalf("want a fallback, got intent %q (confidence %.2f)", turn.Intent, turn.Confidence)
	}
}

// A follow-up is answered from the topic just discussed, with something
// not yet said; when that topic has nothing more, the follow-up's own
// reply says so.
func TestFollowUpReadAgainstTheLastTopic(t *testing.T) {
	sc := loadDana(t)
	st := NewState(sc, 1)
	turn, st := Step(sc, st, "What happened the night the police came?")
	if turn.Intent != "police_night" {
		t.Fatalf("setup: got %q", turn.Intent)
	}
	turn, st = Step(sc, st, "And then what happened?")
	if turn.FollowUp != "police_night" || turn.Reply != "After that the neighbour rang them." {
		t.Fatalf("follow-up: want the next police-night line, got %q (follow-up of %q)", turn.Reply, turn.FollowUp)
	}
	turn, _ = Step(sc, st, "go on")
	if turn.Reply != "That's really all there is to it." {
		t.Fatalf("second follow-up: want the nothing-more line, got %q", turn.Reply)
	}
}

// Below the confidence threshold the character asks about her best guess
// instead of answering it, and a yes answers that guess.
func TestUnsureReadingAsksAndAYesAnswers(t *testing.T) {
	sc := loadDana(t)
	st := NewState(sc, 1)
	turn, st := Step(sc, st, "is it tight?")
	if !turn.Confirm || turn.Intent != "" {
		t.Fatalf("a vague line should be asked about, not answered: got intent %q, reply %q (confidence %.2f)", turn.Intent, turn.Reply, turn.Confidence)
	}
	guess, ok := sc.Intent(st.Pending)
	if !ok || turn.Reply != capitalise(guess.Topic)+", you mean?" {
		t.Fatalf("the question should name the guess %q: %q", st.Pending, turn.Reply)
	}
	turn, _ = Step(sc, st, "yeah")
	if turn.Intent != guess.ID || turn.Confirm || turn.Fallback {
		t.Fatalf("a yes should answer %s: got %q %q", guess.ID, turn.Intent, turn.Reply)
	}
	// A rephrase instead of a yes is read afresh.
	_, st = Step(sc, NewState(sc, 1), "is it tight?")
	turn, _ = Step(sc, st, "Who pays the bills in your house?")
	if turn.Intent != "ask_money" {
		t.Fatalf("a rephrase should be read afresh: got %q", turn.Intent)
	}
}

// A line with two questions gets an answer to one of them, not a
// fallback.
func TestMultiPartLineGetsAnAnswer(t *testing.T) {
	sc := loadDana(t)
	turn, _ := Step(sc, NewState(sc, 1), "I know it's been a hard week and I don't want to rush you, so can you talk me through the night the police came, and also who pays the bills?")
	if turn.Intent != "police_night" && turn.Intent != "ask_money" {
		t.Fatalf("want one of the two questions answered, got %q (fallback %v confirm %v)", turn.Intent, turn.Fallback, turn.Confirm)
	}
}

// Word forms a trainee uses interchangeably share a stem, and a short word
// is not merged with another.
func TestStemJoinsWordForms(t *testing.T) {
	for _, group := range [][]string{
		{"move", "moving", "moved", "moves"},
		{"care", "caring", "cared", "cares"},
		{"hope", "hoping", "hoped", "hopes"},
		{"leave", "leaving", "leaves", "left"},
		{"stop", "stopped", "stopping"},
		{"live", "living", "lives"},
	} {
		for _, w := range group[1:] {
			if Stem(w) != Stem(group[0]) {
				t.Errorf("%q stems to %q, %q to %q: want the same", w, Stem(w), group[0], Stem(group[0]))
			}
		}
	}
	for _, pair := range [][2]string{{"care", "car"}, {"here", "her"}, {"hope", "hop"}} {
		if Stem(pair[0]) == Stem(pair[1]) {
			t.Errorf("%q and %q share the stem %q", pair[0], pair[1], Stem(pair[0]))
		}
	}
}

// A very long session keeps a bounded state: the phase timeline is cut to
// the phases visited plus the recent turns, and Visited still holds.
func TestLongSessionStateStaysBounded(t *testing.T) {
	sc := loadDana(t)
	st := NewState(sc, 1)
	_, st = Step(sc, st, "Hello, how are you doing today?")
	for range 600 {
		_, st = Step(sc, st, "Who pays the bills?")
	}
	if len(st.Phases) > maxPhaseHistory {
		t.Fatalf("the state kept %d phases, want at most %d", len(st.Phases), maxPhaseHistory)
	}
	if !st.Visited(Engagement) || !st.Visited(Worries) {
		t.Errorf("compacting lost a visited phase: %v", st.Phases[:4])
	}
}

// Text a trainee will read may not hold control or bidi characters, and a
// scenario file has a size limit with a clear message.
func TestScenarioTextAndSizeAreChecked(t *testing.T) {
	data, err := os.ReadFile("testdata/scenarios/clean.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Tired.\\u001b[2J But fine.", "Tired.\\u202e But fine.", "Tired.\\u0085 But fine."} {
		src := strings.Replace(string(data), "text: Tired. But fine.", "text: \""+bad+"\"", 1)
		_, err := LoadScenario([]byte(src), "clean.yaml", WithMoves(libraryMoves(t)))
		if err == nil || !strings.Contains(err.Error(), "PV109") {
			t.Errorf("%q: want PV109, got %v", bad, err)
		}
	}
	big := append([]byte("# "+strings.Repeat("x", MaxScenarioBytes)+"\n"), data...)
	if _, err := LoadScenario(big, "big.yaml"); err == nil || !strings.Contains(err.Error(), "PV108") || !strings.Contains(err.Error(), "at most 2048 KB") {
		t.Errorf("an oversized file: want PV108 naming the limit, got %v", err)
	}
}
