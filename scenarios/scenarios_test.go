package scenarios

import (
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
)

// Every embedded scenario loads cleanly and passes its own scripted tests.
func TestEmbeddedScenariosPassTheirTests(t *testing.T) {
	lib, err := Embedded()
	if err != nil {
		t.Fatalf("loading embedded scenarios: %v", err)
	}
	for _, e := range lib.Entries() {
		t.Run(e.Scenario.ID, func(t *testing.T) {
			if len(e.Scenario.Tests) == 0 {
				t.Errorf("%s has no scenario tests", e.Scenario.ID)
			}
			for _, p := range dialogue.RunTests(e.Scenario) {
				t.Error(p)
			}
		})
	}
}

func TestUnknownScenarioNamesTheKnownOnes(t *testing.T) {
	lib, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	_, err = lib.Get("jenifer")
	if err == nil {
		t.Fatal("expected an error for a misspelt scenario id")
	}
	want := "jennifer"
	if !contains(err.Error(), want) {
		t.Errorf("error %q should name the scenario %q", err, want)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
