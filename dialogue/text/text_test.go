package text

import (
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
