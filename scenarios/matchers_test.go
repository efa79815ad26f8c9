package scenarios

import (
	"testing"
)

// Every embedded scenario ships a matcher trained on exactly its current
// examples and the shared moves, so no command trains at start-up.
func TestStoredMatchersAreFresh(t *testing.T) {
	lib, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range lib.Entries() {
		data, err := matchers.ReadFile("matchers/" + e.Scenario.ID + ".pvm")
		if err != nil {
			t.Errorf("%s: no stored matcher: run go run ./cmd/pivot train --matchers", e.Scenario.ID)
			continue
		}
		// UseMatcher checks the fingerprint before anything else.
		if err := e.Scenario.UseMatcher(data); err != nil {
			t.Errorf("%s: %v", e.Scenario.ID, err)
		}
	}
}
