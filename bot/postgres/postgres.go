// Package postgres is the PostgreSQL implementation of bot.Store, on
// github.com/jackc/pgx/v5 (pgxpool), for running Pivot as a service:
// several `pivot slack` or `pivot discord` processes on one database.
//
// It keeps the same contract as bot/sqlite (the conformance suite in
// bot/storetest runs against both). What several processes need on top
// is here too: a per-conversation lock in the database
// (LockConversation, a PostgreSQL advisory lock), so a trainee's turns are
// played one at a time whichever process receives them, and event ids
// recorded with one INSERT … ON CONFLICT, so a re-delivered event is
// handled once across processes.
//
// The schema is embedded and migrated on Open under an advisory lock, so
// processes starting together do not race; a database migrated by a
// newer Pivot is refused with a *NewerSchemaError.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pivotcoach/pivot/bot"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Interface checks: a *DB keeps everything bot/sqlite keeps.
var (
	_ bot.Store              = (*DB)(nil)
	_ bot.GroupStore         = (*DB)(nil)
	_ bot.CoachingStore      = (*DB)(nil)
	_ bot.TrainerStore       = (*DB)(nil)
	_ bot.ForgetStore        = (*DB)(nil)
	_ bot.RetentionStore     = (*DB)(nil)
	_ bot.ConversationLocker = (*DB)(nil)
	_ bot.ForgetRequestStore = (*DB)(nil)
	_ bot.UndoStore          = (*DB)(nil)
)

// IsURL reports whether s names a PostgreSQL database (postgres:// or
// postgresql://) rather than a SQLite file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// connectTimeout bounds connecting when the URL does not say
// (connect_timeout=…): an unreachable server fails the start quickly.
const connectTimeout = 5 * time.Second

// workConns is the size of the pool that does the work, unless the URL
// sets pool_max_conns.
const workConns = 16

// lockConns is the size of the pool that holds conversation locks: one
// connection per conversation being played at the moment, apart from the
// pool that does the work, so holding locks can never starve the work.
const lockConns = 32

// DB is a Pivot database on a PostgreSQL server. Every method is safe for
// concurrent use, by this and other processes.
type DB struct {
	// Now returns the current time. Tests replace it; set it before
	// calling other methods.
	Now func() time.Time

	pool  *pgxpool.Pool // the work
	locks *pgxpool.Pool // conversation locks and claims (lock.go)
	where string        // host:port/database, for messages (no password)

	heldMu sync.Mutex
	held   map[*pgxpool.Conn]bool // connections holding a lock
}

// OpenError says why the database could not be reached or used. It names
// the server and database, never the password.
type OpenError struct {
	Where  string // host:port/database, or the URL with its password hidden
	Reason string // in a few words
	Err    error
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("cannot open PostgreSQL database %s: %s; check --db or PIVOT_DB", e.Where, e.Reason)
}

func (e *OpenError) Unwrap() error { return e.Err }

// NewerSchemaError: the database was migrated by a newer Pivot. Nothing
// was written to it.
type NewerSchemaError struct {
	Where   string
	Applied []string // migrations this Pivot does not know
	Known   int
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("PostgreSQL database %s was set up by a newer version of Pivot (migrations %s; this one knows %d), so it was left untouched; upgrade this Pivot to the version the other instances run",
		e.Where, strings.Join(e.Applied, ", "), e.Known)
}

// ForeignDatabaseError: the database holds another program's tables with
// the names Pivot uses. Nothing was written to it.
type ForeignDatabaseError struct {
	Where  string
	Tables []string
}

func (e *ForeignDatabaseError) Error() string {
	return fmt.Sprintf("PostgreSQL database %s already has tables named %s but is not a Pivot database, so it was left untouched; give Pivot a database (or schema, with search_path) of its own",
		e.Where, strings.Join(e.Tables, ", "))
}

// Open connects to the database at url (postgres://user:pass@host/db?…),
// checks it is reachable and the password good, and applies any
// migrations not yet applied. It fails within a few seconds when the
// server is not there (connect_timeout in the URL overrides).
func Open(ctx context.Context, rawURL string) (*DB, error) {
	where := redact(rawURL)
	withTimeout := withConnectTimeout(rawURL)
	cfg, err := pgxpool.ParseConfig(withTimeout)
	if err != nil {
		// pgx quotes the URL with its password hidden; show it as given.
		msg := strings.Replace(err.Error(), withTimeout[len(rawURL):], "", 1)
		return nil, &OpenError{Where: where, Reason: "the URL is not a valid PostgreSQL URL (" + msg + ")", Err: err}
	}
	if !strings.Contains(rawURL, "pool_max_conns=") {
		// pgxpool's default (4, or the CPUs) queues turns behind each
		// other on a small machine; the server's default allows 100.
		cfg.MaxConns = workConns
	}
	cc := cfg.ConnConfig
	where = fmt.Sprintf("%s/%s", hostPort(cc.Host, cc.Port), cc.Database)
	db := &DB{Now: time.Now, where: where, held: map[*pgxpool.Conn]bool{}}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, db.openFailed(err, cc.Password)
	}
	lcfg := cfg.Copy()
	lcfg.MaxConns = lockConns
	lcfg.MinConns = 0
	if db.locks, err = pgxpool.NewWithConfig(ctx, lcfg); err != nil {
		db.pool.Close()
		return nil, db.openFailed(err, cc.Password)
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.Close()
		return nil, db.openFailed(err, cc.Password)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		var ne *NewerSchemaError
		var fe *ForeignDatabaseError
		if errors.As(err, &ne) || errors.As(err, &fe) {
			return nil, err
		}
		return nil, db.openFailed(err, cc.Password)
	}
	if _, err := db.ForgetOldEvents(ctx); err != nil {
		db.Close()
		return nil, db.openFailed(err, cc.Password)
	}
	return db, nil
}

// Where is the server and database, host:port/database.
func (db *DB) Where() string { return db.where }

// Close closes the connections (a conversation lock still held is
// released by the server as its connection goes).
func (db *DB) Close() error {
	db.closeHeld()
	if db.locks != nil {
		db.locks.Close()
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return nil
}

// Ping checks the server answers (for health checks).
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// openFailed turns a connection error into an *OpenError with a plain
// reason.
func (db *DB) openFailed(err error, password string) error {
	return &OpenError{Where: db.where, Reason: hidePassword(reason(err), password), Err: err}
}

// reason says in a few words why connecting or migrating failed.
func reason(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "28P01" || pe.Code == "28000":
			return "the server refused the user name or password (" + pe.Message + ")"
		case pe.Code == "3D000":
			return "there is no such database on the server (" + pe.Message + "); create it first (createdb)"
		case pe.Code == "42501":
			return "the user may not do that here (" + pe.Message + "); it needs to create tables in this database"
		case pe.Code == "57P03":
			return "the server is starting up or shutting down (" + pe.Message + ")"
		case pe.Code == "53300":
			return "the server has no connections left (" + pe.Message + ")"
		}
		return fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return "the host name is not known (" + dnsErr.Error() + ")"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing is listening there (connection refused): is PostgreSQL running, on that host and port?"
	case errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOENT):
		return "there is no PostgreSQL socket there: is the server running, with that socket directory?"
	case strings.Contains(err.Error(), "invalid body length"):
		return "what answered there is not a PostgreSQL server (" + err.Error() + ")"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "the server did not answer in time (unreachable, or a firewall drops the connection)"
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// hidePassword replaces the password, wherever it appears in msg.
func hidePassword(msg, password string) string {
	if password == "" {
		return msg
	}
	return strings.ReplaceAll(msg, password, "xxxxx")
}

// redact is the URL with any password hidden, for messages about a URL
// that could not be parsed.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Unparseable: show only the scheme and what follows the last @.
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return "postgres://…@" + raw[i+1:]
		}
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// withConnectTimeout adds connect_timeout to a URL that has none.
func withConnectTimeout(raw string) string {
	if strings.Contains(raw, "connect_timeout=") {
		return raw
	}
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return fmt.Sprintf("%s%sconnect_timeout=%d", raw, sep, int(connectTimeout.Seconds()))
}

func hostPort(host string, port uint16) string {
	if strings.HasPrefix(host, "/") {
		return fmt.Sprintf("%s (socket, port %d)", host, port)
	}
	return net.JoinHostPort(host, fmt.Sprint(port))
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

// migrationLock is the advisory lock key taken while migrating, so
// instances starting together apply each migration once.
const migrationLock = 0x50495654 // "PIVT"

// ourTables are the tables the migrations make: one of them in a
// database without pivot_migrations is another program's.
var ourTables = []string{"sessions", "turns", "events", "group_exercises", "trainers", "aggregates", "forget_requests", "undone_turns"}

// migrate applies the embedded migrations not yet recorded in
// pivot_migrations, in one transaction, under an advisory lock. A
// database with migrations this Pivot does not know is refused before
// anything is written.
func (db *DB) migrate(ctx context.Context) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return err
	}
	var present []string
	rows, err := tx.Query(ctx, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name = ANY($1) ORDER BY 1`,
		append([]string{"pivot_migrations"}, ourTables...))
	if err != nil {
		return err
	}
	if present, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return err
	}
	var applied []string
	if slices.Contains(present, "pivot_migrations") {
		rows, err := tx.Query(ctx, `SELECT name FROM pivot_migrations ORDER BY name`)
		if err != nil {
			return err
		}
		if applied, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
	} else if len(present) > 0 {
		return &ForeignDatabaseError{Where: db.where, Tables: present}
	}
	known := migrations()
	var unknown []string
	for _, name := range applied {
		if !slices.Contains(known, name) {
			unknown = append(unknown, strings.TrimPrefix(name, "migrations/"))
		}
	}
	if len(unknown) > 0 {
		return &NewerSchemaError{Where: db.where, Applied: unknown, Known: len(known)}
	}
	if len(applied) == len(known) {
		return nil // nothing to do: write nothing
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS pivot_migrations (
		name       text        PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return fmt.Errorf("creating pivot_migrations: %w", err)
	}
	for _, name := range known {
		if slices.Contains(applied, name) {
			continue
		}
		body, err := fs.ReadFile(migrationFS, name)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO pivot_migrations (name, applied_at) VALUES ($1, $2)`, name, db.now()); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return tx.Commit(ctx)
}

// now is the current time, UTC, to the millisecond (as bot/sqlite stores
// it, so both stores give back the same times).
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Millisecond) }

// ms truncates t to the millisecond, UTC.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
