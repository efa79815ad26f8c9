package score

import (
	"strings"
	"testing"
)

// TestGapReadersAsTheirDefinitions: the byte-reading breaksSentence and
// breaksClause say what their definitions in strings calls say, on every
// gap of up to four pieces (spaces, stops, dashes, ellipses, letters).
func TestGapReadersAsTheirDefinitions(t *testing.T) {
	pieces := []string{" ", "-", ".", "?", "!", ";", ":", "…", ",", "—", "–", "a", "'", " - ", "  "}
	var try func(gap string, depth int)
	try = func(gap string, depth int) {
		if got, want := breaksSentence(gap), strings.ContainsAny(gap, ".?!;:…"); got != want {
			t.Fatalf("breaksSentence(%q) = %v, want %v", gap, got, want)
		}
		if got, want := breaksClause(gap), strings.ContainsAny(gap, ",;:—") || strings.Contains(gap, " - "); got != want {
			t.Fatalf("breaksClause(%q) = %v, want %v", gap, got, want)
		}
		if depth > 0 {
			for _, p := range pieces {
				try(gap+p, depth-1)
			}
		}
	}
	try("", 4)
}
