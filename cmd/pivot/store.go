package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/postgres"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

// dbPath is where the database lives: --db, else PIVOT_DB, else
// $XDG_DATA_HOME/pivot/pivot.db, else ~/.local/share/pivot/pivot.db. A
// postgres:// (or postgresql://) URL names a PostgreSQL database instead
// of a SQLite file.
func dbPath(env *environment, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := env.getenv("PIVOT_DB"); p != "" {
		return p
	}
	if x := env.getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "pivot", "pivot.db")
	}
	home := env.getenv("HOME")
	if home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			home = h
		}
	}
	return filepath.Join(home, ".local", "share", "pivot", "pivot.db")
}

// store is what commands need of a database: the bot's store and every
// optional interface the bot uses. Both bot/sqlite and bot/postgres are
// one (the conformance suite in bot/storetest holds them to it).
type store = bot.FullStore

// openStore opens (creating or migrating if needed) the database for a
// command: a PostgreSQL database when --db or PIVOT_DB is a postgres://
// URL, else a SQLite file. This is the one place that chooses.
func openStore(ctx context.Context, env *environment, flagValue string) (store, error) {
	where := dbPath(env, flagValue)
	if postgres.IsURL(where) {
		return postgres.Open(ctx, where)
	}
	return sqlite.Open(ctx, where)
}

// openReadStore opens the database for a command that only reads
// (history, report, trainer list). A SQLite file is opened read-only, so
// it works on a read-only copy; with no database there yet it is made,
// and one from an older Pivot is upgraded, as openStore would (both
// write, once), so a first 'pivot history' shows an empty history and the
// first after an upgrade works. A PostgreSQL database is opened as by
// openStore (the server's permissions say who may write).
func openReadStore(ctx context.Context, env *environment, flagValue string) (store, error) {
	path := dbPath(env, flagValue)
	if postgres.IsURL(path) {
		return postgres.Open(ctx, path)
	}
	db, err := sqlite.OpenReadOnly(ctx, path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, sqlite.ErrNeedsUpgrade) {
		return sqlite.Open(ctx, path)
	}
	if err != nil {
		return nil, err
	}
	return db, nil
}

// openReader is what the commands that only read (history, report,
// review) share: the scenario library, the database opened for reading,
// and a bot that logs nothing and knows the trainers, since a trainer may
// read their groups' sessions. The caller closes the store.
func openReader(ctx context.Context, env *environment, scenarioDir, dbFlag string) (*bot.Bot, store, error) {
	lib, err := loadLibrary(env, scenarioDir)
	if err != nil {
		return nil, nil, err
	}
	st, err := openReadStore(ctx, env, dbFlag)
	if err != nil {
		return nil, nil, err
	}
	b := bot.New(st, lib, bot.WithLogger(slog.New(slog.DiscardHandler)), bot.WithTrainers(env.getenv("PIVOT_TRAINERS")))
	return b, st, nil
}

// storeName names the database for logs: the SQLite file, or the
// PostgreSQL server and database (never the password).
func storeName(s store) string {
	switch db := s.(type) {
	case *sqlite.DB:
		return db.Path()
	case *postgres.DB:
		return "postgres " + db.Where()
	}
	return fmt.Sprintf("%T", s)
}

// scenarioDir is the trainer's own scenario folder: --scenarios, else
// PIVOT_SCENARIOS, else none.
func scenarioDir(env *environment, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return env.getenv("PIVOT_SCENARIOS")
}

// loadLibrary loads the embedded scenarios plus the trainer's folder.
func loadLibrary(env *environment, flagValue string) (*scenarios.Library, error) {
	return scenarios.Load(scenarioDir(env, flagValue))
}
