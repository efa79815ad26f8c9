package bot

import (
	"fmt"
	"strings"

	"github.com/pivotcoach/pivot/dialogue"
)

// Meter is the trust meter shown after a character's reply: where trust
// stands on the scenario's scale and each move on the turn with its cause
// (rapport you can see, issue 14).
type Meter struct {
	Trust, Min, Max int
	// Changes are the moves of trust on the turn, with their causes.
	Changes []dialogue.TrustChange
}

// MeterCells is how many cells the meter has.
const MeterCells = 10

// meterOf is the meter after turn t of a session of sc (nil t: trust as
// it stands, with no move).
func meterOf(sc *dialogue.Scenario, trust int, t *dialogue.Turn) *Meter {
	m := &Meter{Trust: trust, Min: sc.Trust.Min, Max: sc.Trust.Max}
	if t != nil {
		m.Changes = t.TrustChanges
	}
	return m
}

// Filled is how many of the meter's cells are filled.
func (m Meter) Filled() int {
	span := m.Max - m.Min
	if span <= 0 {
		return 0
	}
	n := ((m.Trust-m.Min)*MeterCells + span/2) / span
	return max(0, min(MeterCells, n))
}

// Delta is the net move of trust on the turn.
func (m Meter) Delta() int {
	d := 0
	for _, c := range m.Changes {
		d += c.Delta
	}
	return d
}

// Bar is the meter's cells: ▮ filled, ▯ empty.
func (m Meter) Bar() string {
	f := m.Filled()
	return strings.Repeat("▮", f) + strings.Repeat("▯", MeterCells-f)
}

// Causes lists each move with its cause: "+4: asked about his behaviour".
func (m Meter) Causes() string {
	parts := make([]string, len(m.Changes))
	for i, c := range m.Changes {
		parts[i] = fmt.Sprintf("%s: %s", signed(c.Delta), c.Cause)
	}
	return strings.Join(parts, "; ")
}

// Text is the meter as plain text:
// "trust ▮▮▮▮▮▯▯▯▯▯ 52 (+4: asked about his behaviour)".
func (m Meter) Text() string {
	s := fmt.Sprintf("trust %s %d", m.Bar(), m.Trust)
	if len(m.Changes) > 0 {
		s += " (" + m.Causes() + ")"
	}
	return s
}
