package dialogue

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// The learned matcher: a multinomial logistic regression from a trainee
// line to the intent that should answer it, trained on the example
// wordings of the scenario's intents and of the shared moves they answer,
// plus lines that are none of them. It is what lets a character understand
// wordings no author foresaw. Features are chosen to carry across voices:
// stemmed words and word pairs for meaning, the scenario's concept sets
// for synonyms, and character trigrams so a typo ("fone", "abt") still
// shares most of its features with the word meant.

// NoIntent is the matcher's class for "none of the intents".
const NoIntent = ""

// Matcher is a trained intent classifier for one scenario.
type Matcher struct {
	// Classes are intent ids; the last is NoIntent.
	Classes []string
	// weights holds one row of len(Classes) weights per feature.
	rows    map[string]int32
	weights []float32
	bias    []float32
}

// Features is the number of distinct features the matcher learned.
func (m *Matcher) Features() int { return len(m.rows) }

// trigramWeight scales character trigrams against whole words: enough to
// carry a misspelt word, not enough to outvote the words around it.
const trigramWeight = 0.35

// featureVector is a sparse, unit-length bag of named features.
type featureVector struct {
	names  []string
	values []float32
}

// lineFeatures turns a cleaned line into its features.
func lineFeatures(toks []Token, concepts conceptIndex) featureVector {
	acc := map[string]float32{}
	for i, t := range toks {
		if t.Stem == "" {
			continue
		}
		acc["w "+t.Stem] = 1
		if i+1 < len(toks) {
			acc["b "+t.Stem+" "+toks[i+1].Stem] = 1
		}
		word := "<" + t.Norm + ">"
		if len(word) > 4 {
			for j := 0; j+3 <= len(word); j++ {
				acc["g "+word[j:j+3]] += trigramWeight
			}
		}
	}
	if len(toks) > 0 {
		acc["first "+toks[0].Stem] = 1
	}
	for name, members := range concepts {
		for _, m := range members {
			if containsStems(toks, m) {
				acc["c "+name] = 1
				break
			}
		}
	}
	fv := featureVector{names: make([]string, 0, len(acc)), values: make([]float32, 0, len(acc))}
	var norm float64
	for _, v := range acc {
		norm += float64(v) * float64(v)
	}
	if norm == 0 {
		return fv
	}
	scale := float32(1 / math.Sqrt(norm))
	keys := make([]string, 0, len(acc))
	for k := range acc {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic order, so training replays exactly
	for _, k := range keys {
		fv.names = append(fv.names, k)
		fv.values = append(fv.values, acc[k]*scale)
	}
	return fv
}

func containsStems(toks []Token, stems []string) bool {
	for i := 0; i+len(stems) <= len(toks); i++ {
		ok := true
		for j, s := range stems {
			if toks[i+j].Stem != s {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// TrainingExample is one labelled wording for the matcher.
type TrainingExample struct {
	Text   string
	Intent string // NoIntent for a line no intent should answer
	// Not marks a negative example: the line is not Intent, whatever
	// else it is (an author's not_examples).
	Not bool
}

// MatcherOptions are the training settings; the zero value means the
// defaults that `pivot validate` and the tests use.
type MatcherOptions struct {
	Epochs int
	Rate   float64
	L2     float64
	Seed   uint64
}

func (o MatcherOptions) withDefaults() MatcherOptions {
	if o.Epochs == 0 {
		o.Epochs = 30
	}
	if o.Rate == 0 {
		o.Rate = 0.4
	}
	if o.L2 == 0 {
		o.L2 = 1e-5
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// TrainMatcher fits a matcher to the examples. Training is deterministic:
// the same examples and options give the same weights.
func TrainMatcher(intents []string, examples []TrainingExample, concepts conceptIndex, opts MatcherOptions) *Matcher {
	o := opts.withDefaults()
	m := &Matcher{Classes: append(slices.Clone(intents), NoIntent), rows: map[string]int32{}}
	K := len(m.Classes)
	class := make(map[string]int, K)
	for i, c := range m.Classes {
		class[c] = i
	}
	type row struct {
		fv  featureVector
		y   int
		not bool
	}
	data := make([]row, 0, len(examples))
	for _, ex := range examples {
		y, ok := class[ex.Intent]
		if !ok {
			continue
		}
		clean, _ := Clean(ex.Text)
		fv := lineFeatures(Tokenize(clean), concepts)
		if len(fv.names) == 0 {
			continue
		}
		for _, n := range fv.names {
			if _, ok := m.rows[n]; !ok {
				m.rows[n] = int32(len(m.rows))
			}
		}
		data = append(data, row{fv, y, ex.Not})
	}
	m.weights = make([]float32, len(m.rows)*K)
	m.bias = make([]float32, K)
	// AdaGrad: rare features (a name, a typo) get large steps, common
	// ones settle.
	hist := make([]float32, len(m.weights))
	bhist := make([]float32, K)
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	idx := make([]int32, 0, 64)
	p := make([]float64, K)
	for epoch := 0; epoch < o.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, n := range order {
			r := data[n]
			idx = idx[:0]
			for _, name := range r.fv.names {
				idx = append(idx, m.rows[name])
			}
			m.scoresInto(p, idx, r.fv.values)
			softmax(p)
			// The target is the class itself; for a negative example, the
			// same reading with this class's share moved to "none": not
			// this intent, and no guess at which other.
			none := K - 1
			for k := 0; k < K; k++ {
				g := p[k]
				switch {
				case r.not && k == r.y:
					// g = p[y]: push its own class down
				case r.not && k == none:
					g = -p[r.y]
				case r.not:
					g = 0
				case k == r.y:
					g--
				}
				// A class the example already rules out teaches nothing;
				// skipping it keeps training fast and the weights sparse.
				if math.Abs(g) < 1e-3 {
					continue
				}
				bhist[k] += float32(g * g)
				m.bias[k] -= float32(o.Rate * g / math.Sqrt(float64(bhist[k])+1e-8))
				for j, f := range idx {
					w := &m.weights[int(f)*K+k]
					gw := g*float64(r.fv.values[j]) + o.L2*float64(*w)
					h := &hist[int(f)*K+k]
					*h += float32(gw * gw)
					*w -= float32(o.Rate * gw / math.Sqrt(float64(*h)+1e-8))
				}
			}
		}
	}
	return m
}

func (m *Matcher) scoresInto(p []float64, idx []int32, values []float32) {
	K := len(m.Classes)
	for k := range p {
		p[k] = float64(m.bias[k])
	}
	for j, f := range idx {
		base := int(f) * K
		v := float64(values[j])
		for k := 0; k < K; k++ {
			p[k] += v * float64(m.weights[base+k])
		}
	}
}

func softmax(p []float64) {
	hi := math.Inf(-1)
	for _, v := range p {
		hi = max(hi, v)
	}
	var sum float64
	for i, v := range p {
		p[i] = math.Exp(v - hi)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
}

// Probabilities returns the probability of each class for a line.
func (m *Matcher) Probabilities(toks []Token, concepts conceptIndex) []float64 {
	fv := lineFeatures(toks, concepts)
	idx := make([]int32, 0, len(fv.names))
	vals := make([]float32, 0, len(fv.names))
	for i, n := range fv.names {
		if r, ok := m.rows[n]; ok {
			idx = append(idx, r)
			vals = append(vals, fv.values[i])
		}
	}
	p := make([]float64, len(m.Classes))
	if len(idx) == 0 {
		p[len(p)-1] = 1 // nothing known: none
		return p
	}
	m.scoresInto(p, idx, vals)
	softmax(p)
	return p
}

// Coverage is the share of the line's content words the matcher has
// learned anything about: a word seen in training, or a misspelling that
// shares most of its letter trigrams with one. A line whose words are
// mostly unknown is about something no example covers, however sure the
// few known words make the classifier; the engine discounts it rather
// than answer a different question.
func (m *Matcher) Coverage(toks []Token) float64 {
	content, known := 0, 0
	for _, t := range toks {
		if len(t.Norm) < 3 || functionWords[t.Norm] {
			continue
		}
		content++
		if _, ok := m.rows["w "+t.Stem]; ok {
			known++
			continue
		}
		word := "<" + t.Norm + ">"
		grams, hits := 0, 0
		for j := 0; j+3 <= len(word); j++ {
			grams++
			if _, ok := m.rows["g "+word[j:j+3]]; ok {
				hits++
			}
		}
		if grams > 0 && float64(hits)/float64(grams) >= 0.6 {
			known++
		}
	}
	if content == 0 {
		return 1
	}
	return float64(known) / float64(content)
}

// functionWords carry no topic; they do not count for coverage.
var functionWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and but for nor yet you your yours are was were been being have has had
		does did doing will would could should can may might must shall not what who whom whose which when where
		why how that this these those there here they them their theirs she her hers him his its our ours with
		about from into onto over under after before then than just also very really some any all each every
		much many more most other such only own same too again once out off down upto yes yeah okay well
		like get got let tell said say says ask asked think know mean want feel felt going thing things
		bit lot kind sort way right now today time please thanks thank sorry
		omg wow gosh god jeez oh ah eh um erm hmm okay lol aye yep yup hey hiya hello`) {
		functionWords[w] = true
	}
}

// trainingExamples gathers what the scenario's matcher learns from: each
// intent's own examples, the examples of the shared move it answers, and
// the library's unrelated and acknowledging lines as "none".
func (sc *Scenario) trainingExamples() (intents []string, out []TrainingExample) {
	for _, in := range sc.Intents {
		intents = append(intents, in.ID)
		for _, ex := range in.Examples {
			out = append(out, TrainingExample{Text: ex, Intent: in.ID})
		}
		// An author's not_examples say "not this one": they push this
		// intent down without saying which other it is.
		for _, ex := range in.NotExamples {
			out = append(out, TrainingExample{Text: ex, Intent: in.ID, Not: true})
		}
		if mv, ok := sc.moves.Move(in.Move); ok {
			for _, ex := range mv.Examples {
				out = append(out, TrainingExample{Text: ex, Intent: in.ID})
			}
		}
	}
	out = append(out, sc.training...)
	if sc.moves != nil {
		// "ok", "mm", "right": a worker's nod keeps her talking on the
		// topic, as a follow-up does.
		ack := NoIntent
		for _, in := range sc.Intents {
			if in.Move == MoveFollowUp {
				ack = in.ID
			}
		}
		for _, ex := range sc.moves.Acknowledge {
			out = append(out, TrainingExample{Text: ex, Intent: ack})
		}
		for _, ex := range sc.moves.Unrelated {
			out = append(out, TrainingExample{Text: ex, Intent: NoIntent})
		}
	}
	return intents, out
}

// AddTraining gives the matcher labelled wordings beyond the scenario's
// own examples (scenarios/training/ID.jsonl): many voices of data that
// would crowd the file an author reads. Each names an intent of the
// scenario or a shared move one of its intents answers; it must be called
// before the scenario's first turn.
func (sc *Scenario) AddTraining(lines []TrainingExample) []Problem {
	var probs []Problem
	byMove := map[string]string{}
	for _, in := range sc.Intents {
		if in.Move != "" {
			byMove[in.Move] = in.ID
		}
	}
	for i, l := range lines {
		id := l.Intent
		if _, ok := sc.Intent(id); !ok {
			if in, ok := byMove[id]; ok {
				id = in
			} else {
				probs = append(probs, Problem{Source: sc.Source, Pos: Position{Line: 1, Column: 1}, Code: CodeUnknownRef,
					Msg: fmt.Sprintf("training line %d names %q, which is neither an intent nor a shared move this scenario answers", i+1, l.Intent)})
				continue
			}
		}
		sc.training = append(sc.training, TrainingExample{Text: l.Text, Intent: id})
	}
	return probs
}

// matcher returns the scenario's learned matcher, training it on first use.
func (sc *Scenario) matcher() *Matcher {
	sc.index.trainOnce.Do(func() { sc.index.matcher = sc.TrainMatcherFor() })
	return sc.index.matcher
}

// shortAnswer reports whether a line is one of the library's listed
// answers (affirm, deny, acknowledge), compared on normalised words.
func shortAnswer(toks []Token, lines []string) bool {
	if len(toks) == 0 || len(toks) > 6 {
		return false
	}
	got := joinNorm(toks)
	for _, l := range lines {
		c, _ := Clean(l)
		if joinNorm(Tokenize(c)) == got {
			return true
		}
	}
	return false
}

func joinNorm(toks []Token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.Norm
	}
	return strings.Join(parts, " ")
}
