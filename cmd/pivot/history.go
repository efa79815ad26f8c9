package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/pivotcoach/pivot/adapters/terminal"
	"github.com/pivotcoach/pivot/bot"
)

func init() {
	register(command{name: "history", summary: "your past practice sessions and how they went", run: runHistory})
}

func runHistory(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	db := fs.String("db", "", "database file (default $PIVOT_DB, else $XDG_DATA_HOME/pivot/pivot.db)")
	platform := fs.String("platform", "terminal", "whose sessions: terminal, slack or discord")
	who := fs.String("user", "", "the user id (default: you, in the terminal)")
	limit := fs.Int("n", 20, "how many sessions to show")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("history takes no arguments, only options")
	}
	b, store, err := openReader(ctx, env, "", *db)
	if err != nil {
		return err
	}
	defer store.Close()
	u := *who
	if u == "" {
		u = localUser(env)
	}
	rows, err := b.History(ctx, *platform, u, *limit)
	if err != nil {
		return err
	}
	// Plain text: the chat platforms' *bold* is stray asterisks here.
	if _, err = fmt.Fprintln(env.stdout, terminal.Plain(bot.RenderHistory(rows))); err != nil || len(rows) == 0 {
		return err
	}
	if *platform == "terminal" && (*who == "" || *who == localUser(env)) {
		_, err = fmt.Fprintf(env.stdout, "'pivot review %d' shows every turn of a session with its feedback.\n", rows[0].ID)
	}
	return err
}
