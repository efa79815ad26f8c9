package pattern

import (
	"regexp"
	"testing"
)

// TestMergedAlternativesMatchAsWritten checks that a run of one-word
// alternatives compiled as one test matches exactly as the alternatives
// tried one by one in order: the same lines, where, and with what weight
// (a prefix weighs less than a word, and the first alternative that
// matches decides). Each pattern is compared with itself with every
// alternative wrapped in a sequence of one, which the compiler never
// merges.
func TestMergedAlternativesMatchAsWritten(t *testing.T) {
	patterns := []string{
		"([=he =she @name] [=hit =hits hitting] [=her =you])",
		"(~him [shout* =shouted yell* =yelled] *2 [=at =to] [=her =you])",
		"([bo* =boys boy] [=are =were] [scar* =scared =frightened])",
		"([=not =never] [argu* =argued =fight fights])",
		"([=what =how] *3 [=he =Brian @name] *2 [=did =does =do])",
		"([didn't =did =done] [=not =never])",
		"([ab* =ab abc* abd*] [=z]) ([=ab =abz] =z)",
	}
	lines := []string{
		"He hit her again", "she hits you", "Brian hitting her", "he hitting you",
		"Then Brian shouted at her.", "he yelled to you", "Jo shouting at you", "him yelling at her",
		"the boys are scared", "boy were frightened", "bob are scarred",
		"not arguing", "never fights", "not argued", "never fight",
		"what did he do", "how often did Brian hit", "what does Sam do",
		"didn't not", "did never", "done not", "abc z", "ab z", "abz z", "a z",
	}
	item := regexp.MustCompile(`[~=@]?[A-Za-z']+\*?`)
	for _, src := range patterns {
		merged, err := Compile(src, opts)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		// wrap each item inside [...] in a sequence of one: "(=he)"
		wrapped := regexp.MustCompile(`\[[^\]]*\]`).ReplaceAllStringFunc(src, func(alt string) string {
			return item.ReplaceAllString(alt, "($0)")
		})
		plain, err := Compile(wrapped, opts)
		if err != nil {
			t.Fatalf("%q: %v", wrapped, err)
		}
		if merged.Size() >= plain.Size() {
			t.Errorf("%q: %d steps merged, %d written out: nothing was merged", src, merged.Size(), plain.Size())
		}
		for _, l := range lines {
			toks := line(l)
			a, okA := NewMatcher(toks, nil).Find(merged)
			b, okB := NewMatcher(toks, nil).Find(plain)
			if okA != okB || a != b {
				t.Errorf("%q on %q: merged %v %+v, written out %v %+v", src, l, okA, a, okB, b)
			}
			for i := range toks {
				a, okA := NewMatcher(toks, nil).At(merged, i)
				b, okB := NewMatcher(toks, nil).At(plain, i)
				if okA != okB || a != b {
					t.Errorf("%q at word %d of %q: merged %v %+v, written out %v %+v", src, i, l, okA, a, okB, b)
				}
			}
		}
	}
}
