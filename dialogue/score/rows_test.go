package score

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAddRowsMatchesGo: the assembly's sums are the Go loop's to the bit,
// on rows of every length up to 40, at every column offset, with values
// whose sums round (so an addition out of order would show).
func TestAddRowsMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const stride = 32
	embs := make([]float32, 64*stride)
	for i := range embs {
		embs[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
	}
	for n := 0; n <= 40; n++ {
		rows := make([]int32, n)
		for i := range rows {
			rows[i] = int32(rng.IntN(64) * stride)
		}
		for col := 0; col+16 <= stride; col += 4 {
			var got, want [16]float32
			for j := range got {
				got[j] = float32(j) / 7
				want[j] = got[j]
			}
			addRows(&got, embs, rows, col)
			addRowsGo(&want, embs, rows, col)
			for j := range got {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("%d rows, column %d, unit %d: %v, want %v", n, col, j, got[j], want[j])
				}
			}
		}
	}
}

// TestAddRowsRefusesARowOutOfRange: a row past the table's end panics
// rather than reading memory that is not the table's.
func TestAddRowsRefusesARowOutOfRange(t *testing.T) {
	embs := make([]float32, 64)
	for _, rows := range [][]int32{{0, 49}, {-1}, {48, 0, 60}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("rows %v of a 64-float table: no panic", rows)
				}
			}()
			var acc [16]float32
			addRows(&acc, embs, rows, 0)
		}()
	}
	var acc [16]float32
	addRows(&acc, embs, []int32{48, 0}, 0) // the last full row: fine
}
