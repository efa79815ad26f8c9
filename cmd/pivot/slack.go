package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/pivotcoach/pivot/adapters/slack"
	"github.com/pivotcoach/pivot/bot"
)

func init() {
	register(command{name: "slack", summary: "run the practice bot in Slack over Socket Mode (setup: docs/slack.md)", run: runSlack})
}

func runSlack(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("slack", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	db := fs.String("db", "", "database file (default $PIVOT_DB, else $XDG_DATA_HOME/pivot/pivot.db)")
	dir := fs.String("scenarios", "", "a folder of your own scenarios, served beside the built-in ones (default $PIVOT_SCENARIOS)")
	debug := fs.Bool("debug", false, "debug logging (includes what trainees write; never tokens)")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: pivot slack [--db FILE] [--scenarios DIR] [--debug]")
		fmt.Fprintln(env.stderr, "\nRuns Pivot in Slack over Socket Mode (no public URL needed). It reads")
		fmt.Fprintln(env.stderr, "SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN (xoxb-…); docs/slack.md")
		fmt.Fprintln(env.stderr, "creates the Slack app from docs/slack-manifest.yaml in a few minutes.")
		fmt.Fprintln(env.stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("slack takes no arguments, only options")
	}
	cfg, err := slack.ConfigFromEnv(env.getenv)
	if err != nil {
		return err
	}
	lib, err := loadLibrary(env, *dir)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
	cfg.Logger = log
	opts, err := chatOptions(env)
	if err != nil {
		return err
	}
	b := bot.New(store, lib, append(opts, bot.WithLogger(log))...)
	if err := b.RunRetention(ctx); err != nil {
		return fmt.Errorf("purging transcripts older than PIVOT_RETENTION_DAYS: %w", err)
	}
	ad, err := slack.New(b, cfg)
	if err != nil {
		return err
	}
	log.Info("starting pivot slack", "db", store.Path(), "scenarios", len(lib.IDs()))
	return ad.Run(ctx)
}
