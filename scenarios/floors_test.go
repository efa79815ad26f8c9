package scenarios

// The understanding floors, set a little under the measured figures
// (docs/understanding.md: 97.8% tuning, 95.5% held apart).
const (
	understandFloorTune  = 0.95
	understandFloorFresh = 0.93
)
