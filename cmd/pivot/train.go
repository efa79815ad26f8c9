package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pivotcoach/pivot/dialogue"
)

func init() {
	register(command{name: "train", summary: "rebuild the scorer's learned layer from labelled JSONL files, or (--matchers) the scenarios' intent matchers", run: runTrain})
}

// defaultTrainFiles are the labelled lines the shipped learned layer is
// built from: the repo's own set, the held-out batches folded in after they
// were measured, and the batch_* training batches. The shared dev set and
// the fresh_* measurement sets are left out so they stay independent
// checks.
var defaultTrainFiles = []string{"dialogue/testdata/labelled.jsonl", "dialogue/testdata/heldout_*.jsonl", "dialogue/testdata/batch_*.jsonl", "dialogue/testdata/negatives_*.jsonl"}

// negativesFile names training-only hard negatives: skilled, non-blaming
// lines from the tune_* interview scripts, whose phase was never labelled
// (the phase head skips them).
func negativesFile(name string) bool {
	return strings.HasPrefix(filepath.Base(name), "negatives_")
}

func runTrain(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	out := fs.String("o", "dialogue/rules/model.bin", "where to write the model (compact; a name ending in .json writes readable JSON)")
	threshold := fs.Float64("threshold", 0, "probability at or above which the booster adds a finding (default: the tuned value)")
	epochs := fs.Int("epochs", 0, "gradient-descent epochs (default: the tuned value)")
	l2 := fs.Float64("l2", 0, "L2 penalty (default: the tuned value)")
	svo := fs.Bool("svo", dialogue.DefaultModelOptions().SVO, "add who-does-what-to-whom features")
	chars := fs.Bool("chars", dialogue.DefaultModelOptions().Chars, "add character-trigram features (for typos)")
	matchers := fs.Bool("matchers", false, "instead, train each scenario's intent matcher from scenarios/*.yaml and write scenarios/matchers/ID.pvm")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: pivot train [-o FILE] [--threshold P] [FILE.jsonl|GLOB ...]")
		fmt.Fprintf(env.stderr, "Run from the repository root. Default files: %v\n", defaultTrainFiles)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *matchers {
		return trainMatchers(ctx, env)
	}
	patterns := fs.Args()
	if len(patterns) == 0 {
		patterns = defaultTrainFiles
	}
	var files []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			return usagef("bad pattern %q: %v", p, err)
		}
		if len(m) == 0 {
			return fmt.Errorf("no file matches %q (run from the repository root)", p)
		}
		sort.Strings(m)
		files = append(files, m...)
	}
	var examples []dialogue.Labelled
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		ex, err := parseLabelledOpts(data, negativesFile(f))
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		examples = append(examples, ex...)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	o := dialogue.DefaultModelOptions()
	if *threshold != 0 {
		o.Threshold = *threshold
	}
	o.Chars = *chars
	o.SVO = *svo
	if *epochs > 0 {
		o.Epochs = *epochs
	}
	if *l2 > 0 {
		o.L2 = *l2
	}
	m := dialogue.TrainModel(examples, o)
	var data []byte
	var err error
	if strings.HasSuffix(*out, ".json") {
		data, err = m.Marshal()
	} else {
		data, err = m.MarshalBinary()
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "trained on %d lines from %d files; %d weights; threshold %.2f; wrote %s\n", len(examples), len(files), len(m.Weights), m.Threshold, *out)
	return nil
}
