package dialogue

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// The learned check: a small logistic-regression model over stemmed word
// unigrams and bigrams (plus the reply's role and its credit findings),
// trained on the labelled lines in testdata/. It is a recall booster only:
// it can add one blaming finding to a reply on which no rule fired, when its
// probability is at least the model's threshold, and it never fires on a
// reply the rules credit or on an engagement move (where it was measured to
// be least reliable). Rules stay the explanation of first resort; the
// booster's finding quotes the words that weighed most and says that it is a
// learned judgement. Rebuild the weights with `pivot train` after changing
// the labelled files (see docs/scoring.md).

//go:embed rules/model.json
var modelJSON []byte

// Model is a trained booster as stored in rules/model.json.
type Model struct {
	Version   int                `json:"version"`
	Threshold float64            `json:"threshold"`
	Epochs    int                `json:"epochs"`
	L2        float64            `json:"l2"`
	Rate      float64            `json:"rate"`
	Examples  int                `json:"examples"`
	Weights   map[string]float64 `json:"weights"`
}

// ModelOptions are the training settings; the zero value means the defaults
// the shipped model was built with.
type ModelOptions struct {
	Epochs    int
	L2        float64
	Rate      float64
	Threshold float64
}

func (o ModelOptions) withDefaults() ModelOptions {
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
	return o
}

var booster = mustLoadModel(modelJSON)

func mustLoadModel(data []byte) *Model {
	m, err := ParseModel(data)
	if err != nil {
		panic("dialogue: rules/model.json: " + err.Error())
	}
	return m
}

// ParseModel reads a model file.
func ParseModel(data []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m.Version != 1 {
		return nil, fmt.Errorf("model version %d, want 1", m.Version)
	}
	if m.Threshold <= 0.5 || m.Threshold >= 1 {
		return nil, fmt.Errorf("model threshold %v outside (0.5, 1)", m.Threshold)
	}
	return &m, nil
}

// Marshal writes the model as stable, indented JSON (sorted keys), so a
// rebuild from the same data gives the same file.
func (m *Model) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// modelFeature is one feature of a reply with the tokens it covers.
type modelFeature struct {
	name     string
	from, to int // token range [from, to), -1 for reply-level features
}

// modelFeatures lists the features of a reply: a bias, the role, each
// stemmed word alone and with the role, each pair of neighbouring stems,
// and the kinds of credit and hostile findings the rules made.
func modelFeatures(role Role, toks []Token, findings []Finding) []modelFeature {
	r := "s"
	if role == Perpetrator {
		r = "p"
	}
	fs := make([]modelFeature, 0, 3*len(toks)+4)
	fs = append(fs, modelFeature{"bias", -1, -1}, modelFeature{"role:" + r, -1, -1})
	prev := "<s>"
	for i, t := range toks {
		st := Stem(t.Norm)
		fs = append(fs,
			modelFeature{"u:" + st, i, i + 1},
			modelFeature{r + "u:" + st, i, i + 1},
			modelFeature{"b:" + prev + "_" + st, max(i-1, 0), i + 1})
		prev = st
	}
	fs = append(fs, modelFeature{"b:" + prev + "_</s>", max(len(toks)-1, 0), len(toks)})
	for _, f := range findings {
		if f.Kind.Positive() || f.Kind == Hostile {
			fs = append(fs, modelFeature{"k:" + string(f.Kind), -1, -1})
		}
	}
	return fs
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Prob is the model's probability that the reply is blaming.
func (m *Model) Prob(role Role, text string) float64 {
	clean, _ := Clean(text)
	a := scoreRules(role, clean)
	z := 0.0
	for _, f := range modelFeatures(role, Tokenize(clean), a.Findings) {
		z += m.Weights[f.name]
	}
	return sigmoid(z)
}

// boost adds the booster's finding to a when the rules found nothing
// blaming, credited nothing, and the move is not engagement.
func (m *Model) boost(a *Assessment, toks []Token) {
	if m == nil || a.Label == Blaming || a.Phase == Engagement || len(toks) == 0 {
		return
	}
	for _, f := range a.Findings {
		if f.Kind.Positive() {
			return
		}
	}
	fs := modelFeatures(a.Role, toks, a.Findings)
	z := 0.0
	best, bestW := -1, 0.0
	// the words to quote: the heaviest word pair, else the heaviest word
	// that is not a pronoun or a grammar word.
	bestUni, bestUniW := -1, 0.0
	for i, f := range fs {
		w := m.Weights[f.name]
		z += w
		switch {
		case f.from < 0 || w <= 0:
		case f.to-f.from == 2 && w > bestW:
			best, bestW = i, w
		case f.to-f.from == 1 && w > bestUniW && !grammarWord[toks[f.from].Norm]:
			bestUni, bestUniW = i, w
		}
	}
	if best < 0 {
		best = bestUni
	}
	if sigmoid(z) < m.Threshold || best < 0 {
		return
	}
	b := fs[best]
	from, to := toks[b.from].Start, toks[b.to-1].End
	kind := boostKind(a.Role, toks)
	why, rewrite := boostText(kind)
	a.Label = Blaming
	a.Findings = append(a.Findings, Finding{Kind: kind, Span: [2]int{from, to}, Words: a.Text[from:to], Why: why, Rewrite: rewrite})
	sort.SliceStable(a.Findings, func(i, j int) bool { return a.Findings[i].Span[0] < a.Findings[j].Span[0] })
}

var grammarWord = map[string]bool{
	"i": true, "you": true, "he": true, "she": true, "it": true, "we": true, "they": true,
	"him": true, "her": true, "his": true, "your": true, "me": true, "my": true, "them": true,
	"a": true, "an": true, "the": true, "of": true, "to": true, "in": true, "on": true, "and": true,
	"or": true, "not": true, "do": true, "did": true, "does": true, "is": true, "are": true,
	"was": true, "were": true, "be": true, "have": true, "has": true, "had": true, "that": true,
	"this": true, "so": true, "at": true, "for": true, "with": true, "if": true, "ever": true,
}

// boostKind names the booster's finding: mutualizing when the reply talks
// about the couple, collusion to him, survivor blame to her.
func boostKind(role Role, toks []Token) FindingKind {
	for _, t := range toks {
		switch t.Norm {
		case "both", "pair", "two", "each", "couple", "couples", "relationship", "tango", "ye", "mutual", "together":
			return Mutualizing
		}
	}
	if role == Perpetrator {
		return Collusion
	}
	return SurvivorBlame
}

func boostText(k FindingKind) (why, rewrite string) {
	const learned = " (A learned check flagged this wording; no rule matched it, so read it with care.)"
	switch k {
	case Mutualizing:
		return "Wording like this tends to describe his violence as something the couple shares." + learned,
			"Name what he did and its impact: 'When he shouted and threw things, how did the children react?'"
	case Collusion:
		return "Wording like this tends to accept or supply an excuse, or to make her the problem, which moves responsibility off him." + learned,
			"Whatever was going on, you decided what to do. What did you do, and how did it affect her and the children?"
	}
	return "Wording like this tends to make her responsible for his violence or for stopping it." + learned,
		"Ask about what he does and what gets in her way: 'What has he done when you have tried to keep the children safe?'"
}

// TrainModel fits the booster on labelled examples by full-batch gradient
// descent with L2 regularisation. It is deterministic: the same examples
// and options give the same weights.
func TrainModel(examples []Labelled, opts ModelOptions) *Model {
	o := opts.withDefaults()
	index := map[string]int{}
	X := make([][]int, len(examples))
	y := make([]float64, len(examples))
	for i, e := range examples {
		clean, _ := Clean(e.Text)
		a := scoreRules(e.Role, clean)
		for _, f := range modelFeatures(e.Role, Tokenize(clean), a.Findings) {
			id, ok := index[f.name]
			if !ok {
				id = len(index)
				index[f.name] = id
			}
			X[i] = append(X[i], id)
		}
		if e.Label == Blaming {
			y[i] = 1
		}
	}
	w := make([]float64, len(index))
	g := make([]float64, len(index))
	n := float64(len(examples))
	for ep := 0; ep < o.Epochs; ep++ {
		clear(g)
		for i, xs := range X {
			z := 0.0
			for _, f := range xs {
				z += w[f]
			}
			d := sigmoid(z) - y[i]
			for _, f := range xs {
				g[f] += d
			}
		}
		for f := range w {
			w[f] -= o.Rate * (g[f]/n + o.L2*w[f])
		}
	}
	m := &Model{Version: 1, Threshold: o.Threshold, Epochs: o.Epochs, L2: o.L2, Rate: o.Rate, Examples: len(examples), Weights: map[string]float64{}}
	for name, id := range index {
		v := math.Round(w[id]*1e4) / 1e4
		if math.Abs(v) >= 2e-3 || strings.HasPrefix(name, "bias") {
			m.Weights[name] = v
		}
	}
	return m
}
