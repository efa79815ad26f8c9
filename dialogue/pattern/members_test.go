package pattern

import "testing"

// Compiling with a MemberCache gives the same patterns as without, and a
// bad member is reported every time it is used, not only the first.
func TestMemberCache(t *testing.T) {
	concepts := map[string][]string{"kids": {"kids", "=children", "little ones"}, "bad": {"(("}}
	plain := Options{Normalise: splitLower, Concept: func(n string) ([]string, bool) { c, ok := concepts[n]; return c, ok }}
	cached := plain
	cached.Members = &MemberCache{}
	line := toksOf("what do the little ones see")
	for range 2 {
		for _, src := range []string{"(the ~kids)", "(~kids see)", "[~kids =them]"} {
			a, err := Compile(src, plain)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Compile(src, cached)
			if err != nil {
				t.Fatal(err)
			}
			ra, okA := NewMatcher(line, nil).Find(a)
			rb, okB := NewMatcher(line, nil).Find(b)
			if okA != okB || ra != rb {
				t.Errorf("%s: plain %v %v, cached %v %v", src, ra, okA, rb, okB)
			}
		}
		if _, err := Compile("(~bad)", cached); err == nil {
			t.Error("a bad concept member compiled")
		}
	}
}
