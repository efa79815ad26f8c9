package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pivotcoach/pivot/dialogue"
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
		out := filepath.Join("scenarios", "matchers", strings.TrimSuffix(filepath.Base(f), ".yaml")+".pvm")
		m := sc.TrainMatcherFor()
		blob := sc.MarshalMatcher(m)
		if err := os.WriteFile(out, blob, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s: %d intents, %d features, %d KB → %s\n", sc.ID, len(m.Classes)-1, m.Features(), len(blob)/1024, out)
	}
	return nil
}
