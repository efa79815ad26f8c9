package dialogue_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

// gapScenario has n intents whose patterns each have 16 gaps, issue 16's
// pathological shape: "(a * a * … * b)".
func gapScenario(tb testing.TB, n int) *dialogue.Scenario {
	tb.Helper()
	var b strings.Builder
	b.WriteString(bigHeader)
	pat := "(" + strings.Repeat("a * ", 16) + "b)"
	for i := range n {
		fmt.Fprintf(&b, "  - id: i%d\n    topic: topic %d\n    phase: worries\n    patterns: [%q, \"topic%d\"]\n    replies:\n      - text: Reply %d.\n", i, i, pat, i, i)
	}
	sc, err := dialogue.LoadScenario([]byte(b.String()), "gaps.yaml")
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return sc
}

// Issue 16: a long line against patterns with 16 gaps backtracked for
// minutes (13 s for one 100-word turn) and ignored SIGTERM. Matching is
// now linear and each turn has a step budget: a 10 MB line (cut to
// MaxReplyRunes words of "a", which every gap can spend four ways) stops at
// the budget, says so in the trace and falls back; a 100-word line is
// matched in full, within the budget.
func TestIssue16LongLineAgainstManyGaps(t *testing.T) {
	sc := gapScenario(t, 60)
	turn, _ := dialogue.Step(sc, dialogue.NewState(sc, 1), strings.Repeat("a ", 5_000_000))
	if !turn.Fallback || !strings.Contains(strings.Join(turn.Trace, "\n"), "pattern matching stopped at the turn's budget") {
		t.Errorf("a 10 MB line: fallback %v, trace %q; want a fallback noting the spent budget", turn.Fallback, turn.Trace)
	}
	line := strings.Repeat("a ", 99) + "b"
	turn, _ = dialogue.Step(sc, dialogue.NewState(sc, 1), line)
	if turn.Fallback || strings.Contains(strings.Join(turn.Trace, "\n"), "budget") {
		t.Errorf("a 100-word line that matches: intent %q fallback %v, trace %q", turn.Intent, turn.Fallback, turn.Trace)
	}
}

// BenchmarkReadLine is one trainee turn's understanding (patterns and
// the learned matcher) on Jennifer, for a chat-sized line and a long one.
func BenchmarkReadLine(b *testing.B) {
	lib, err := scenarios.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	sc, err := lib.Get("jennifer")
	if err != nil {
		b.Fatal(err)
	}
	short := "When the police came to the house that night, did the boys see what happened?"
	for name, line := range map[string]string{
		"words=15":  short,
		"words=150": strings.Repeat(short+" ", 10),
	} {
		b.Run(name, func(b *testing.B) {
			sc.ReadLine(line)
			for b.Loop() {
				sc.ReadLine(line)
			}
		})
	}
}
