package score

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Labelled is one hand-labelled trainee reply (practice-model.md, "The
// held-out evaluation format").
type Labelled struct {
	Text  string `json:"text"`
	Role  Role   `json:"role"`
	Label Label  `json:"label"`
	Phase Phase  `json:"phase"`
	// Kind is the blaming kind the line was written for, when known.
	Kind FindingKind `json:"kind,omitempty"`
	// Line is where the example came from (1-based), for error reports.
	Line int `json:"-"`
}

// PRF is precision, recall and F1 for one class.
type PRF struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// BlamingMetrics scores the headline label with blaming as the positive
// class; Kappa is Cohen's kappa between the scorer and the labels.
type BlamingMetrics struct {
	PRF
	Kappa float64 `json:"kappa"`
	TP    int     `json:"tp"`
	FP    int     `json:"fp"`
	FN    int     `json:"fn"`
	TN    int     `json:"tn"`
}

// PhaseMetrics scores the phase tag.
type PhaseMetrics struct {
	Accuracy float64       `json:"accuracy"`
	MacroF1  float64       `json:"macro_f1"`
	PerPhase map[Phase]PRF `json:"per_phase"`
}

// EvalError is one example the scorer got wrong (label or phase).
type EvalError struct {
	Line      int       `json:"line"`
	Text      string    `json:"text"`
	Role      Role      `json:"role"`
	WantLabel Label     `json:"want_label"`
	GotLabel  Label     `json:"got_label"`
	WantPhase Phase     `json:"want_phase"`
	GotPhase  Phase     `json:"got_phase"`
	Findings  []Finding `json:"findings"`
}

// Report is the result of Evaluate.
type Report struct {
	N       int            `json:"n"`
	Blaming BlamingMetrics `json:"blaming"`
	Phase   PhaseMetrics   `json:"phase"`
	// Kinds is the blaming recall per finding kind, over the lines that
	// name the kind they were written for (empty when none do).
	Kinds  map[FindingKind]KindRecall `json:"kinds,omitempty"`
	Errors []EvalError                `json:"errors"`
}

// KindRecall counts the blaming lines written for one kind and how many
// of them the scorer labelled blaming (under any kind).
type KindRecall struct {
	N      int     `json:"n"`
	Caught int     `json:"caught"`
	Recall float64 `json:"recall"`
}

// Evaluate scores every example with score (normally Score) and computes
// the metrics. It is pure: parsing files is the caller's job.
func Evaluate(examples []Labelled, score func(Role, string) Assessment) Report {
	r := Report{N: len(examples), Errors: []EvalError{}}
	var tp, fp, fn, tn int
	type counts struct{ tp, fp, fn int }
	per := map[Phase]*counts{}
	for _, p := range Phases {
		per[p] = &counts{}
	}
	correctPhase := 0
	for _, ex := range examples {
		a := score(ex.Role, ex.Text)
		want, got := ex.Label == Blaming, a.Label == Blaming
		if want && ex.Kind != "" {
			if r.Kinds == nil {
				r.Kinds = map[FindingKind]KindRecall{}
			}
			k := r.Kinds[ex.Kind]
			k.N++
			if got {
				k.Caught++
			}
			k.Recall = round4(float64(k.Caught) / float64(k.N))
			r.Kinds[ex.Kind] = k
		}
		switch {
		case want && got:
			tp++
		case !want && got:
			fp++
		case want && !got:
			fn++
		default:
			tn++
		}
		if a.Phase == ex.Phase {
			correctPhase++
			if c := per[ex.Phase]; c != nil {
				c.tp++
			}
		} else {
			if c := per[a.Phase]; c != nil {
				c.fp++
			}
			if c := per[ex.Phase]; c != nil {
				c.fn++
			}
		}
		if want != got || a.Phase != ex.Phase {
			r.Errors = append(r.Errors, EvalError{Line: ex.Line, Text: ex.Text, Role: ex.Role,
				WantLabel: ex.Label, GotLabel: a.Label, WantPhase: ex.Phase, GotPhase: a.Phase, Findings: a.Findings})
		}
	}
	b := &r.Blaming
	b.TP, b.FP, b.FN, b.TN = tp, fp, fn, tn
	b.PRF = prf(tp, fp, fn)
	b.Kappa = kappa(tp, fp, fn, tn)
	r.Phase.PerPhase = map[Phase]PRF{}
	sum := 0.0
	for _, p := range Phases {
		c := per[p]
		m := prf(c.tp, c.fp, c.fn)
		r.Phase.PerPhase[p] = m
		sum += m.F1
	}
	if len(examples) > 0 {
		r.Phase.Accuracy = round4(float64(correctPhase) / float64(len(examples)))
	}
	r.Phase.MacroF1 = round4(sum / float64(len(Phases)))
	return r
}

func prf(tp, fp, fn int) PRF {
	var m PRF
	if tp+fp > 0 {
		m.Precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		m.Recall = float64(tp) / float64(tp+fn)
	}
	if m.Precision+m.Recall > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	}
	m.Precision, m.Recall, m.F1 = round4(m.Precision), round4(m.Recall), round4(m.F1)
	return m
}

// kappa is Cohen's kappa for two raters on a binary label.
func kappa(tp, fp, fn, tn int) float64 {
	n := float64(tp + fp + fn + tn)
	if n == 0 {
		return 0
	}
	po := float64(tp+tn) / n
	pYes := (float64(tp+fp) / n) * (float64(tp+fn) / n)
	pNo := (float64(fn+tn) / n) * (float64(fp+tn) / n)
	pe := pYes + pNo
	if pe == 1 {
		if po == 1 {
			return 1
		}
		return 0
	}
	return round4((po - pe) / (1 - pe))
}

func round4(x float64) float64 { return math.Round(x*10000) / 10000 }

// ParseLabelled reads labelled replies as JSON Lines strictly: every
// non-blank line must be an object with a non-empty text and a valid role,
// label and phase, and no other fields. The first bad line fails the whole
// file, by line number. With noPhase a line may leave "phase" out
// (training-only hard negatives whose phase was never labelled: the phase
// head skips them).
func ParseLabelled(data []byte, noPhase bool) ([]Labelled, error) {
	var out []Labelled
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var ex struct {
			Text  *string `json:"text"`
			Role  string  `json:"role"`
			Label string  `json:"label"`
			Phase string  `json:"phase"`
			// Kind is the blaming finding kind a blaming line was
			// written for (optional; fresh sets carry it so that recall
			// can be read per kind).
			Kind string `json:"kind"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ex); err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("line %d: more than one JSON value", line)
		}
		switch {
		case ex.Text == nil || strings.TrimSpace(*ex.Text) == "":
			return nil, fmt.Errorf("line %d: missing or empty \"text\"", line)
		case !Role(ex.Role).Valid():
			return nil, fmt.Errorf("line %d: \"role\" must be survivor or perpetrator, not %q", line, ex.Role)
		case Label(ex.Label) != Blaming && Label(ex.Label) != NonBlaming:
			return nil, fmt.Errorf("line %d: \"label\" must be blaming or non_blaming, not %q", line, ex.Label)
		case !Phase(ex.Phase).Valid() && !(noPhase && ex.Phase == ""):
			return nil, fmt.Errorf("line %d: \"phase\" must be engagement, worries, working_well or next_steps, not %q", line, ex.Phase)
		}
		if ex.Kind != "" && (!FindingKind(ex.Kind).Blaming() || Label(ex.Label) != Blaming) {
			return nil, fmt.Errorf("line %d: \"kind\" %q: only a blaming line names a kind, and it must be a blaming kind", line, ex.Kind)
		}
		out = append(out, Labelled{Text: *ex.Text, Role: Role(ex.Role), Label: Label(ex.Label), Phase: Phase(ex.Phase), Kind: FindingKind(ex.Kind), Line: line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v", line+1, err)
	}
	if len(out) == 0 {
		return nil, errors.New("no labelled lines")
	}
	return out, nil
}
