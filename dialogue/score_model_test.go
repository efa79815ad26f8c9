package dialogue

import (
	"bytes"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestModelUpToDate retrains the booster from the labelled files and checks
// the embedded rules/model.bin matches: run `pivot train` from the repo
// root after changing any labelled file or rule. The embedded model holds
// hashed names only, so the comparison goes through its table: every
// weight the fresh model keeps must be there, and the table must hold no
// more entries than the fresh model names.
func TestModelUpToDate(t *testing.T) {
	files := []string{ownPath}
	for _, g := range []string{"testdata/heldout_*.jsonl", "testdata/batch_*.jsonl", "testdata/negatives_*.jsonl"} {
		more, _ := filepath.Glob(g)
		sort.Strings(more)
		files = append(files, more...)
	}
	var ex []Labelled
	for _, f := range files {
		ex = append(ex, readLabelled(t, f)...)
	}
	shipped := booster()
	m := TrainModel(ex, shipped.Options())
	if m.Examples != shipped.Examples {
		t.Fatalf("model.bin was trained on %d lines, the labelled files have %d: run `go run ./cmd/pivot train`", shipped.Examples, m.Examples)
	}
	worst, at := 0.0, ""
	diff := func(a float64, b float32, name string) {
		if d := math.Abs(a - float64(b)); d > worst {
			worst, at = d, name
		}
	}
	names := map[string]bool{}
	for k, v := range m.Weights {
		names[k] = true
		diff(v, shipped.weightOf(k), k)
	}
	for k, v := range m.PhaseWeights {
		names[k] = true
		p := shipped.phaseOf(k)
		for j := range 4 {
			diff(v[j], p[j], "phase "+k)
		}
	}
	for k, v := range m.KindWeights {
		names[k] = true
		q := shipped.kindOf(k)
		for j := range 5 {
			diff(v[j], q[j], "kind "+k)
		}
	}
	n := 0
	for _, sl := range shipped.table.slots {
		if sl.key != 0 {
			n++
		}
	}
	if n != len(names) {
		t.Errorf("model.bin holds %d features, a fresh training %d: run `go run ./cmd/pivot train`", n, len(names))
	}
	if m.Options() != shipped.Options() {
		t.Errorf("options differ after a round trip: %+v vs %+v", m.Options(), shipped.Options())
	}
	if worst > 5e-3 {
		t.Errorf("model.bin is stale (weight %q differs by %.4f): run `go run ./cmd/pivot train`", at, worst)
	}
}

// The compact form scores exactly as the JSON form of the same model.
func TestModelBinaryRoundTrip(t *testing.T) {
	m := TrainModel(readLabelled(t, "testdata/heldout_a.jsonl"), DefaultModelOptions())
	js, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseModel(js)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseModel(bin)
	if err != nil {
		t.Fatal(err)
	}
	if a.Options() != b.Options() {
		t.Errorf("options %+v vs %+v", a.Options(), b.Options())
	}
	bin2, _ := b.MarshalBinary()
	if !bytes.Equal(bin, bin2) {
		t.Error("re-encoding a loaded model.bin changed it")
	}
	for _, ex := range readLabelled(t, "testdata/heldout_b.jsonl") {
		x, y := a.Score(ex.Role, ex.Text), b.Score(ex.Role, ex.Text)
		if x.Label != y.Label || x.Phase != y.Phase || len(x.Findings) != len(y.Findings) {
			t.Errorf("%q: json %s/%s %v, binary %s/%s %v", ex.Text, x.Label, x.Phase, x.Findings, y.Label, y.Phase, y.Findings)
		}
	}
	if _, err := ParseModel(bin[:len(bin)-3]); err == nil {
		t.Error("a truncated model.bin loaded")
	}
}

func TestBoosterOnlyAdds(t *testing.T) {
	// A reply the rules already mark keeps exactly the rules' findings.
	for _, c := range []struct {
		role Role
		text string
	}{
		{Survivor, "Why haven't you left him?"},
		{Perpetrator, "She knows how to push your buttons."},
	} {
		clean, _ := Clean(c.text)
		want := scoreRules(c.role, clean)
		got := Score(c.role, c.text)
		if len(got.Findings) != len(want.Findings) || got.Label != want.Label {
			t.Errorf("%q: booster changed a rule-marked reply: %+v vs %+v", c.text, got.Findings, want.Findings)
		}
	}
	// Engagement moves and credited replies are never boosted.
	for _, c := range []struct {
		role Role
		text string
	}{
		{Survivor, "You don't have to answer anything you're not ready to. We can stop whenever you need."},
		{Survivor, "Hi, is it safe to talk right now?"},
		{Perpetrator, "What did the kids see when you threw the plate?"},
	} {
		if a := Score(c.role, c.text); a.Label == Blaming {
			t.Errorf("%q: boosted to blaming: %+v", c.text, a.Findings)
		}
	}
	// A boosted finding quotes the reply's own words and says it is learned.
	for _, c := range []struct {
		role Role
		text string
	}{
		{Survivor, "Do you reckon you were a bit to blame for how bad it got?"},
		{Perpetrator, "Fair enough, mate, she sounds like hard work."},
	} {
		clean, _ := Clean(c.text)
		if scoreRules(c.role, clean).Label == Blaming {
			continue // a rule caught it; nothing to check here
		}
		a := Score(c.role, c.text)
		for _, f := range a.Findings {
			if !f.Kind.Blaming() {
				continue
			}
			if a.Text[f.Span[0]:f.Span[1]] != f.Words || f.Words == "" {
				t.Errorf("%q: finding words %q do not match span %v", c.text, f.Words, f.Span)
			}
			if !strings.Contains(f.Why, "learned") || f.Rewrite == "" {
				t.Errorf("%q: booster finding lacks the learned note or a rewrite: %+v", c.text, f)
			}
		}
	}
}

func TestModelDeterministic(t *testing.T) {
	ex := readLabelled(t, ownPath)[:200]
	a, _ := TrainModel(ex, ModelOptions{Epochs: 50}).Marshal()
	b, _ := TrainModel(ex, ModelOptions{Epochs: 50}).Marshal()
	if string(a) != string(b) {
		t.Error("training twice on the same lines gave different models")
	}
	if _, err := ParseModel(a); err != nil {
		t.Errorf("a trained model does not parse: %v", err)
	}
	if _, err := ParseModel([]byte(`{"version":2,"threshold":0.2,"credit_threshold":1,"engagement_threshold":1,"weights":{}}`)); err == nil {
		t.Error("threshold 0.2 accepted")
	}
}

func TestRegressionHeldout(t *testing.T) {
	files, _ := filepath.Glob("testdata/heldout_*.jsonl")
	for _, f := range files {
		r := Evaluate(readLabelled(t, f), Score)
		dumpErrors(t, f, r)
		checkFloors(t, f, r, floors{p: 0.98, r: 0.98, f1: 0.98, kappa: 0.97, phaseF1: 0.94})
	}
}

// TestRegressionBatches holds the training batches (in-sample since the
// rules and the model learned from them) to a little under their figures.
// The fresh_*.jsonl sets are measurement-only and deliberately not here.
func TestRegressionBatches(t *testing.T) {
	files, _ := filepath.Glob("testdata/batch_*.jsonl")
	if len(files) == 0 {
		t.Fatal("no testdata/batch_*.jsonl")
	}
	// Batches added after the last pass over the rules are learned only by
	// the model, so they sit lower; raise a batch to the common floors once
	// its misses have been worked through.
	modelOnly := map[string]floors{
		"testdata/batch_w4.jsonl": {p: 0.95, r: 0.99, f1: 0.97, kappa: 0.95, phaseF1: 0.96},
		"testdata/batch_w5.jsonl": {p: 0.98, r: 0.98, f1: 0.98, kappa: 0.97, phaseF1: 0.93},
		"testdata/batch_w6.jsonl": {p: 0.98, r: 0.98, f1: 0.98, kappa: 0.97, phaseF1: 0.94},
		// w7 is mostly hard negatives and general excuses no rule covers
		"testdata/batch_w7.jsonl": {p: 0.93, r: 0.92, f1: 0.92, kappa: 0.86, phaseF1: 0.89},
		"testdata/batch_w8.jsonl": {p: 0.98, r: 0.95, f1: 0.96, kappa: 0.93, phaseF1: 0.88},
		"testdata/batch_w9.jsonl": {p: 0.99, r: 0.80, f1: 0.89, kappa: 0.79, phaseF1: 0.88},
	}
	for _, f := range files {
		r := Evaluate(readLabelled(t, f), Score)
		dumpErrors(t, f, r)
		fl, ok := modelOnly[filepath.ToSlash(f)]
		if !ok {
			fl = floors{p: 0.98, r: 0.96, f1: 0.97, kappa: 0.95, phaseF1: 0.96}
		}
		checkFloors(t, f, r, fl)
	}
}

// The learned layer adds blame only where a reply is about someone: small
// talk is never blaming, whatever words it happens to share with blaming
// lines.
func TestBoosterIgnoresSmallTalk(t *testing.T) {
	for _, role := range []Role{Survivor, Perpetrator} {
		for _, line := range []string{"Lovely weather for it.", "Is that a new telly?", "Traffic was awful on the way over."} {
			if a := Score(role, line); a.Label != NonBlaming {
				t.Errorf("%s to a %s scored %s: %+v", line, role, a.Label, a.Findings)
			}
		}
	}
}
