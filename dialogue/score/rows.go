package score

// addRows adds to acc, for each offset r in rows in turn, the 16 floats
// at embs[r+col:]: sixteen hidden units' sums over a reply's embedding
// rows. Each unit's sum is added in row order, so the result is the same
// to the last bit however many units are added at once. On amd64 it is
// four SSE additions a row (rows_amd64.s); elsewhere, and built with
// -tags purego, addRowsGo.
func addRows(acc *[16]float32, embs []float32, rows []int32, col int) {
	// the assembly reads without bounds checks, so check the rows here:
	// the lowest and highest, in a loop without branches
	lo, hi := int32(0), int32(0)
	for _, r := range rows {
		lo, hi = min(lo, r), max(hi, r)
	}
	if len(rows) > 0 && (lo < 0 || col < 0 || int(hi)+col+16 > len(embs)) {
		panic("score: embedding row out of range")
	}
	addRowsArch(acc, embs, rows, col)
}

// addRowsGo is addRows in Go: eight units at a time, the sums in local
// variables, which the compiler keeps in registers.
func addRowsGo(acc *[16]float32, embs []float32, rows []int32, col int) {
	for j := 0; j < 16; j += 8 {
		s := (*[8]float32)(acc[j:])
		a0, a1, a2, a3, a4, a5, a6, a7 := s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
		for _, r := range rows {
			v := (*[8]float32)(embs[int(r)+col+j:])
			a0 += v[0]
			a1 += v[1]
			a2 += v[2]
			a3 += v[3]
			a4 += v[4]
			a5 += v[5]
			a6 += v[6]
			a7 += v[7]
		}
		*s = [8]float32{a0, a1, a2, a3, a4, a5, a6, a7}
	}
}
