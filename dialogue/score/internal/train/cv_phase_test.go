package train

import (
	"testing"

	"github.com/pivotcoach/pivot/dialogue/score"
)

// TestPhaseLayerCV is the out-of-fold comparison the phase layer was
// adopted by (docs/scoring.md, "Round 16"): the same eight folds of whole
// voices as TestBoosterCV, each fold's linear phase head and phase layer
// fitted without it, and the held-out lines' phases read by the scorer's
// own code with the layer never consulted, consulted where the linear
// head is under each bar, and always. The shipped bar is the highest at
// which no dev-set line changes (see the doc). It takes several minutes:
//
//	PIVOT_CV=1 go test -run TestPhaseLayerCV -v ./dialogue/score/internal/train
func TestPhaseLayerCV(t *testing.T) {
	all, fold, ts, o := voiceCV(t)
	bars := []float64{0, 0.5, 0.6, 0.7, 1}
	got := make([][]score.Phase, len(bars)) // by bar, by line
	for b := range got {
		got[b] = make([]score.Phase, len(all))
	}
	eachFold(func(k int) {
		sub, held := ts.without(fold, k)
		spec := score.ModelSpec{Version: 2, Threshold: o.Threshold, CreditThreshold: 1, EngageThreshold: 1,
			PhaseMargin: o.PhaseMargin, Features: o.Features.List(), Weights: map[string]float64{}, PhaseWeights: map[string][4]float64{}}
		wp := fitSoftmax(sub, 4, func(i int) int { return sub.phase[i] }, nil, func(string) bool { return false }, true, o)
		for f, name := range ts.names {
			spec.PhaseWeights[name] = [4]float64{wp[f*4], wp[f*4+1], wp[f*4+2], wp[f*4+3]}
		}
		layer := sub.fitPhaseHidden(o)
		for b, bar := range bars {
			l := *layer
			l.Unsure = bar
			spec.PhaseLayer = &l
			m := mustModel(t, spec)
			for _, i := range held {
				got[b][i] = m.Score(all[i].Role, all[i].Text).Phase
			}
		}
	})
	for b, bar := range bars {
		var ex []score.Labelled
		var phases []score.Phase
		for i := range all {
			if fold[i] >= 0 && all[i].Phase != "" {
				ex = append(ex, all[i])
				phases = append(phases, got[b][i])
			}
		}
		r := score.Evaluate(ex, func(_ score.Role, text string) score.Assessment {
			// Evaluate scores each line in order; hand back the phase
			// computed above for it
			a := score.Assessment{Text: text, Phase: phases[0]}
			phases = phases[1:]
			return a
		})
		t.Logf("phase layer under a linear-head probability of %.1f: out-of-fold phase macro-F1 %.3f", bar, r.Phase.MacroF1)
	}
}
