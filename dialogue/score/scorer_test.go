package score

import (
	"strings"
	"testing"
	"testing/fstest"
)

// A Scorer does nothing until it is used: building one compiles no rule
// and reads no model, and a broken rules folder shows up on first use,
// as an error from Ready.
func TestScorerIsLazy(t *testing.T) {
	broken := fstest.MapFS{"rules/a.yaml": {Data: []byte("rules: [\n")}}
	s := New(WithRules(broken), WithoutModel())
	if s.rules != nil || s.learn != nil {
		t.Fatal("New compiled something")
	}
	if err := s.Ready(); err == nil {
		t.Fatal("broken rules accepted")
	}
	defer func() {
		if recover() == nil {
			t.Error("scoring with broken rules did not panic")
		}
	}()
	s.Score(Survivor, "Why didn't you leave?")
}

// WithoutModel scores by the rules alone; WithModel(nil) is the same; the
// default carries the shipped learned layer.
func TestScorerOptions(t *testing.T) {
	if New(WithoutModel()).Model() != nil || New(WithModel(nil)).Model() != nil {
		t.Error("a rules-only scorer has a model")
	}
	m := Default().Model()
	if m == nil || m.Len() == 0 {
		t.Fatal("the default scorer has no learned layer")
	}
	if New(WithModel(m)).Model() != m {
		t.Error("WithModel did not use the model given")
	}
	// the learned layer adds findings no rule makes: the rules-only
	// scorer never does
	rulesOnly, boosted := New(WithoutModel()), 0
	for _, ex := range readLabelled(t, ownPath) {
		if learned(Default().Score(ex.Role, ex.Text)) {
			boosted++
			if a := rulesOnly.Score(ex.Role, ex.Text); learned(a) {
				t.Errorf("%q: the rules-only scorer made a learned finding: %+v", ex.Text, a.Findings)
			}
		}
	}
	if boosted == 0 {
		t.Error("the default scorer's learned layer added no finding on the labelled lines")
	}
}

func learned(a Assessment) bool {
	for _, f := range a.Findings {
		if strings.Contains(f.Why, "learned check") {
			return true
		}
	}
	return false
}

// ScoreCase changes only rewrites: the label, phase and findings are
// Score's.
func TestScoreCaseKeepsTheVerdict(t *testing.T) {
	facts := CaseFacts{Partner: "Tomasz", Children: []string{"Zosia", "Kuba"}, Separated: true}
	for _, line := range []string{"Why haven't you left him?", "What do the children see when he shouts?", "You two need to stop fighting in front of the children."} {
		a, b := Default().Score(Survivor, line), Default().ScoreCase(Survivor, facts, line)
		if a.Label != b.Label || a.Phase != b.Phase || len(a.Findings) != len(b.Findings) {
			t.Errorf("%q: ScoreCase %s/%s %d findings, Score %s/%s %d", line, b.Label, b.Phase, len(b.Findings), a.Label, a.Phase, len(a.Findings))
		}
		for i := range a.Findings {
			if a.Findings[i].Kind != b.Findings[i].Kind || a.Findings[i].Span != b.Findings[i].Span {
				t.Errorf("%q: finding %d changed: %+v vs %+v", line, i, b.Findings[i], a.Findings[i])
			}
		}
	}
	a := Default().ScoreCase(Survivor, facts, "Why haven't you left him?")
	if len(a.Findings) == 0 || a.Findings[0].Rewrite == "" {
		t.Fatalf("no rewrite: %+v", a.Findings)
	}
	if rw := a.Findings[0].Rewrite; !strings.Contains(rw, "separated") {
		t.Errorf("a separated survivor is offered %q", rw)
	}
}
