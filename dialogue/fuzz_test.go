package dialogue_test

// Fuzz targets for everything in the engine that reads what a trainee or
// a trainer wrote. The seeds run under plain `go test`; run a target for
// longer by hand, e.g.
//
//	go test -run '^$' -fuzz '^FuzzScore$' -fuzztime 60s ./dialogue
//
// (results in docs/reliability.md).

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/dialogue/score"
)

// hostile are the bad inputs of docs/reliability.md, as seeds.
var hostile = []string{
	"",
	" ",
	"Why haven't you left him?",
	"What have you done to keep the boys safe when Brian drinks?",
	"\xff\xfe\xfd invalid \xc3\x28 utf-8 \xed\xa0\x80",
	"\u202eoht nrael uoy did tahw\u202c why haven\u2019t you left",
	"wh\u200by ha\u200dven't you l\u200ceft h\ufeffim",
	"Why haven't you left him? 😡👨‍👩‍👦 🇬🇧",
	"<@U123> <!channel> @everyone *bold* _x_ `code` ```block``` <https://x|y>",
	"'; DROP TABLE turns; -- Robert'); DELETE FROM sessions WHERE 1=1; --",
	"لماذا لم تتركيه؟ למה לא עזבת אותו",
	"why why why why why why why why why why why why why why why why",
	strings.Repeat("a", 5000),
	strings.Repeat("Why haven't you left him? ", 400),
	"don't won't can't shan't y'all ’tis o’clock rock’n’roll",
	"\x00\x01\x02\x1b[31mred\x1b[0m\r\n\t",
}

func FuzzClean(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, cut := dialogue.Clean(s)
		if !utf8.ValidString(c) {
			t.Fatalf("Clean(%q) is not valid UTF-8: %q", s, c)
		}
		if n := utf8.RuneCountInString(c); n > dialogue.MaxReplyRunes {
			t.Fatalf("Clean kept %d runes, more than %d", n, dialogue.MaxReplyRunes)
		}
		if !cut && utf8.RuneCountInString(c) > utf8.RuneCountInString(s) {
			t.Fatalf("Clean grew the text: %q → %q", s, c)
		}
		if c2, _ := dialogue.Clean(c); c2 != c {
			t.Fatalf("Clean is not idempotent: %q → %q → %q", s, c, c2)
		}
	})
}

func FuzzTokenize(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, _ := dialogue.Clean(s)
		for _, tok := range dialogue.Tokenize(c) {
			if tok.Start < 0 || tok.Start >= tok.End || tok.End > len(c) {
				t.Fatalf("token %+v outside %q", tok, c)
			}
			if !utf8.RuneStart(c[tok.Start]) || (tok.End < len(c) && !utf8.RuneStart(c[tok.End])) {
				t.Fatalf("token %+v not on rune boundaries of %q", tok, c)
			}
			// (A bare "n't" gives a token with an empty normal form: the
			// contraction rule strips the "n" and leaves nothing. Harmless
			// — it matches no pattern word — and noted in
			// docs/reliability.md.)
		}
	})
}

var roles = []dialogue.Role{dialogue.Survivor, dialogue.Perpetrator, "", "nonsense"}

func FuzzScore(f *testing.F) {
	for i, s := range hostile {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, r uint8, s string) {
		a := score.Default().Score(roles[int(r)%len(roles)], s)
		if !a.Phase.Valid() {
			t.Fatalf("assessment phase %q", a.Phase)
		}
		for _, fd := range a.Findings {
			lo, hi := fd.Span[0], fd.Span[1]
			if lo < 0 || lo > hi || hi > len(a.Text) {
				t.Fatalf("finding %+v: span outside the text %q", fd, a.Text)
			}
			if (lo < len(a.Text) && !utf8.RuneStart(a.Text[lo])) || (hi < len(a.Text) && !utf8.RuneStart(a.Text[hi])) {
				t.Fatalf("finding %+v: span not on rune boundaries of %q", fd, a.Text)
			}
			if fd.Words != a.Text[lo:hi] {
				t.Fatalf("finding %+v: words %q are not text[span] %q", fd, fd.Words, a.Text[lo:hi])
			}
			if !fd.Kind.Valid() {
				t.Fatalf("finding kind %q", fd.Kind)
			}
		}
		if (a.Label == dialogue.Blaming) != (len(a.BlamingFindings()) > 0) {
			t.Fatalf("label %s with blaming findings %v", a.Label, a.BlamingFindings())
		}
	})
}

// embeddedScenarios reads the scenario files as fuzz seeds.
// sharedMoves loads the shared interview moves the built-in scenarios
// answer.
func sharedMoves(tb testing.TB) *dialogue.Moves {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "scenarios", "shared", "moves.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	m, err := dialogue.LoadMoves(data, "moves.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func embeddedScenarios(f *testing.F) map[string][]byte {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("..", "scenarios", "*.yaml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no scenario files found: %v", err)
	}
	out := map[string][]byte{}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

func FuzzLoadScenario(f *testing.F) {
	for _, b := range embeddedScenarios(f) {
		f.Add(b)
		f.Add(b[:len(b)/2]) // cut mid-file
	}
	for _, s := range []string{"", "format: 1\n", "a: &a [*a, *a]\n", "{", "- - - -", "\x00\xff", "id: x\nid: y\n",
		"format: 1\nid: loop\nintents: &i [*i]\n", "a: &a\n  b: *a\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := dialogue.LoadScenario(data, "fuzz.yaml")
		if err != nil {
			if sc != nil {
				t.Fatal("LoadScenario returned a scenario and an error")
			}
			if err.Error() == "" {
				t.Fatal("an error with no message")
			}
			return
		}
		// A scenario that loads must play.
		st := dialogue.NewState(sc, 1)
		for _, line := range []string{"Hello, is it safe to talk?", "Why haven't you left him?", ""} {
			_, st = dialogue.Step(sc, st, line)
		}
	})
}

func FuzzStep(f *testing.F) {
	data := embeddedScenarios(f)["jennifer.yaml"]
	sc, err := dialogue.LoadScenario(data, "jennifer.yaml", dialogue.WithMoves(sharedMoves(f)))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range hostile {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		st := dialogue.NewState(sc, 7)
		for i, line := range []string{a, b} {
			turn, next := dialogue.Step(sc, st, line)
			if turn.Number != i+1 || next.Turn != i+1 {
				t.Fatalf("turn %d numbered %d, state %d", i+1, turn.Number, next.Turn)
			}
			if next.Trust < sc.Trust.Min || next.Trust > sc.Trust.Max {
				t.Fatalf("trust %d outside [%d, %d]", next.Trust, sc.Trust.Min, sc.Trust.Max)
			}
			if turn.Reply == "" && !turn.Ended {
				t.Fatalf("no reply to %q", line)
			}
			st = next
		}
	})
}

const bigHeader = `format: 1
id: big
title: A scenario with very many intents
character: Dana
role: survivor
brief: You are visiting Dana.
opening: Hello.
trust:
  start: 40
  end_below: 10
fallbacks:
  - text: Sorry?
clarify:
  - text: "Do you mean {a} or {b}?"
intents:
`

// A scenario with 10,000 intents loads and plays: the loader and the
// matcher have no quadratic blow-up that would stall pivot validate or
// the bot. (Speed is measured by BenchmarkStep10000Intents, not here.)
func TestScenarioWith10000Intents(t *testing.T) {
	sc := bigScenario(t, 10000)
	st := dialogue.NewState(sc, 1)
	turn, _ := dialogue.Step(sc, st, "tell me about topic9999 please")
	if turn.Intent != "i9999" {
		t.Fatalf("matched %q (fallback %v), want i9999", turn.Intent, turn.Fallback)
	}
	turn, _ = dialogue.Step(sc, st, "nothing matches this")
	if !turn.Fallback {
		t.Fatalf("want a fallback, got intent %q", turn.Intent)
	}
}

func bigScenario(tb testing.TB, n int) *dialogue.Scenario {
	tb.Helper()
	var b strings.Builder
	b.WriteString(bigHeader)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - id: i%d\n    topic: topic %d\n    phase: worries\n    patterns: [\"topic%d\"]\n    replies:\n      - text: Reply %d.\n", i, i, i, i)
	}
	sc, err := dialogue.LoadScenario([]byte(b.String()), "big.yaml")
	if err != nil {
		tb.Fatalf("a scenario with %d intents: %v", n, err)
	}
	return sc
}

func BenchmarkStep10000Intents(b *testing.B) {
	sc := bigScenario(b, 10000)
	st := dialogue.NewState(sc, 1)
	for b.Loop() {
		dialogue.Step(sc, st, "tell me about topic5000 please")
	}
}

// YAML aliases that refer to themselves, or expand exponentially ("a
// billion laughs"), are rejected with an error rather than looping or
// eating memory.
func TestScenarioWithAliasCycles(t *testing.T) {
	laughs := "format: 1\nid: x\nconcepts:\n  a: &a [x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n  g: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	for name, doc := range map[string]string{
		"self-referencing list":                "format: 1\nid: loop\nintents: &i [*i]\n",
		"self-referencing map":                 "format: 1\nid: loop\ntrust: &t\n  start: *t\n",
		"intent list aliasing its own intents": "format: 1\nid: loop\nintents: &i\n  - id: a\n    patterns: *i\n",
		"a billion laughs":                     laughs,
	} {
		if _, err := dialogue.LoadScenario([]byte(doc), "cycle.yaml"); err == nil {
			t.Errorf("%s: loaded without an error", name)
		} else if t.Logf("%s: %.160s", name, err); len(err.Error()) > 4000 {
			t.Errorf("%s: an error of %d bytes", name, len(err.Error()))
		}
	}
}
