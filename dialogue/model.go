package dialogue

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
)

// The learned layer: small linear models over the reply's stemmed words and
// word pairs (alone and with the interview role), negation-scoped words,
// subject-verb pairs, and what the rules found (credit and hostile kinds,
// the rules' phase votes). Three heads share those features:
//
//   - the booster, a logistic regression for blaming. It is a recall
//     booster only: it can add one blaming finding to a reply on which no
//     rule found anything blaming, when its probability reaches the
//     threshold for the reply's situation (higher when the rules credited
//     the reply or the move is engagement). It never removes or changes a
//     rule's finding.
//   - the kind head, a multinomial regression over the five blaming kinds,
//     trained on the kinds the rules give the blaming lines they catch; it
//     names the booster's finding and so picks its why and rewrite.
//   - the phase head, a multinomial regression over the four phases, which
//     decides the phase only when the rules' phase vote is weak or tied
//     (its lead over the runner-up is at most PhaseMargin).
//
// Rules stay the explanation of first resort; the booster's finding quotes
// the words that weighed most and says that it is a learned judgement.
// Rebuild the weights with `pivot train` after changing the labelled files
// (see docs/scoring.md).

//go:embed rules/model.bin
var modelBin []byte

// Model is a trained learned layer, stored compactly in rules/model.bin
// (model_codec.go) or, for reading, as JSON (pivot train -o FILE.json).
type Model struct {
	Version int `json:"version"`
	// Features lists the optional feature families the model was built
	// with ("neg", "subj").
	Features []string `json:"features"`
	// Threshold is the booster's probability threshold on a reply the
	// rules neither blamed nor credited; CreditThreshold applies when the
	// rules credited it (or marked it hostile) and EngageThreshold when the move is engagement
	// (1 means never).
	Threshold       float64 `json:"threshold"`
	CreditThreshold float64 `json:"credit_threshold"`
	EngageThreshold float64 `json:"engagement_threshold"`
	// PhaseMargin: the phase head decides when the rules' winning phase
	// leads the runner-up by at most this much weight (-1: never).
	PhaseMargin  int                   `json:"phase_margin"`
	Epochs       int                   `json:"epochs"`
	L2           float64               `json:"l2"`
	Rate         float64               `json:"rate"`
	Examples     int                   `json:"examples"`
	Weights      map[string]float64    `json:"weights"`
	PhaseWeights map[string][4]float64 `json:"phase_weights"`
	KindWeights  map[string][5]float64 `json:"kind_weights"`

	neg, subj, names, chars, svo bool
	// hasPhase and hasKind say whether the phase and kind heads have
	// weights (the maps above are empty in a model read from model.bin).
	hasPhase, hasKind bool
	table             featTable
}

// hostileThreshold is the booster's bar on a reply the rules marked
// hostile (shaming is coached as its own line, not as blame).
const hostileThreshold = 0.98

// blamingKinds is the kind head's class order.
var blamingKinds = [5]FindingKind{SurvivorBlame, FailureToProtect, Mutualizing, Collusion, AssumptionAsFact}

// ModelOptions are the training settings.
type ModelOptions struct {
	Epochs          int
	L2              float64
	Rate            float64
	Threshold       float64
	CreditThreshold float64
	EngageThreshold float64
	PhaseMargin     int
	Neg, Subj       bool
	// Names replaces every person's name with one placeholder in the
	// word features, so the model learns roles, not the names of the
	// families it was trained on.
	Names bool
	// Chars adds each word's character trigrams ("c:"), so a misspelt
	// word shares features with its spelling ("efect", "effect").
	Chars bool
	// SVO adds who-does-what-to-whom features: the subject, its first
	// main verb past auxiliaries, adverbs and negation ("you might not
	// have told" → "w:you_told"), and the verb's object when it is a
	// person or the children ("o:you_let_him").
	SVO bool
}

// DefaultModelOptions are the settings the shipped model is built with,
// picked by leave-one-batch-out cross-validation (docs/scoring.md).
func DefaultModelOptions() ModelOptions {
	return ModelOptions{Epochs: 600, L2: 2e-4, Rate: 2, Threshold: 0.65, CreditThreshold: 0.9, EngageThreshold: 0.95, PhaseMargin: 2, Subj: true, Names: true}
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
	if o.CreditThreshold == 0 {
		o.CreditThreshold = 1
	}
	if o.EngageThreshold == 0 {
		o.EngageThreshold = 1
	}
	return o
}

// Options are the settings m was trained with.
func (m *Model) Options() ModelOptions {
	return ModelOptions{Epochs: m.Epochs, L2: m.L2, Rate: m.Rate, Threshold: m.Threshold,
		CreditThreshold: m.CreditThreshold, EngageThreshold: m.EngageThreshold, PhaseMargin: m.PhaseMargin, Neg: m.neg, Subj: m.subj, Names: m.names, Chars: m.chars, SVO: m.svo}
}

// booster is the embedded learned layer, parsed on first use: most
// commands (scenarios, validate, the bot's start-up) never score a reply,
// and parsing the weights is most of the scorer's start-up cost.
var booster = sync.OnceValue(func() *Model { return mustLoadModel(modelBin) })

func mustLoadModel(data []byte) *Model {
	m, err := ParseModel(data)
	if err != nil {
		panic("dialogue: rules/model.bin: " + err.Error())
	}
	return m
}

// ParseModel reads a model file, compact (model.bin) or JSON.
func ParseModel(data []byte) (*Model, error) {
	if bytes.HasPrefix(data, modelMagic) {
		return parseModelBinary(data)
	}
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m.Version != 2 {
		return nil, fmt.Errorf("model version %d, want 2", m.Version)
	}
	if err := m.checkThresholds(); err != nil {
		return nil, err
	}
	for _, f := range m.Features {
		switch f {
		case "neg":
			m.neg = true
		case "subj":
			m.subj = true
		case "names":
			m.names = true
		case "chars":
			m.chars = true
		case "svo":
			m.svo = true
		default:
			return nil, fmt.Errorf("unknown feature family %q", f)
		}
	}
	m.buildIndex()
	return &m, nil
}

func (m *Model) checkThresholds() error {
	if m.Threshold <= 0.5 || m.Threshold >= 1 {
		return fmt.Errorf("model threshold %v outside (0.5, 1)", m.Threshold)
	}
	for _, t := range []float64{m.CreditThreshold, m.EngageThreshold} {
		if t <= 0.5 || t > 1 {
			return fmt.Errorf("model threshold %v outside (0.5, 1]", t)
		}
	}
	return nil
}

func (m *Model) buildIndex() {
	m.hasPhase, m.hasKind = len(m.PhaseWeights) > 0, len(m.KindWeights) > 0
	n := len(m.Weights) + len(m.PhaseWeights) + len(m.KindWeights)
	size := 1
	for size < n+n/2+2 {
		size <<= 1
	}
	t := &m.table
	t.mask = uint64(size - 1)
	t.slots = make([]featSlot, size)
	t.kinds = t.kinds[:0]
	get := func(k string) *featSlot {
		h := featHash([]byte(k))
		i := h & t.mask
		for ; t.slots[i].key != 0; i = (i + 1) & t.mask {
			if t.slots[i].key == h {
				return &t.slots[i]
			}
		}
		t.slots[i].key = h
		t.slots[i].kind = -1
		return &t.slots[i]
	}
	// fill in a fixed order so that the table is laid out the same way on
	// every start (map order is random)
	for _, k := range sortedKeys(m.Weights) {
		get(k).w = float32(m.Weights[k])
	}
	for _, k := range sortedKeys(m.PhaseWeights) {
		sl := get(k)
		for j, v := range m.PhaseWeights[k] {
			sl.p[j] = float32(v)
		}
	}
	for _, k := range sortedKeys(m.KindWeights) {
		sl := get(k)
		var q [5]float32
		for j, v := range m.KindWeights[k] {
			q[j] = float32(v)
		}
		sl.kind = int32(len(t.kinds))
		t.kinds = append(t.kinds, q)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// featTable is an open-addressing hash table from a feature name's 64-bit
// FNV-1a hash to its weights, laid out so that the common lookup (booster
// and phase weights) touches one 32-byte slot: cheaper than a string-keyed
// map, which matters because every reply looks up dozens of features. Two
// feature names sharing a 64-bit hash would share weights; with some 10^4
// names the odds are about 10^-11.
type featTable struct {
	mask  uint64
	slots []featSlot
	kinds [][5]float32
}

type featSlot struct {
	key  uint64 // 0: empty
	w    float32
	p    [4]float32
	kind int32 // index into kinds, -1 none
}

func featHash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	if h == 0 {
		h = 1
	}
	return h
}

// entry is the slot of the named feature, nil if the model has none.
func (m *Model) entry(name []byte) *featSlot {
	t := &m.table
	if len(t.slots) == 0 {
		return nil
	}
	h := featHash(name)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		switch t.slots[i].key {
		case h:
			return &t.slots[i]
		case 0:
			return nil
		}
	}
}

// kindWeights is the kind head's weights of a slot.
func (m *Model) kindWeights(e *featSlot) *[5]float32 {
	if e.kind < 0 {
		return nil
	}
	return &m.table.kinds[e.kind]
}

// Marshal writes the model as stable, indented JSON (sorted keys), so a
// rebuild from the same data gives the same file.
func (m *Model) Marshal() ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	// one weight a line keeps diffs readable without indenting arrays
	s := strings.ReplaceAll(string(b), `],"`, "],\n\"")
	s = strings.ReplaceAll(s, `,"`, ",\n\"")
	return append([]byte(s), '\n'), nil
}

// featNegators open a negation scope over the next three words.
var featNegators = map[string]bool{"not": true, "never": true, "no": true, "nothing": true, "nobody": true, "without": true, "nor": true}

// svoSubjects, svoSkip and svoObjects drive the who-does-what-to-whom
// features (ModelOptions.SVO).
var svoSubjects = map[string]bool{"you": true, "he": true, "she": true, "they": true, "we": true, "i": true}

var svoSkip = map[string]bool{"do": true, "does": true, "did": true, "is": true, "are": true, "was": true, "were": true, "be": true,
	"been": true, "being": true, "am": true, "have": true, "has": true, "had": true, "will": true, "would": true, "could": true,
	"should": true, "can": true, "might": true, "may": true, "must": true, "shall": true, "not": true, "never": true, "just": true,
	"really": true, "always": true, "ever": true, "even": true, "still": true, "also": true, "only": true, "kinda": true,
	"sort": true, "of": true, "kind": true, "probably": true, "clearly": true, "obviously": true, "honestly": true, "actually": true}

var svoObjects = map[string]bool{"him": true, "her": true, "them": true, "me": true, "you": true, "yourself": true, "himself": true,
	"herself": true, "kids": true, "children": true, "boys": true, "girls": true, "baby": true, "it": true}

// featSubjects open a subject-verb pair over the next two words.
var featSubjects = map[string]bool{"you": true, "he": true, "she": true, "they": true, "we": true}

// eachFeature calls emit with the name of every feature of a reply (the
// bytes are only valid during the call) and the tokens it covers (-1 for
// reply-level features). Features: a bias, the role, each stem alone and
// with the role, each pair of neighbouring stems, optionally each stem in
// a negation scope ("n:") and each subject-verb pair ("v:"), the kinds of
// credit and hostile findings ("k:") and of blaming findings ("kb:", used
// by the phase head only), and the rules' phase votes ("pv:", "pr:").
func eachFeature(role Role, sc *scanState, neg, subj, names, chars, svo bool, emit func(name []byte, from, to int)) {
	var buf [96]byte
	r := byte('s')
	if role == Perpetrator {
		r = 'p'
	}
	put := func(parts ...string) []byte {
		b := buf[:0]
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	emit(put("bias"), -1, -1)
	emit(put("role:", string(r)), -1, -1)
	rs := string(r)
	toks := sc.raw
	prev := "<s>"
	negTo, negSent := -1, int32(-1)
	for i, t := range toks {
		st := t.Stem
		if names && sc.toks[i].name {
			st = "@name"
		}
		sent := sc.toks[i].sent
		emit(put("u:", st), i, i+1)
		emit(put(rs, "u:", st), i, i+1)
		emit(put("b:", prev, "_", st), max(i-1, 0), i+1)
		prev = st
		if chars && !(names && sc.toks[i].name) && len(t.Norm) >= 4 {
			w := "<" + t.Norm + ">"
			for k := 0; k+3 <= len(w); k++ {
				emit(put("c:", w[k:k+3]), i, i+1)
			}
		}
		if neg {
			if i <= negTo && sent == negSent {
				emit(put("n:", st), i, i+1)
			}
			if featNegators[t.Norm] {
				negTo, negSent = i+3, sent
			}
		}
		if subj && featSubjects[t.Norm] {
			for j := i + 1; j < len(toks) && j <= i+2 && sc.toks[j].sent == sent; j++ {
				vs := toks[j].Stem
				if names && sc.toks[j].name {
					vs = "@name"
				}
				emit(put("v:", t.Norm, "_", vs), i, j+1)
			}
		}
		if svo && svoSubjects[t.Norm] {
			for j := i + 1; j < len(toks) && j <= i+5 && sc.toks[j].sent == sent; j++ {
				if svoSkip[toks[j].Norm] {
					continue
				}
				emit(put("w:", t.Norm, "_", toks[j].Stem), i, j+1)
				for k := j + 1; k < len(toks) && k <= j+2 && sc.toks[k].sent == sent; k++ {
					ob := ""
					switch {
					case sc.toks[k].name:
						ob = "@name"
					case svoObjects[toks[k].Norm]:
						ob = toks[k].Norm
					}
					if ob != "" {
						emit(put("o:", t.Norm, "_", toks[j].Stem, "_", ob), i, k+1)
						break
					}
				}
				break
			}
		}
	}
	emit(put("b:", prev, "_</s>"), max(len(toks)-1, 0), len(toks))
	for _, f := range sc.findings {
		switch {
		case f.Kind.Positive() || f.Kind == Hostile:
			emit(put("k:", string(f.Kind)), -1, -1)
		case f.Kind.Blaming():
			emit(put("kb:", string(f.Kind)), -1, -1)
		}
	}
	digits := "0123456789"
	for k, v := range sc.votes {
		if v > 0 {
			emit(put("pv:", string(Phases[k]), ":", digits[min(v, 6):min(v, 6)+1]), -1, -1)
		}
	}
	best, margin := sc.voteMargin()
	emit(put("pr:", string(Phases[best]), ":", digits[min(margin, 4):min(margin, 4)+1]), -1, -1)
}

// voteMargin is the rules' phase (as phase() picks it) and its lead over
// the runner-up.
func (s *scanState) voteMargin() (int, int) {
	best := phaseIndex(s.phase())
	second := 0
	for k, v := range s.votes {
		if k != best && v > second {
			second = v
		}
	}
	return best, max(s.votes[best]-second, 0)
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Prob is the booster's probability that the reply is blaming.
func (m *Model) Prob(role Role, text string) float64 {
	clean, _ := Clean(text)
	if !role.Valid() {
		role = Survivor
	}
	_, sc := scoreRulesState(role, clean)
	z := 0.0
	eachFeature(role, sc, m.neg, m.subj, m.names, m.chars, m.svo, func(name []byte, _, _ int) {
		if e := m.entry(name); e != nil {
			z += float64(e.w)
		}
	})
	return sigmoid(z)
}

// apply runs the learned heads on a rules assessment: the phase head when
// the rules' phase vote is weak, then the booster when the rules found
// nothing blaming.
func (m *Model) apply(a *Assessment, sc *scanState) {
	if m == nil || len(sc.raw) == 0 {
		return
	}
	_, margin := sc.voteMargin()
	usePhase := m.PhaseMargin >= 0 && margin <= m.PhaseMargin && m.hasPhase
	mayBoost := a.Label != Blaming && (m.Threshold < 1 || m.CreditThreshold < 1 || m.EngageThreshold < 1)
	if !usePhase && !mayBoost {
		return
	}
	// first pass: the booster's and the phase head's sums only; the kind
	// head and the words to quote are needed only when the booster fires.
	var z float64
	var pz [4]float64
	eachFeature(a.Role, sc, m.neg, m.subj, m.names, m.chars, m.svo, func(name []byte, _, _ int) {
		if e := m.entry(name); e != nil {
			z += float64(e.w)
			if usePhase {
				for k := range pz {
					pz[k] += float64(e.p[k])
				}
			}
		}
	})
	if usePhase {
		k := 0
		for j := range pz {
			if pz[j] > pz[k] {
				k = j
			}
		}
		a.Phase = Phases[k]
	}
	if !mayBoost {
		return
	}
	th := m.Threshold
	for _, f := range a.Findings {
		switch {
		case f.Kind == Hostile:
			// a shaming line is coached as shaming; the booster would
			// only read its harsh words as blame
			th = max(th, hostileThreshold)
		case f.Kind.Positive():
			th = max(th, m.CreditThreshold)
		}
	}
	if a.Phase == Engagement {
		th = max(th, m.EngageThreshold)
	}
	if th >= 1 || sigmoid(z) < th || !mentionsSomeone(sc) {
		return
	}
	// second pass: the kind, and the words to quote: the heaviest word
	// pair, else the heaviest word that is not a pronoun or a grammar word.
	var kz [5]float64
	best, bestW := [2]int{-1, -1}, 0.0
	bestUni, bestUniW := [2]int{-1, -1}, 0.0
	toks := sc.raw
	eachFeature(a.Role, sc, m.neg, m.subj, m.names, m.chars, m.svo, func(name []byte, from, to int) {
		e := m.entry(name)
		if e == nil {
			return
		}
		if q := m.kindWeights(e); q != nil {
			for k := range kz {
				kz[k] += float64(q[k])
			}
		}
		w := float64(e.w)
		switch {
		case from < 0 || w <= 0:
		case to-from == 2 && w > bestW:
			best, bestW = [2]int{from, to}, w
		case to-from == 1 && w > bestUniW && !grammarWord[toks[from].Norm]:
			bestUni, bestUniW = [2]int{from, to}, w
		}
	})
	if best[0] < 0 {
		best = bestUni
	}
	if best[0] < 0 {
		return
	}
	from, to := toks[best[0]].Start, toks[best[1]-1].End
	kind := boostKind(a.Role, toks)
	if m.hasKind {
		k := 0
		for j := range kz {
			if kz[j] > kz[k] {
				k = j
			}
		}
		kind = blamingKinds[k]
	}
	why, rewrite := boostText(kind, a.Role)
	a.Label = Blaming
	kept := a.Findings[:0]
	for _, f := range a.Findings {
		if !f.Kind.Positive() {
			kept = append(kept, f)
		}
	}
	a.Findings = append(kept, Finding{Kind: kind, Span: [2]int{from, to}, Words: a.Text[from:to], Why: why, Rewrite: rewrite})
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

// boostKind names the booster's finding when the model has no kind head:
// mutualizing when the reply talks about the couple, collusion to him,
// survivor blame to her.
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

func boostText(k FindingKind, role Role) (why, rewrite string) {
	const learned = " (A learned check flagged this wording; no rule matched it, so read it with care.)"
	switch k {
	case Mutualizing:
		return "Wording like this tends to describe his violence as something the couple shares." + learned,
			"Name what he did and its impact: 'When he shouted and threw things, how did the children react?'"
	case Collusion:
		if role == Survivor {
			return "Wording like this tends to accept or supply an excuse for him, which moves responsibility off him." + learned,
				"Keep the responsibility with him: 'Whatever was going on for him, what he did was his choice. How did it affect you and the children?'"
		}
		return "Wording like this tends to accept or supply an excuse, or to make her the problem, which moves responsibility off him." + learned,
			"Whatever was going on, you decided what to do. What did you do, and how did it affect her and the children?"
	case FailureToProtect:
		return "Wording like this tends to make the children's safety from his violence her job, or her failure." + learned,
			"Name his behaviour as the danger and credit her: 'What have you been doing to keep the children safe when he is like that?'"
	case AssumptionAsFact:
		return "Wording like this tends to state a worker's assumption about her as fact." + learned,
			"Ask instead of telling: 'How do you see what has been happening?'"
	}
	if role == Perpetrator {
		return "Wording like this tends to make her the cause of his behaviour." + learned,
			"Whatever she did, you decided what to do. What did you do, and how did it affect her and the children?"
	}
	return "Wording like this tends to make her responsible for his violence or for stopping it." + learned,
		"Ask about what he does and what gets in her way: 'What has he done when you have tried to keep the children safe?'"
}

// trainSet is a labelled set turned into feature ids, shared by the heads.
type trainSet struct {
	names []string
	X     [][]int32
	label []float64 // 1 blaming
	phase []int
	kind  []int // blaming kind the rules gave, -1 none
}

func buildTrainSet(examples []Labelled, o ModelOptions) *trainSet {
	ts := &trainSet{}
	index := map[string]int32{}
	for _, e := range examples {
		clean, _ := Clean(e.Text)
		role := e.Role
		if !role.Valid() {
			role = Survivor
		}
		_, sc := scoreRulesState(role, clean)
		var xs []int32
		eachFeature(role, sc, o.Neg, o.Subj, o.Names, o.Chars, o.SVO, func(name []byte, _, _ int) {
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
		if e.Label == Blaming {
			y = 1
		}
		ts.label = append(ts.label, y)
		// -1 (no phase labelled) leaves the line out of the phase head
		ts.phase = append(ts.phase, phaseIndex(e.Phase))
		kind := -1
		for k, bk := range blamingKinds {
			if e.Label == Blaming && e.Kind == bk {
				kind = k
			}
		}
		if e.Label == Blaming && kind < 0 {
			for _, f := range sc.findings {
				for k, bk := range blamingKinds {
					if f.Kind == bk && kind < 0 {
						kind = k
					}
				}
			}
		}
		ts.kind = append(ts.kind, kind)
	}
	return ts
}

// fitSoftmax fits K-class multinomial logistic regression (K == 1 means
// binary logistic regression on y) by full-batch gradient descent with L2.
// skip leaves features out (their weights stay 0); rows with class < 0 are
// left out.
func fitSoftmax(ts *trainSet, K int, class func(i int) int, y []float64, skip func(name string) bool, o ModelOptions) []float64 {
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

// TrainModel fits the learned heads on labelled examples. It is
// deterministic: the same examples and options give the same weights.
func TrainModel(examples []Labelled, opts ModelOptions) *Model {
	o := opts.withDefaults()
	ts := buildTrainSet(examples, o)
	return ts.fit(o, len(examples))
}

func (ts *trainSet) fit(o ModelOptions, n int) *Model {
	boosterSkip := func(name string) bool { return strings.HasPrefix(name, "kb:") }
	none := func(string) bool { return false }
	wb := fitSoftmax(ts, 1, nil, ts.label, boosterSkip, o)
	wp := fitSoftmax(ts, 4, func(i int) int { return ts.phase[i] }, nil, none, o)
	wk := fitSoftmax(ts, 5, func(i int) int { return ts.kind[i] }, nil, boosterSkip, o)
	m := &Model{Version: 2, Threshold: o.Threshold, CreditThreshold: o.CreditThreshold, EngageThreshold: o.EngageThreshold,
		PhaseMargin: o.PhaseMargin, Epochs: o.Epochs, L2: o.L2, Rate: o.Rate, Examples: n,
		Features: []string{}, Weights: map[string]float64{}, PhaseWeights: map[string][4]float64{}, KindWeights: map[string][5]float64{}}
	if o.Neg {
		m.Features = append(m.Features, "neg")
	}
	if o.Subj {
		m.Features = append(m.Features, "subj")
	}
	if o.Names {
		m.Features = append(m.Features, "names")
	}
	if o.Chars {
		m.Features = append(m.Features, "chars")
	}
	if o.SVO {
		m.Features = append(m.Features, "svo")
	}
	r4 := func(v float64) float64 { return math.Round(v*1e4) / 1e4 }
	for id, name := range ts.names {
		if v := r4(wb[id]); math.Abs(v) >= 2e-3 || name == "bias" {
			m.Weights[name] = v
		}
		var p [4]float64
		keep := false
		for k := range p {
			p[k] = r4(wp[id*4+k])
			keep = keep || math.Abs(p[k]) >= 5e-3
		}
		if keep || name == "bias" {
			m.PhaseWeights[name] = p
		}
		var q [5]float64
		keep = false
		for k := range q {
			q[k] = r4(wk[id*5+k])
			keep = keep || math.Abs(q[k]) >= 5e-3
		}
		if keep || name == "bias" {
			m.KindWeights[name] = q
		}
	}
	m.neg, m.subj, m.names, m.chars, m.svo = o.Neg, o.Subj, o.Names, o.Chars, o.SVO
	m.buildIndex()
	return m
}

// mentionsSomeone reports whether a reply refers to a person at all: the
// one spoken to, a partner, the couple, or someone by name. Blame is always
// about someone, so the booster stays silent on small talk ("Lovely
// weather for it."), where a bag of words has nothing real to go on.
func mentionsSomeone(sc *scanState) bool {
	for _, t := range sc.toks {
		if t.name {
			return true
		}
		switch t.norm {
		case "you", "your", "yours", "yourself", "she", "her", "hers", "herself",
			"he", "him", "his", "himself", "they", "them", "their", "both",
			"couple", "parents", "partner", "husband", "wife", "boyfriend", "girlfriend", "ex", "relationship",
			// people in general: excuses are often about "men", "dads",
			// "someone" ("Grabbing someone's arm isn't really violence")
			"u", "ur", "ya", "someone", "somebody", "anyone", "anybody", "everyone", "man", "men", "dad", "dads", "father", "fathers",
			"husbands", "wives", "women", "woman", "mothers", "mom", "moms", "guys", "guy", "bloke", "blokes", "lads", "fella", "fellas", "people", "folks":
			return true
		}
	}
	return false
}
