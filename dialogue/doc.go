// Package dialogue is Pivot's engine: scenario types, matching, reply
// selection, trust and disclosures. Each reply is marked by a
// score.Scorer (package dialogue/score), which the engine is handed.
//
// Everything here is pure: no I/O, no clock, no platform types. A turn is
// Step(scenario, state, text) → (turn, state'), and the state is a plain
// value that the bot persists between turns.
package dialogue
