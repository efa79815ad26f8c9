package dialogue

import (
	"fmt"
	"strconv"
)

// CodeTestFailed marks a scenario test whose expectation did not hold.
const CodeTestFailed = "PV601"

// RunTests plays each of the scenario's tests from a fresh state and
// returns a problem for every expectation that does not hold, at the line
// of the turn that failed.
func RunTests(sc *Scenario) []Problem {
	var probs []Problem
	for i, tc := range sc.Tests {
		st := NewState(sc, tc.Seed)
		for j, turn := range tc.Turns {
			path := "tests." + strconv.Itoa(i) + ".turns." + strconv.Itoa(j)
			var t Turn
			t, st = Step(sc, st, turn.Trainee)
			for _, msg := range CheckExpect(turn.Expect, t, st) {
				name := tc.Name
				if name == "" {
					name = "test " + strconv.Itoa(i+1)
				}
				probs = append(probs, Problem{Source: sc.Source, Pos: sc.Pos.At(path), Code: CodeTestFailed,
					Msg: fmt.Sprintf("%s, turn %d (%q): %s", name, j+1, turn.Trainee, msg)})
			}
		}
	}
	return probs
}

// CheckExpect lists every way turn t and state st miss expectation e.
func CheckExpect(e Expect, t Turn, st State) []string {
	var out []string
	fail := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if e.Intent != "" && t.Intent != e.Intent {
		fail("expected intent %s, got %s", e.Intent, orNone(t.Intent))
	}
	if e.Reply != "" && t.ReplyID != e.Reply && !hasSuffixID(t.ReplyID, e.Reply) {
		fail("expected reply %s, got %s", e.Reply, orNone(t.ReplyID))
	}
	if e.Fallback != nil && t.Fallback != *e.Fallback {
		fail("expected fallback %v, got %v", *e.Fallback, t.Fallback)
	}
	if e.Label != "" && t.Assessment.Label != e.Label {
		fail("expected label %s, got %s", e.Label, t.Assessment.Label)
	}
	for _, k := range e.Findings {
		if !t.Assessment.Has(k) {
			fail("expected finding %s, not found", k)
		}
	}
	if e.Phase != "" && t.Assessment.Phase != e.Phase {
		fail("expected phase %s, got %s", e.Phase, t.Assessment.Phase)
	}
	if e.TrustMin != nil && t.TrustAfter < *e.TrustMin {
		fail("expected trust at least %d, got %d", *e.TrustMin, t.TrustAfter)
	}
	if e.TrustMax != nil && t.TrustAfter > *e.TrustMax {
		fail("expected trust at most %d, got %d", *e.TrustMax, t.TrustAfter)
	}
	if e.TrustDown && t.TrustAfter >= t.TrustBefore {
		fail("expected trust to fall, went %d → %d", t.TrustBefore, t.TrustAfter)
	}
	if e.TrustUp && t.TrustAfter <= t.TrustBefore {
		fail("expected trust to rise, went %d → %d", t.TrustBefore, t.TrustAfter)
	}
	for _, d := range e.Disclosed {
		if !st.HasDisclosed(d) {
			fail("expected %s to be disclosed by now", d)
		}
	}
	for _, d := range e.NotDisclosed {
		if st.HasDisclosed(d) {
			fail("expected %s to stay undisclosed", d)
		}
	}
	if e.Ended != nil && t.Ended != *e.Ended {
		fail("expected ended %v, got %v", *e.Ended, t.Ended)
	}
	return out
}

// hasSuffixID lets a test name a reply by its id alone ("money_open")
// rather than its full key ("intents.ask_money.money_open").
func hasSuffixID(key, id string) bool {
	return len(key) > len(id) && key[len(key)-len(id)-1] == '.' && key[len(key)-len(id):] == id
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
