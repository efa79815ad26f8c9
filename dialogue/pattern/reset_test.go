package pattern

import "testing"

// A Matcher reset onto a new line matches it exactly as a fresh one does,
// whatever it matched before (its memo is reused, never read stale).
func TestMatcherReset(t *testing.T) {
	opts := Options{Normalise: splitLower}
	lines := [][]Token{
		toksOf("he said you wound him up so he hit out"),
		toksOf("you"),
		toksOf("why did you not leave him when he hit you the first time"),
	}
	pats := []string{"(you * him)", "(why * leave)", "(=he =hit)", "[(wound =up) leave]", "(^ why)"}
	var reused Matcher
	for round := 0; round < 2; round++ {
		for _, line := range lines {
			reused.Reset(line, nil)
			fresh := NewMatcher(line, nil)
			for _, src := range pats {
				p, err := Compile(src, opts)
				if err != nil {
					t.Fatal(err)
				}
				for i := range line {
					a, okA := reused.At(p, i)
					b, okB := fresh.At(p, i)
					if okA != okB || a != b {
						t.Errorf("%s at %d of %v: reused %v %v, fresh %v %v", src, i, line, a, okA, b, okB)
					}
				}
				a, okA := reused.Find(p)
				b, okB := fresh.Find(p)
				if okA != okB || a != b {
					t.Errorf("%s in %v: reused %v %v, fresh %v %v", src, line, a, okA, b, okB)
				}
			}
		}
	}
}

func toksOf(s string) []Token {
	var out []Token
	for _, w := range splitLower(s) {
		out = append(out, Token{Norm: w.Norm, Stem: w.Stem})
	}
	return out
}

// A line's words are forgotten on Reset: on a line without a pattern's
// words the quick word check settles it as cheaply as on a fresh matcher.
func TestMatcherResetForgetsWords(t *testing.T) {
	p, err := Compile("(wound him =up)", Options{Normalise: splitLower})
	if err != nil {
		t.Fatal(err)
	}
	var m Matcher
	m.Reset(toksOf("you wound him up"), nil)
	if _, ok := m.Find(p); !ok {
		t.Fatal("no match on the first line")
	}
	next := toksOf("what happened next")
	m.Reset(next, nil)
	fresh := NewMatcher(next, nil)
	_, okA := m.Find(p)
	_, okB := fresh.Find(p)
	if okA || okB || m.Steps() != fresh.Steps() {
		t.Errorf("after Reset: match %v in %d steps; fresh: match %v in %d steps", okA, m.Steps(), okB, fresh.Steps())
	}
}
