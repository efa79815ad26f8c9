package dialogue

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Try that again (issue 14): undo takes back a session's last turn. The
// state before it is found by replaying the session's kept turns from the
// start: Step is pure, so the same scenario, seed and lines give the same
// state, exactly. The replay is checked against the stored state first, so
// a scenario edited since the session began is refused rather than
// rewound to a state that never was.

// ErrRewind is returned (wrapped) by Rewind when the session cannot be
// rewound: there is no turn, or replaying the turns does not give the
// stored state.
var ErrRewind = errors.New("this turn cannot be taken back")

// Rewind returns the state before the last of a session's turns, given its
// state now and the text of every kept turn in order. Hints taken are not
// turns: the count in st is kept.
func Rewind(sc *Scenario, st State, texts []string) (State, error) {
	if len(texts) == 0 || st.Turn == 0 {
		return State{}, fmt.Errorf("%w: no turn has been said yet", ErrRewind)
	}
	if len(texts) != st.Turn {
		return State{}, fmt.Errorf("%w: %d turns stored for a state at turn %d", ErrRewind, len(texts), st.Turn)
	}
	before := NewState(sc, st.Seed, WithDifficulty(st.Difficulty))
	for _, text := range texts[:len(texts)-1] {
		_, before = Step(sc, before, text)
	}
	_, after := Step(sc, before, texts[len(texts)-1])
	after.Hints = st.Hints
	if !sameState(after, st) {
		return State{}, fmt.Errorf("%w: replaying the session does not give its stored state (the scenario has changed since it began)", ErrRewind)
	}
	before.Hints = st.Hints
	return before, nil
}

// sameState compares two states as they are stored (JSON), so an empty
// map and a missing one are the same.
func sameState(a, b State) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
