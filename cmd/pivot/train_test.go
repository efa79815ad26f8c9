package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
)

func TestTrainDeterministic(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join("..", "..", "dialogue", "testdata", "heldout_a.jsonl")
	var outs [][]byte
	for i := range 2 {
		env, out, errb := validateEnv(nil)
		file := filepath.Join(dir, "m"+string(rune('0'+i))+".json")
		if code := runMain(context.Background(), env, []string{"train", "-o", file, in}); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errb)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dialogue.ParseModel(data); err != nil {
			t.Fatalf("trained model does not load: %v", err)
		}
		outs = append(outs, data)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two trainings on the same lines wrote different files")
	}
}

func TestTrainFilesLeaveFreshSetsOut(t *testing.T) {
	joined := strings.Join(defaultTrainFiles, " ")
	if !strings.Contains(joined, "batch_") || !strings.Contains(joined, "heldout_") || !strings.Contains(joined, "labelled.jsonl") {
		t.Errorf("default training files %v miss a labelled set", defaultTrainFiles)
	}
	// the fresh_* sets are kept apart for measurement only
	for _, p := range defaultTrainFiles {
		if m, _ := filepath.Match(p, "dialogue/testdata/fresh_w1.jsonl"); m || strings.Contains(p, "fresh") || strings.HasSuffix(p, "/*.jsonl") {
			t.Errorf("default training pattern %q would take in a fresh_* measurement set", p)
		}
	}
}
