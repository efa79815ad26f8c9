// Package sqlite is the SQLite implementation of bot.Store, on the pure-Go
// driver modernc.org/sqlite (no cgo).
//
// A DB keeps sessions, their turns and the platform event ids already
// handled. The schema is embedded and migrated on Open, so a new file is
// ready to use and an old one is brought up to date.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pivotcoach/pivot/bot"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Memory is the path of a private in-memory database, for quick tests.
const Memory = ":memory:"

// readConns is the size of the read pool. In WAL mode readers never block
// the writer nor each other, so a few connections let history and reports
// run while a turn is being saved.
const readConns = 4

// Interface check: a *DB is a bot.Store.
var _ bot.Store = (*DB)(nil)

// ErrDuplicateTurn is returned (wrapped) by SaveTurn when the session
// already has a turn with that number: turns are never overwritten.
var ErrDuplicateTurn = errors.New("turn already saved")

// ErrSessionOpen is returned (wrapped) by CreateSession when the
// conversation already has an open session: there is at most one.
var ErrSessionOpen = errors.New("conversation already has an open session")

// DB is a Pivot database: a SQLite file (or memory) and its connections.
// Every method is safe for concurrent use.
//
// Connections: writes go through one connection (w), so writers queue in
// database/sql — honouring their contexts — instead of racing for SQLite's
// single write lock and failing with SQLITE_BUSY; its transactions begin
// IMMEDIATE, so a transaction that reads before it writes cannot fail to
// upgrade its lock when another process writes the file. Reads go through
// a separate small pool (r) opened query_only: WAL lets them run alongside
// the writer and see every committed write. A :memory: database exists
// only on its own connection, so there one connection serves both.
type DB struct {
	// Now returns the current time. Tests replace it; set it before
	// calling other methods.
	Now func() time.Time

	path string
	w, r *sql.DB
	ckpt *checkpointer
	// stmts are the hot path's statements, parsed once: re-parsing them
	// on every turn was about a sixth of the writer's time.
	stmts struct {
		updateState *sql.Stmt
		insertTurn  *sql.Stmt
	}
}

// OpenError says why a database file could not be opened or created.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("cannot open database %q: %s; choose another location with --db or PIVOT_DB", e.Path, e.Reason())
}

func (e *OpenError) Unwrap() error { return e.Err }

// Reason is why the database could not be opened, in a few words,
// followed by the underlying error.
func (e *OpenError) Reason() string {
	var why string
	var se *driver.Error
	switch {
	case errors.Is(e.Err, syscall.ENOTDIR):
		why = "not a directory"
	case errors.Is(e.Err, syscall.EISDIR):
		why = "it is a directory"
	case errors.Is(e.Err, syscall.EROFS):
		why = "read-only file system"
	case errors.Is(e.Err, fs.ErrPermission):
		why = "permission denied"
	case errors.As(e.Err, &se):
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_READONLY:
			why = "the database is read-only"
		case sqlite3.SQLITE_CANTOPEN:
			why = "unable to open the database file"
		case sqlite3.SQLITE_NOTADB:
			why = "the file is not a SQLite database"
		}
	}
	if why == "" || e.Err == nil {
		return fmt.Sprint(e.Err)
	}
	return fmt.Sprintf("%s (%v)", why, e.Err)
}

// Open opens the database at path, creating it and its parent directory if
// missing, and applies any migrations not yet applied. Path ":memory:"
// opens a private in-memory database. A path that cannot be opened gives
// an *OpenError.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, &OpenError{Path: path, Err: errors.New("no database path given")}
	}
	db := &DB{Now: time.Now, path: path}
	memory := path == Memory
	name, walPath := "file::memory:", ""
	if !memory {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, &OpenError{Path: path, Err: err}
		}
		if err := prepare(abs); err != nil {
			return nil, &OpenError{Path: path, Err: err}
		}
		name = "file:" + escapePath(filepath.ToSlash(abs))
		walPath = abs + "-wal"
	}

	const common = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	// auto_vacuum first: it only takes effect before the first table is
	// made (an older file is converted below). secure_delete zeroes what
	// a delete frees, so forgotten words do not stay in free pages.
	w, err := sql.Open("sqlite", name+"?_pragma=auto_vacuum(INCREMENTAL)&_pragma=secure_delete(1)&"+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"+autoCheckpoint(memory))
	if err != nil {
		return nil, &OpenError{Path: path, Err: err}
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0) // a :memory: database dies with its connection
	w.SetConnMaxIdleTime(0)
	db.w = w
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, &OpenError{Path: path, Err: err}
	}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrating %s: %w", path, err)
	}
	if err := db.incrementalVacuum(ctx); err != nil {
		w.Close()
		return nil, &OpenError{Path: path, Err: err}
	}
	if err := db.prepareStatements(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("preparing statements for %s: %w", path, err)
	}
	if _, err := db.ForgetOldEvents(ctx); err != nil {
		w.Close()
		return nil, err
	}

	if memory {
		db.r = w
		return db, nil
	}
	r, err := sql.Open("sqlite", name+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, &OpenError{Path: path, Err: err}
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, &OpenError{Path: path, Err: err}
	}
	db.r = r
	if db.ckpt, err = startCheckpointer(name, common, walPath); err != nil {
		r.Close()
		w.Close()
		return nil, &OpenError{Path: path, Err: err}
	}
	return db, nil
}

func (db *DB) prepareStatements(ctx context.Context) error {
	var err error
	if db.stmts.updateState, err = db.w.PrepareContext(ctx,
		`UPDATE sessions SET state = ?, turn = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND turn = ? AND status = 'open'`); err != nil {
		return err
	}
	db.stmts.insertTurn, err = db.w.PrepareContext(ctx, `INSERT INTO turns
		(session_id, n, text, cut, assessment, label, phase, question, intent, fallback, clarify,
		 reaction, reply_id, reply, trust_before, trust_after, disclosed, ended, trace, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	return err
}

// autoCheckpoint switches SQLite's in-commit checkpoint off for a file
// database: the checkpointer does it in the background (checkpoint.go).
func autoCheckpoint(memory bool) string {
	if memory {
		return ""
	}
	return "&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(16777216)"
}

// prepare creates path's directory and the file itself if missing, so a
// path that cannot be written fails here with the operating system's
// reason rather than SQLite's generic "unable to open".
func prepare(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// escapePath makes a file path safe inside a SQLite "file:" URI.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// Close closes the database.
func (db *DB) Close() error {
	var err error
	for _, st := range []*sql.Stmt{db.stmts.updateState, db.stmts.insertTurn} {
		if st != nil {
			st.Close()
		}
	}
	if db.ckpt != nil {
		err = db.ckpt.close()
	}
	if db.r != nil && db.r != db.w {
		err = db.r.Close()
	}
	if db.w != nil {
		err = errors.Join(err, db.w.Close())
	}
	return err
}

// Path returns the path the database was opened with.
func (db *DB) Path() string { return db.path }

// migrate applies, in name order, each embedded migration not yet recorded
// in the migrations table, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (
		name       TEXT    PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("creating migrations table: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func (db *DB) migrateFile(ctx context.Context, name string) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
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
	return tx.Commit()
}

// now is the current time, UTC, to the millisecond stored.
func (db *DB) now() time.Time { return fromMS(db.Now().UnixMilli()) }

// Times are stored as unix milliseconds, UTC.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// nullMS stores a zero time as NULL.
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// isConstraint reports whether err is the SQLite extended result code.
func isConstraint(err error, code int) bool {
	var se *driver.Error
	return errors.As(err, &se) && se.Code() == code
}
