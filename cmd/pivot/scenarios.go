package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
)

func init() {
	register(command{name: "scenarios", summary: "list the scenarios you can practise", run: runScenarios})
	printScenarioList = func(env *environment) {
		lib, err := loadLibrary(env, "")
		if err != nil {
			fmt.Fprintf(env.stdout, "Scenarios could not be loaded: %v\n", err)
			return
		}
		fmt.Fprintln(env.stdout, "Scenarios:")
		tw := tabwriter.NewWriter(env.stdout, 2, 4, 2, ' ', 0)
		for _, e := range lib.Entries() {
			fmt.Fprintf(tw, "  %s\t%s (%s)\t%s\n", e.Scenario.ID, e.Scenario.Character, e.Scenario.Role, e.Scenario.Title)
		}
		tw.Flush()
	}
}

func runScenarios(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("scenarios", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	dir := fs.String("scenarios", "", "a folder of your own scenarios (default $PIVOT_SCENARIOS)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	lib, err := loadLibrary(env, *dir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCHARACTER\tROLE\tTITLE\tFROM")
	for _, e := range lib.Entries() {
		s := e.Scenario
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Character, s.Role, s.Title, e.Origin)
	}
	return tw.Flush()
}
