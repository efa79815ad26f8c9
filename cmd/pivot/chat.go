package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/metrics"
)

// chatFlags are the options every chat bot command takes.
type chatFlags struct {
	db    *string
	dir   *string
	debug *bool
	// metricsAddr: where to serve /metrics and /healthz ("": nowhere).
	metricsAddr *string
}

func addChatFlags(fs *flag.FlagSet) chatFlags {
	return chatFlags{
		db:          fs.String("db", "", "database: a SQLite file, or a postgres:// URL (default $PIVOT_DB, else $XDG_DATA_HOME/pivot/pivot.db)"),
		dir:         fs.String("scenarios", "", "a folder of your own scenarios, served beside the built-in ones (default $PIVOT_SCENARIOS)"),
		debug:       fs.Bool("debug", false, "debug logging (includes what trainees write; never tokens)"),
		metricsAddr: fs.String("metrics-addr", "", "serve Prometheus metrics at http://`ADDR`/metrics and health at /healthz, e.g. 127.0.0.1:9464 (default $PIVOT_METRICS_ADDR, else off)"),
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
	// platform is the platform served; metrics are nil unless
	// --metrics-addr (or PIVOT_METRICS_ADDR) gives an address.
	platform    string
	metrics     *metrics.Metrics
	metricsAddr string
}

// startChat loads the scenarios, opens the store, builds the logger, the
// metrics (with --metrics-addr) and the bot, and purges transcripts past
// PIVOT_RETENTION_DAYS. The caller closes the store.
func startChat(ctx context.Context, env *environment, f chatFlags, platform string) (*chatBot, error) {
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
	chat := &chatBot{store: store, log: log, scenarios: len(lib.IDs()), platform: platform, metricsAddr: metricsAddr(env, *f.metricsAddr)}
	if chat.metricsAddr != "" {
		chat.metrics = metrics.New(platform, metrics.WithOpenSessions(platform, countOpen(store)))
		opts = append(opts, bot.WithObserver(chat.metrics))
	}
	chat.bot = bot.New(store, lib, append(opts, bot.WithLogger(log))...)
	if err := chat.bot.RunRetention(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("purging transcripts older than PIVOT_RETENTION_DAYS: %w", err)
	}
	return chat, nil
}

// metricsAddr is where to serve /metrics and /healthz: --metrics-addr,
// else PIVOT_METRICS_ADDR, else "" (off).
func metricsAddr(env *environment, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return env.getenv("PIVOT_METRICS_ADDR")
}

// platformObserver is what the adapter reports rate limits and its
// connection to: the metrics, or nil when they are off.
func (c *chatBot) platformObserver() bot.PlatformObserver {
	if c.metrics == nil {
		return nil
	}
	return c.metrics
}

// serveOps serves /metrics and /healthz (the database, and the adapter's
// connection) until ctx ends, if an address was given.
func (c *chatBot) serveOps(ctx context.Context, connected func() bool) error {
	if c.metrics == nil {
		return nil
	}
	_, err := serveOps(ctx, c.log, c.metricsAddr, c.metrics, databaseCheck(c.store), platformCheck(c.platform, connected))
	return err
}
