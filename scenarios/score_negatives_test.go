package scenarios

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// scorerNegatives is where the scorer's generator reads the scenarios'
// example wordings as non-blaming lines: a scenario's own good questions
// must never be read as blame (docs/scoring.md, rounds 5–7).
const scorerNegatives = "../dialogue/score/testdata/voices/negatives_scenario_examples.jsonl"

// The negatives file holds exactly the intents' examples of the four
// scenarios. After changing an example: PIVOT_UPDATE=1 go test ./scenarios
// -run TestScorerNegativesMatchExamples, then go generate ./dialogue/score.
func TestScorerNegativesMatchExamples(t *testing.T) {
	type line struct {
		Text  string `json:"text"`
		Role  string `json:"role"`
		Label string `json:"label"`
	}
	var want bytes.Buffer
	seen := map[line]bool{}
	for _, id := range []string{"jennifer", "brian", "magda", "tomasz"} {
		sc := libGet(t, id)
		for _, in := range sc.Intents {
			for _, ex := range in.Examples {
				l := line{Text: ex, Role: string(sc.Role), Label: "non_blaming"}
				if seen[l] {
					continue
				}
				seen[l] = true
				b, err := json.Marshal(l)
				if err != nil {
					t.Fatal(err)
				}
				want.Write(append(b, '\n'))
			}
		}
	}
	if os.Getenv("PIVOT_UPDATE") != "" {
		if err := os.WriteFile(scorerNegatives, want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(scorerNegatives)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("%s is out of step with the scenarios' examples: run PIVOT_UPDATE=1 go test ./scenarios -run TestScorerNegativesMatchExamples, then go generate ./dialogue/score", scorerNegatives)
	}
}
