package train

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue/score"
)

// The generator writes the same file twice from the same lines, and the
// file loads.
func TestTrainDeterministic(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join("..", "..", "testdata", "heldout_a.jsonl")
	var outs [][]byte
	for i := range 2 {
		file := filepath.Join(dir, "m"+string(rune('0'+i))+".json")
		var out, errb bytes.Buffer
		if err := Main([]string{"-o", file, in}, &out, &errb); err != nil {
			t.Fatalf("%v\n%s%s", err, out.String(), errb.String())
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := score.ParseModel(data); err != nil {
			t.Fatalf("trained model does not load: %v", err)
		}
		outs = append(outs, data)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two trainings on the same lines wrote different files")
	}
}

func TestTrainFilesLeaveFreshSetsOut(t *testing.T) {
	joined := strings.Join(DefaultFiles, " ")
	if !strings.Contains(joined, "batch_") || !strings.Contains(joined, "heldout_") || !strings.Contains(joined, "labelled.jsonl") {
		t.Errorf("default training files %v miss a labelled set", DefaultFiles)
	}
	// the fresh_* sets are kept apart for measurement only
	for _, p := range DefaultFiles {
		if m, _ := filepath.Match(p, "testdata/fresh_w1.jsonl"); m || strings.Contains(p, "fresh") || strings.HasSuffix(p, "/*.jsonl") {
			t.Errorf("default training pattern %q would take in a fresh_* measurement set", p)
		}
	}
}

// A file that names no labelled lines, or a bad line, is a clear error.
func TestTrainBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"text":"Why didn't you leave?","role":"survivor","label":"maybe","phase":"worries"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err := Main([]string{"-o", filepath.Join(dir, "m.bin"), bad}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "bad.jsonl") || !strings.Contains(err.Error(), "label") {
		t.Errorf("bad label: %v", err)
	}
	err = Main([]string{"-o", filepath.Join(dir, "m.bin"), filepath.Join(dir, "none_*.jsonl")}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Errorf("no files: %v", err)
	}
}
