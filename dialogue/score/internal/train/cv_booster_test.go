package train

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pivotcoach/pivot/dialogue/score"
)

// TestBoosterCV is the out-of-fold comparison the booster's hidden layer
// was adopted by (docs/scoring.md, "Round 14: the hidden layer"): eight
// folds over whole training voices (every voices/train_* file but the
// minimal pairs, round-robin in name order), each scored by the rules
// plus a booster fitted without it, once logistic and once with the
// hidden layer, at the shipped bar and veto (no credit or engagement
// gates). It takes a few minutes, so it runs only with PIVOT_CV=1:
//
//	PIVOT_CV=1 go test -run TestBoosterCV -v ./dialogue/score/internal/train
func TestBoosterCV(t *testing.T) {
	all, fold, ts, o := voiceCV(t)
	type prediction struct {
		rulesBlamed      bool
		logistic, hidden float64
	}
	pred := make([]prediction, len(all))
	eachFold(func(k int) {
		sub, held := ts.without(fold, k)
		// each booster as a model of its own, so that the held-out
		// lines are read by the scorer's own code
		spec := score.ModelSpec{Version: 2, Threshold: o.Threshold, CreditThreshold: o.CreditThreshold,
			EngageThreshold: o.EngageThreshold, Veto: o.Veto, PhaseMargin: -1, Features: o.Features.List(), Weights: map[string]float64{}}
		for f, v := range fitSoftmax(sub, 1, nil, sub.label, kindFeature, false, o) {
			if v != 0 {
				spec.Weights[ts.names[f]] = v
			}
		}
		logistic := mustModel(t, spec)
		spec.Booster = sub.fitHidden(o)
		hidden := mustModel(t, spec)
		for _, i := range held {
			a, b := logistic.Inspect(all[i].Role, all[i].Text), hidden.Inspect(all[i].Role, all[i].Text)
			pred[i] = prediction{a.Rules.Blaming(), a.Prob, b.Prob}
		}
	})
	for _, name := range []string{"logistic", "hidden"} {
		tp, fp, fn := 0, 0, 0
		for i := range all {
			if fold[i] < 0 {
				continue
			}
			p := pred[i].logistic
			if name == "hidden" {
				p = pred[i].hidden
			}
			blamed := p >= o.Threshold
			if pred[i].rulesBlamed {
				blamed = p >= o.Veto
			}
			switch {
			case blamed && ts.label[i] == 1:
				tp++
			case blamed:
				fp++
			case ts.label[i] == 1:
				fn++
			}
		}
		P, R := float64(tp)/float64(tp+fp), float64(tp)/float64(tp+fn)
		t.Logf("%s booster, out of fold: P %.3f R %.3f F1 %.3f", name, P, R, 2*P*R/(P+R))
	}
}

// cvFolds is how many folds of whole voices the CV tests deal.
const cvFolds = 8

// voiceCV skips the test unless PIVOT_CV is set (the cross-validations
// take minutes), then reads every default training file and deals whole
// voices (each voices/train_* file but the minimal pairs, in name order)
// round cvFolds folds; every other line is always trained on (fold -1).
// It returns the lines, their folds, their train set and the options.
func voiceCV(t *testing.T) (all []score.Labelled, fold []int, ts *trainSet, o Options) {
	if os.Getenv("PIVOT_CV") == "" {
		t.Skip("set PIVOT_CV=1 to run the cross-validation")
	}
	voice := 0
	for _, g := range DefaultFiles {
		files, _ := filepath.Glob(testdata + strings.TrimPrefix(g, "testdata/"))
		sort.Strings(files)
		for _, f := range files {
			b := filepath.Base(f)
			k := -1 // always trained on
			if strings.HasPrefix(b, "train_") && !strings.HasPrefix(b, "train_pairs") {
				k = voice % cvFolds
				voice++
			}
			ex := readLabelled(t, f)
			all = append(all, ex...)
			for range ex {
				fold = append(fold, k)
			}
		}
	}
	o = DefaultOptions().withDefaults()
	return all, fold, buildTrainSet(score.New(score.WithoutModel()), all, o), o
}

// eachFold runs fit for every fold, two at a time.
func eachFold(fit func(k int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for k := range cvFolds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			fit(k)
		}()
	}
	wg.Wait()
}

// without is ts less the lines of fold k, and the indices of those lines.
func (ts *trainSet) without(fold []int, k int) (sub *trainSet, held []int) {
	sub = &trainSet{names: ts.names}
	for i := range ts.X {
		if fold[i] == k {
			held = append(held, i)
			continue
		}
		sub.X = append(sub.X, ts.X[i])
		sub.label = append(sub.label, ts.label[i])
		sub.phase = append(sub.phase, ts.phase[i])
		sub.kind = append(sub.kind, ts.kind[i])
	}
	return sub, held
}

// mustModel is a scorer with the booster in spec.
func mustModel(t *testing.T, spec score.ModelSpec) *score.Scorer {
	m, err := score.NewModel(spec)
	if err != nil {
		t.Error(err)
		return score.New(score.WithoutModel())
	}
	return score.New(score.WithModel(m))
}
