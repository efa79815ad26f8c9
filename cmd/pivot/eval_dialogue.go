package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/pivotcoach/pivot/dialogue"
)

// runEvalDialogue plays labelled interview scripts through the real engine
// and scenarios and reports, per scenario and per voice, how often the
// character answered what was asked.
func runEvalDialogue(ctx context.Context, env *environment, files []string, dir string, misses, asJSON bool) error {
	if len(files) == 0 {
		return usagef("want at least one SCRIPT.jsonl")
	}
	lib, err := loadLibrary(env, dir)
	if err != nil {
		return err
	}
	var lines []dialogue.ScriptLine
	for _, name := range files {
		data, err := readInput(env, name)
		if err != nil {
			return err
		}
		got, err := dialogue.ParseScripts(data, func(id string) (map[string]bool, bool) {
			sc, err := lib.Get(id)
			if err != nil {
				return nil, false
			}
			return sc.KnownLabels(), true
		})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		lines = append(lines, got...)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rep := dialogue.EvaluateUnderstanding(lines, func(id string) (*dialogue.Scenario, bool) {
		sc, err := lib.Get(id)
		return sc, err == nil
	})
	if !misses {
		rep.Misses = nil
	}
	if asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	writeUnderstanding(env.stdout, rep)
	return nil
}

func writeUnderstanding(w io.Writer, rep dialogue.UnderstandingReport) {
	row := func(name string, u dialogue.Understanding) {
		fmt.Fprintf(w, "  %-18s %5d %7.1f%% %9.1f%% %8.1f%% %8.1f%% %9.1f%% %7d\n", name, u.Lines,
			100*u.Rate(u.Appropriate), 100*u.Rate(u.Clarified), 100*u.Rate(u.Fallbacks), 100*u.Rate(u.Reactions), 100*u.Rate(u.WrongTopic), u.Repeats)
	}
	header := func(what string) {
		fmt.Fprintf(w, "  %-18s %5s %8s %10s %9s %9s %10s %7s\n", what, "lines", "answered", "clarified", "fallback", "reaction", "wrong", "repeats")
	}
	fmt.Fprintln(w, "Understanding: did the character answer what was asked?")
	header("scenario")
	for _, id := range sortedNames(rep.ByScenario) {
		row(id, rep.ByScenario[id])
	}
	row("all", rep.Overall)
	fmt.Fprintln(w)
	header("voice")
	for _, v := range sortedNames(rep.ByVoice) {
		row(v, rep.ByVoice[v])
	}
	if len(rep.Misses) > 0 {
		fmt.Fprintf(w, "\nNot answered appropriately (%d)\n", len(rep.Misses))
		for _, m := range rep.Misses {
			got := m.Intent
			if got == "" {
				got = "-"
			}
			want := m.Expect
			if m.Also != "" {
				want += "|" + m.Also
			}
			fmt.Fprintf(w, "  line %d %s [%s] %s: want %s, got %s\n    %q\n    → %q\n", m.Line, m.Scenario, m.Voice, m.Outcome, want, got, m.Say, m.Reply)
		}
	}
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
