// Command pivot is the practice coach: rehearse a child-welfare interview
// with a family living with domestic violence, get every reply scored, and
// read the debrief. One binary, one subcommand per job.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand. Each lives in its own file and registers
// itself in init, so adding a command never touches this file.
type command struct {
	name    string
	summary string
	// run gets the arguments after the command name. It returns a
	// usageError for bad arguments (exit 2) and any other error for
	// failures (exit 1).
	run func(ctx context.Context, env *environment, args []string) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("pivot: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// environment is what a command may touch: its streams and variables.
// Tests build one with buffers, so commands never reach for os.* directly.
type environment struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// interactive is true when stdin is a terminal a person types into.
	interactive bool
	// colourOut is true when stdout is a terminal that shows colour.
	colourOut bool
}

// usageError is a mistake in how the command was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// parseFlags parses a command's options, which may come before or after
// its arguments ("pivot practice jennifer --json"). help is true when the
// user asked for -h (usage has been printed); a bad option is a usageError.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(interleave(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, usagef("%v", err)
	}
	return false, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &environment{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		getenv: os.Getenv, interactive: isTerminal(os.Stdin),
		colourOut: isTerminal(os.Stdout) && os.Getenv("TERM") != "dumb",
	}
	os.Exit(runMain(ctx, env, os.Args[1:]))
}

// runMain dispatches to a subcommand and turns its error into an exit code.
func runMain(ctx context.Context, env *environment, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(env)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "pivot: unknown command %q\n\n", args[0])
		printUsage(env)
		return 2
	}
	err := c.run(ctx, env, args[1:])
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(env.stderr, "pivot %s: %s\nRun 'pivot %s -h' for its options.\n", c.name, ue.msg, c.name)
		return 2
	default:
		fmt.Fprintf(env.stderr, "pivot %s: %v\n", c.name, err)
		return 1
	}
}

func printUsage(env *environment) {
	w := env.stdout
	fmt.Fprintln(w, "Pivot: practise non-blaming domestic-violence interviews.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: pivot COMMAND [options]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	if printScenarioList != nil {
		fmt.Fprintln(w)
		printScenarioList(env)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Start with: pivot practice jennifer")
}

// printScenarioList is set by the scenarios command so usage can list them.
var printScenarioList func(env *environment)

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
