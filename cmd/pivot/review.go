package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
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
	platform := fs.String("platform", "terminal", "where the sessions were practised: terminal, slack or discord")
	as := fs.String("as", "", "review as this user id on --platform (default: you, in the terminal); a trainer sees the sessions of their group exercises' members")
	trainee := fs.String("trainee", "", "a trainee's user id: their newest session in a group exercise you run")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: pivot review [--format text|md|json] [--platform P --as USER] [--trainee USER | SESSION]")
		fmt.Fprintln(env.stderr, "Prints every turn of one of your practice sessions (default: your last) with its label,")
		fmt.Fprintln(env.stderr, "findings, phase, trust change and what it unlocked, and any wording taken back with undo.")
		fmt.Fprintln(env.stderr, "'pivot history' lists your sessions. Trainers can review any session of the members of")
		fmt.Fprintln(env.stderr, "the group exercises they run; trainees only their own.")
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
	if fs.NArg() == 1 && *trainee != "" {
		return usagef("name a session number or --trainee, not both")
	}
	var id int64
	if fs.NArg() == 1 {
		n, err := strconv.ParseInt(strings.TrimPrefix(fs.Arg(0), "#"), 10, 64)
		if err != nil || n <= 0 {
			return usagef("%q is not a session number; 'pivot history' lists your sessions", terminal.Sanitize(fs.Arg(0)))
		}
		id = n
	}
	b, store, err := openReader(ctx, env, "", *db)
	if err != nil {
		return err
	}
	defer store.Close()
	viewer := *as
	if viewer == "" {
		viewer = localUser(env)
	}
	var r *bot.Review
	if *trainee != "" {
		r, err = b.ReviewTrainee(ctx, *platform, viewer, *trainee)
	} else {
		r, err = b.Review(ctx, *platform, viewer, id)
	}
	if errors.Is(err, bot.ErrNotFound) {
		switch {
		case *trainee != "":
			return fmt.Errorf("you cannot review a session of %s: trainers can review the sessions of the members of group exercises they run", terminal.Sanitize(*trainee))
		case id == 0:
			return fmt.Errorf("you have no practice sessions yet; run 'pivot practice jennifer' to begin")
		}
		return fmt.Errorf("you cannot review session %d: it is not one of yours ('pivot history' lists them), nor of a group exercise you run", id)
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
