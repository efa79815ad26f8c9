package scenarios

// The understanding floors, set a little under the measured figures.
const (
	understandFloorTune  = 0.90
	understandFloorFresh = 0.85
)
