package scenarios

// The understanding floors, set a little under the measured figures
// (docs/understanding.md: 97.8% tuning; 96.1% and 95.0% on the two held-apart sets).
const (
	understandFloorTune  = 0.95
	understandFloorFresh = 0.93
)
