package pattern

import (
	"fmt"
	"testing"
)

// BenchmarkGaps matches issue 16's pattern (16 gaps) against near-miss
// lines of growing length: time per op grows linearly with the words
// (docs/benchmarks.md).
func BenchmarkGaps(b *testing.B) {
	p := mustCompile(b, gapPattern(16))
	for _, words := range []int{25, 50, 100, 200, 400, 800} {
		toks := nearMiss(words)
		b.Run(fmt.Sprintf("words=%d", words), func(b *testing.B) {
			var steps int
			for b.Loop() {
				m := NewMatcher(toks, nil)
				m.Find(p)
				steps = m.Steps()
			}
			b.ReportMetric(float64(steps), "steps/op")
		})
	}
}

// BenchmarkTypical is a scenario-sized pattern on a chat-sized line.
func BenchmarkTypical(b *testing.B) {
	testConcepts["police"] = []string{"police", "officer", "cops", "the polis"}
	defer delete(testConcepts, "police")
	p := mustCompile(b, "~police [came come house called visit] !(~kids * see) !(for you)")
	toks := line("when the police came to the house that night, did the boys see what happened?")
	m := NewMatcher(toks, NewBudget(1<<62)) // one matcher per line, as the engine uses it
	for b.Loop() {
		m.Find(p)
	}
	b.ReportMetric(float64(m.Steps())/float64(b.N), "steps/op")
}
