package train

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/pivotcoach/pivot/dialogue/score"
)

// testdata is the scorer's labelled files, relative to this package.
const testdata = "../../testdata/"

// ownPath is the repo's own labelled lines.
const ownPath = testdata + "labelled.jsonl"

func readLabelled(t testing.TB, path string) []score.Labelled {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := score.ParseLabelled(data, negativesFile(path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ex
}

func mustTrain(t testing.TB, ex []score.Labelled, o Options) *score.Model {
	t.Helper()
	m, err := Model(score.New(score.WithoutModel()), ex, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestModelUpToDate retrains the learned layer from the labelled files and
// checks the embedded rules/model.bin matches: run `go generate
// ./dialogue/score` after changing any labelled file or rule. The embedded
// model holds hashed names only, so the comparison goes through its
// table: every weight the fresh model keeps must be there, and the table
// must hold no more entries than the fresh model names.
func TestModelUpToDate(t *testing.T) {
	if raceEnabled {
		t.Skip("a full retrain under the race detector outlasts the test timeout; .ci/run runs this test without -race")
	}
	var files []string
	for _, g := range DefaultFiles {
		more, _ := filepath.Glob(filepath.Join("../..", g))
		sort.Strings(more)
		files = append(files, more...)
	}
	var ex []score.Labelled
	for _, f := range files {
		ex = append(ex, readLabelled(t, f)...)
	}
	shipped := score.New().Model()
	m := mustTrain(t, ex, OptionsOf(shipped))
	const fix = "run `go generate ./dialogue/score`"
	if m.Examples != shipped.Examples {
		t.Fatalf("model.bin was trained on %d lines, the labelled files have %d: %s", shipped.Examples, m.Examples, fix)
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
		w, _ := shipped.Lookup(k)
		diff(v, w.Blame, k)
	}
	for k, v := range m.PhaseWeights {
		names[k] = true
		w, _ := shipped.Lookup(k)
		for j := range 4 {
			diff(v[j], w.Phase[j], "phase "+k)
		}
	}
	for k, v := range m.KindWeights {
		names[k] = true
		w, _ := shipped.Lookup(k)
		for j := range 5 {
			diff(v[j], w.Kind[j], "kind "+k)
		}
	}
	// each hidden layer's embeddings, as the shipped table holds them
	embeddings := func(layer string, embs map[string][]float64, of func(score.Weights) []float32) {
		for k, v := range embs {
			names[k] = true
			w, _ := shipped.Lookup(k)
			got := of(w)
			if len(got) != len(v) {
				t.Fatalf("model.bin has no %s embedding for %q: %s", layer, k, fix)
			}
			for j := range v {
				diff(v[j], got[j], layer+" embedding "+k)
			}
		}
	}
	if b := m.Booster; b != nil {
		embeddings("hidden-layer", b.Embeddings, func(w score.Weights) []float32 { return w.Embedding })
	}
	if pl := m.PhaseLayer; pl != nil {
		embeddings("phase-layer", pl.Embeddings, func(w score.Weights) []float32 { return w.PhaseEmbedding })
	}
	if n := shipped.Len(); n != len(names) {
		t.Errorf("model.bin holds %d features, a fresh training %d: %s", n, len(names), fix)
	}
	if OptionsOf(m) != OptionsOf(shipped) {
		t.Errorf("options differ after a round trip: %+v vs %+v", OptionsOf(m), OptionsOf(shipped))
	}
	if worst > 5e-3 {
		t.Errorf("model.bin is stale (weight %q differs by %.4f): %s", at, worst, fix)
	}
}

// The compact form scores exactly as the JSON form of the same model.
func TestModelBinaryRoundTrip(t *testing.T) {
	m := mustTrain(t, readLabelled(t, testdata+"heldout_a.jsonl"), DefaultOptions())
	js, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	a, err := score.ParseModel(js)
	if err != nil {
		t.Fatal(err)
	}
	b, err := score.ParseModel(bin)
	if err != nil {
		t.Fatal(err)
	}
	if OptionsOf(a) != OptionsOf(b) {
		t.Errorf("options %+v vs %+v", OptionsOf(a), OptionsOf(b))
	}
	bin2, _ := b.MarshalBinary()
	if !bytes.Equal(bin, bin2) {
		t.Error("re-encoding a loaded model.bin changed it")
	}
	sa, sb := score.New(score.WithModel(a)), score.New(score.WithModel(b))
	for _, ex := range readLabelled(t, testdata+"heldout_b.jsonl") {
		x, y := sa.Score(ex.Role, ex.Text), sb.Score(ex.Role, ex.Text)
		if x.Label != y.Label || x.Phase != y.Phase || len(x.Findings) != len(y.Findings) {
			t.Errorf("%q: json %s/%s %v, binary %s/%s %v", ex.Text, x.Label, x.Phase, x.Findings, y.Label, y.Phase, y.Findings)
		}
	}
	if _, err := score.ParseModel(bin[:len(bin)-3]); err == nil {
		t.Error("a truncated model.bin loaded")
	}
	if u, unsure := b.PhaseLayerShape(); u != DefaultOptions().PhaseHidden || unsure != DefaultOptions().PhaseUnsure {
		t.Errorf("phase layer read back as %d units, bar %v", u, unsure)
	}
	// A booster without a hidden layer (the logistic regression alone)
	// round-trips too, and scores with its weights; the phase layer's
	// rows then hold its embeddings alone.
	o := DefaultOptions()
	o.Hidden = 0
	plain := mustTrain(t, readLabelled(t, testdata+"heldout_a.jsonl"), o)
	pbin, err := plain.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := score.ParseModel(pbin)
	if err != nil {
		t.Fatal(err)
	}
	if back.HiddenUnits() != 0 || OptionsOf(back) != OptionsOf(plain) {
		t.Errorf("plain booster read back as %+v, want %+v", OptionsOf(back), OptionsOf(plain))
	}
}

func TestModelDeterministic(t *testing.T) {
	ex := readLabelled(t, ownPath)[:200]
	a, _ := mustTrain(t, ex, Options{Epochs: 50}).Marshal()
	b, _ := mustTrain(t, ex, Options{Epochs: 50}).Marshal()
	if string(a) != string(b) {
		t.Error("training twice on the same lines gave different models")
	}
	if _, err := score.ParseModel(a); err != nil {
		t.Errorf("a trained model does not parse: %v", err)
	}
	if _, err := score.ParseModel([]byte(`{"version":2,"threshold":0.2,"credit_threshold":1,"engagement_threshold":1,"weights":{}}`)); err == nil {
		t.Error("threshold 0.2 accepted")
	}
	if _, err := score.ParseModel([]byte(`{"version":2,"threshold":0.7,"credit_threshold":1,"engagement_threshold":1,"veto":0.6,"weights":{}}`)); err == nil {
		t.Error("veto 0.6 accepted (it would set aside findings the booster itself would add)")
	}
}
