package scenarios

// The understanding floors, set a little under the measured figures
// (docs/understanding.md: 95.2% tuning, 93.6% held apart).
const (
	understandFloorTune  = 0.93
	understandFloorFresh = 0.91
)
