package bot

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

func checkParts(t *testing.T, text string, limit int, parts []string) {
	t.Helper()
	if got := strings.Join(parts, ""); got != text {
		t.Fatalf("joined parts differ from the text:\n got %q\nwant %q", got, text)
	}
	for i, p := range parts {
		if p == "" {
			t.Fatalf("part %d is empty", i)
		}
		if !utf8.ValidString(p) {
			t.Fatalf("part %d is not valid UTF-8 (cut inside a rune): %q", i, p)
		}
		if n := utf8.RuneCountInString(p); n > limit {
			t.Fatalf("part %d has %d runes, limit %d", i, n, limit)
		}
		if n := Width(p); n > limit {
			t.Fatalf("part %d is %d UTF-16 units wide, limit %d", i, n, limit)
		}
	}
}

func TestSplitCases(t *testing.T) {
	long := strings.Repeat("x", 25)
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"empty", "", 10, nil},
		{"fits", "hello", 10, []string{"hello"}},
		{"exactly", "0123456789", 10, []string{"0123456789"}},
		{"lines", "one\ntwo\nthree\nfour", 10, []string{"one\ntwo\n", "three\nfour"}},
		{"last line break wins", "ab\ncd\nefghijklmnop", 10, []string{"ab\ncd\n", "efghijklmn", "op"}},
		{"words when no line fits", "alpha beta gamma delta", 12, []string{"alpha beta ", "gamma delta"}},
		{"runes when no space", long, 10, []string{long[:10], long[10:20], long[20:]}},
		{"multibyte runes kept whole", "ééééé", 2, []string{"éé", "éé", "é"}},
		{"emoji count two", "😀😀😀", 4, []string{"😀😀", "😀"}},
		{"crlf not cut", "abcd\r\nefgh", 5, []string{"abcd", "\r\n", "efgh"}},
		{"blank lines kept", "a\n\n\nb", 2, []string{"a\n", "\n\n", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Split(tc.text, tc.limit)
			checkParts(t, tc.text, tc.limit, got)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Fatalf("Split(%q, %d) = %q, want %q", tc.text, tc.limit, got, tc.want)
			}
		})
	}
}

func TestSplitDiscordMessage(t *testing.T) {
	// A debrief-like text of many lines, well over Discord's 2,000.
	var b strings.Builder
	for i := 0; utf8.RuneCountInString(b.String()) < 7000; i++ {
		b.WriteString("• Turn ")
		b.WriteString(strings.Repeat("ü", i%40))
		b.WriteString(" — “why haven't you left him?” blames the survivor.\n")
	}
	text := b.String()
	parts := Split(text, 2000)
	checkParts(t, text, 2000, parts)
	if len(parts) < 4 {
		t.Fatalf("got %d parts, want at least 4", len(parts))
	}
	for i, p := range parts {
		if !strings.HasSuffix(p, "\n") {
			t.Fatalf("part %d does not end at a line break: …%q", i, p[max(0, len(p)-20):])
		}
	}
}

func TestSplitRandom(t *testing.T) {
	alphabet := []rune("ab c\n\ré😀世 \t")
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 2000; n++ {
		r := make([]rune, rng.Intn(200))
		for i := range r {
			r[i] = alphabet[rng.Intn(len(alphabet))]
		}
		limit := 2 + rng.Intn(30)
		text := string(r)
		checkParts(t, text, limit, Split(text, limit))
	}
}

func TestSplitPanicsOnTinyLimit(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Split with limit 1 did not panic")
		}
	}()
	Split("abc", 1)
}
