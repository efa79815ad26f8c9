package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/pivotcoach/pivot/adapters/terminal"
	"github.com/pivotcoach/pivot/bot"
)

func init() {
	register(command{name: "review", summary: "every turn of a session with its feedback: pivot review [SESSION]", run: runReview})
}

func runReview(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	db := fs.String("db", "", "database file (default $PIVOT_DB, else $XDG_DATA_HOME/pivot/pivot.db)")
	format := fs.String("format", "text", "text, md or json")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: pivot review [--format text|md|json] [SESSION]")
		fmt.Fprintln(env.stderr, "Prints every turn of one of your practice sessions (default: your last) with its label,")
		fmt.Fprintln(env.stderr, "findings, phase, trust change and what it unlocked. 'pivot history' lists your sessions.")
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	f := strings.ToLower(*format)
	if f != "text" && f != "md" && f != "markdown" && f != "json" {
		return usagef("--format is %q; say text, md or json", *format)
	}
	if fs.NArg() > 1 {
		return usagef("review takes at most one session number")
	}
	var id int64
	if fs.NArg() == 1 {
		n, err := strconv.ParseInt(strings.TrimPrefix(fs.Arg(0), "#"), 10, 64)
		if err != nil || n <= 0 {
			return usagef("%q is not a session number; 'pivot history' lists your sessions", terminal.Sanitize(fs.Arg(0)))
		}
		id = n
	}
	lib, err := loadLibrary(env, "")
	if err != nil {
		return err
	}
	store, err := openReadStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	b := bot.New(store, lib, bot.WithLogger(slog.New(slog.DiscardHandler)))
	// A trainee reviews their own terminal sessions only.
	r, err := b.Review(ctx, "terminal", localUser(env), id)
	if errors.Is(err, bot.ErrNotFound) {
		if id == 0 {
			return fmt.Errorf("you have no practice sessions yet; run 'pivot practice jennifer' to begin")
		}
		return fmt.Errorf("you have no session %d; 'pivot history' lists yours", id)
	}
	if err != nil {
		return err
	}
	if f == "text" {
		_, err = fmt.Fprintln(env.stdout, terminal.Sanitize(r.Text()))
		return err
	}
	if f == "md" || f == "markdown" {
		_, err = fmt.Fprint(env.stdout, terminal.Sanitize(r.Markdown()))
		return err
	}
	return bot.WriteReview(env.stdout, r, f)
}
