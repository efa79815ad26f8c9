package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
)

// readScripts loads labelled interview scripts with the parser pivot eval
// --dialogue uses, so a label no scenario knows fails the test.
func readScripts(t *testing.T, lib *Library, pattern string) []dialogue.ScriptLine {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "interviews", pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts match %s", pattern)
	}
	labels := func(id string) (map[string]bool, bool) {
		sc, err := lib.Get(id)
		if err != nil {
			return nil, false
		}
		return sc.KnownLabels(), true
	}
	var out []dialogue.ScriptLine
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := dialogue.ParseScripts(data, labels)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, lines...)
	}
	return out
}

func understand(t *testing.T, pattern string) dialogue.UnderstandingReport {
	t.Helper()
	lib, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return dialogue.EvaluateUnderstanding(readScripts(t, lib, pattern), func(id string) (*dialogue.Scenario, bool) {
		sc, err := lib.Get(id)
		return sc, err == nil
	})
}

// Regression floors for understanding, a little under what the engine
// reaches (docs/understanding.md has the figures). The tuning scripts were
// used to improve the engine and scenarios; the first held-apart set was
// never used for a change until its misses were read once (the last round
// of training lines was aimed at their shapes); the second held-apart set,
// written and labelled after that, was never used for any change.
func TestSkilledInterviewsAreUnderstood(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		pattern              string
		minAnswered          float64
		maxWrong, maxRepeats float64
	}{
		{"tuning voices", "tune_*.jsonl", understandFloorTune, 0.02, 0},
		{"first held-apart voices", "fresh_*.jsonl", understandFloorFresh, 0.03, 0},
		{"second held-apart voices", "fresh2_*.jsonl", understandFloorFresh, 0.03, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := understand(t, tc.pattern)
			u := rep.Overall
			if len(rep.Unknown) > 0 {
				t.Fatalf("scripts name unknown scenarios %v", rep.Unknown)
			}
			t.Logf("%d lines: answered %.1f%%, clarified %.1f%%, fallback %.1f%%, reaction %.1f%%, wrong %.1f%%, repeats %d",
				u.Lines, 100*u.Rate(u.Appropriate), 100*u.Rate(u.Clarified), 100*u.Rate(u.Fallbacks), 100*u.Rate(u.Reactions), 100*u.Rate(u.WrongTopic), u.Repeats)
			if got := u.Rate(u.Appropriate); got < tc.minAnswered {
				t.Errorf("answered %.3f of skilled lines, floor %.3f", got, tc.minAnswered)
			}
			if got := u.Rate(u.WrongTopic); got > tc.maxWrong {
				t.Errorf("answered a different question on %.3f of lines, ceiling %.3f", got, tc.maxWrong)
			}
			// Over a dozen 40-45-turn interviews, no reply is said twice
			// word for word.
			if got := u.Rate(u.Repeats); got > tc.maxRepeats {
				t.Errorf("repeated a reply word for word on %.3f of lines, ceiling %.3f", got, tc.maxRepeats)
			}
			for id, s := range rep.ByScenario {
				if s.Rate(s.Appropriate) < tc.minAnswered-0.05 {
					t.Errorf("%s: answered %.3f, more than 5 points under the floor", id, s.Rate(s.Appropriate))
				}
			}
		})
	}
}

// Bad input gets a sensible in-character response: never a crash, an empty
// reply, a silent drop or the end of the interview.
func TestAwkwardInputGetsAnInCharacterReply(t *testing.T) {
	lib, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		"wy did u let him take ur fone",
		"ok",
		"👍🙂",
		"How are you doing? And how's the money side of things? And the kids?",
		"Dzień dobry, jak się pani czuje?",
		strings.Repeat("I just think there's so much going on here and I honestly don't know where to start with all of it, ", 30),
		"?????",
		"asdfghjkl",
	}
	for _, e := range lib.Entries() {
		sc := e.Scenario
		st := dialogue.NewState(sc, 1)
		for _, line := range lines {
			var turn dialogue.Turn
			turn, st = dialogue.Step(sc, st, line)
			if strings.TrimSpace(turn.Reply) == "" || turn.Reply == "…" {
				t.Errorf("%s: %.40q got no reply", sc.ID, line)
			}
			if turn.Ended {
				t.Errorf("%s: %.40q ended the interview", sc.ID, line)
			}
		}
	}
}
