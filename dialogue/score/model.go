package score

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/pivotcoach/pivot/dialogue/text"
)

// The learned layer: small linear models over the reply's stemmed words and
// word pairs (alone and with the interview role), negation-scoped words,
// subject-verb pairs, and what the rules found (credit and hostile kinds,
// the rules' phase votes). Three heads share those features:
//
//   - the booster, for blaming: a network with one hidden layer
//     (HiddenLayer) when the model has one, else a logistic regression,
//     whose weights also choose the words a finding quotes. It can add one
//     blaming finding to a reply on which no rule found anything blaming,
//     when its probability reaches the threshold for the reply's situation
//     (higher when the rules credited the reply or the move is
//     engagement); and it sets a rule's blaming findings aside when its
//     probability is under the veto. It never changes a rule's finding.
//   - the kind head, a multinomial regression over the five blaming kinds,
//     trained on the kinds the rules give the blaming lines they catch; it
//     names the booster's finding and so picks its why and rewrite.
//   - the phase head, a multinomial regression over the four phases, which
//     decides the phase only when the rules' phase vote is weak or tied
//     (its lead over the runner-up is at most PhaseMargin).
//
// Rules stay the explanation of first resort; the booster's finding quotes
// the words that weighed most and says that it is a learned judgement.
// Rebuild the weights with `go generate ./dialogue/score` after changing
// the labelled files or a rule (see docs/scoring.md).

// Model is a trained learned layer, stored compactly in rules/model.bin
// (model_codec.go) or, for reading, as JSON (the generator's -o FILE.json).
// The generator (internal/train) builds one with NewModel.
type Model struct {
	ModelSpec
	features FeatureSet
	// hasPhase and hasKind say whether the phase and kind heads have
	// weights (the maps in ModelSpec are empty in a model read from
	// model.bin).
	hasPhase, hasKind bool
	table             featTable
}

// ModelSpec is a model's settings and named weights: its JSON form.
type ModelSpec struct {
	Version int `json:"version"`
	// Features lists the optional feature families the model was built
	// with ("neg", "subj", "names", "chars", "svo", "skip").
	Features []string `json:"features"`
	// Threshold is the booster's probability threshold on a reply the
	// rules neither blamed nor credited; CreditThreshold applies when the
	// rules credited it (or marked it hostile) and EngageThreshold when
	// the move is engagement (1 means never).
	Threshold       float64 `json:"threshold"`
	CreditThreshold float64 `json:"credit_threshold"`
	EngageThreshold float64 `json:"engagement_threshold"`
	// Veto is the booster's probability below which a rule's blaming
	// findings are set aside (0: never): the rules match words, and when
	// the whole reply reads plainly as good practice to a model that never
	// saw what the rules found, the words were most likely quoted, planned
	// against or asked about (see "The learned layer" in docs/scoring.md).
	Veto float64 `json:"veto,omitempty"`
	// PhaseMargin: the phase head decides when the rules' winning phase
	// leads the runner-up by at most this much weight (-1: never).
	PhaseMargin  int                   `json:"phase_margin"`
	Epochs       int                   `json:"epochs"`
	HiddenEpochs int                   `json:"hidden_epochs,omitempty"`
	L2           float64               `json:"l2"`
	Rate         float64               `json:"rate"`
	Examples     int                   `json:"examples"`
	Weights      map[string]float64    `json:"weights"`
	PhaseWeights map[string][4]float64 `json:"phase_weights"`
	KindWeights  map[string][5]float64 `json:"kind_weights"`
	// Booster is the booster's hidden layer, when it has one: the
	// blaming probability is then read from it, and Weights only choose
	// the words a finding quotes.
	Booster *HiddenLayer `json:"booster,omitempty"`
	// PhaseLayer is the phase head's hidden layer, when it has one: it
	// decides a reply's phase where the linear phase head is unsure.
	PhaseLayer *PhaseLayer `json:"phase_layer,omitempty"`
}

// HiddenLayer is a one-hidden-layer network over the reply's features:
// each feature adds its embedding to the hidden units, which pass a
// rectifier into a logistic output. Word pairs alone cannot weigh one
// word against another ("not X, but Y", a frame named to refuse it);
// the hidden units can.
type HiddenLayer struct {
	Units      int                  `json:"units"`
	Embeddings map[string][]float64 `json:"embeddings"`
	Bias       []float64            `json:"bias"`
	Output     []float64            `json:"output"`
	OutputBias float64              `json:"output_bias"`
}

// PhaseLayer is a hidden layer for the phase head, built as HiddenLayer
// is but with a softmax over the four phases (Output holds each unit's
// weight to each phase, by Phases). It is consulted only where the
// linear head's likeliest phase has a probability under Unsure: out of
// fold it read those replies better, but alone it lost lines the linear
// head gets right (docs/scoring.md, "Round 16").
type PhaseLayer struct {
	Units      int                  `json:"units"`
	Embeddings map[string][]float64 `json:"embeddings"`
	Bias       []float64            `json:"bias"`
	Output     [][4]float64         `json:"output"`
	OutputBias [4]float64           `json:"output_bias"`
	Unsure     float64              `json:"unsure"`
}

// maxHiddenUnits bounds HiddenLayer.Units, so that a reply's hidden
// units fit in a fixed array.
const maxHiddenUnits = 64

// FeatureSet names the optional feature families of the learned layer.
type FeatureSet struct {
	// Neg adds each stem in a negation scope ("n:").
	Neg bool
	// Subj adds subject-verb pairs ("v:").
	Subj bool
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
	// Skip adds pairs of stems one word apart ("s:"), so that "where were
	// you" and "where was you" share a feature.
	Skip bool
}

// featureNames are the families' names in ModelSpec.Features, in flag
// order (model.bin stores them as bits 0..5).
var featureNames = [6]string{"neg", "subj", "names", "chars", "svo", "skip"}

func (f FeatureSet) flags() [6]bool { return [6]bool{f.Neg, f.Subj, f.Names, f.Chars, f.SVO, f.Skip} }

func featureSetOf(on [6]bool) FeatureSet {
	return FeatureSet{Neg: on[0], Subj: on[1], Names: on[2], Chars: on[3], SVO: on[4], Skip: on[5]}
}

// List is the families' names, as ModelSpec.Features lists them.
func (f FeatureSet) List() []string {
	out := []string{}
	for i, on := range f.flags() {
		if on {
			out = append(out, featureNames[i])
		}
	}
	return out
}

// HiddenUnits is the number of hidden units in m's booster (0: none).
func (m *Model) HiddenUnits() int { return m.table.units }

// PhaseLayerShape is the phase layer's number of hidden units and its
// unsure bar (0, 0: m has no phase layer).
func (m *Model) PhaseLayerShape() (units int, unsure float64) {
	return m.table.phase.units, m.table.phase.unsure
}

// FeatureSet is the feature families m was built with.
func (m *Model) FeatureSet() FeatureSet { return m.features }

// hostileThreshold is the booster's bar on a reply the rules marked
// hostile (shaming is coached as its own line, not as blame).
const hostileThreshold = 0.98

// setAsideThreshold is the booster's bar on a reply in which the rules set
// blaming words aside as reported, quoted or negated (scan.go's isSetAside).
const setAsideThreshold = 0.97

// blamingKinds is the kind head's class order.
var blamingKinds = [5]FindingKind{SurvivorBlame, FailureToProtect, Mutualizing, Collusion, AssumptionAsFact}

// KindClasses is the kind head's class order, for the generator.
func KindClasses() [5]FindingKind { return blamingKinds }

// NewModel checks a model's settings and builds its lookup table.
func NewModel(spec ModelSpec) (*Model, error) {
	m := &Model{ModelSpec: spec}
	if m.Version != 2 {
		return nil, fmt.Errorf("model version %d, want 2", m.Version)
	}
	if err := m.checkThresholds(); err != nil {
		return nil, err
	}
	if m.Booster != nil {
		if err := m.Booster.check(); err != nil {
			return nil, err
		}
	}
	if m.PhaseLayer != nil {
		if err := m.PhaseLayer.check(); err != nil {
			return nil, err
		}
	}
	var on [6]bool
	for _, f := range m.Features {
		i := slices.Index(featureNames[:], f)
		if i < 0 {
			return nil, fmt.Errorf("unknown feature family %q", f)
		}
		on[i] = true
	}
	m.features = featureSetOf(on)
	m.buildIndex()
	return m, nil
}

// ParseModel reads a model file, compact (model.bin) or JSON.
func ParseModel(data []byte) (*Model, error) {
	if bytes.HasPrefix(data, modelMagic) {
		return parseModelBinary(data)
	}
	var spec ModelSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, err
	}
	return NewModel(spec)
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
	if m.Veto < 0 || m.Veto >= 0.5 {
		return fmt.Errorf("model veto %v outside [0, 0.5)", m.Veto)
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
	t.blame = make([]float32, size)
	t.kinds = t.kinds[:0]
	index := func(k string) int {
		h := featHash([]byte(k))
		i := h & t.mask
		for ; t.slots[i].key != 0; i = (i + 1) & t.mask {
			if t.slots[i].key == h {
				return int(i)
			}
		}
		t.slots[i].key = h
		t.slots[i].kind = -1
		t.slots[i].emb = -1
		return int(i)
	}
	get := func(k string) *featSlot { return &t.slots[index(k)] }
	// fill in a fixed order so that the table is laid out the same way on
	// every start (map order is random)
	for _, k := range sortedKeys(m.Weights) {
		t.blame[index(k)] = float32(m.Weights[k])
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
	m.buildEmbeddings(get)
}

// buildEmbeddings lays out the hidden layers' embeddings as rows of
// t.stride() floats, the booster's units then the phase layer's, one row
// per feature either layer embeds (zeros where only the other does), so
// a feature's slot points at both with one index.
func (m *Model) buildEmbeddings(get func(string) *featSlot) {
	t := &m.table
	t.units, t.phase, t.embs = 0, phaseNet{}, t.embs[:0]
	b, pl := m.Booster, m.PhaseLayer
	if b == nil && pl == nil {
		return
	}
	keys := map[string]bool{}
	if b != nil {
		t.units = b.Units
		t.bias, t.out, t.outBias = float32s(b.Bias), float32s(b.Output), float32(b.OutputBias)
		for k := range b.Embeddings {
			keys[k] = true
		}
	}
	if pl != nil {
		t.phase = phaseNet{units: pl.Units, bias: float32s(pl.Bias), out: make([][4]float32, pl.Units), unsure: pl.Unsure}
		for j, o := range pl.Output {
			for k, v := range o {
				t.phase.out[j][k] = float32(v)
			}
		}
		for k, v := range pl.OutputBias {
			t.phase.outBias[k] = float32(v)
		}
		for k := range pl.Embeddings {
			keys[k] = true
		}
	}
	for _, k := range sortedKeys(keys) {
		sl := get(k)
		sl.emb = int32(len(t.embs) / t.stride())
		row := make([]float32, t.stride())
		if b != nil && b.Embeddings[k] != nil {
			copy(row, float32s(b.Embeddings[k]))
		}
		if pl != nil && pl.Embeddings[k] != nil {
			copy(row[t.units:], float32s(pl.Embeddings[k]))
		}
		t.embs = append(t.embs, row...)
	}
}

func float32s(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}

// check checks a phase layer's shapes and bar.
func (p *PhaseLayer) check() error {
	if err := checkLayer("phase hidden layer", p.Units, len(p.Bias), len(p.Output), p.Embeddings); err != nil {
		return err
	}
	if p.Unsure < 0 || p.Unsure > 1 {
		return fmt.Errorf("phase hidden layer: unsure bar %v outside [0, 1]", p.Unsure)
	}
	return nil
}

// check checks a hidden layer's shapes.
func (b *HiddenLayer) check() error {
	return checkLayer("booster hidden layer", b.Units, len(b.Bias), len(b.Output), b.Embeddings)
}

// checkLayer checks that a layer of units hidden units has a bias and an
// output row for each and embeddings of that length, and no more units
// than a reply's sums hold.
func checkLayer(name string, units, biases, outputs int, embeddings map[string][]float64) error {
	if units < 1 || units > maxHiddenUnits {
		return fmt.Errorf("%s: %d units, want 1 to %d", name, units, maxHiddenUnits)
	}
	if biases != units || outputs != units {
		return fmt.Errorf("%s: %d units but %d biases and %d output weights", name, units, biases, outputs)
	}
	for k, e := range embeddings {
		if len(e) != units {
			return fmt.Errorf("%s: embedding %q has %d values, want %d", name, k, len(e), units)
		}
	}
	return nil
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
// FNV-1a hash to its weights, laid out so that the common lookup (the
// embedding row, and the phase weights) touches one 32-byte slot, two to
// a cache line, so a slot never spans two: cheaper than a string-keyed
// map, which matters because every reply looks up dozens of features. Two
// feature names sharing a 64-bit hash would share weights; with some 10^4
// names the odds are about 10^-11.
type featTable struct {
	mask  uint64
	slots []featSlot
	// blame holds each slot's weight in the linear booster, read only
	// when the model has no hidden layer (and to pick the words a
	// finding quotes): kept out of the slot, which is 32 bytes without
	// it, two to a cache line
	blame []float32
	kinds [][5]float32
	// the booster's hidden layer: units, embeddings (units floats per
	// embedded feature), hidden bias, output weights and bias
	units     int
	bias, out []float32
	outBias   float32
	// the phase head's hidden layer (phase.units 0: none)
	phase phaseNet
	// embs holds one row of stride() floats per embedded feature: the
	// booster's embedding, then the phase layer's
	embs []float32
}

// stride is the length of an embedding row: both layers' units.
func (t *featTable) stride() int { return t.units + t.phase.units }

// phaseNet is a PhaseLayer as the table holds it.
type phaseNet struct {
	units   int
	bias    []float32
	out     [][4]float32
	outBias [4]float32
	unsure  float64
}

type featSlot struct {
	key  uint64 // 0: empty
	emb  int32  // row of embs, -1 none
	kind int32  // index into kinds, -1 none
	p    [4]float32
}

// entry is the slot index of the named feature, -1 if the model has
// none.
func (m *Model) entry(name []byte) int { return m.table.slotOf(featHash(name)) }

// slotOf is the index of the slot of the feature whose name hashes to h,
// -1 if the model has none.
func (t *featTable) slotOf(h uint64) int {
	if len(t.slots) == 0 {
		return -1
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		switch t.slots[i].key {
		case h:
			return int(i)
		case 0:
			return -1
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

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// headSums are the learned heads' raw scores on one reply.
type headSums struct {
	blame float64    // the booster's logit
	phase [4]float64 // the phase head's, by Phases
	kind  [5]float64 // the kind head's, by blamingKinds
	// hidden are the booster's hidden units before the rectifier
	hidden [maxHiddenUnits]float32
	// phaseByLayer: phase holds the phase layer's scores, the linear
	// head having been unsure
	phaseByLayer bool
}

// sums adds up the heads' weights over the reply's features; the kind
// head only when withKind (it is needed only when the booster fires). It
// works in three passes, so that the table lookups, the costly part (the
// table is megabytes, each lookup a likely cache miss), are independent
// of each other and the processor can have many in flight at once:
// hash every feature, find every slot, then add up in feature order
// (the same order as one pass, so the same sums to the last bit).
func (m *Model) sums(role Role, sc *scanState, withPhase, withKind bool) headSums {
	buf := sc.scratch
	buf.hashes = appendFeatureHashes(buf.hashes[:0], role, sc, m.features)
	buf.slots, buf.rows = m.appendSlots(buf.slots[:0], buf.rows[:0], buf.hashes)
	return m.addUp(buf.slots, buf.rows, withPhase, withKind)
}

// appendSlots appends the slot index of each hash the model has, and
// the offset of its embedding row in the table's rows when it has one.
func (m *Model) appendSlots(slots, rows []int32, hashes []uint64) ([]int32, []int32) {
	t := &m.table
	if len(t.slots) == 0 {
		return slots, rows
	}
	ns, nr := len(slots), len(rows)
	slots = slices.Grow(slots, len(hashes))[:ns+len(hashes)]
	rows = slices.Grow(rows, len(hashes))[:nr+len(hashes)]
	found := slots[ns:]
	n := t.find(hashes, found)
	stride := int32(t.stride())
	for _, i := range found[:n] {
		if e := t.slots[i].emb; e >= 0 {
			rows[nr] = e * stride
			nr++
		}
	}
	return slots[:ns+n], rows[:nr]
}

// find stores in found the slot of each hash the table holds, in order,
// and returns how many it stored; found has room for all.
//
// It is kept out of line: inlined into its caller, the probe loop shares
// the registers with the caller's values and goes through the stack.
//
//go:noinline
func (t *featTable) find(hashes []uint64, found []int32) int {
	table, mask := t.slots, int(t.mask)
	n := 0
	for _, h := range hashes {
		for i := int(h) & mask; ; i = (i + 1) & mask {
			key := table[i].key
			if key == h {
				found[n] = int32(i)
				n++
				break
			}
			if key == 0 {
				break
			}
		}
	}
	return n
}

// addUp is the heads' scores over the given slots.
func (m *Model) addUp(slots, rows []int32, withPhase, withKind bool) headSums {
	var h headSums
	t := &m.table
	// each head in a loop of its own, its sums in local variables (held
	// in registers) and each added in slot order, as one loop over the
	// heads would
	if t.units == 0 {
		// with a hidden layer the blaming score is the layer's alone
		// (below)
		for _, i := range slots {
			h.blame += float64(t.blame[i])
		}
	}
	if withPhase {
		var p0, p1, p2, p3 float64
		for _, i := range slots {
			p := &t.slots[i].p
			p0 += float64(p[0])
			p1 += float64(p[1])
			p2 += float64(p[2])
			p3 += float64(p[3])
		}
		h.phase = [4]float64{p0, p1, p2, p3}
	}
	if withKind {
		for _, i := range slots {
			if q := m.kindWeights(&t.slots[i]); q != nil {
				for k := range h.kind {
					h.kind[k] += float64(q[k])
				}
			}
		}
	}
	if n := t.units; n > 0 {
		hidden := h.hidden[:n]
		copy(hidden, t.bias)
		m.addEmbeddings(hidden, rows, 0)
		z := t.outBias
		for j, v := range hidden {
			z += t.out[j] * max(v, 0)
		}
		h.blame = float64(z)
	}
	if withPhase && t.phase.units > 0 && maxProb(h.phase) < t.phase.unsure {
		h.phase, h.phaseByLayer = m.phaseLayer(rows), true
	}
	return h
}

// phaseLayer is the phase layer's scores over the embedding rows.
func (m *Model) phaseLayer(rows []int32) [4]float64 {
	pn := &m.table.phase
	var buf [maxHiddenUnits]float32
	hidden := buf[:pn.units]
	copy(hidden, pn.bias)
	m.addEmbeddings(hidden, rows, m.table.units)
	z := pn.outBias
	for j, v := range hidden {
		for k := range z {
			z[k] += pn.out[j][k] * max(v, 0)
		}
	}
	var out [4]float64
	for k, v := range z {
		out[k] = float64(v)
	}
	return out
}

// maxProb is the softmax probability of the likeliest of scores.
func maxProb(scores [4]float64) float64 {
	best := scores[argmax(scores[:])]
	sum := 0.0
	for _, v := range scores {
		sum += math.Exp(v - best)
	}
	return 1 / sum
}

// addEmbeddings adds to hidden the embedding rows starting at the given
// offsets into the table's rows (a slot's row offset plus the column
// offset: 0 for the booster's units, units for the phase layer's):
// sixteen units at a time by addRows, then one at a time. Each unit's
// sum is added in slot order, so the result is the same to the last bit
// whatever the blocking.
func (m *Model) addEmbeddings(hidden []float32, rows []int32, offset int) {
	embs := m.table.embs
	n := len(hidden)
	j := 0
	for ; j+16 <= n; j += 16 {
		addRows((*[16]float32)(hidden[j:]), embs, rows, offset+j)
	}
	for ; j < n; j++ {
		for _, r := range rows {
			hidden[j] += embs[int(r)+offset+j]
		}
	}
}

func argmax(xs []float64) int {
	k := 0
	for j := range xs {
		if xs[j] > xs[k] {
			k = j
		}
	}
	return k
}

// apply runs the learned heads on a rules assessment: the phase head when
// the rules' phase vote is weak, then the booster when the rules found
// nothing blaming.
func (m *Model) apply(a *Assessment, sc *scanState) {
	if m == nil || len(sc.raw) == 0 {
		return
	}
	_, margin := sc.voteMargin()
	usePhase := m.decidesPhase(margin)
	mayBoost := a.Label != Blaming && (m.Threshold < 1 || m.CreditThreshold < 1 || m.EngageThreshold < 1)
	mayVeto := a.Label == Blaming && m.Veto > 0
	if !usePhase && !mayBoost && !mayVeto {
		return
	}
	h := m.sums(a.Role, sc, usePhase, false)
	if usePhase {
		a.Phase = Phases[argmax(h.phase[:])]
	}
	p := sigmoid(h.blame)
	if mayVeto && p < m.Veto {
		setAsideBlame(a)
		return
	}
	if !mayBoost || p < m.threshold(a, sc) || !mentionsSomeone(sc) {
		return
	}
	m.boost(a, sc)
}

// decidesPhase reports whether the phase head decides a reply's phase:
// the rules' winning phase leads by at most PhaseMargin.
func (m *Model) decidesPhase(margin int) bool {
	return m.PhaseMargin >= 0 && margin <= m.PhaseMargin && m.hasPhase
}

// setAsideBlame drops a's blaming findings (the booster's veto): the
// reply keeps its credit and shaming findings and is not blaming.
func setAsideBlame(a *Assessment) {
	kept := a.Findings[:0]
	for _, f := range a.Findings {
		if !f.Kind.Blaming() {
			kept = append(kept, f)
		}
	}
	a.Findings = kept
	a.Label = NonBlaming
}

// threshold is the booster's bar for a reply: higher when the rules
// credited it or marked it hostile, set blaming words aside, or when the
// move is engagement.
func (m *Model) threshold(a *Assessment, sc *scanState) float64 {
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
	if sc.setAside > 0 {
		// the rules set blaming words aside (quoted, reported, negated):
		// they have read the context, the booster sees only the words
		th = max(th, setAsideThreshold)
	}
	if th >= 1 {
		return math.Inf(1)
	}
	return th
}

// boost adds the booster's blaming finding: its kind by the kind head,
// quoting the words that weighed most.
func (m *Model) boost(a *Assessment, sc *scanState) {
	span, ok := m.heaviestWords(a.Role, sc)
	if !ok {
		return
	}
	toks := sc.raw
	from, to := toks[span[0]].Start, toks[span[1]-1].End
	kind := boostKind(a.Role, toks)
	if m.hasKind {
		h := m.sums(a.Role, sc, false, true)
		kind = blamingKinds[argmax(h.kind[:])]
	}
	why, rewrite := boostText(kind, a.Role)
	a.Label = Blaming
	a.Findings = append(withoutCredit(a.Findings), Finding{Kind: kind, Span: [2]int{from, to}, Words: a.Text[from:to], Why: why, Rewrite: rewrite})
	sort.SliceStable(a.Findings, func(i, j int) bool { return a.Findings[i].Span[0] < a.Findings[j].Span[0] })
}

// heaviestWords are the words to quote: the word pair with the heaviest
// booster weight, else the heaviest word that is not a pronoun or a
// grammar word (a token range [from, to)).
func (m *Model) heaviestWords(role Role, sc *scanState) ([2]int, bool) {
	best, bestW := [2]int{-1, -1}, 0.0
	bestWord, bestWordW := [2]int{-1, -1}, 0.0
	toks := sc.raw
	eachFeature(role, sc, m.features, false, func(f feature) {
		from, to := f.from, f.to
		i := m.table.slotOf(f.hash)
		if i < 0 {
			return
		}
		w := float64(m.table.blame[i])
		switch {
		case from < 0 || w <= 0:
		case to-from == 2 && w > bestW:
			best, bestW = [2]int{from, to}, w
		case to-from == 1 && w > bestWordW && !grammarWord[toks[from].Norm]:
			bestWord, bestWordW = [2]int{from, to}, w
		}
	})
	if best[0] < 0 {
		best = bestWord
	}
	return best, best[0] >= 0
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
func boostKind(role Role, toks []text.Token) FindingKind {
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
