package score

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestFeatureHashesAreTheirNames checks the learned layer reads what it
// was trained on: the scoring path hashes each feature part by part
// without building its name, the model's table is keyed by the hash of
// the name (featHash), and the two paths must hand out the same features
// in the same order (the sums depend on it to the last bit). A
// difference would silently drop every feature it touched. It compares
// them feature by feature over the labelled lines in both roles, with
// every feature family on.
func TestFeatureHashesAreTheirNames(t *testing.T) {
	files, _ := filepath.Glob("testdata/heldout_*.jsonl")
	files = append(files, ownPath)
	rs, _ := New(WithoutModel()).ready()
	all := featureSetOf([6]bool{true, true, true, true, true, true})
	features := 0
	for _, path := range files {
		for _, e := range readLabelled(t, path) {
			for _, role := range []Role{Survivor, Perpetrator} {
				_, sc := rs.assess(role, e.Text)
				var named []uint64
				eachFeature(role, sc, all, true, func(f feature) {
					if h := featHash(f.name); h != f.hash {
						t.Fatalf("%q in %q: hashed %x from its pieces, %x from its name", f.name, e.Text, f.hash, h)
					}
					named = append(named, f.hash)
				})
				if fast := appendFeatureHashes(nil, role, sc, all); !slices.Equal(fast, named) {
					t.Fatalf("%q: the scoring path's hashes differ from the named features'", e.Text)
				}
				features += len(named)
				rs.release(sc)
			}
		}
	}
	if features == 0 {
		t.Fatal("no features checked")
	}
}
