package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/pivotcoach/pivot/bot"
)

// chatFlags are the options every chat bot command takes.
type chatFlags struct {
	db    *string
	dir   *string
	debug *bool
}

func addChatFlags(fs *flag.FlagSet) chatFlags {
	return chatFlags{
		db:    fs.String("db", "", "database: a SQLite file, or a postgres:// URL (default $PIVOT_DB, else $XDG_DATA_HOME/pivot/pivot.db)"),
		dir:   fs.String("scenarios", "", "a folder of your own scenarios, served beside the built-in ones (default $PIVOT_SCENARIOS)"),
		debug: fs.Bool("debug", false, "debug logging (includes what trainees write; never tokens)"),
	}
}

// chatBot is what a chat command runs on: the bot (with trainers and
// retention from the environment), its store and its logger.
type chatBot struct {
	bot   *bot.Bot
	store store
	log   *slog.Logger
	// scenarios counts the scenarios served, for the start-up line.
	scenarios int
}

// startChat loads the scenarios, opens the store, builds the logger and
// the bot, and purges transcripts past PIVOT_RETENTION_DAYS. The caller
// closes the store.
func startChat(ctx context.Context, env *environment, f chatFlags) (*chatBot, error) {
	opts, err := chatOptions(env)
	if err != nil {
		return nil, err
	}
	lib, err := loadLibrary(env, *f.dir)
	if err != nil {
		return nil, err
	}
	store, err := openStore(ctx, env, *f.db)
	if err != nil {
		return nil, err
	}
	level := slog.LevelInfo
	if *f.debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
	b := bot.New(store, lib, append(opts, bot.WithLogger(log))...)
	if err := b.RunRetention(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("purging transcripts older than PIVOT_RETENTION_DAYS: %w", err)
	}
	return &chatBot{bot: b, store: store, log: log, scenarios: len(lib.IDs())}, nil
}
