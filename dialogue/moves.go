package dialogue

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/pivotcoach/pivot/dialogue/score"
	"gopkg.in/yaml.v3"
)

// Move is an interview move shared by every scenario: greeting,
// introducing yourself, checking it is safe to talk, thanks, closing. Most
// of what a worker says is not specific to one family, so these live in one
// library with many example wordings, and a scenario only writes the
// character's replies (an intent with move: id).
type Move struct {
	ID    string `yaml:"id"`
	Topic string `yaml:"topic"`
	Phase Phase  `yaml:"phase"`
	// Patterns are optional precise patterns, in the scenario pattern
	// language; they may use only the library's own concepts.
	Patterns []string `yaml:"patterns"`
	// Examples are wordings trainees use; the learned matcher trains on them.
	Examples []string `yaml:"examples"`
}

// MoveFollowUp is the move that asks for more about the topic just
// discussed ("and then?"); the engine answers it from the previous topic.
const MoveFollowUp = "follow_up"

// Moves is the shared library of interview moves, plus the example lines
// the matcher learns "none of these" from and the short answers to a
// clarifying question.
type Moves struct {
	Moves []Move `yaml:"moves"`
	// Unrelated lines are none of the moves and no family topic: the
	// matcher learns from them when not to answer.
	Unrelated []string `yaml:"unrelated"`
	// Acknowledge lines say "ok" and ask nothing.
	Acknowledge []string `yaml:"acknowledge"`
	// Affirm and Deny answer "the money, you mean?".
	Affirm []string `yaml:"affirm"`
	Deny   []string `yaml:"deny"`

	Source string      `yaml:"-"`
	Pos    PositionMap `yaml:"-"`
}

// Move returns the move with the given id.
func (m *Moves) Move(id string) (*Move, bool) {
	if m == nil {
		return nil, false
	}
	for i := range m.Moves {
		if m.Moves[i].ID == id {
			return &m.Moves[i], true
		}
	}
	return nil, false
}

// LoadMoves decodes and checks the shared moves library. Decoding is
// strict, as for scenarios.
func LoadMoves(data []byte, source string) (*Moves, error) {
	var m Moves
	var probs []Problem
	add := func(pos Position, code, format string, a ...any) {
		probs = append(probs, Problem{Source: source, Pos: pos, Code: code, Msg: fmt.Sprintf(format, a...)})
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		add(yamlErrPos(err.Error()), CodeSyntax, "%s", yamlErrMsg(err.Error()))
		return nil, &ScenarioError{probs}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, e := range te.Errors {
				add(yamlErrPos(e), CodeWrongType, "%s", friendlyYAML(e))
			}
		} else {
			add(yamlErrPos(err.Error()), CodeSyntax, "%s", yamlErrMsg(err.Error()))
		}
		return nil, &ScenarioError{probs}
	}
	m.Source = source
	m.Pos = positions(&root)
	seen := map[string]bool{}
	for i, mv := range m.Moves {
		pos := m.Pos.At("moves." + strconv.Itoa(i))
		switch {
		case mv.ID == "":
			add(pos, CodeMissing, "a move needs an id")
		case seen[mv.ID]:
			add(pos, CodeDuplicateID, "move %q is declared twice", mv.ID)
		}
		seen[mv.ID] = true
		if !mv.Phase.Valid() {
			add(pos, CodeBadValue, "move %q has phase %q; phases are engagement, worries, working_well, next_steps", mv.ID, mv.Phase)
		}
		if len(mv.Examples) == 0 {
			add(pos, CodeMissing, "move %q needs examples: the matcher learns the move from them", mv.ID)
		}
		for _, src := range mv.Patterns {
			p, err := CompilePattern(src, nil)
			if err == nil {
				err = patternCost(p)
			}
			if err != nil {
				add(pos, CodeBadPattern, "move %q: %v", mv.ID, err)
			}
		}
	}
	if len(probs) > 0 {
		sortProblems(probs)
		return nil, &ScenarioError{probs}
	}
	return &m, nil
}

// LoadOption changes how a scenario is loaded.
type LoadOption func(*loadConfig)

type loadConfig struct {
	moves  *Moves
	scorer *score.Scorer
}

// WithScorer hands the scenario the scorer that marks trainee replies in
// it; without it the scenario uses score.Default().
func WithScorer(s *score.Scorer) LoadOption {
	return func(c *loadConfig) { c.scorer = s }
}

// WithMoves links the scenario's move: references to the shared library.
// Without it, an intent that names a move is an error.
func WithMoves(m *Moves) LoadOption {
	return func(c *loadConfig) { c.moves = m }
}

// linkMoves fills each intent that names a shared move with the move's
// topic, phase and patterns where the intent leaves them out. Examples are
// not copied: the matcher reads them from the library, so the scenario
// file stays the author's own words.
func linkMoves(sc *Scenario, lib *Moves) []Problem {
	var probs []Problem
	for i := range sc.Intents {
		in := &sc.Intents[i]
		if in.Move == "" {
			continue
		}
		mv, ok := lib.Move(in.Move)
		if !ok {
			probs = append(probs, Problem{Source: sc.Source, Pos: sc.Pos.At("intents." + strconv.Itoa(i)), Code: CodeUnknownRef,
				Msg: fmt.Sprintf("intent %q names move %q, which is not in the shared moves library (scenarios/shared/moves.yaml)", in.ID, in.Move)})
			continue
		}
		if in.Topic == "" {
			in.Topic = mv.Topic
		}
		if in.Phase == "" {
			in.Phase = mv.Phase
		}
		in.Patterns = append(append([]string(nil), in.Patterns...), mv.Patterns...)
	}
	sc.moves = lib
	return probs
}
