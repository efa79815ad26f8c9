//go:build race

package train

// raceEnabled: the race detector makes a full retrain take over ten
// minutes; .ci/run runs TestModelUpToDate once more without it.
const raceEnabled = true
