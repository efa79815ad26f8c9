package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

func init() {
	register(command{name: "validate", summary: "check scenario files and run their tests: pivot validate ./myscenarios", run: runValidate})
}

// checked is one scenario file after loading and validation.
type checked struct {
	source   string
	sc       *dialogue.Scenario // nil when the file did not load
	problems []dialogue.Problem
	// group is the folder it was loaded with: ids must be unique within
	// a group, as scenarios.Load requires.
	group string
}

func runValidate(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	dir := fs.String("scenarios", "", "with no PATH: also check this folder of your own scenarios (default $PIVOT_SCENARIOS)")
	explore := fs.Int("explore", 0, "also play `N` random walks through each scenario and report dead ends, fallback loops and disclosures no walk reached")
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, `Usage: pivot validate [options] [PATH...]

Check scenario files: their keys and references, replies that can never be
said, disclosures that can never be reached, intents that fall silent in a
trust band, each intent's examples and not_examples, and the scenario's own
tests. A PATH is a .yaml file or a folder of them. With no PATH, checks the
built-in scenarios and your scenario folder (--scenarios or PIVOT_SCENARIOS).

Each problem is printed as file:line:col: CODE message; the codes are
explained in docs/validation-codes.md. The exit status is 0 only when there
are no problems.

`)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *explore < 0 {
		return usagef("--explore takes a number of walks, 0 or more")
	}

	var files []checked
	if fs.NArg() == 0 {
		files = append(files, embeddedChecked()...)
		if d := scenarioDir(env, *dir); d != "" {
			more, err := folderChecked(d)
			if err != nil {
				return err
			}
			files = append(files, more...)
		}
	} else {
		if *dir != "" {
			return usagef("--scenarios is for checking your folder with the built-in scenarios; give the folder as a PATH instead")
		}
		seen := map[string]bool{}
		for _, p := range fs.Args() {
			info, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("%s: %w", p, errors.Unwrap(err))
			}
			var more []checked
			if info.IsDir() {
				if more, err = folderChecked(p); err != nil {
					return err
				}
			} else {
				more = []checked{fileChecked(p, "")}
			}
			for _, c := range more {
				if !seen[c.source] {
					seen[c.source] = true
					files = append(files, c)
				}
			}
		}
	}
	duplicateIDs(files)

	total, nsc := 0, 0
	for _, c := range files {
		for _, p := range c.problems {
			fmt.Fprintln(env.stdout, p.String())
		}
		total += len(c.problems)
		if c.sc == nil {
			continue
		}
		nsc++
		if *explore > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			rep := dialogue.Explore(c.sc, *explore)
			static := map[string]bool{}
			for _, p := range c.problems {
				if p.Code == dialogue.CodeUnreachable {
					static[fmt.Sprint(p.Pos)] = true
				}
			}
			for _, p := range rep.Problems {
				// a disclosure validation already proved unreachable
				// needs no second report
				if p.Code == dialogue.CodeNeverReached && static[fmt.Sprint(p.Pos)] {
					continue
				}
				fmt.Fprintln(env.stdout, p.String())
				total++
			}
			fmt.Fprintf(env.stdout, "explore %s: %d walks, %d turns; %d of %d disclosures reached; %d dead ends, %d fallback loops\n",
				c.sc.ID, rep.Walks, rep.Turns, len(rep.Reached), len(c.sc.Disclosures), rep.DeadEnds, rep.Loops)
		}
	}
	if len(files) == 0 {
		return fmt.Errorf("no scenario files (.yaml) found in %s", strings.Join(fs.Args(), ", "))
	}
	summary := fmt.Sprintf("%d %s, %d %s", len(files), plural(len(files), "scenario", "scenarios"), total, plural(total, "problem", "problems"))
	if nsc < len(files) {
		summary += fmt.Sprintf(" (%d did not load)", len(files)-nsc)
	}
	if total > 0 {
		return errors.New(summary)
	}
	fmt.Fprintln(env.stdout, summary)
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// embeddedChecked validates the scenarios built into the binary. A file
// that fails to load is reported through its load problems.
func embeddedChecked() []checked {
	lib, err := scenarios.Embedded()
	var out []checked
	if lib != nil {
		for _, e := range lib.Entries() {
			out = append(out, checked{source: e.Scenario.Source, sc: e.Scenario, problems: dialogue.Validate(e.Scenario), group: "embedded"})
		}
	}
	for _, p := range problemsOf(err) {
		out = append(out, checked{source: p[0].Source, problems: p, group: "embedded"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].source < out[j].source })
	return out
}

// problemsOf pulls each file's load problems out of a (joined) error.
func problemsOf(err error) [][]dialogue.Problem {
	if err == nil {
		return nil
	}
	var se *dialogue.ScenarioError
	if errors.As(err, &se) && len(se.Problems) > 0 && error(se) == err {
		return [][]dialogue.Problem{se.Problems}
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out [][]dialogue.Problem
		for _, e := range j.Unwrap() {
			out = append(out, problemsOf(e)...)
		}
		return out
	}
	if errors.As(err, &se) && len(se.Problems) > 0 {
		return [][]dialogue.Problem{se.Problems}
	}
	return [][]dialogue.Problem{{{Source: "scenarios", Pos: dialogue.Position{Line: 1, Column: 1}, Code: dialogue.CodeSyntax, Msg: err.Error()}}}
}

// folderChecked validates every .yaml (and .yml) file directly in dir,
// the files scenarios.Load would read from it, named as it names them.
func folderChecked(dir string) ([]checked, error) {
	fsys := os.DirFS(dir)
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	more, _ := fs.Glob(fsys, "*.yml")
	names = append(names, more...)
	sort.Strings(names)
	var out []checked
	for _, name := range names {
		out = append(out, fileChecked(filepath.Join(dir, name), dir))
	}
	return out, nil
}

func fileChecked(path, group string) checked {
	c := checked{source: path, group: group}
	data, err := os.ReadFile(path)
	if err != nil {
		c.problems = []dialogue.Problem{{Source: path, Pos: dialogue.Position{Line: 1, Column: 1}, Code: dialogue.CodeSyntax, Msg: err.Error()}}
		return c
	}
	moves, err := scenarios.SharedMoves()
	if err != nil {
		c.problems = []dialogue.Problem{{Source: "scenarios/shared/moves.yaml", Pos: dialogue.Position{Line: 1, Column: 1}, Code: dialogue.CodeSyntax, Msg: err.Error()}}
		return c
	}
	c.sc, c.problems = dialogue.ValidateFile(data, path, dialogue.WithMoves(moves))
	return c
}

// duplicateIDs adds a problem to each file whose scenario id an earlier
// file of the same folder already uses: scenarios.Load would refuse it.
func duplicateIDs(files []checked) {
	first := map[[2]string]string{}
	for i := range files {
		c := &files[i]
		if c.sc == nil || c.group == "" {
			continue
		}
		k := [2]string{c.group, c.sc.ID}
		if prev, dup := first[k]; dup {
			c.problems = append(c.problems, dialogue.Problem{Source: c.source, Pos: c.sc.Pos.At("id"), Code: dialogue.CodeDuplicateScenario,
				Msg: fmt.Sprintf("scenario id %q is also used by %s; ids must differ within a folder", c.sc.ID, prev)})
			continue
		}
		first[k] = c.source
	}
}
