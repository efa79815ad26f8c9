package train

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pivotcoach/pivot/dialogue/score"
)

// DefaultFiles are the labelled lines the shipped learned layer is built
// from, relative to dialogue/score (where go generate runs): the repo's
// own set, the held-out batches folded in after they were measured, the
// batch_* training batches and the training-only hard negatives. The
// shared dev set and the fresh_* measurement sets are left out so they
// stay independent checks.
var DefaultFiles = []string{"testdata/labelled.jsonl", "testdata/heldout_*.jsonl", "testdata/batch_*.jsonl", "testdata/negatives_*.jsonl", "testdata/voices/train_*.jsonl", "testdata/voices/negatives_*.jsonl"}

// negativesFile names training-only hard negatives: skilled, non-blaming
// lines from the tune_* interview scripts, whose phase was never labelled
// (the phase head skips them).
func negativesFile(name string) bool {
	return strings.HasPrefix(filepath.Base(name), "negatives_")
}

// Main is the generator's command line (../trainmodel): it trains on the
// labelled files and writes the model, compact or (-o FILE.json) as
// readable JSON.
func Main(args []string, stdout, stderr io.Writer) error {
	def := DefaultOptions()
	fs := flag.NewFlagSet("trainmodel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "rules/model.bin", "where to write the model (compact; a name ending in .json writes readable JSON)")
	threshold := fs.Float64("threshold", 0, "probability at or above which the booster adds a finding (default: the tuned value)")
	credit := fs.Float64("credit-threshold", 0, "the booster's bar on a reply the rules credited (default: the tuned value)")
	engage := fs.Float64("engage-threshold", 0, "the booster's bar on an engagement move (default: the tuned value)")
	veto := fs.Float64("veto", -1, "booster probability under which a rule's blaming findings are set aside (0: never; default: the tuned value)")
	epochs := fs.Int("epochs", 0, "gradient-descent epochs (default: the tuned value)")
	l2 := fs.Float64("l2", 0, "L2 penalty (default: the tuned value)")
	svo := fs.Bool("svo", def.Features.SVO, "add who-does-what-to-whom features")
	chars := fs.Bool("chars", def.Features.Chars, "add character-trigram features (for typos)")
	skip := fs.Bool("skip", def.Features.Skip, "add skip-bigram features")
	neg := fs.Bool("neg", def.Features.Neg, "add negation-scope features")
	phaseHidden := fs.Int("phase-hidden", def.PhaseHidden, "hidden units in the phase layer (0: none)")
	phaseUnsure := fs.Float64("phase-unsure", def.PhaseUnsure, "the phase layer decides where the linear phase head's likeliest phase is under this probability")
	phaseMargin := fs.Int("phase-margin", def.PhaseMargin, "the phase head decides when the rules' phase vote leads by at most this much (-1: never)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./internal/trainmodel [-o FILE] [--threshold P] [FILE.jsonl|GLOB ...]")
		fmt.Fprintf(stderr, "Run in dialogue/score (go generate does). Default files: %v\n", DefaultFiles)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	examples, nFiles, err := readFiles(fs.Args())
	if err != nil {
		return err
	}
	o := def
	if *threshold != 0 {
		o.Threshold = *threshold
	}
	if *credit != 0 {
		o.CreditThreshold = *credit
	}
	if *engage != 0 {
		o.EngageThreshold = *engage
	}
	if *veto >= 0 {
		o.Veto = *veto
	}
	o.Features.Chars = *chars
	o.Features.Skip = *skip
	o.Features.Neg = *neg
	o.Features.SVO = *svo
	o.PhaseMargin = *phaseMargin
	o.PhaseHidden, o.PhaseUnsure = *phaseHidden, *phaseUnsure
	if *epochs > 0 {
		o.Epochs = *epochs
	}
	if *l2 > 0 {
		o.L2 = *l2
	}
	m, err := Model(score.New(score.WithoutModel()), examples, o)
	if err != nil {
		return err
	}
	var data []byte
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
	fmt.Fprintf(stdout, "trained on %d lines from %d files; %d weights; threshold %.2f; wrote %s\n", len(examples), nFiles, len(m.Weights), m.Threshold, *out)
	return nil
}

// readFiles reads the labelled files the patterns name (DefaultFiles when
// none), in name order within each pattern.
func readFiles(patterns []string) ([]score.Labelled, int, error) {
	if len(patterns) == 0 {
		patterns = DefaultFiles
	}
	var files []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, 0, fmt.Errorf("bad pattern %q: %v", p, err)
		}
		if len(m) == 0 {
			return nil, 0, fmt.Errorf("no file matches %q (run in dialogue/score, as go generate does)", p)
		}
		sort.Strings(m)
		files = append(files, m...)
	}
	var examples []score.Labelled
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, err
		}
		ex, err := score.ParseLabelled(data, negativesFile(f))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f, err)
		}
		examples = append(examples, ex...)
	}
	return examples, len(files), nil
}
