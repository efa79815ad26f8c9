//go:build !purego

package score

// addRowsArch is addRows in SSE (rows_amd64.s), which every amd64
// processor has; addRows has checked the rows.
func addRowsArch(acc *[16]float32, embs []float32, rows []int32, col int) {
	if len(rows) == 0 {
		return
	}
	addRowsSSE(acc, &embs[col], rows)
}

// addRowsSSE adds to acc the 16 floats at base+r (in floats) for each r
// in rows.
//
//go:noescape
func addRowsSSE(acc *[16]float32, base *float32, rows []int32)
