package dialogue

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// A trained matcher is stored as compact binary data beside the scenarios
// (scenarios/matchers/ID.pvm, written by `pivot train --matchers`), so a
// command starts without training. The data carries a fingerprint of
// everything training read; a scenario whose examples have changed since
// does not match it, and is trained afresh on first use instead.

// matcherFeatureVersion changes whenever lineFeatures or training change,
// so stored matchers from before are refused rather than misread.
const matcherFeatureVersion = 4

var matcherMagic = []byte("PVM1")

// MatcherFingerprint identifies what the scenario's matcher is trained
// from: its intents, examples, concepts and the feature version.
func (sc *Scenario) MatcherFingerprint() [32]byte {
	intents, examples := sc.trainingExamples()
	h := sha256.New()
	fmt.Fprintf(h, "v%d\n", matcherFeatureVersion)
	for _, id := range intents {
		fmt.Fprintf(h, "i %q\n", id)
	}
	for _, ex := range examples {
		fmt.Fprintf(h, "e %q %q %v\n", ex.Intent, ex.Text, ex.Not)
	}
	names := make([]string, 0, len(sc.Concepts))
	for n := range sc.Concepts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "c %q %q\n", n, sc.Concepts[n])
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// TrainMatcherFor trains the scenario's matcher as the engine would.
func (sc *Scenario) TrainMatcherFor() *Matcher {
	intents, examples := sc.trainingExamples()
	return TrainMatcher(intents, examples, sc.index.concepts, MatcherOptions{})
}

// MarshalMatcher stores a trained matcher with the scenario's fingerprint.
func (sc *Scenario) MarshalMatcher(m *Matcher) []byte {
	var b bytes.Buffer
	b.Write(matcherMagic)
	fp := sc.MatcherFingerprint()
	b.Write(fp[:])
	putUvarint(&b, uint64(len(m.Classes)))
	for _, c := range m.Classes {
		putString(&b, c)
	}
	for _, v := range m.bias {
		putFloat(&b, v)
	}
	// Weights are stored dense, one signed byte each with a scale per
	// class: a quarter of float32, and the rounding (under 1% of the
	// largest weight) moves no decision the tests can see.
	names := make([]string, len(m.rows))
	for n, r := range m.rows {
		names[r] = n
	}
	K := len(m.Classes)
	scale := make([]float32, K)
	for f := range names {
		for k := 0; k < K; k++ {
			scale[k] = max(scale[k], float32(math.Abs(float64(m.weights[f*K+k]))))
		}
	}
	for k := range scale {
		scale[k] /= 127
		putFloat(&b, scale[k])
	}
	putUvarint(&b, uint64(len(names)))
	for _, n := range names {
		putString(&b, n)
	}
	q := make([]byte, len(m.weights))
	for i, w := range m.weights {
		if s := scale[i%K]; s > 0 {
			q[i] = byte(int8(math.Round(float64(w / s))))
		}
	}
	b.Write(q)
	return b.Bytes()
}

// ErrStaleMatcher is returned by UseMatcher when stored matcher data was
// trained on other examples than the scenario now has.
var ErrStaleMatcher = errors.New("the stored matcher was trained on other examples: run pivot train --matchers")

// UseMatcher gives the scenario a stored matcher instead of training one,
// if the data was trained on exactly what the scenario now holds.
func (sc *Scenario) UseMatcher(data []byte) error {
	r := bytes.NewReader(data)
	magic := make([]byte, len(matcherMagic))
	if _, err := io.ReadFull(r, magic); err != nil || !bytes.Equal(magic, matcherMagic) {
		return errors.New("not a Pivot matcher file")
	}
	var fp [32]byte
	if _, err := io.ReadFull(r, fp[:]); err != nil {
		return errors.New("matcher file cut short")
	}
	if fp != sc.MatcherFingerprint() {
		return ErrStaleMatcher
	}
	m, err := readMatcher(r)
	if err != nil {
		return fmt.Errorf("matcher file: %w", err)
	}
	sc.index.trainOnce.Do(func() { sc.index.matcher = m })
	return nil
}

func readMatcher(r *bytes.Reader) (*Matcher, error) {
	nk, err := binary.ReadUvarint(r)
	if err != nil || nk == 0 || nk > 1<<16 {
		return nil, errors.New("bad class count")
	}
	m := &Matcher{rows: map[string]int32{}}
	for i := uint64(0); i < nk; i++ {
		s, err := getString(r)
		if err != nil {
			return nil, err
		}
		m.Classes = append(m.Classes, s)
	}
	K := int(nk)
	m.bias = make([]float32, K)
	for k := range m.bias {
		if m.bias[k], err = getFloat(r); err != nil {
			return nil, err
		}
	}
	scale := make([]float32, K)
	for k := range scale {
		if scale[k], err = getFloat(r); err != nil {
			return nil, err
		}
	}
	nf, err := binary.ReadUvarint(r)
	if err != nil || nf > 1<<24 {
		return nil, errors.New("bad feature count")
	}
	for f := 0; f < int(nf); f++ {
		name, err := getString(r)
		if err != nil {
			return nil, err
		}
		m.rows[name] = int32(f)
	}
	q := make([]byte, int(nf)*K)
	if _, err := io.ReadFull(r, q); err != nil {
		return nil, errors.New("weights cut short")
	}
	m.weights = make([]float32, len(q))
	for i, v := range q {
		m.weights[i] = float32(int8(v)) * scale[i%K]
	}
	return m, nil
}

func putUvarint(b *bytes.Buffer, v uint64) {
	var tmp [binary.MaxVarintLen64]byte
	b.Write(tmp[:binary.PutUvarint(tmp[:], v)])
}

func putString(b *bytes.Buffer, s string) {
	putUvarint(b, uint64(len(s)))
	b.WriteString(s)
}

func putFloat(b *bytes.Buffer, v float32) {
	var tmp [4]byte
	binary.LittleEndian.PutUint32(tmp[:], math.Float32bits(v))
	b.Write(tmp[:])
}

func getString(r *bytes.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return "", errors.New("bad string")
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", err
	}
	return string(buf), nil
}

func getFloat(r *bytes.Reader) (float32, error) {
	var tmp [4]byte
	if _, err := io.ReadFull(r, tmp[:]); err != nil {
		return 0, errors.New("cut short")
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(tmp[:])), nil
}
