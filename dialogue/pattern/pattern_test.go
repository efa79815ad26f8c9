package pattern

import (
	"errors"
	"strings"
	"testing"
)

// The tests use a toy normaliser: lower case, and a stem that drops a
// final "s" or "ing", so "boys" and "boy", "leaving" and "leav" share one.
func stem(w string) string {
	for _, suf := range []string{"ing", "s"} {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			return strings.TrimSuffix(w, suf)
		}
	}
	return w
}

func normalise(s string) []Word {
	var out []Word
	for _, f := range strings.Fields(strings.ToLower(s)) {
		if f == "didn't" { // a contraction becomes two words
			out = append(out, Word{"did", "did"}, Word{"not", "not"})
			continue
		}
		out = append(out, Word{Norm: f, Stem: stem(f)})
	}
	return out
}

var testConcepts = map[string][]string{
	"kids":     {"kids", "the boys", "children"},
	"him":      {"him", "@name", "he"},
	"neg":      {"not", "never"},
	"nested":   {"~kids", "bairns"},
	"loop":     {"~loop2"},
	"loop2":    {"~loop"},
	"conflict": {"argu*", "rows", "=fight"},
}

var opts = Options{Normalise: normalise, Concept: func(n string) ([]string, bool) {
	m, ok := testConcepts[n]
	return m, ok
}}

// line tokenises a test line: a word ending in . or ? ends a sentence; a
// capitalised word after the first is a name.
func line(s string) []Token {
	var out []Token
	start := true
	for i, f := range strings.Fields(s) {
		ends := strings.HasSuffix(f, ".") || strings.HasSuffix(f, "?")
		f = strings.TrimRight(f, ".?,")
		name := i > 0 && !start && f != strings.ToLower(f)
		for _, w := range normalise(f) {
			out = append(out, Token{Norm: w.Norm, Stem: w.Stem, Name: name, SentenceStart: start})
			start = false
		}
		start = ends
	}
	return out
}

func mustCompile(t testing.TB, src string) *Pattern {
	t.Helper()
	p, err := Compile(src, opts)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return p
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pat, line string
		want      bool
	}{
		// words: any form, exact, prefix
		{"boy", "are the boys ok", true},
		{"=boy", "are the boys ok", false},
		{"=leave", "you could leave", true},
		{"leav*", "she left. then leaving", true},
		{"leav*", "she left", false},
		// terms in any order
		{"money allowance", "the allowance is his money", true},
		{"money allowance", "the allowance", false},
		// sequences: in a row, within one sentence
		{"(bank account)", "his bank account", true},
		{"(bank account)", "his account bank", false},
		{"(how * boys)", "how are the boys", true},
		{"(how * boys)", "how are all of the boys", false},
		{"(how *4 boys)", "how are all of the boys", true},
		{"(how * boys)", "how are. the boys", false},
		{"(how [are is] ~kids)", "how are the boys", true},
		{"(how [are is] ~kids)", "how was the boys", false},
		// ! as a term: nowhere in the line
		{"money !pay", "money to pay", false},
		{"money !pay", "money now", true},
		{"money !(to pay)", "money to pay", false},
		{"money !(to pay)", "pay money to me", true},
		// ! inside a sequence: not the next word
		{"(will !not go)", "i will not go", false},
		{"(will !not go)", "i will go", true},
		{"(will !~neg go)", "i will never go", false},
		{"(i !~neg *2 go)", "i never go", false},
		{"(i !~neg *2 go)", "i can go", true},
		{"(what ~neg)", "what never", true},
		{"(you !=know)", "you know", false},
		{"(you !=know)", "you knows", true},
		// optional words, anchors, names
		{"(you really? know)", "you know", true},
		{"(you really? know)", "you really know", true},
		{"(^ i will)", "i will go", true},
		{"(^ i will)", "then i will go", false},
		{"(^ i will)", "ok. i will go", true},
		{"(tell @name)", "tell Brian now", true},
		{"(tell @name)", "tell him now", false},
		{"(tell ~him)", "tell Brian now", true},
		// concepts: phrases, prefixes, exact members, nested
		{"~kids", "see the boys", true},
		{"(see ~kids)", "see the boy", true},
		{"~nested", "the bairns", true},
		{"~nested", "the children", true},
		{"~conflict", "they were arguing", true},
		{"~conflict", "a row", true},
		{"~conflict", "a fighting", false},
		// a word that normalises to two words matches them in a row
		{"(you didn't)", "you did not", true},
		{"[leave (take ~kids)]", "take the boys", true},
	} {
		p := mustCompile(t, c.pat)
		r, ok := NewMatcher(line(c.line), nil).Find(p)
		if ok != c.want {
			t.Errorf("%q on %q: matched %v (%+v), want %v", c.pat, c.line, ok, r, c.want)
		}
	}
}

func TestWeightAndEnd(t *testing.T) {
	for _, c := range []struct {
		pat, line  string
		weight     float64
		start, end int
	}{
		{"money", "his money", 1, 1, 2},
		{"(how * boys)", "how are the boys", 2, 0, 4},
		{"(see ~kids)", "see the boys", 3, 0, 3},
		{"leav* home", "home then leaving", 1.75, 0, 3},
		// the heaviest top-level alternative wins
		{"[leave (leave home)]", "leave home", 2, 0, 2},
		// each term at the latest place it matches
		{"boys", "boys and boys", 1, 2, 3},
	} {
		p := mustCompile(t, c.pat)
		r, ok := NewMatcher(line(c.line), nil).Find(p)
		if !ok || r.Weight != c.weight || r.Start != c.start || r.End != c.end {
			t.Errorf("%q on %q: %+v %v, want weight %v span [%d,%d)", c.pat, c.line, r, ok, c.weight, c.start, c.end)
		}
	}
}

func TestAtAndBefore(t *testing.T) {
	toks := line("you did not ever leave him")
	m := NewMatcher(toks, nil)
	p := mustCompile(t, "(leave ~him)")
	if r, ok := m.At(p, 4); !ok || r.End != 6 {
		t.Errorf("At 4: %+v %v", r, ok)
	}
	if _, ok := m.At(p, 3); ok {
		t.Error("At 3 matched: At must start exactly there")
	}
	neg := mustCompile(t, "~neg")
	if !m.Before(neg, 4, 3) {
		t.Error(`"not" is two words before "leave": Before(3) should see it`)
	}
	if m.Before(neg, 4, 1) {
		t.Error(`"not" is not the word just before "leave"`)
	}
	// Before stays in the sentence
	m2 := NewMatcher(line("not that. leave him"), nil)
	if m2.Before(neg, 2, 3) {
		t.Error("Before looked into the previous sentence")
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		pat, want string
		char      int
	}{
		{"", "at least one term", 1},
		{"!pay", "at least one term", 1},
		{"(how * boys", "never closed: expected )", 1},
		{"[a b", "never closed: expected ]", 1},
		{"a ]", `"]" closes nothing`, 3},
		{"how * boys", "only inside a sequence", 5},
		{"(* boys)", "starts with a word", 2},
		{"(how *)", "ends with a word", 6},
		{"(how really?)", "ends with a word", 6},
		{"(how * * boys)", "two gaps in a row", 8},
		{"(how *13 boys)", "*N with N from 1 to 12", 6},
		{"(how *0 boys)", "*N with N from 1 to 12", 6},
		{"money?", "only means something inside a sequence", 6},
		{"(a !b? c)", "cannot also be optional", 6},
		{"[a !b]", "not \"!\"", 4},
		{"[]", "at least one alternative", 1},
		{"()", "at least one word", 1},
		{"(a ^ b)", "may only open a sequence", 4},
		{"^ a", `"^" goes first inside a sequence`, 1},
		{"l*", "at least two letters", 1},
		{"leav*ing", "put a space after it", 6},
		{"=leav*", "either =exact or a prefix", 1},
		{"~", "expected a concept name", 1},
		{"@nom", "the only @ word is @name", 1},
		{"(a", "never closed", 1},
		{"! ", "expected a word, ~concept, [ or ( after !, found the end of the pattern", 3},
		{"a \x1b[2J", "control or formatting character U+001B", 3},
		{"a\tb", "control or formatting character U+0009", 2},
		{"a \u202eb", "U+202E", 3},
		{"é \xff", "not valid UTF-8", 3},
	} {
		_, err := Parse(c.pat)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want an *Error", c.pat, err)
			continue
		}
		if !strings.Contains(pe.Msg, c.want) || pe.Char() != c.char {
			t.Errorf("Parse(%q): %v (character %d), want %q at character %d", c.pat, err, pe.Char(), c.want, c.char)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, c := range []struct{ pat, want string }{
		{"~nosuch", "unknown concept ~nosuch"},
		{"~loop", "concept ~loop includes itself (loop → loop2 → loop)"},
		{"(a ...)", `"..." has no letters`},
	} {
		_, err := Compile(c.pat, Options{Normalise: func(s string) []Word {
			if strings.Trim(s, ".") == "" {
				return nil
			}
			return normalise(s)
		}, Concept: opts.Concept})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compile(%q) = %v, want %q", c.pat, err, c.want)
		}
	}
}

// The canonical spelling parses back to the same tree.
func TestStringRoundTrip(t *testing.T) {
	for _, src := range []string{
		"money allowance", "!(~boys * ~see) [police (came to) ~kids]",
		"(^ how =are you? *5 !not @name)", "leav* =left", "(a ~b? c)",
	} {
		t1, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		t2, err := Parse(t1.String())
		if err != nil {
			t.Fatalf("reparse %q: %v", t1.String(), err)
		}
		if t1.String() != t2.String() {
			t.Errorf("%q → %q → %q", src, t1.String(), t2.String())
		}
	}
}

func TestTooLong(t *testing.T) {
	_, err := Parse(strings.Repeat("a ", MaxLength))
	if err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("got %v", err)
	}
}
