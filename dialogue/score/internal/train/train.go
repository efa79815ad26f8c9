// Package train fits the scorer's learned layer on labelled replies. It
// is the generator behind rules/model.bin (go generate ./dialogue/score,
// which runs ../trainmodel) and never part of the shipped binary.
package train

import (
	"math"
	"strings"

	"github.com/pivotcoach/pivot/dialogue/score"
)

// Options are the training settings.
type Options struct {
	Epochs          int
	L2              float64
	Rate            float64
	Threshold       float64
	CreditThreshold float64
	EngageThreshold float64
	// Veto: below this booster probability a rule's blaming findings are
	// set aside (0: never).
	Veto float64
	// Hidden is the number of hidden units in the booster (0: the booster
	// is the logistic regression alone); HiddenEpochs its passes.
	Hidden       int
	HiddenEpochs int
	// PhaseHidden is the number of hidden units in the phase layer (0:
	// none), which decides the phase where the linear phase head's
	// likeliest phase has a probability under PhaseUnsure.
	PhaseHidden int
	PhaseUnsure float64
	PhaseMargin int
	// Features are the optional feature families.
	Features score.FeatureSet
}

// DefaultOptions are the settings the shipped model is built with,
// picked by leave-one-batch-out cross-validation (docs/scoring.md).
func DefaultOptions() Options {
	return Options{Epochs: 600, L2: 2e-4, Rate: 2, Threshold: 0.65, CreditThreshold: 0.9, EngageThreshold: 0.9, Veto: 0.15, PhaseMargin: 8,
		Hidden: 16, HiddenEpochs: 12, PhaseHidden: 16, PhaseUnsure: 0.6,
		Features: score.FeatureSet{Subj: true, Names: true, Chars: true, Skip: true}}
}

func (o Options) withDefaults() Options {
	if o.Epochs == 0 {
		o.Epochs = 300
	}
	if o.L2 == 0 {
		o.L2 = 3e-3
	}
	if o.Rate == 0 {
		o.Rate = 2
	}
	if o.Threshold == 0 {
		o.Threshold = 0.9
	}
	if o.CreditThreshold == 0 {
		o.CreditThreshold = 1
	}
	if o.EngageThreshold == 0 {
		o.EngageThreshold = 1
	}
	return o
}

// OptionsOf are the settings m was trained with.
func OptionsOf(m *score.Model) Options {
	phaseUnits, phaseUnsure := m.PhaseLayerShape()
	return Options{Epochs: m.Epochs, L2: m.L2, Rate: m.Rate, Threshold: m.Threshold, CreditThreshold: m.CreditThreshold,
		EngageThreshold: m.EngageThreshold, Veto: m.Veto, PhaseMargin: m.PhaseMargin, Features: m.FeatureSet(),
		Hidden: m.HiddenUnits(), HiddenEpochs: m.HiddenEpochs, PhaseHidden: phaseUnits, PhaseUnsure: phaseUnsure}
}

// Model fits the learned heads on labelled examples, reading their
// features through the rules of s (normally score.New(score.WithoutModel())).
// It is deterministic: the same examples and options give the same weights.
func Model(s *score.Scorer, examples []score.Labelled, opts Options) (*score.Model, error) {
	o := opts.withDefaults()
	ts := buildTrainSet(s, examples, o)
	return ts.fit(o, len(examples))
}

// trainSet is a labelled set turned into feature ids, shared by the heads.
type trainSet struct {
	names []string
	X     [][]int32
	label []float64 // 1 blaming
	phase []int     // -1: no phase labelled
	kind  []int     // index into score.KindClasses, -1 none
}

func buildTrainSet(s *score.Scorer, examples []score.Labelled, o Options) *trainSet {
	ts := &trainSet{}
	index := map[string]int32{}
	for _, e := range examples {
		var xs []int32
		ruleKinds := s.Features(e.Role, e.Text, o.Features, func(name []byte) {
			id, ok := index[string(name)]
			if !ok {
				id = int32(len(ts.names))
				index[string(name)] = id
				ts.names = append(ts.names, string(name))
			}
			xs = append(xs, id)
		})
		ts.X = append(ts.X, xs)
		y := 0.0
		if e.Label == score.Blaming {
			y = 1
		}
		ts.label = append(ts.label, y)
		// -1 (no phase labelled) leaves the line out of the phase head
		ts.phase = append(ts.phase, phaseIndex(e.Phase))
		ts.kind = append(ts.kind, kindClass(e, ruleKinds))
	}
	return ts
}

// kindClass is the kind head's class for a line: the kind it was written
// for, else the first blaming kind the rules gave it; -1 for a
// non-blaming line or one neither names.
func kindClass(e score.Labelled, ruleKinds []score.FindingKind) int {
	if e.Label != score.Blaming {
		return -1
	}
	classes := score.KindClasses()
	for k, c := range classes {
		if e.Kind == c {
			return k
		}
	}
	for _, rk := range ruleKinds {
		for k, c := range classes {
			if rk == c {
				return k
			}
		}
	}
	return -1
}

// kindFeature reports the features naming the rules' blaming kinds
// ("kb:"): the kind head reads them, the booster must not (it is a second
// reading of the reply, not an echo of the rules).
func kindFeature(name string) bool { return strings.HasPrefix(name, "kb:") }

func phaseIndex(p score.Phase) int {
	for i, q := range score.Phases {
		if p == q {
			return i
		}
	}
	return -1
}

// fitSoftmax fits K-class multinomial logistic regression (K == 1 means
// binary logistic regression on y) by full-batch gradient descent with L2.
// skip leaves features out (their weights stay 0); rows with class < 0 are
// left out.
func fitSoftmax(ts *trainSet, K int, class func(i int) int, y []float64, skip func(name string) bool, balance bool, o Options) []float64 {
	nf := len(ts.names)
	w := make([]float64, nf*K)
	g := make([]float64, nf*K)
	use := make([]bool, nf)
	for i, n := range ts.names {
		use[i] = !skip(n)
	}
	rows := 0
	for i := range ts.X {
		if K == 1 || class(i) >= 0 {
			rows++
		}
	}
	if rows == 0 {
		return w
	}
	n := float64(rows)
	z := make([]float64, K)
	weight := classWeights(ts, K, class, n, balance)
	for ep := 0; ep < o.Epochs; ep++ {
		clear(g)
		for i, xs := range ts.X {
			c := 0
			if K > 1 {
				if c = class(i); c < 0 {
					continue
				}
			}
			clear(z)
			for _, f := range xs {
				if use[f] {
					for k := 0; k < K; k++ {
						z[k] += w[int(f)*K+k]
					}
				}
			}
			if K == 1 {
				z[0] = sigmoid(z[0]) - y[i]
			} else {
				mx := z[0]
				for _, v := range z {
					mx = max(mx, v)
				}
				s := 0.0
				for k := range z {
					z[k] = math.Exp(z[k] - mx)
					s += z[k]
				}
				for k := range z {
					z[k] /= s
				}
				z[c]--
				for k := range z {
					z[k] *= weight[c]
				}
			}
			for _, f := range xs {
				if use[f] {
					for k := 0; k < K; k++ {
						g[int(f)*K+k] += z[k]
					}
				}
			}
		}
		for j := range w {
			w[j] -= o.Rate * (g[j]/n + o.L2*w[j])
		}
	}
	return w
}

func (ts *trainSet) fit(o Options, n int) (*score.Model, error) {
	none := func(string) bool { return false }
	wb := fitSoftmax(ts, 1, nil, ts.label, kindFeature, false, o)
	// The phase head is class-balanced: the written voices are about 60%
	// worries, and an unbalanced head reads a short check-in ("Is now
	// okay?") as worries for want of evidence (cross-validated: the dev
	// set's phase figure and the voices' agree best this way).
	wp := fitSoftmax(ts, 4, func(i int) int { return ts.phase[i] }, nil, none, true, o)
	wk := fitSoftmax(ts, 5, func(i int) int { return ts.kind[i] }, nil, kindFeature, false, o)
	m := score.ModelSpec{Version: 2, Threshold: o.Threshold, CreditThreshold: o.CreditThreshold, EngageThreshold: o.EngageThreshold, Veto: o.Veto,
		PhaseMargin: o.PhaseMargin, Epochs: o.Epochs, L2: o.L2, Rate: o.Rate, Examples: n,
		Features: o.Features.List(), Weights: map[string]float64{}, PhaseWeights: map[string][4]float64{}, KindWeights: map[string][5]float64{}}
	if o.Hidden > 0 {
		m.Booster = ts.fitHidden(o)
		m.HiddenEpochs = o.HiddenEpochs
	}
	if o.PhaseHidden > 0 {
		m.PhaseLayer = ts.fitPhaseHidden(o)
	}
	r4 := func(v float64) float64 { return math.Round(v*1e4) / 1e4 }
	// Weights under pruneBelow are dropped: cross-validated, dropping
	// them changes no figure, and it halves the model that every
	// process loads on its first scored reply.
	const pruneBelow = 1e-2
	for id, name := range ts.names {
		if v := r4(wb[id]); math.Abs(v) >= pruneBelow || name == "bias" {
			m.Weights[name] = v
		}
		var p [4]float64
		keep := false
		for k := range p {
			p[k] = r4(wp[id*4+k])
			keep = keep || math.Abs(p[k]) >= pruneBelow
		}
		if keep || name == "bias" {
			m.PhaseWeights[name] = p
		}
		var q [5]float64
		keep = false
		for k := range q {
			q[k] = r4(wk[id*5+k])
			keep = keep || math.Abs(q[k]) >= pruneBelow
		}
		if keep || name == "bias" {
			m.KindWeights[name] = q
		}
	}
	return score.NewModel(m)
}

// classWeights weighs each class by rows/(K·count) when balance is set, so
// that every class carries the same total weight in the loss; else 1.
func classWeights(ts *trainSet, K int, class func(i int) int, rows float64, balance bool) []float64 {
	w := make([]float64, K)
	for k := range w {
		w[k] = 1
	}
	if !balance || K == 1 {
		return w
	}
	count := make([]float64, K)
	for i := range ts.X {
		if c := class(i); c >= 0 {
			count[c]++
		}
	}
	for k, c := range count {
		if c > 0 {
			w[k] = rows / (float64(K) * c)
		}
	}
	return w
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
