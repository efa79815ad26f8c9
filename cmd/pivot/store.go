package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

// dbPath is where the database lives: --db, else PIVOT_DB, else
// $XDG_DATA_HOME/pivot/pivot.db, else ~/.local/share/pivot/pivot.db.
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

// openStore opens (creating if needed) the database for a command.
func openStore(ctx context.Context, env *environment, flagValue string) (*sqlite.DB, error) {
	return sqlite.Open(ctx, dbPath(env, flagValue))
}

// openReadStore opens the database for a command that only reads
// (history, report, trainer list): nothing is written, so it works on a
// read-only copy. With no database there yet it is made, and one from an
// older Pivot is upgraded, as openStore would (both write, once), so a
// first 'pivot history' shows an empty history and the first after an
// upgrade works.
func openReadStore(ctx context.Context, env *environment, flagValue string) (*sqlite.DB, error) {
	path := dbPath(env, flagValue)
	db, err := sqlite.OpenReadOnly(ctx, path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, sqlite.ErrNeedsUpgrade) {
		return sqlite.Open(ctx, path)
	}
	return db, err
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
