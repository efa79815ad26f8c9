package score

import (
	"path/filepath"
	"strings"
	"testing"
)

// The blind-labelled voices (testdata/voices, see its README): whole
// voices, each written by one helper and labelled blind by another, kept
// where both agreed. train_* are learned by the model alone (no rule was
// written from them); fresh_* were kept apart and never trained on, so
// their figures are the honest measure of how the scorer carries to a
// voice it has not seen. Both are held to a little under today's figures
// (docs/scoring.md has them by voice and by kind).

// readVoices reads every file matching pattern, by file and pooled.
func readVoices(t *testing.T, pattern string) (map[string][]Labelled, []Labelled) {
	t.Helper()
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Fatalf("no %s", pattern)
	}
	byFile := map[string][]Labelled{}
	var pooled []Labelled
	for _, f := range files {
		ex := readLabelled(t, f)
		byFile[filepath.Base(f)] = ex
		pooled = append(pooled, ex...)
	}
	return byFile, pooled
}

func TestTrainedVoices(t *testing.T) {
	byFile, pooled := readVoices(t, "testdata/voices/train_*.jsonl")
	r := Evaluate(pooled, Default().Score)
	checkFloors(t, "trained voices, pooled", r, floors{p: 0.99, r: 0.98, f1: 0.99, kappa: 0.98, phaseF1: 0.97})
	// Each voice on its own, to a common floor under the weakest.
	for name, ex := range byFile {
		r := Evaluate(ex, Default().Score)
		dumpErrors(t, name, r)
		fl := floors{p: 0.98, r: 0.72, f1: 0.84, kappa: 0.70, phaseF1: 0.84}
		if strings.HasPrefix(name, "train_pairs_") {
			// minimal pairs written around one move (mostly worries):
			// a phase macro-F1 over four phases means nothing there
			fl.phaseF1 = 0
		}
		checkFloors(t, name, r, fl)
	}
}

func TestFreshVoices(t *testing.T) {
	byFile, pooled := readVoices(t, "testdata/voices/fresh_*.jsonl")
	r := Evaluate(pooled, Default().Score)
	checkFloors(t, "fresh voices, pooled", r, floors{p: 0.955, r: 0.945, f1: 0.95, kappa: 0.91, phaseF1: 0.905})
	// Blaming recall by the kind each line was written and labelled as.
	kindFloor := map[FindingKind]float64{
		SurvivorBlame: 0.95, FailureToProtect: 0.94, Mutualizing: 0.95, Collusion: 0.93, AssumptionAsFact: 0.96,
	}
	for kind, floor := range kindFloor {
		got := r.Kinds[kind]
		t.Logf("fresh voices, %s: caught %d of %d (%.3f)", kind, got.Caught, got.N, got.Recall)
		if got.N == 0 || got.Recall < floor {
			t.Errorf("fresh voices, %s: recall %.3f < floor %.3f", kind, got.Recall, floor)
		}
	}
	for name, ex := range byFile {
		r := Evaluate(ex, Default().Score)
		dumpErrors(t, name, r)
		checkFloors(t, name, r, floors{p: 0.89, r: 0.87, f1: 0.90, kappa: 0.80, phaseF1: 0.83})
	}
}
