package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/pivotcoach/pivot/adapters/terminal"
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
			fmt.Fprintf(tw, "  %s\t%s (%s)\t%s\n", terminal.Sanitize(e.Scenario.ID), terminal.Sanitize(e.Scenario.Character), terminal.Sanitize(string(e.Scenario.Role)), terminal.Sanitize(e.Scenario.Title))
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", terminal.Sanitize(s.ID), terminal.Sanitize(s.Character), terminal.Sanitize(string(s.Role)), terminal.Sanitize(s.Title), terminal.Sanitize(e.Origin))
	}
	return tw.Flush()
}
