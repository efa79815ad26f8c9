package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/dialogue/score"
)

func init() {
	register(command{name: "eval", summary: "measure the scorer, or (--dialogue) the characters' understanding, on labelled JSONL files", run: runEval})
}

func runEval(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	scripts := fs.Bool("dialogue", false, "FILEs are labelled interview scripts: play them through the characters and report how often each answered what was asked")
	misses := fs.Bool("misses", false, "with --dialogue: list every line not answered appropriately")
	dir := fs.String("scenarios", "", "with --dialogue: also load scenarios from this folder (default $PIVOT_SCENARIOS)")
	modelFile := fs.String("model", "", "score with this learned-layer file (from go run ./dialogue/score/internal/trainmodel -o FILE) instead of the built-in one")
	summary := fs.Bool("summary", false, "print the figures only, not each line scored wrongly (for a blind set you mean to score without reading its lines)")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: pivot eval [--json] [--summary] [--model FILE] FILE.jsonl")
		fmt.Fprintln(env.stderr, "       pivot eval --dialogue [--misses] [--json] SCRIPT.jsonl...")
		fmt.Fprintln(env.stderr, `Scorer lines: {"text": ..., "role": "survivor"|"perpetrator", "label": "blaming"|"non_blaming", "phase": ...}`)
		fmt.Fprintln(env.stderr, `Script lines, in interview order: {"script": ..., "scenario": "jennifer", "voice": ..., "say": ..., "expect": "<intent or shared move>", "also": "<optional second>"}`)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *scripts {
		return runEvalDialogue(ctx, env, fs.Args(), *dir, *misses, *asJSON)
	}
	if fs.NArg() != 1 {
		return usagef("want exactly one FILE.jsonl, got %d arguments", fs.NArg())
	}
	name := fs.Arg(0)
	data, err := readInput(env, name)
	if err != nil {
		return err
	}
	examples, err := parseLabelled(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	scorer, err := scorerWithModel(*modelFile)
	if err != nil {
		return err
	}
	rep := score.Evaluate(examples, scorer.Score)
	if *asJSON {
		return writeReportJSON(env.stdout, rep, !*summary)
	}
	writeReport(env.stdout, name, rep, !*summary)
	return nil
}

// readInput reads a named file, or standard input for "-".
func readInput(env *environment, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(env.stdin)
	}
	return os.ReadFile(name)
}

// parseLabelled reads a scorer eval file strictly (score.ParseLabelled).
func parseLabelled(data []byte) ([]score.Labelled, error) {
	return score.ParseLabelled(data, false)
}

type jsonEvalError struct {
	Text      string             `json:"text"`
	WantLabel dialogue.Label     `json:"want_label"`
	GotLabel  dialogue.Label     `json:"got_label"`
	WantPhase dialogue.Phase     `json:"want_phase"`
	GotPhase  dialogue.Phase     `json:"got_phase"`
	Findings  []dialogue.Finding `json:"findings"`
}

type jsonReport struct {
	N       int `json:"n"`
	Blaming struct {
		Precision float64 `json:"precision"`
		Recall    float64 `json:"recall"`
		F1        float64 `json:"f1"`
		Kappa     float64 `json:"kappa"`
	} `json:"blaming"`
	Phase struct {
		Accuracy float64                      `json:"accuracy"`
		MacroF1  float64                      `json:"macro_f1"`
		PerPhase map[dialogue.Phase]score.PRF `json:"per_phase"`
	} `json:"phase"`
	Kinds map[dialogue.FindingKind]score.KindRecall `json:"kinds,omitempty"`
	// Errors is left out with --summary (nil), else always a list.
	Errors *[]jsonEvalError `json:"errors,omitempty"`
}

// writeReportJSON writes the report; its errors only when withErrors.
func writeReportJSON(w io.Writer, rep score.Report, withErrors bool) error {
	var j jsonReport
	j.N = rep.N
	j.Blaming.Precision, j.Blaming.Recall, j.Blaming.F1, j.Blaming.Kappa = rep.Blaming.Precision, rep.Blaming.Recall, rep.Blaming.F1, rep.Blaming.Kappa
	j.Phase.Accuracy, j.Phase.MacroF1, j.Phase.PerPhase = rep.Phase.Accuracy, rep.Phase.MacroF1, rep.Phase.PerPhase
	j.Kinds = rep.Kinds
	if withErrors {
		errs := []jsonEvalError{}
		for _, e := range rep.Errors {
			fs := e.Findings
			if fs == nil {
				fs = []dialogue.Finding{}
			}
			errs = append(errs, jsonEvalError{Text: e.Text, WantLabel: e.WantLabel, GotLabel: e.GotLabel, WantPhase: e.WantPhase, GotPhase: e.GotPhase, Findings: fs})
		}
		j.Errors = &errs
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(j)
}

// writeReport prints the report; each wrong line only when withErrors.
func writeReport(w io.Writer, name string, rep score.Report, withErrors bool) {
	b := rep.Blaming
	fmt.Fprintf(w, "%s: %d labelled replies\n\n", name, rep.N)
	fmt.Fprintln(w, "Blaming (positive class: blaming)")
	fmt.Fprintf(w, "  precision %6.3f   recall %6.3f   F1 %6.3f   Cohen's kappa %6.3f\n", b.Precision, b.Recall, b.F1, b.Kappa)
	fmt.Fprintf(w, "  true pos %d   false pos %d   false neg %d   true neg %d\n\n", b.TP, b.FP, b.FN, b.TN)
	fmt.Fprintln(w, "Phase")
	fmt.Fprintf(w, "  accuracy %6.3f   macro F1 %6.3f\n", rep.Phase.Accuracy, rep.Phase.MacroF1)
	fmt.Fprintf(w, "  %-14s %9s %9s %9s\n", "phase", "precision", "recall", "F1")
	for _, p := range dialogue.Phases {
		m := rep.Phase.PerPhase[p]
		fmt.Fprintf(w, "  %-14s %9.3f %9.3f %9.3f\n", p, m.Precision, m.Recall, m.F1)
	}
	if len(rep.Kinds) > 0 {
		fmt.Fprintln(w, "\nBlaming recall by kind")
		for _, k := range []dialogue.FindingKind{dialogue.SurvivorBlame, dialogue.FailureToProtect, dialogue.Mutualizing, dialogue.Collusion, dialogue.AssumptionAsFact} {
			if m, ok := rep.Kinds[k]; ok {
				fmt.Fprintf(w, "  %-20s %3d/%-3d %6.3f\n", k, m.Caught, m.N, m.Recall)
			}
		}
	}
	if !withErrors {
		return
	}
	fmt.Fprintf(w, "\nErrors (%d)\n", len(rep.Errors))
	for _, e := range rep.Errors {
		var what []string
		if e.WantLabel != e.GotLabel {
			what = append(what, fmt.Sprintf("label %s, want %s", e.GotLabel, e.WantLabel))
		}
		if e.WantPhase != e.GotPhase {
			what = append(what, fmt.Sprintf("phase %s, want %s", e.GotPhase, e.WantPhase))
		}
		fmt.Fprintf(w, "  line %d [%s] %s\n    %q\n", e.Line, e.Role, strings.Join(what, "; "), e.Text)
		for _, f := range e.Findings {
			fmt.Fprintf(w, "    - %s: %q\n", f.Kind, f.Words)
		}
	}
}

// scorerWithModel is the built-in scorer, or with file ("" for none) the
// rules with the learned layer in that file (compact or JSON, as the
// generator writes it), so a freshly trained model can be tried without
// a rebuild.
func scorerWithModel(file string) (*score.Scorer, error) {
	if file == "" {
		return score.Default(), nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	m, err := score.ParseModel(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return score.New(score.WithModel(m)), nil
}
