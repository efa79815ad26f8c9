package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
)

// ApplicationID marks a SQLite file as Pivot's (PRAGMA application_id,
// "PIVT"), so another program's database is never mistaken for one.
const ApplicationID = 0x50495654

// ForeignFileError: the file is another program's SQLite database.
// Nothing was written to it.
type ForeignFileError struct {
	Path          string
	ApplicationID int32
	Tables        []string
}

func (e *ForeignFileError) Error() string {
	what := fmt.Sprintf("its tables are %s", strings.Join(e.Tables, ", "))
	if e.ApplicationID != 0 {
		what = fmt.Sprintf("its application id is %#x", uint32(e.ApplicationID))
	}
	return fmt.Sprintf("%q is not a Pivot database (%s), so Pivot left it untouched; choose another file with --db or PIVOT_DB", e.Path, what)
}

// NewerSchemaError: the file was written by a newer version of Pivot.
// Nothing was written to it.
type NewerSchemaError struct {
	Path    string
	Version int // the file's schema version
	Known   int // the newest this Pivot knows
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("%q was written by a newer version of Pivot (schema version %d; this one knows up to %d), so it was left untouched; upgrade Pivot, or choose another file with --db or PIVOT_DB", e.Path, e.Version, e.Known)
}

// migrations are the embedded migration files, in the order they apply.
func migrations() []string {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		panic(err) // a bad pattern: a bug, not a runtime condition
	}
	sort.Strings(names)
	return names
}

// schemaVersion is the user_version of a fully migrated file: the number
// of migrations.
func schemaVersion() int { return len(migrations()) }

// inspect looks at the file through a connection of its own (opened with
// dsn, read-only) and refuses what Pivot must not open: another program's
// database, or one from a newer Pivot. It returns the file's schema
// version (0 for a new, empty file).
func inspect(ctx context.Context, path, dsn string) (int, error) {
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return 0, &OpenError{Path: path, Err: err}
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	var app int32
	var version int
	if err := conn.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		return 0, openFailed(path, "reading", err)
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return 0, openFailed(path, "reading", err)
	}
	tables, err := tableNames(ctx, conn)
	if err != nil {
		return 0, openFailed(path, "reading", err)
	}
	switch {
	case app == ApplicationID:
	case app != 0:
		return 0, &ForeignFileError{Path: path, ApplicationID: app, Tables: tables}
	case len(tables) == 0:
		return 0, nil // new
	case !slices.Contains(tables, "migrations") || !slices.Contains(tables, "sessions"):
		return 0, &ForeignFileError{Path: path, Tables: tables}
	}
	// Ours (or made by a Pivot from before application_id): which
	// migrations has it had?
	applied, err := appliedMigrations(ctx, conn)
	if err != nil {
		return 0, openFailed(path, "reading", err)
	}
	known := migrations()
	for _, name := range applied {
		if !slices.Contains(known, name) {
			return 0, &NewerSchemaError{Path: path, Version: max(version, len(applied)), Known: len(known)}
		}
	}
	if version > len(known) {
		return 0, &NewerSchemaError{Path: path, Version: version, Known: len(known)}
	}
	return max(version, len(applied)), nil
}

// querier is what tableNames and appliedMigrations need: a *sql.DB, a
// *sql.Conn or a *sql.Tx.
type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

func tableNames(ctx context.Context, q querier) ([]string, error) {
	return queryNames(ctx, q, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
}

func appliedMigrations(ctx context.Context, q querier) ([]string, error) {
	return queryNames(ctx, q, `SELECT name FROM migrations ORDER BY name`)
}

// queryNames runs a query of one text column and returns its values.
func queryNames(ctx context.Context, q querier, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// migrate applies, in name order, each embedded migration not yet
// recorded in the migrations table, each in its own transaction, which
// also sets the file's application_id and user_version. When nothing is
// pending it writes nothing, so a lock held by another process does not
// stop the open (and is not blamed on a migration).
func (db *DB) migrate(ctx context.Context) error {
	tables, err := tableNames(ctx, db.w)
	if err != nil {
		return err
	}
	if len(tables) == 0 {
		// A new file: incremental vacuum must be chosen before the first
		// table is made (setting it takes the write lock, so only here).
		if _, err := db.w.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
			return err
		}
	}
	var applied []string
	if slices.Contains(tables, "migrations") {
		if applied, err = appliedMigrations(ctx, db.w); err != nil {
			return err
		}
	}
	names := migrations()
	for i, name := range names {
		if slices.Contains(applied, name) {
			continue
		}
		if err := db.migrateFile(ctx, name, i+1); err != nil {
			if isBusy(err) || isFull(err) || ctx.Err() != nil {
				return err // the lock or the disk, not the migration
			}
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	// A file from before application_id gets its marks.
	var app int32
	var version int
	if err := db.w.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		return err
	}
	if err := db.w.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if app != ApplicationID || version != len(names) {
		if _, err := db.w.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d; PRAGMA user_version = %d`, ApplicationID, len(names))); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) migrateFile(ctx context.Context, name string, version int) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		name       TEXT    PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("creating migrations table: %w", err)
	}
	// Another process may have applied it since we looked.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`, name, ms(db.now())); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d; PRAGMA user_version = %d`, ApplicationID, version)); err != nil {
		return err
	}
	return tx.Commit()
}
