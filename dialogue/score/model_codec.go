package score

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
)

// The compact model format (rules/model.bin): the learned layer as the
// scorer uses it, feature names already hashed, weights as float32, so that
// loading is a copy into the hash table and not a parse of ~20,000 named
// JSON weights (about 200 ms). Layout, little-endian:
//
//	"PVSM" uint32(version 3)
//	float64 threshold, credit threshold, engagement threshold, L2, rate, veto
//	        (version 1 has no veto: it reads as 0, never)
//	int32 phase margin, epochs, examples
//	uint32 feature flags (1 neg, 2 subj, 4 names, 8 chars, 16 svo, 32 skip)
//	uint32 n; n × { uint64 hash, float32 w, 4×float32 phase, int32 kind,
//	                int32 embedding (version 3) }
//	uint32 k; k × 5×float32 kind weights
//	version 3: uint32 units u (0: no hidden layer); if u > 0, int32
//	  epochs it was fitted for, u×float32 hidden bias, u×float32 output weights, float32 output bias,
//	  uint32 e; e × u×float32 embeddings
//	version 4: as version 3 up to the booster's output bias, then the
//	  phase layer: uint32 units p (0: none); if p > 0, p×float32 hidden
//	  bias, p×4×float32 output weights, 4×float32 output bias, float64
//	  unsure bar; then, if u+p > 0, uint32 e; e × (u+p)×float32 rows
//	  (each the booster's embedding, then the phase layer's)
//
// The JSON form (the generator's -o FILE.json) stays readable for a person;
// ParseModel reads either.

var modelMagic = []byte("PVSM")

const modelBinVersion = 4

// MarshalBinary writes the compact form. It is deterministic: entries are
// written in hash order.
func (m *Model) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.Write(modelMagic)
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	w(uint32(modelBinVersion))
	w([6]float64{m.Threshold, m.CreditThreshold, m.EngageThreshold, m.L2, m.Rate, m.Veto})
	w([3]int32{int32(m.PhaseMargin), int32(m.Epochs), int32(m.Examples)})
	var flags uint32
	for i, on := range m.features.flags() {
		if on {
			flags |= 1 << i
		}
	}
	w(flags)
	type entry struct {
		featSlot
		w float32
	}
	var slots []entry
	for i, s := range m.table.slots {
		if s.key != 0 {
			slots = append(slots, entry{s, m.table.blame[i]})
		}
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i].key < slots[j].key })
	// kinds are renumbered in slot order so the file is the same however
	// the table was built
	w(uint32(len(slots)))
	var kinds [][5]float32
	var embs []float32
	for _, s := range slots {
		k := int32(-1)
		if s.kind >= 0 {
			k = int32(len(kinds))
			kinds = append(kinds, m.table.kinds[s.kind])
		}
		w(s.key)
		w(s.w)
		w(s.p)
		w(k)
		e := int32(-1)
		if stride := m.table.stride(); s.emb >= 0 {
			e = int32(len(embs) / stride)
			embs = append(embs, m.table.embs[int(s.emb)*stride:int(s.emb)*stride+stride]...)
		}
		w(e)
	}
	w(uint32(len(kinds)))
	for _, q := range kinds {
		w(q)
	}
	t := &m.table
	w(uint32(t.units))
	if t.units > 0 {
		w(int32(m.HiddenEpochs))
		w(t.bias)
		w(t.out)
		w(t.outBias)
	}
	w(uint32(t.phase.units))
	if t.phase.units > 0 {
		w(t.phase.bias)
		w(t.phase.out)
		w(t.phase.outBias)
		w(t.phase.unsure)
	}
	if t.stride() > 0 {
		w(uint32(len(embs) / t.stride()))
		w(embs)
	}
	return b.Bytes(), nil
}

func parseModelBinary(data []byte) (*Model, error) {
	r := bytes.NewReader(data[len(modelMagic):])
	rd := func(v any) error { return binary.Read(r, binary.LittleEndian, v) }
	var version, flags, n uint32
	var f [6]float64
	var ints [3]int32
	if err := rd(&version); err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	if version < 1 || version > modelBinVersion {
		return nil, fmt.Errorf("model file version %d, want 1 to %d", version, modelBinVersion)
	}
	floats := f[:5]
	if version >= 2 {
		floats = f[:]
	}
	if err := errors.Join(rd(floats), rd(&ints), rd(&flags), rd(&n)); err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	slotBytes := 8 + 4 + 16 + 4
	if version >= 3 {
		slotBytes += 4
	}
	if uint64(n)*uint64(slotBytes) > uint64(r.Len()) {
		return nil, errors.New("model file: truncated")
	}
	var on [6]bool
	for i := range on {
		on[i] = flags&(1<<i) != 0
	}
	m := &Model{ModelSpec: ModelSpec{Version: 2, Threshold: f[0], CreditThreshold: f[1], EngageThreshold: f[2], L2: f[3], Rate: f[4], Veto: f[5],
		PhaseMargin: int(ints[0]), Epochs: int(ints[1]), Examples: int(ints[2])}, features: featureSetOf(on)}
	m.Features = m.features.List()
	size := 1
	for size < int(n)+int(n)/2+2 {
		size <<= 1
	}
	t := &m.table
	t.mask = uint64(size - 1)
	t.slots = make([]featSlot, size)
	t.blame = make([]float32, size)
	buf := make([]byte, slotBytes)
	le := binary.LittleEndian
	for range n {
		if _, err := r.Read(buf); err != nil {
			return nil, fmt.Errorf("model file: %w", err)
		}
		key := le.Uint64(buf)
		if key == 0 {
			return nil, errors.New("model file: zero key")
		}
		i := key & t.mask
		for t.slots[i].key != 0 {
			i = (i + 1) & t.mask
		}
		s := &t.slots[i]
		s.key = key
		t.blame[i] = math.Float32frombits(le.Uint32(buf[8:]))
		for k := range s.p {
			s.p[k] = math.Float32frombits(le.Uint32(buf[12+4*k:]))
		}
		s.kind = int32(le.Uint32(buf[28:]))
		s.emb = -1
		if version >= 3 {
			s.emb = int32(le.Uint32(buf[32:]))
		}
	}
	var k uint32
	if err := rd(&k); err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	if uint64(k)*20 > uint64(r.Len()) || version < 3 && uint64(k)*20 != uint64(r.Len()) {
		return nil, errors.New("model file: bad kind table")
	}
	t.kinds = make([][5]float32, k)
	if err := rd(t.kinds); err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	var nEmb int
	if version >= 3 {
		var err error
		if nEmb, err = readHiddenLayers(r, version, t, &m.HiddenEpochs); err != nil {
			return nil, err
		}
	}
	for _, s := range t.slots {
		if s.key != 0 && s.emb >= int32(nEmb) {
			return nil, errors.New("model file: embedding index out of range")
		}
	}
	for _, s := range t.slots {
		if s.key != 0 && s.kind >= int32(k) {
			return nil, errors.New("model file: kind index out of range")
		}
	}
	m.hasPhase, m.hasKind = true, k > 0
	return m, m.checkThresholds()
}

// readHiddenLayers reads the booster's hidden layer (version 3) and the
// phase layer (version 4) into t and returns how many embedding rows
// they hold.
func readHiddenLayers(r *bytes.Reader, version uint32, t *featTable, epochs *int) (int, error) {
	rd := func(v any) error { return binary.Read(r, binary.LittleEndian, v) }
	var units, phaseUnits, n uint32
	if err := rd(&units); err != nil {
		return 0, fmt.Errorf("model file: %w", err)
	}
	if units > maxHiddenUnits {
		return 0, fmt.Errorf("model file: %d hidden units, at most %d", units, maxHiddenUnits)
	}
	if units > 0 {
		t.units = int(units)
		t.bias, t.out = make([]float32, units), make([]float32, units)
		var ep int32
		if err := errors.Join(rd(&ep), rd(t.bias), rd(t.out), rd(&t.outBias)); err != nil {
			return 0, fmt.Errorf("model file: %w", err)
		}
		*epochs = int(ep)
	}
	if version >= 4 {
		if err := rd(&phaseUnits); err != nil {
			return 0, fmt.Errorf("model file: %w", err)
		}
		if phaseUnits > maxHiddenUnits {
			return 0, fmt.Errorf("model file: %d phase hidden units, at most %d", phaseUnits, maxHiddenUnits)
		}
	}
	if phaseUnits > 0 {
		pn := &t.phase
		pn.units = int(phaseUnits)
		pn.bias, pn.out = make([]float32, phaseUnits), make([][4]float32, phaseUnits)
		if err := errors.Join(rd(pn.bias), rd(pn.out), rd(&pn.outBias), rd(&pn.unsure)); err != nil {
			return 0, fmt.Errorf("model file: %w", err)
		}
		if pn.unsure < 0 || pn.unsure > 1 {
			return 0, fmt.Errorf("model file: phase layer's unsure bar %v outside [0, 1]", pn.unsure)
		}
	}
	stride := t.stride()
	if stride == 0 {
		if r.Len() != 0 {
			return 0, errors.New("model file: trailing bytes")
		}
		return 0, nil
	}
	if err := rd(&n); err != nil {
		return 0, fmt.Errorf("model file: %w", err)
	}
	if uint64(n)*uint64(stride)*4 != uint64(r.Len()) {
		return 0, errors.New("model file: bad embedding table")
	}
	t.embs = make([]float32, int(n)*stride)
	if err := rd(t.embs); err != nil {
		return 0, fmt.Errorf("model file: %w", err)
	}
	return int(n), nil
}

// Weights are the three heads' weights of one named feature.
type Weights struct {
	Blame float32
	Phase [4]float32 // by Phases
	Kind  [5]float32 // by KindClasses
	// Embedding is the feature's embedding in the booster's hidden
	// layer and PhaseEmbedding in the phase layer (nil if the model has
	// no such layer or the feature no embedding; zeros where only the
	// other layer embeds it).
	Embedding, PhaseEmbedding []float32
}

// Lookup is the weights m holds for a feature name (ok false if none),
// whichever form the model was loaded from: the generator's freshness
// test compares a fresh training with the shipped model through it.
func (m *Model) Lookup(name string) (w Weights, ok bool) {
	i := m.entry([]byte(name))
	if i < 0 {
		return w, false
	}
	e := &m.table.slots[i]
	w.Blame, w.Phase = m.table.blame[i], e.p
	if q := m.kindWeights(e); q != nil {
		w.Kind = *q
	}
	if t := &m.table; e.emb >= 0 {
		row := t.embs[int(e.emb)*t.stride():][:t.stride()]
		if t.units > 0 {
			w.Embedding = row[:t.units]
		}
		if t.phase.units > 0 {
			w.PhaseEmbedding = row[t.units:]
		}
	}
	return w, true
}

// Len is the number of named features m holds weights for.
func (m *Model) Len() int {
	n := 0
	for _, s := range m.table.slots {
		if s.key != 0 {
			n++
		}
	}
	return n
}
