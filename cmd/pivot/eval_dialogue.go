package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

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
		var data []byte
		if name == "-" {
			data, err = io.ReadAll(env.stdin)
		} else {
			data, err = os.ReadFile(name)
		}
		if err != nil {
			return err
		}
		got, err := parseScripts(data, func(id string) (map[string]bool, bool) {
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

// parseScripts reads labelled interview lines strictly: each names a known
// scenario, says something, and expects an intent or shared move that
// scenario has (or nothing, to play the line unscored). The first bad line
// fails the file, by line number.
func parseScripts(data []byte, labels func(id string) (map[string]bool, bool)) ([]dialogue.ScriptLine, error) {
	var out []dialogue.ScriptLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var l struct {
			Script   string `json:"script"`
			Scenario string `json:"scenario"`
			Voice    string `json:"voice"`
			Turn     int    `json:"turn"`
			Say      string `json:"say"`
			Expect   string `json:"expect"`
			Also     string `json:"also"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		known, ok := labels(l.Scenario)
		switch {
		case !ok:
			return nil, fmt.Errorf("line %d: no scenario %q", n, l.Scenario)
		case strings.TrimSpace(l.Say) == "":
			return nil, fmt.Errorf("line %d: missing or empty \"say\"", n)
		case l.Expect != "" && !known[l.Expect]:
			return nil, fmt.Errorf("line %d: %q expects %q, which is neither an intent of %s nor a shared move it answers", n, l.Say, l.Expect, l.Scenario)
		case l.Also != "" && !known[l.Also]:
			return nil, fmt.Errorf("line %d: \"also\" is %q, which is neither an intent of %s nor a shared move it answers", n, l.Also, l.Scenario)
		}
		if l.Script == "" {
			l.Script = l.Scenario
		}
		out = append(out, dialogue.ScriptLine{Script: l.Script, Scenario: l.Scenario, Voice: l.Voice, Say: l.Say, Expect: l.Expect, Also: l.Also, Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v", n+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no script lines")
	}
	return out, nil
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
