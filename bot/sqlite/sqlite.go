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
	"strings"
	"sync/atomic"
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
var ErrDuplicateTurn = bot.ErrDuplicateTurn

// ErrReadOnly is returned (wrapped) by writes to a database opened with
// OpenReadOnly.
var ErrReadOnly = errors.New("the database was opened read-only")

// ErrNeedsUpgrade is returned (wrapped) by OpenReadOnly for a file made
// by an older Pivot: it must be migrated, which writes, before this one
// can read it.
var ErrNeedsUpgrade = errors.New("the database was made by an older Pivot and must be upgraded before it can be read")

// ErrSessionOpen is returned (wrapped) by CreateSession when the
// conversation already has an open session: there is at most one.
var ErrSessionOpen = bot.ErrSessionOpen

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
	// commits groups the turns' commits (commit.go).
	commits *committer
	// reads and writes are the statements prepared on r and on w
	// (prepared.go).
	reads, writes *statements
	// states skips decoding a state read back unchanged (statecache.go).
	states *stateCache
	// readOnly: opened by OpenReadOnly; w is the read pool.
	readOnly bool
	// closed: Close has been called (background work stops).
	closed atomic.Bool
}

// OpenError says why a database file could not be opened or created.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("cannot open database %q: %s; %s", e.Path, e.Reason(), e.advice())
}

func (e *OpenError) Unwrap() error { return e.Err }

// advice says what to do about it.
func (e *OpenError) advice() string {
	switch {
	case isBusy(e.Err):
		return "another program is writing to it (a long-running pivot command, or a tool with the file open); try again in a moment"
	case isFull(e.Err):
		return "free some space on that disk, or choose another location with --db or PIVOT_DB"
	}
	return "choose another location with --db or PIVOT_DB"
}

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
	case errors.Is(e.Err, fs.ErrNotExist):
		why = "there is no database there yet"
	case isFull(e.Err):
		why = "the disk is full"
	case isBusy(e.Err):
		why = "the database is locked"
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

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se *driver.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code() & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}

// isFull reports whether err means the disk is full: SQLITE_FULL, no room
// to grow the shared-memory file (SQLITE_IOERR_SHMSIZE, which SQLite
// reports as a "disk I/O error"), or the operating system's ENOSPC.
func isFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	var se *driver.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code()&0xff == sqlite3.SQLITE_FULL || se.Code() == sqlite3.SQLITE_IOERR_SHMSIZE ||
		(se.Code()&0xff == sqlite3.SQLITE_IOERR && strings.Contains(se.Error(), "no space"))
}

// openFailed wraps an error met while opening: a lock, a full disk or a
// file that cannot be read become an *OpenError with a plain reason and
// what to do; anything else is wrapped with what was being done.
func openFailed(path, doing string, err error) error {
	var oe *OpenError
	var fe *ForeignFileError
	var ne *NewerSchemaError
	switch {
	case errors.As(err, &oe), errors.As(err, &fe), errors.As(err, &ne):
		return err
	case isBusy(err), isFull(err), errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return &OpenError{Path: path, Err: err}
	}
	var se *driver.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_IOERR:
			return &OpenError{Path: path, Err: err}
		}
	}
	return fmt.Errorf("%s %s: %w", doing, path, err)
}

// busyTimeout is how long a statement waits for another connection's
// lock (tests shorten it).
var busyTimeout = 5000

// Open opens the database at path, creating it and its parent directory if
// missing, and applies any migrations not yet applied. Path ":memory:"
// opens a private in-memory database. A path that cannot be opened gives
// an *OpenError; a file that is another program's SQLite database a
// *ForeignFileError, and one written by a newer Pivot a
// *NewerSchemaError (neither file is changed).
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, &OpenError{Path: path, Err: errors.New("no database path given")}
	}
	db := &DB{Now: time.Now, path: path, states: newStateCache()}
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
		// Look before touching: a foreign or newer file is refused before
		// anything (even the journal mode) is written to it.
		if _, err := inspect(ctx, path, name+"?mode=ro&"+busyPragma()); err != nil {
			return nil, err
		}
	}

	common := busyPragma() + "&_pragma=foreign_keys(1)"
	// secure_delete zeroes what a delete frees, so forgotten words do not
	// stay in free pages (auto_vacuum is set by migrate on a new file, and
	// an older file is converted below).
	w, err := sql.Open("sqlite", name+"?_pragma=secure_delete(1)&"+common+
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
		return nil, openFailed(path, "migrating", err)
	}
	if err := db.incrementalVacuum(ctx); err != nil {
		w.Close()
		return nil, openFailed(path, "converting", err)
	}
	// Housekeeping: if another process holds the write lock, it waits for
	// the next open rather than failing this one.
	if _, err := db.ForgetOldEvents(ctx); err != nil && !isBusy(err) {
		w.Close()
		return nil, openFailed(path, "opening", err)
	}

	db.writes = newStatements(w)
	if memory {
		db.r, db.reads = w, db.writes
		db.commits = startCommitter(db)
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
	db.r, db.reads = r, newStatements(r)
	if db.ckpt, err = startCheckpointer(name, common, walPath); err != nil {
		r.Close()
		w.Close()
		return nil, &OpenError{Path: path, Err: err}
	}
	db.commits = startCommitter(db)
	return db, nil
}

// OpenReadOnly opens an existing database for commands that only read
// (history, report): nothing is created, migrated or written, so it works
// on a read-only copy or file system. A missing file is an *OpenError
// wrapping fs.ErrNotExist; the checks are Open's. Writes fail.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == Memory {
		return nil, &OpenError{Path: path, Err: errors.New("no database file given")}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &OpenError{Path: path, Err: err}
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, &OpenError{Path: path, Err: err}
	}
	if fi.IsDir() {
		return nil, &OpenError{Path: path, Err: syscall.EISDIR}
	}
	name := "file:" + escapePath(filepath.ToSlash(abs))
	params := "?mode=ro&" + busyPragma() + "&_pragma=query_only(1)"
	version, err := inspect(ctx, path, name+params)
	if err != nil {
		// A WAL file in a directory we cannot write (no -shm can be made)
		// opens only as immutable: a copy nobody is writing to.
		name += "?immutable=1"
		params = "&mode=ro&" + busyPragma() + "&_pragma=query_only(1)"
		if version, err = inspect(ctx, path, name+params); err != nil {
			return nil, err
		}
	}
	if version < schemaVersion() {
		return nil, &OpenError{Path: path, Err: fmt.Errorf("%w (schema version %d, this Pivot uses %d): open it once with a command that writes, such as 'pivot practice'",
			ErrNeedsUpgrade, version, schemaVersion())}
	}
	r, err := sql.Open("sqlite", name+params)
	if err != nil {
		return nil, &OpenError{Path: path, Err: err}
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		return nil, openFailed(path, "opening", err)
	}
	reads := newStatements(r)
	return &DB{Now: time.Now, path: path, w: r, r: r, reads: reads, writes: reads, states: newStateCache(), readOnly: true}, nil
}

func busyPragma() string { return fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout) }

// autoCheckpoint switches SQLite's in-commit checkpoint off for a file
// database: the checkpointer does it in the background (checkpoint.go).
func autoCheckpoint(memory bool) string {
	if memory {
		return ""
	}
	return "&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(-1)"
}

// prepare creates path's directory and the file itself if missing, so a
// path that cannot be written fails here with the operating system's
// reason rather than SQLite's generic "unable to open".
//
// Transcripts are private: an existing file readable by others (say 0644,
// from a copy or an older version) is tightened to 0600, with its -wal
// and -shm.
func prepare(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return err
			}
		}
	}
	return nil
}

// escapePath makes a file path safe inside a SQLite "file:" URI.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// Close closes the database.
func (db *DB) Close() error {
	db.closed.Store(true)
	var err error
	if db.commits != nil {
		db.commits.close()
	}
	for _, st := range []*statements{db.reads, db.writes} {
		if st != nil {
			err = errors.Join(err, st.close())
		}
	}
	if db.ckpt != nil {
		err = errors.Join(err, db.ckpt.close())
	}
	if db.r != nil && db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	if db.readOnly {
		return errors.Join(err, db.r.Close()) // w is r
	}
	if db.w != nil {
		err = errors.Join(err, db.w.Close())
	}
	return err
}

// Path returns the path the database was opened with.
func (db *DB) Path() string { return db.path }

// Ping checks that the database can still be read: a query on the file,
// not only on an open connection (health checks). It fails once the
// database is closed, or when the file cannot be read.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	return db.r.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n)
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
