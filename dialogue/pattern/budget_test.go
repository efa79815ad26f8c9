package pattern

import (
	"errors"
	"strings"
	"testing"
)

// gapPattern is issue 16's pattern: "(a * a * … * b)" with gaps gaps.
func gapPattern(gaps int) string {
	return "(" + strings.Repeat("a * ", gaps) + "b)"
}

// nearMiss is a line of words "a" and never "b": every word can start the
// pattern and every gap can be spent 4 ways, so a backtracking matcher
// tries 4^gaps combinations from each word.
func nearMiss(words int) []Token {
	toks := make([]Token, words)
	for i := range toks {
		toks[i] = Token{Norm: "a", Stem: "a", SentenceStart: i == 0}
	}
	return toks
}

// Issue 16: one 100-word line against a pattern with 16 gaps took 13 s of
// CPU (4^16 ways to spend the gaps). Steps, not seconds, are asserted:
// every (instruction, position) is tried once.
func TestIssue16SixteenGaps(t *testing.T) {
	p := mustCompile(t, gapPattern(16))
	for _, words := range []int{40, 100} {
		toks := nearMiss(words)
		m := NewMatcher(toks, nil)
		if _, ok := m.Find(p); ok {
			t.Fatalf("%d words: matched a line without the last word", words)
		}
		bound := 2 * p.Size() * (words + 1)
		if m.Err() != nil || m.Steps() > bound {
			t.Errorf("%d words: %d steps (err %v), want at most 2 × size × (words+1) = %d", words, m.Steps(), m.Err(), bound)
		}
		t.Logf("%d words, 16 gaps: %d steps (bound %d)", words, m.Steps(), bound)
	}
	// and it still finds the match when there is one
	toks := append(nearMiss(100), Token{Norm: "b", Stem: "b"})
	if r, ok := NewMatcher(toks, nil).Find(p); !ok || r.Weight != 17 || r.End != 101 {
		t.Errorf("the line ending in b: %+v %v, want a match of 17 words ending at 101", r, ok)
	}
}

// Steps grow in proportion to the line, where backtracking grows as
// 4^gaps per word: each size stays within 2 × size × (words + 1), and each
// extra hundred words costs the same.
func TestStepsLinearInLine(t *testing.T) {
	p := mustCompile(t, gapPattern(16))
	var prev, perHundred int
	for _, words := range []int{100, 200, 300, 400, 800} {
		m := NewMatcher(nearMiss(words), nil)
		m.Find(p)
		if bound := 2 * p.Size() * (words + 1); m.Steps() > bound {
			t.Errorf("%d words: %d steps, over 2 × size × (words+1) = %d", words, m.Steps(), bound)
		}
		if words <= 400 && prev > 0 {
			inc := m.Steps() - prev
			if perHundred > 0 && inc != perHundred {
				t.Errorf("%d words: the last hundred words cost %d steps, the hundred before %d", words, inc, perHundred)
			}
			perHundred = inc
		}
		prev = m.Steps()
	}
}

// Over budget the match reports no match and the matcher says why; later
// matches on the same line do not run.
func TestBudget(t *testing.T) {
	p := mustCompile(t, gapPattern(16))
	toks := nearMiss(100)
	m := NewMatcher(toks, NewBudget(500))
	if _, ok := m.Find(p); ok {
		t.Fatal("matched")
	}
	if !errors.Is(m.Err(), ErrBudget) || m.Steps() != 500 {
		t.Fatalf("err %v after %d steps, want ErrBudget after 500", m.Err(), m.Steps())
	}
	easy := mustCompile(t, "a")
	if _, ok := m.Find(easy); ok || m.Steps() != 500 {
		t.Errorf("a spent matcher went on matching (%d steps)", m.Steps())
	}
	// another line charged to the same budget (the next clause of the
	// same turn) does not run either
	other := NewMatcher(line("a b"), m.budget)
	if _, ok := other.Find(easy); ok || other.Steps() != 0 || other.Err() != ErrBudget {
		t.Errorf("a matcher on a spent budget matched (%d steps, err %v)", other.Steps(), other.Err())
	}
	// a fresh budget matches as usual
	if _, ok := NewMatcher(line("a b"), NewBudget(100)).Find(easy); !ok {
		t.Error("a fresh budget did not match")
	}
}

// A 10 MB line of one repeated word against the 16-gap pattern stops at
// the budget instead of pinning a core.
func TestHugeLineStopsAtBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a large line")
	}
	const words = 2_000_000 // ~10 MB of text at five bytes a word
	toks := make([]Token, words)
	for i := range toks {
		toks[i] = Token{Norm: "a", Stem: "a", SentenceStart: i == 0}
	}
	p := mustCompile(t, gapPattern(16))
	m := NewMatcher(toks, NewBudget(1_000_000))
	if _, ok := m.Find(p); ok || !errors.Is(m.Err(), ErrBudget) {
		t.Errorf("ok=%v err=%v", ok, m.Err())
	}
}
