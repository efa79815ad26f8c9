package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

// trainMatchers trains the intent matcher of every scenario in the source
// tree's scenarios/ folder and writes it beside them as
// scenarios/matchers/ID.pvm, which the binary embeds. Run from the
// repository root after changing a scenario's examples or the shared
// moves; a test fails while any stored matcher is stale.
func trainMatchers(ctx context.Context, env *environment) error {
	movesData, err := os.ReadFile(filepath.Join("scenarios", "shared", "moves.yaml"))
	if err != nil {
		return fmt.Errorf("%w (run pivot train --matchers from the repository root)", err)
	}
	moves, err := dialogue.LoadMoves(movesData, "scenarios/shared/moves.yaml")
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join("scenarios", "*.yaml"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no scenarios/*.yaml here (run pivot train --matchers from the repository root)")
	}
	if err := os.MkdirAll(filepath.Join("scenarios", "matchers"), 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		sc, err := dialogue.LoadScenario(data, f, dialogue.WithMoves(moves))
		if err != nil {
			return err
		}
		id := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if extra, err := os.ReadFile(filepath.Join("scenarios", "training", id+".jsonl")); err == nil {
			lines, err := scenarios.ParseTraining(extra)
			if err != nil {
				return fmt.Errorf("scenarios/training/%s.jsonl: %w", id, err)
			}
			if probs := sc.AddTraining(lines); len(probs) > 0 {
				return &dialogue.ScenarioError{Problems: probs}
			}
		}
		out := filepath.Join("scenarios", "matchers", id+".pvm")
		m := sc.TrainMatcherFor()
		blob := sc.MarshalMatcher(m)
		if err := os.WriteFile(out, blob, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s: %d intents, %d features, %d KB → %s\n", sc.ID, len(m.Classes)-1, m.Features(), len(blob)/1024, out)
	}
	return nil
}
