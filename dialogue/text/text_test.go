package text

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Did you tell him?", "Did you tell him?"},
		{"  Did   you\ttell\nhim?  ", "Did you tell him?"},
		{"Did  you tell him?", "Did you tell him?"},
		{"Did you\ttell him?", "Did you tell him?"},
		{"zero\u200bwidth", "zerowidth"},
		{"curly ’quotes’ stay", "curly ’quotes’ stay"},
		{"", ""},
		{"   ", ""},
	} {
		if got, cut := Clean(c.in); got != c.want || cut {
			t.Errorf("Clean(%q) = %q, %v; want %q", c.in, got, cut, c.want)
		}
	}
	long := strings.Repeat("a", MaxReplyRunes+1)
	if got, cut := Clean(long); !cut || len(got) != MaxReplyRunes {
		t.Errorf("Clean(%d letters) kept %d, cut %v; want %d, cut", len(long), len(got), cut, MaxReplyRunes)
	}
}

// TestTokensWhereLowerCaseChangesLength: İ lower-cases a byte shorter,
// Ⱥ a byte longer, so together they keep the reply's length while moving
// the words between them; each word must still be itself.
func TestTokensWhereLowerCaseChangesLength(t *testing.T) {
	var norms []string
	for _, tok := range Tokenize("İzmir then Ⱥnna Angry") {
		norms = append(norms, tok.Raw)
	}
	want := []string{strings.ToLower("İzmir"), "then", strings.ToLower("Ⱥnna"), "angry"}
	if strings.Join(norms, " ") != strings.Join(want, " ") {
		t.Fatalf("raw words %q, want %q", norms, want)
	}
}

func TestTokensLowerAndExpand(t *testing.T) {
	got := Tokenize("Brian’s Angry. He DIDN'T stop; İstanbul")
	var norms []string
	for _, tok := range got {
		norms = append(norms, tok.Norm)
	}
	want := []string{"brian", "angry", "he", "did", "not", "stop", strings.ToLower("İstanbul")}
	if strings.Join(norms, " ") != strings.Join(want, " ") {
		t.Fatalf("norms %q, want %q", norms, want)
	}
	if !got[0].Capital || got[2].Start != strings.Index("Brian’s Angry. He DIDN'T stop; İstanbul", "He") || !got[1].SentenceEnd || !got[5].SentenceEnd {
		t.Fatalf("tokens %+v", got)
	}
}

// TestASCIITokensAsAnyText: the byte-at-a-time reading of an ASCII reply
// gives the tokens the rune-at-a-time reading gives, on replies built
// from the pieces that decide where words end (apostrophes, digits,
// capitals, punctuation, runs of spaces).
func TestASCIITokensAsAnyText(t *testing.T) {
	pieces := []string{"Brian", "didn't", "you", "'", "'s", "'t", "O'Neil", "rock'n'roll", "42", "x2", " ", "  ", "?", ".", "!", ";", ",", "-", "\"", "It's", "I'M", "won't", "DASAT", "kids'", "'quoted'", "a", "Behaviour", "u", "ur", "gonna", "leave", "LEAVING"}
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 5000; n++ {
		var b strings.Builder
		for k := rng.IntN(12); k >= 0; k-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			if rng.IntN(3) > 0 {
				b.WriteByte(' ')
			}
		}
		reply := b.String()
		lower, ok := lowerASCII(reply)
		if !ok || lower != strings.ToLower(reply) {
			t.Fatalf("lowerASCII(%q) = %q, %v; want %q, true", reply, lower, ok, strings.ToLower(reply))
		}
		got, want := appendASCIITokens(nil, reply, lower), appendAnyTokens(nil, reply)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got  %+v\n want %+v", reply, got, want)
		}
	}
}

// TestIsCleanAsByteByByte: the eight-bytes-at-a-time test agrees with
// the plain reading of each byte on 200,000 replies built from the bytes
// that decide it (spaces, controls, DEL, bytes over 127, letters), at
// every length to 40, so across every position in a block and every
// block boundary.
func TestIsCleanAsByteByByte(t *testing.T) {
	plain := func(text string) bool {
		if len(text) > MaxReplyRunes || text == "" || text[0] == ' ' || text[len(text)-1] == ' ' {
			return false
		}
		prev := byte(0)
		for i := 0; i < len(text); i++ {
			c := text[i]
			if c < ' ' || c > '~' || c == ' ' && prev == ' ' {
				return false
			}
			prev = c
		}
		return true
	}
	alphabet := []byte{' ', ' ', ' ', 'a', 'b', 'Z', '~', '!', 0x1f, 0x7f, 0x80, 0xff, '\t', '\n', 0x20 ^ 0x80, 0x00, 0x5f, 0xa0}
	rng := rand.New(rand.NewPCG(5, 6))
	for k := 0; k < 200000; k++ {
		b := make([]byte, rng.IntN(41))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = 'a' + byte(rng.IntN(26))
			}
		}
		if got, want := isClean(string(b)), plain(string(b)); got != want {
			t.Fatalf("isClean(%q) = %v, want %v", b, got, want)
		}
	}
}
