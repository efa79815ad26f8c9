package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// clock is a settable time for DB.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// open opens path (a new temp file if "") with the clock, closing it when
// the test ends.
func open(t *testing.T, path string, c *clock) *DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "pivot.db")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if c != nil {
		db.Now = c.Now
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func conv(user, thread string) bot.Conversation {
	return bot.Conversation{Platform: "slack", Workspace: "T1", Channel: "C1", Thread: thread, User: user}
}

func newSession(t testing.TB, db *DB, c bot.Conversation, scenario string) *bot.Session {
	t.Helper()
	s := &bot.Session{Conv: c, ScenarioID: scenario, Coach: true,
		State: dialogue.State{Scenario: scenario, Seed: 7, Trust: 50, LastUsed: map[string]int{}}}
	if err := db.CreateSession(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 {
		t.Fatal("CreateSession did not set the ID")
	}
	return s
}

// turn builds turn n with the given assessment figures, and the state after it.
func turn(st dialogue.State, n int, label dialogue.Label, phase dialogue.Phase, q dialogue.QuestionType, disclosed ...string) (dialogue.Turn, dialogue.State) {
	t := dialogue.Turn{
		Number: n,
		Text:   fmt.Sprintf("reply %d", n),
		Assessment: dialogue.Assessment{Text: fmt.Sprintf("reply %d", n), Role: dialogue.Survivor,
			Label: label, Phase: phase, Question: q},
		Intent:      "worries_general",
		ReplyID:     fmt.Sprintf("intents.worries_general.%d", n),
		Reply:       "I don't know.",
		TrustBefore: st.Trust,
		TrustAfter:  st.Trust + 1,
		Disclosed:   disclosed,
		Trace:       []string{fmt.Sprintf("turn %d", n)},
	}
	st.Turn = n
	st.Trust++
	st.Phases = append(append([]dialogue.Phase(nil), st.Phases...), phase)
	st.Disclosed = append(append([]string(nil), st.Disclosed...), disclosed...)
	st.LastUsed = map[string]int{t.ReplyID: n}
	return t, st
}

// pragma reads PRAGMA name on one of the DB's pools.
func pragma(t *testing.T, pool *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := pool.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestOpenSetsPragmas(t *testing.T) {
	db := open(t, "", nil)
	for _, c := range []struct {
		pool       string
		name, want string
	}{
		{"writer", "journal_mode", "wal"},
		{"reader", "journal_mode", "wal"},
		{"writer", "busy_timeout", "5000"},
		{"reader", "busy_timeout", "5000"},
		{"writer", "foreign_keys", "1"},
		{"writer", "synchronous", "1"}, // NORMAL
		{"reader", "query_only", "1"},
	} {
		pool := db.w
		if c.pool == "reader" {
			pool = db.r
		}
		if got := pragma(t, pool, c.name); got != c.want {
			t.Errorf("%s PRAGMA %s = %q, want %q", c.pool, c.name, got, c.want)
		}
	}
	if n := db.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool allows %d connections, want 1", n)
	}
	// The reader pool cannot write.
	if _, err := db.r.ExecContext(context.Background(), `DELETE FROM events`); err == nil {
		t.Error("reader pool accepted a write")
	}
}

func TestOpenMemory(t *testing.T) {
	db := open(t, Memory, nil)
	c := conv("U1", "")
	s := newSession(t, db, c, "jennifer")
	got, err := db.OpenSession(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != s.ID {
		t.Errorf("OpenSession = session %d, want %d", got.ID, s.ID)
	}
}

func TestOpenCreatesParentDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "pivot", "pivot.db")
	db := open(t, path, nil)
	newSession(t, db, conv("U1", ""), "jennifer")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
}

func TestOpenUnwritablePathNamesPathAndWhy(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, why string
	}{
		{"parent is a file", filepath.Join(file, "pivot.db"), "not a directory"},
		{"path is a directory", dir, "is a directory"},
	}
	if os.Geteuid() != 0 { // root may write anywhere
		locked := filepath.Join(dir, "locked")
		if err := os.Mkdir(locked, 0o500); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct{ name, path, why string }{
			"directory not writable", filepath.Join(locked, "pivot.db"), "permission denied"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, err := Open(context.Background(), c.path)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) succeeded", c.path)
			}
			var oe *OpenError
			if !errors.As(err, &oe) {
				t.Fatalf("error %T %v is not an *OpenError", err, err)
			}
			if oe.Path != c.path {
				t.Errorf("OpenError.Path = %q, want %q", oe.Path, c.path)
			}
			msg := err.Error()
			for _, want := range []string{c.path, c.why, "--db", "PIVOT_DB"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not mention %q", msg, want)
				}
			}
		})
	}
}

func TestOpenErrorReasons(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "open", Path: "/srv/pivot.db", Err: syscall.EACCES}, "permission denied"},
		{&fs.PathError{Op: "open", Path: "/srv/pivot.db", Err: syscall.EROFS}, "read-only file system"},
		{&fs.PathError{Op: "mkdir", Path: "/srv", Err: syscall.ENOTDIR}, "not a directory"},
	} {
		msg := (&OpenError{Path: "/srv/pivot.db", Err: c.err}).Error()
		if !strings.Contains(msg, c.want) || !strings.Contains(msg, "/srv/pivot.db") || !strings.Contains(msg, "--db or PIVOT_DB") {
			t.Errorf("message %q: want the path, %q and the --db / PIVOT_DB hint", msg, c.want)
		}
	}
}

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path)
	if err == nil {
		db.Close()
		t.Fatal("Open of a text file succeeded")
	}
	var oe *OpenError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "not a SQLite database") {
		t.Errorf("error = %v, want an OpenError saying the file is not a SQLite database", err)
	}
}

func TestMigrationsAreIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pivot.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(t, db, conv("U1", ""), "jennifer")
	db.Close()
	for range 2 {
		db, err = Open(context.Background(), path)
		if err != nil {
			t.Fatalf("reopening: %v", err)
		}
		var n int
		if err := db.r.QueryRow(`SELECT COUNT(*) FROM migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(mustGlob(t)) {
			t.Errorf("migrations table has %d rows, want %d", n, len(mustGlob(t)))
		}
		if _, err := db.OpenSession(context.Background(), s.Conv); err != nil {
			t.Errorf("session lost on reopening: %v", err)
		}
		db.Close()
	}
}

func mustGlob(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	return names
}

func summaryIDs(rows []bot.SessionSummary) []int64 {
	var out []int64
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func TestPurgeOlderThan(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db := open(t, "", clk)
	withTurn := func(user string) *bot.Session {
		s := newSession(t, db, conv(user, ""), "jennifer")
		tn, st := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
		if err := db.SaveTurn(ctx, s.ID, tn, st); err != nil {
			t.Fatal(err)
		}
		s.State = st
		return s
	}
	oldEnded := withTurn("U1")
	if err := db.EndSession(ctx, oldEnded.ID, oldEnded.State); err != nil {
		t.Fatal(err)
	}
	oldOpen := withTurn("U2")
	clk.Advance(48 * time.Hour)
	cutoff := clk.Now()
	clk.Advance(time.Hour)
	newEnded := withTurn("U3")
	if err := db.EndSession(ctx, newEnded.ID, newEnded.State); err != nil {
		t.Fatal(err)
	}

	n, err := db.PurgeOlderThan(ctx, cutoff)
	if err != nil || n != 1 {
		t.Fatalf("PurgeOlderThan = %d, %v; want 1", n, err)
	}
	if got := summaryIDs(mustSessions(t, db)); !reflect.DeepEqual(got, []int64{newEnded.ID, oldOpen.ID}) {
		t.Errorf("sessions left = %v, want %v", got, []int64{newEnded.ID, oldOpen.ID})
	}
	if recs, _ := db.Turns(ctx, oldEnded.ID); len(recs) != 0 {
		t.Errorf("purged session still has %d turns", len(recs))
	}
	for _, s := range []*bot.Session{oldOpen, newEnded} {
		if recs, _ := db.Turns(ctx, s.ID); len(recs) != 1 {
			t.Errorf("kept session %d has %d turns, want 1", s.ID, len(recs))
		}
	}
}

func mustSessions(t *testing.T, db *DB) []bot.SessionSummary {
	t.Helper()
	rows, err := db.Sessions(context.Background(), bot.SessionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Closing folds the write-ahead log back into the database file, so a
// closed database is one file a trainer can copy, and everything committed
// is in it.
func TestCloseLeavesOneSelfContainedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pivot.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, err := db.FirstDelivery(context.Background(), fmt.Sprintf("ev-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("a second Close should be harmless: %v", err)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		t.Fatalf("WAL still holds %d bytes after Close", fi.Size())
	}
	db2, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	first, err := db2.FirstDelivery(context.Background(), "ev-49")
	if err != nil || first {
		t.Fatalf("event recorded before Close was lost (first=%v, err=%v)", first, err)
	}
}

// Event ids are kept long enough to catch every re-delivery, then go, so
// the table does not grow for as long as the bot runs.
func TestOldEventIDsAreForgotten(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pivot.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return start }
	if first, _ := db.FirstDelivery(ctx, "old"); !first {
		t.Fatal("first delivery not recorded")
	}
	db.Now = func() time.Time { return start.Add(6 * 24 * time.Hour) }
	if first, _ := db.FirstDelivery(ctx, "recent"); !first {
		t.Fatal("first delivery not recorded")
	}
	db.Now = func() time.Time { return start.Add(8 * 24 * time.Hour) }
	n, err := db.ForgetOldEvents(ctx)
	if err != nil || n != 1 {
		t.Fatalf("want 1 old event forgotten, got %d (%v)", n, err)
	}
	if first, _ := db.FirstDelivery(ctx, "recent"); first {
		t.Fatal("a six-day-old event id must still count as seen")
	}
	db.Close()
}
