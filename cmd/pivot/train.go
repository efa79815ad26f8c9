package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(command{name: "train", summary: "retrain the scenarios' intent matchers (--matchers); the scorer's model is rebuilt with go generate ./dialogue/score", run: runTrain})
}

// runTrain trains the scenarios' intent matchers. The scorer's learned
// layer is not trained here: its generator is a build-time tool
// (go generate ./dialogue/score, docs/scoring.md), kept out of the
// shipped binary.
func runTrain(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	matchers := fs.Bool("matchers", false, "train each scenario's intent matcher from scenarios/*.yaml and write scenarios/matchers/ID.pvm")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: pivot train --matchers")
		fmt.Fprintln(env.stderr, "Run from the repository root. The scorer's model is rebuilt with: go generate ./dialogue/score")
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if !*matchers || fs.NArg() > 0 {
		return usagef("pivot train only trains the scenarios' matchers (pivot train --matchers); the scorer's model is rebuilt from the labelled files with: go generate ./dialogue/score")
	}
	return trainMatchers(ctx, env)
}
