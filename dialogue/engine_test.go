package dialogue

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue/pattern"
)

// tiny is a small scenario exercising the engine's rules, independent of
// the real scenarios' content.
const tiny = `format: 1
id: tiny
title: A tiny test scenario
character: Dana
role: survivor
brief: You are visiting Dana.
opening: Hello.
trust:
  start: 40
  end_below: 10
concepts:
  kids: [kids, children, boys, bairns]
  money: [money, cash, bank account, allowance]
disclosures:
  - {id: allowance, title: He gives her an allowance, key: true}
  - {id: account, title: The benefit goes into his account, key: true}
intents:
  - id: ask_money
    topic: the money
    phase: worries
    patterns: ["~money"]
    replies:
      - id: guarded
        when: {bands: [guarded]}
        text: We manage.
      - id: open
        when: {min_trust: 35}
        discloses: [allowance]
        text: He gives me forty pounds on a Friday.
      - id: deeper
        when: {min_trust: 35, disclosed: [allowance]}
        discloses: [account]
        text: And James's money goes into his account.
  - id: ask_kids_money
    topic: the boys and the money
    phase: worries
    patterns: ["~kids ~money"]
    replies:
      - text: The boys go without when the money runs out.
  - id: ask_kids
    topic: the boys
    phase: worries
    patterns: ["~kids", "(how * boys)"]
    replies:
      - {id: a, text: They're at school.}
      - {id: b, text: They keep to their rooms.}
  - id: ask_school
    topic: school
    phase: worries
    patterns: ["school"]
    replies:
      - text: School is good for James.
  - id: ask_teacher
    topic: the teacher
    phase: worries
    patterns: ["teacher"]
    replies:
      - text: His teacher phoned.
  - id: ask_homework
    topic: homework
    phase: worries
    patterns: ["school"]
    replies:
      - text: He won't do his homework.
fallbacks:
  - text: Sorry?
clarify:
  - text: "Do you mean {a} or {b}?"
hints:
  engagement: ["Check it is safe to talk."]
  worries: ["Ask what he does with the money."]
`

func loadTiny(t *testing.T) *Scenario {
	t.Helper()
	sc, err := LoadScenario([]byte(tiny), "tiny.yaml")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return sc
}

func TestMoreSpecificIntentWinsWhateverTheFileOrder(t *testing.T) {
	sc := loadTiny(t)
	turn, _ := Step(sc, NewState(sc, 1), "Do the kids go without when the money runs low?")
	if turn.Intent != "ask_kids_money" {
		t.Fatalf("want the two-concept intent, got %q (trace %v)", turn.Intent, turn.Trace)
	}
	// Reverse the intents: the result must not change.
	rev := loadTiny(t)
	for i, j := 0, len(rev.Intents)-1; i < j; i, j = i+1, j-1 {
		rev.Intents[i], rev.Intents[j] = rev.Intents[j], rev.Intents[i]
	}
	check(rev)
	turn2, _ := Step(rev, NewState(rev, 1), "Do the kids go without when the money runs low?")
	if turn2.Intent != "ask_kids_money" {
		t.Fatalf("file order changed the match: %q", turn2.Intent)
	}
}

func TestDisclosuresUnlockInOrderAndDependOnTrust(t *testing.T) {
	sc := loadTiny(t)
	st := NewState(sc, 1)
	t1, st := Step(sc, st, "How does money work at home?")
	if !reflect.DeepEqual(t1.Disclosed, []string{"allowance"}) {
		t.Fatalf("first money question should disclose the allowance, got %v", t1.Disclosed)
	}
	t2, st := Step(sc, st, "Tell me more about the money.")
	if !reflect.DeepEqual(t2.Disclosed, []string{"account"}) {
		t.Fatalf("second should disclose the account, got %v", t2.Disclosed)
	}
	// At low trust the same question is met with the guarded reply.
	low := NewState(sc, 1)
	low.Trust = 20
	t3, low := Step(sc, low, "How does money work at home?")
	if t3.ReplyID != "intents.ask_money.guarded" || len(low.Disclosed) != 0 {
		t.Fatalf("guarded band should not disclose: reply %s, disclosed %v", t3.ReplyID, low.Disclosed)
	}
	_ = st
}

func TestLeastRecentlyUsedReplyAndDeterminism(t *testing.T) {
	sc := loadTiny(t)
	st := NewState(sc, 42)
	var got []string
	for i := 0; i < 4; i++ {
		var turn Turn
		turn, st = Step(sc, st, "How are the kids?")
		got = append(got, turn.ReplyID)
	}
	if got[0] == got[1] || got[0] != got[2] || got[1] != got[3] {
		t.Errorf("replies should alternate least-recently-used: %v", got)
	}
	// Same seed, same lines: the same replies.
	st2 := NewState(sc, 42)
	for i := 0; i < 4; i++ {
		var turn Turn
		turn, st2 = Step(sc, st2, "How are the kids?")
		if turn.ReplyID != got[i] {
			t.Fatalf("replay differs at %d: %s vs %s", i, turn.ReplyID, got[i])
		}
	}
}

func TestStepDoesNotChangeItsInputState(t *testing.T) {
	sc := loadTiny(t)
	st := NewState(sc, 1)
	_, st = Step(sc, st, "How are the kids?")
	before := st.clone()
	Step(sc, st, "What about the money?")
	if !reflect.DeepEqual(before, st) {
		t.Fatal("Step mutated the caller's state")
	}
}

func TestTieBetweenIntentsAsksWhichWasMeant(t *testing.T) {
	sc := loadTiny(t)
	// "school" matches two intents equally, in the same phase and at the
	// same place: neither can be preferred, so Dana asks.
	turn, _ := Step(sc, NewState(sc, 1), "How is school?")
	if !turn.Clarify {
		t.Fatalf("a tie should be clarified, got intent %q", turn.Intent)
	}
	if !strings.Contains(turn.Reply, "school") || !strings.Contains(turn.Reply, "homework") {
		t.Errorf("clarify should name both topics: %q", turn.Reply)
	}
}

func TestTieGoesToTheTopicRaisedLast(t *testing.T) {
	sc := loadTiny(t)
	// School (two intents) and teacher tie at one word each; the teacher
	// was asked about last, so Dana answers that, as a person would.
	line := "I know school has been hard. Has his teacher been in touch?"
	turn, _ := Step(sc, NewState(sc, 1), line)
	if turn.Clarify || turn.Intent != "ask_teacher" {
		t.Fatalf("want ask_teacher, got intent %q (clarify %v)", turn.Intent, turn.Clarify)
	}
	// The file's order of intents must not matter.
	rev := loadTiny(t)
	slices.Reverse(rev.Intents)
	check(rev)
	if turn, _ := Step(rev, NewState(rev, 1), line); turn.Intent != "ask_teacher" {
		t.Fatalf("reversed intents: want ask_teacher, got %q (clarify %v)", turn.Intent, turn.Clarify)
	}
}

func TestNoMatchGivesAFallback(t *testing.T) {
	sc := loadTiny(t)
	turn, _ := Step(sc, NewState(sc, 1), "Lovely weather today.")
	if !turn.Fallback || turn.Reply != "Sorry?" {
		t.Fatalf("want fallback, got %+v", turn)
	}
}

func TestEndedInterviewSaysNothingMore(t *testing.T) {
	sc := loadTiny(t)
	st := NewState(sc, 1)
	st.Ended = true
	turn, _ := Step(sc, st, "How are the kids?")
	if turn.Reply != "" || !turn.Ended {
		t.Fatalf("ended interview replied %q", turn.Reply)
	}
}

func TestHintFollowsThePhasesNotYetVisited(t *testing.T) {
	sc := loadTiny(t)
	phase, h, st := Hint(sc, NewState(sc, 1))
	if phase != Engagement || h != "Check it is safe to talk." || st.Hints != 1 {
		t.Fatalf("first hint: %s %q", phase, h)
	}
	st.Phases = []Phase{Engagement}
	phase, h, _ = Hint(sc, st)
	if phase != Worries || !strings.Contains(h, "money") {
		t.Fatalf("after engagement the hint should be about worries: %s %q", phase, h)
	}
}

func TestLoadReportsFileAndLine(t *testing.T) {
	bad := strings.Replace(tiny, "    topic: the money\n", "    topic: the money\n    colour: blue\n", 1)
	_, err := LoadScenario([]byte(bad), "bad.yaml")
	if err == nil {
		t.Fatal("an unknown key must be an error")
	}
	if !strings.Contains(err.Error(), "bad.yaml:20:") || !strings.Contains(err.Error(), CodeUnknownKey) || !strings.Contains(err.Error(), `"colour"`) {
		t.Fatalf("error should name file, line 20, code and key: %v", err)
	}
	bad = strings.Replace(tiny, "discloses: [allowance]", "discloses: [allowanse]", 1)
	_, err = LoadScenario([]byte(bad), "bad.yaml")
	if err == nil || !strings.Contains(err.Error(), CodeUnknownRef) || !strings.Contains(err.Error(), "allowanse") {
		t.Fatalf("a reference to an undeclared disclosure must be named: %v", err)
	}
	_, err = LoadScenario([]byte("format: 1\nid: [oops\n"), "broken.yaml")
	if err == nil || !strings.Contains(err.Error(), "broken.yaml:") || !strings.Contains(err.Error(), CodeSyntax) {
		t.Fatalf("broken YAML must name the file: %v", err)
	}
}

func TestPatternSyntax(t *testing.T) {
	concepts := map[string][]string{"kids": {"kids", "the boys"}}
	cases := []struct {
		pattern, text string
		match         bool
	}{
		{"money allowance", "is the allowance enough money", true},
		{"money allowance", "is the money enough", false},
		{"leav*", "have you thought about leaving", true},
		{"leave", "when he left the house", true},
		{"~kids", "how are the boys", true},
		{"[police officer]", "did an officer come", true},
		{"(bank account)", "whose account is the bank", false},
		{"(bank account)", "is it his bank account", true},
		{"(how * boys)", "how are the boys", true},
		{"(how * boys)", "how are things going now with the boys", false},
		{"money !pay", "does he pay the money", false},
		{"behavior", "his behaviour scares me", true},
		{"not", "you haven't said", true},
		{"(how [are is] ~kids)", "how are the boys", true},
		{"(how [are is] ~kids)", "how did the boys", false},
		{"(what [did do] * see)", "what did they see", true},
	}
	for _, c := range cases {
		p, err := CompilePattern(c.pattern, concepts)
		if err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		clean, _ := Clean(c.text)
		_, ok := pattern.NewMatcher(patternLine(Tokenize(clean)), nil).Find(p)
		if ok != c.match {
			t.Errorf("%q on %q: match=%v, want %v", c.pattern, c.text, ok, c.match)
		}
	}
	for _, bad := range []string{"[a b", "(a b", "~nope", "!x", "*", "a )"} {
		if _, err := CompilePattern(bad, concepts); err == nil {
			t.Errorf("pattern %q should not compile", bad)
		}
	}
}

func TestCleanHandlesHostileInput(t *testing.T) {
	in := "Hi\x00 there\u200b \u202eJennifer\xff\n\tok"
	out, cut := Clean(in)
	if cut || strings.ContainsAny(out, "\x00\u200b\u202e\n\t") || !strings.Contains(out, "\uFFFD") {
		t.Fatalf("Clean(%q) = %q", in, out)
	}
	long := strings.Repeat("é", MaxReplyRunes+10)
	out, cut = Clean(long)
	if !cut || len([]rune(out)) != MaxReplyRunes {
		t.Fatalf("long text should be cut to %d runes, got %d (cut=%v)", MaxReplyRunes, len([]rune(out)), cut)
	}
}
