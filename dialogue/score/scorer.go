package score

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"sync"

	"github.com/pivotcoach/pivot/dialogue/text"
)

// The shipped rules and learned layer. The model is rebuilt from the
// labelled files by the generator (docs/scoring.md):
//
//go:generate go run ./internal/trainmodel -o rules/model.bin
//go:embed rules/*.yaml rules/model.bin
var shipped embed.FS

// Scorer marks trainee replies with a rule set and, optionally, a learned
// layer. Build one with New; the zero value is not usable. The rules are
// compiled and the model loaded once, on first use, so that a command that
// never scores a reply (pivot scenarios, the bot's start-up) pays nothing
// for them. A Scorer is safe for concurrent use.
type Scorer struct {
	rulesFS  fs.FS
	model    *Model // a learned layer handed over ready-made
	modelSet bool   // WithModel or WithoutModel was given: no shipped model

	once  sync.Once
	rules *ruleSet
	learn *Model
	err   error
}

// Option configures a Scorer.
type Option func(*Scorer)

// WithModel scores with m as the learned layer in place of the shipped
// one, so a freshly trained model can be measured without a rebuild
// (pivot eval --model). A nil m means rules only.
func WithModel(m *Model) Option {
	return func(s *Scorer) { s.model, s.modelSet = m, true }
}

// WithoutModel scores with the rules alone.
func WithoutModel() Option { return WithModel(nil) }

// WithRules compiles the rules from the *.yaml files in the rules folder
// of fsys (rules/*.yaml) instead of the shipped ones.
func WithRules(fsys fs.FS) Option {
	return func(s *Scorer) { s.rulesFS = fsys }
}

// New returns a Scorer; with no options it is the shipped rules and model.
// Nothing is compiled until the first reply is scored (or Ready is
// called).
func New(opts ...Option) *Scorer {
	s := &Scorer{rulesFS: shipped}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Default is the shipped Scorer, built on first call and shared.
var Default = sync.OnceValue(func() *Scorer { return New() })

// Ready compiles the rules and loads the model if that has not happened
// yet, and reports what went wrong if they are broken.
func (s *Scorer) Ready() error {
	s.once.Do(s.load)
	return s.err
}

func (s *Scorer) load() {
	rs, err := loadRules(s.rulesFS)
	if err != nil {
		s.err = fmt.Errorf("scoring rules: %w", err)
		return
	}
	s.rules = rs
	s.learn = s.model
	if !s.modelSet {
		data, err := fs.ReadFile(shipped, "rules/model.bin")
		if err != nil {
			s.err = err
			return
		}
		m, err := ParseModel(data)
		if err != nil {
			s.err = fmt.Errorf("rules/model.bin: %w", err)
			return
		}
		s.learn = m
	}
}

// ready returns the compiled rules and model. Broken shipped rules are a
// programming error: they panic on the first reply, so every scoring test
// fails loudly.
func (s *Scorer) ready() (*ruleSet, *Model) {
	if err := s.Ready(); err != nil {
		panic("score: " + err.Error())
	}
	return s.rules, s.learn
}

// Model is the learned layer the Scorer uses (nil: rules only).
func (s *Scorer) Model() *Model {
	_, m := s.ready()
	return m
}

// Score assesses one trainee reply spoken to someone in role (an unknown
// role is read as survivor).
//
// The label is blaming when any blaming finding survives; credit findings
// are kept only on non-blaming replies (a reply that credits and then blames
// is still a blaming reply). The phase is the move the reply makes, by
// weighted cues; the question type follows forensic-interview coding.
//
// The learned layer (model.go) may then settle a weak or tied phase vote
// and, when no rule finds anything blaming, add one blaming finding.
func (s *Scorer) Score(role Role, reply string) Assessment {
	rules, m := s.ready()
	clean, _ := text.Clean(reply)
	if !role.Valid() {
		role = Survivor
	}
	a, sc := rules.assess(role, clean)
	m.apply(&a, sc)
	rules.release(sc)
	return a
}

// ScoreCase is Score with rewrites that speak to the case: to the role in
// front of the trainee, with the case's names, and (for a survivor who has
// separated) not about whether she might leave. The label, phase and
// findings are Score's; only rewrites change.
func (s *Scorer) ScoreCase(role Role, facts CaseFacts, reply string) Assessment {
	a := s.Score(role, reply)
	for i := range a.Findings {
		if k := a.Findings[i].Kind; a.Findings[i].Rewrite != "" && (k.Blaming() || k == Hostile) {
			a.Findings[i].Rewrite = facts.personalise(s.rules, role, a.Findings[i].Rewrite)
		}
	}
	return a
}

// ScoreRules is Score without the learned layer: what the rules alone
// make of the reply.
func (s *Scorer) ScoreRules(role Role, reply string) Assessment {
	rules, _ := s.ready()
	clean, _ := text.Clean(reply)
	if !role.Valid() {
		role = Survivor
	}
	a, sc := rules.assess(role, clean)
	rules.release(sc)
	return a
}

// Features calls emit with the name of every feature the learned layer
// reads from a reply, for the families in set (the bytes are only valid
// during the call), and returns the blaming kinds the rules found in it.
// The generator (internal/train) fits the model on these.
func (s *Scorer) Features(role Role, reply string, set FeatureSet, emit func(name []byte)) []FindingKind {
	rules, _ := s.ready()
	clean, _ := text.Clean(reply)
	if !role.Valid() {
		role = Survivor
	}
	_, sc := rules.assess(role, clean)
	eachFeature(role, sc, set, true, func(f feature) { emit(f.name) })
	var kinds []FindingKind
	for _, f := range sc.findings {
		if f.Kind.Blaming() {
			kinds = append(kinds, f.Kind)
		}
	}
	rules.release(sc)
	return kinds
}

// Inspection is what the rules and each learned head make of one reply,
// before the learned layer's gates decide (for tuning the gates).
type Inspection struct {
	// Rules is the rules-only assessment.
	Rules Assessment
	// Margin is the rules' winning phase vote's lead over the runner-up.
	Margin int
	// Prob is the booster's probability that the reply is blaming.
	Prob float64
	// Phase and Kind are the phase and kind heads' picks; PhaseByLayer
	// says the phase layer picked the phase, the linear phase head being
	// unsure.
	Phase        Phase
	Kind         FindingKind
	PhaseByLayer bool
	// Bar is the probability the booster must reach on this reply to add
	// a finding, after the gates for credit, engagement, shaming and
	// set-aside words (+Inf: it never adds one; 0 when the rules blamed).
	Bar float64
}

// Inspect scores a reply with the rules and runs every head of the
// Scorer's learned layer over it without applying any gate. With no
// learned layer only Rules and Margin are set.
func (s *Scorer) Inspect(role Role, reply string) Inspection {
	rules, m := s.ready()
	clean, _ := text.Clean(reply)
	if !role.Valid() {
		role = Survivor
	}
	a, sc := rules.assess(role, clean)
	defer rules.release(sc)
	in := Inspection{Rules: a}
	_, in.Margin = sc.voteMargin()
	if m == nil {
		return in
	}
	h := m.sums(role, sc, true, true)
	in.Prob = sigmoid(h.blame)
	in.Phase, in.PhaseByLayer = Phases[argmax(h.phase[:])], h.phaseByLayer
	in.Kind = blamingKinds[argmax(h.kind[:])]
	if a.Label != Blaming {
		gated := a
		if m.decidesPhase(in.Margin) {
			gated.Phase = in.Phase
		}
		in.Bar = m.threshold(&gated, sc)
		if !mentionsSomeone(sc) {
			in.Bar = math.Inf(1)
		}
	}
	return in
}
