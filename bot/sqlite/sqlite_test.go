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

func TestSessionAndTurnsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pivot.db")
	clk := newClock()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = clk.Now
	c := conv("U1", "1700000000.0001")
	s := newSession(t, db, c, "jennifer")
	st := s.State
	var want []dialogue.Turn
	for i, p := range []dialogue.Phase{dialogue.Engagement, dialogue.Worries} {
		clk.Advance(time.Minute)
		tn, next := turn(st, i+1, dialogue.NonBlaming, p, dialogue.OpenQuestion, fmt.Sprintf("d%d", i))
		if i == 1 { // the fields only some turns have
			tn.Cut, tn.Clarify, tn.Fallback, tn.Ended = true, true, true, true
			tn.Reaction = dialogue.SurvivorBlame
			tn.Assessment.Findings = []dialogue.Finding{{Kind: dialogue.ChildImpact, Span: [2]int{0, 5}, Words: "reply", Why: "because"}}
		}
		if err := db.SaveTurn(ctx, s.ID, tn, next); err != nil {
			t.Fatal(err)
		}
		want, st = append(want, tn), next
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, path, clk)
	got, err := db.OpenSession(ctx, c)
	if err != nil {
		t.Fatalf("session lost on restart: %v", err)
	}
	if got.ID != s.ID || got.Conv != c || got.ScenarioID != "jennifer" || !got.Coach || got.Status != bot.SessionOpen {
		t.Errorf("session after restart = %+v", got)
	}
	if !reflect.DeepEqual(got.State, st) {
		t.Errorf("state after restart = %+v, want %+v", got.State, st)
	}
	if !got.StartedAt.Equal(s.StartedAt) || !got.UpdatedAt.Equal(clk.Now()) || !got.EndedAt.IsZero() {
		t.Errorf("times after restart: started %v updated %v ended %v; want %v, %v, zero",
			got.StartedAt, got.UpdatedAt, got.EndedAt, s.StartedAt, clk.Now())
	}
	recs, err := db.Turns(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(want) {
		t.Fatalf("%d turns after restart, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if !reflect.DeepEqual(r.Turn, want[i]) {
			t.Errorf("turn %d after restart =\n%+v\nwant\n%+v", i+1, r.Turn, want[i])
		}
		if r.SessionID != s.ID || !r.At.Equal(s.StartedAt.Add(time.Duration(i+1)*time.Minute)) {
			t.Errorf("turn %d: session %d at %v", i+1, r.SessionID, r.At)
		}
	}
}

func TestSaveTurnIsAtomic(t *testing.T) {
	ctx := context.Background()
	db := open(t, "", newClock())
	s := newSession(t, db, conv("U1", ""), "jennifer")
	t1, st1 := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t1, st1); err != nil {
		t.Fatal(err)
	}

	// Turn 1 again, with a different text and state: refused, and neither
	// the turn nor the state changes.
	dup, st2 := turn(st1, 1, dialogue.Blaming, dialogue.Worries, dialogue.ClosedQuestion)
	dup.Text = "overwritten?"
	st2.Trust = 99
	err := db.SaveTurn(ctx, s.ID, dup, st2)
	if !errors.Is(err, ErrDuplicateTurn) {
		t.Fatalf("duplicate turn: err = %v, want ErrDuplicateTurn", err)
	}
	got, err := db.OpenSession(ctx, s.Conv)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.State, st1) {
		t.Errorf("state changed by a failed SaveTurn: %+v, want %+v", got.State, st1)
	}
	recs, err := db.Turns(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Turn.Text != t1.Text {
		t.Errorf("turns after duplicate = %+v, want only the first", recs)
	}

	// An unknown session stores nothing.
	if err := db.SaveTurn(ctx, s.ID+100, t1, st1); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("SaveTurn on unknown session: err = %v, want ErrNotFound", err)
	}
	var n int
	if err := db.r.QueryRow(`SELECT COUNT(*) FROM turns`).Scan(&n); err != nil || n != 1 {
		t.Errorf("turns table has %d rows (%v), want 1", n, err)
	}

	// A cancelled context stores nothing either.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	t2, st3 := turn(st1, 2, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
	if err := db.SaveTurn(cancelled, s.ID, t2, st3); err == nil {
		t.Error("SaveTurn with a cancelled context succeeded")
	}
	if recs, _ := db.Turns(ctx, s.ID); len(recs) != 1 {
		t.Errorf("%d turns after a cancelled SaveTurn, want 1", len(recs))
	}
}

func TestFirstDelivery(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pivot.db")
	db := open(t, path, nil)
	for i, want := range []bool{true, false, false} {
		got, err := db.FirstDelivery(ctx, "Ev01")
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("delivery %d: first = %v, want %v", i+1, got, want)
		}
	}
	db.Close()
	db = open(t, path, nil)
	if first, err := db.FirstDelivery(ctx, "Ev01"); err != nil || first {
		t.Errorf("after reopening: first = %v, %v; want false", first, err)
	}
	if first, err := db.FirstDelivery(ctx, "Ev02"); err != nil || !first {
		t.Errorf("a new event: first = %v, %v; want true", first, err)
	}
}

func TestOpenSessionIgnoresEndedSessions(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db := open(t, "", clk)
	c := conv("U1", "")
	if _, err := db.OpenSession(ctx, c); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("OpenSession with none: err = %v, want ErrNotFound", err)
	}
	s := newSession(t, db, c, "jennifer")
	if _, err := db.OpenSession(ctx, conv("U2", "")); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("another user's conversation: err = %v, want ErrNotFound", err)
	}
	// One open session per conversation.
	if err := db.CreateSession(ctx, &bot.Session{Conv: c, ScenarioID: "marcus"}); !errors.Is(err, ErrSessionOpen) {
		t.Errorf("second open session: err = %v, want ErrSessionOpen", err)
	}

	clk.Advance(time.Hour)
	final := s.State
	final.Ended = true
	if err := db.EndSession(ctx, s.ID, final); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OpenSession(ctx, c); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("OpenSession after end: err = %v, want ErrNotFound", err)
	}
	ended, err := db.Sessions(ctx, bot.SessionFilter{Status: bot.SessionEnded})
	if err != nil {
		t.Fatal(err)
	}
	if len(ended) != 1 || !ended[0].EndedAt.Equal(clk.Now()) || !ended[0].State.Ended {
		t.Errorf("ended sessions = %+v, want session %d ended at %v with its final state", ended, s.ID, clk.Now())
	}

	// A new session in the same conversation is the open one.
	s2 := newSession(t, db, c, "marcus")
	got, err := db.OpenSession(ctx, c)
	if err != nil || got.ID != s2.ID {
		t.Errorf("OpenSession = %v, %v; want session %d", got, err, s2.ID)
	}
	if err := db.EndSession(ctx, 9999, final); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("EndSession of unknown session: err = %v, want ErrNotFound", err)
	}
}

func TestLatestOpenSessionPicksMostRecentlyUpdated(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db := open(t, "", clk)
	older := newSession(t, db, conv("U1", "t1"), "jennifer")
	clk.Advance(time.Minute)
	newer := newSession(t, db, conv("U1", "t2"), "jennifer")
	clk.Advance(time.Minute)
	marcus := newSession(t, db, conv("U1", "t3"), "marcus")
	clk.Advance(time.Minute)
	newSession(t, db, conv("U2", "t4"), "jennifer") // someone else's

	latest := func(scenario string) int64 {
		t.Helper()
		s, err := db.LatestOpenSession(ctx, "slack", "U1", scenario)
		if err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	if got := latest(""); got != marcus.ID {
		t.Errorf("latest of any scenario = %d, want %d", got, marcus.ID)
	}
	if got := latest("jennifer"); got != newer.ID {
		t.Errorf("latest jennifer = %d, want %d", got, newer.ID)
	}

	// A turn in the older session makes it the most recently updated.
	clk.Advance(time.Minute)
	tn, st := turn(older.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, older.ID, tn, st); err != nil {
		t.Fatal(err)
	}
	if got := latest(""); got != older.ID {
		t.Errorf("after a turn, latest = %d, want %d", got, older.ID)
	}

	// Ended sessions are not offered.
	if err := db.EndSession(ctx, older.ID, st); err != nil {
		t.Fatal(err)
	}
	if got := latest("jennifer"); got != newer.ID {
		t.Errorf("after ending, latest jennifer = %d, want %d", got, newer.ID)
	}
	if _, err := db.LatestOpenSession(ctx, "slack", "U1", "nobody"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("unknown scenario: err = %v, want ErrNotFound", err)
	}
	if _, err := db.LatestOpenSession(ctx, "terminal", "U1", ""); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("other platform: err = %v, want ErrNotFound", err)
	}
}

func TestListOpenSessions(t *testing.T) {
	ctx := context.Background()
	db := open(t, "", newClock())
	a := newSession(t, db, conv("U1", "t1"), "jennifer")
	b := newSession(t, db, conv("U2", "t2"), "jennifer")
	ended := newSession(t, db, conv("U3", "t3"), "jennifer")
	if err := db.EndSession(ctx, ended.ID, ended.State); err != nil {
		t.Fatal(err)
	}
	term := newSession(t, db, bot.Conversation{Platform: "terminal", User: "me"}, "jennifer")

	ids := func(platform string) []int64 {
		ss, err := db.ListOpenSessions(ctx, platform)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return out
	}
	if got, want := ids("slack"), []int64{a.ID, b.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("open on slack = %v, want %v", got, want)
	}
	if got, want := ids("terminal"), []int64{term.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("open on terminal = %v, want %v", got, want)
	}
}

func TestUpdateSession(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db := open(t, "", clk)
	s := newSession(t, db, conv("U1", ""), "jennifer")
	clk.Advance(time.Minute)
	s.Coach = false
	s.State.Hints = 2
	if err := db.UpdateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := db.OpenSession(ctx, s.Conv)
	if err != nil {
		t.Fatal(err)
	}
	if got.Coach || got.State.Hints != 2 || !got.UpdatedAt.Equal(clk.Now()) {
		t.Errorf("after update: coach %v hints %d updated %v", got.Coach, got.State.Hints, got.UpdatedAt)
	}
	s.Status = bot.SessionEnded
	if err := db.UpdateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if s.EndedAt.IsZero() {
		t.Error("UpdateSession to ended did not set EndedAt")
	}
	if _, err := db.OpenSession(ctx, s.Conv); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("after UpdateSession to ended: err = %v, want ErrNotFound", err)
	}
	if err := db.UpdateSession(ctx, &bot.Session{ID: 9999}); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("unknown session: err = %v, want ErrNotFound", err)
	}
}

func TestSessionsFigures(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db := open(t, "", clk)

	first := newSession(t, db, conv("U1", "t1"), "jennifer")
	st := first.State
	for i, tc := range []struct {
		label     dialogue.Label
		phase     dialogue.Phase
		q         dialogue.QuestionType
		disclosed []string
	}{
		{dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion, nil},
		{dialogue.Blaming, dialogue.Worries, dialogue.ClosedQuestion, nil},
		{dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion, []string{"fear"}},
		{dialogue.NonBlaming, dialogue.NextSteps, dialogue.NoQuestion, []string{"kids"}},
	} {
		clk.Advance(time.Minute)
		tn, next := turn(st, i+1, tc.label, tc.phase, tc.q, tc.disclosed...)
		if err := db.SaveTurn(ctx, first.ID, tn, next); err != nil {
			t.Fatal(err)
		}
		st = next
	}
	if err := db.EndSession(ctx, first.ID, st); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	second := newSession(t, db, conv("U1", "t2"), "marcus") // no turns yet
	clk.Advance(time.Hour)
	other := &bot.Session{Conv: conv("U2", "t3"), ScenarioID: "jennifer", GroupID: 42,
		State: dialogue.State{Scenario: "jennifer"}}
	if err := db.CreateSession(ctx, other); err != nil {
		t.Fatal(err)
	}

	rows, err := db.Sessions(ctx, bot.SessionFilter{Platform: "slack", User: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].ID != second.ID || rows[1].ID != first.ID {
		t.Fatalf("U1's sessions = %v, want %d then %d (newest first)", summaryIDs(rows), second.ID, first.ID)
	}
	got := rows[1]
	if got.Turns != 4 || got.NonBlaming != 3 || got.OpenShare != 0.5 {
		t.Errorf("figures: turns %d non-blaming %d open share %v; want 4, 3, 0.5", got.Turns, got.NonBlaming, got.OpenShare)
	}
	if want := []dialogue.Phase{dialogue.Engagement, dialogue.Worries, dialogue.NextSteps}; !reflect.DeepEqual(got.PhasesSeen, want) {
		t.Errorf("phases seen = %v, want %v", got.PhasesSeen, want)
	}
	if want := []string{"fear", "kids"}; !reflect.DeepEqual(got.Disclosures, want) {
		t.Errorf("disclosures = %v, want %v", got.Disclosures, want)
	}
	if got.KeyReached != 0 || got.KeyTotal != 0 {
		t.Errorf("key figures = %d of %d, want zero (the bot fills them)", got.KeyReached, got.KeyTotal)
	}
	if got.Status != bot.SessionEnded || got.ScenarioID != "jennifer" {
		t.Errorf("session fields = %+v", got.Session)
	}
	empty := rows[0]
	if empty.Turns != 0 || empty.NonBlaming != 0 || empty.OpenShare != 0 || empty.PhasesSeen != nil || empty.Disclosures != nil {
		t.Errorf("session without turns has figures %+v", empty)
	}

	for _, c := range []struct {
		name string
		f    bot.SessionFilter
		want []int64
	}{
		{"all", bot.SessionFilter{}, []int64{other.ID, second.ID, first.ID}},
		{"limit", bot.SessionFilter{Limit: 2}, []int64{other.ID, second.ID}},
		{"group", bot.SessionFilter{GroupID: 42}, []int64{other.ID}},
		{"open", bot.SessionFilter{Status: bot.SessionOpen}, []int64{other.ID, second.ID}},
		{"ended", bot.SessionFilter{Status: bot.SessionEnded}, []int64{first.ID}},
		{"since", bot.SessionFilter{Since: second.StartedAt}, []int64{other.ID, second.ID}},
		{"platform", bot.SessionFilter{Platform: "terminal"}, nil},
	} {
		rows, err := db.Sessions(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if got := summaryIDs(rows); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: sessions %v, want %v", c.name, got, c.want)
		}
	}
}

func summaryIDs(rows []bot.SessionSummary) []int64 {
	var out []int64
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func TestConcurrentSaveTurnLosesNothing(t *testing.T) {
	ctx := context.Background()
	db := open(t, "", nil)
	const sessions, turns = 8, 25
	var ss []*bot.Session
	for i := range sessions {
		ss = append(ss, newSession(t, db, conv(fmt.Sprintf("U%d", i), ""), "jennifer"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, sessions*turns*2)
	for _, s := range ss {
		wg.Go(func() {
			st := s.State
			for n := 1; n <= turns; n++ {
				tn, next := turn(st, n, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
				if err := db.SaveTurn(ctx, s.ID, tn, next); err != nil {
					errs <- err
					return
				}
				st = next
			}
		})
		// Readers alongside the writers, as history and reports would be.
		wg.Go(func() {
			for range turns {
				if _, err := db.Sessions(ctx, bot.SessionFilter{}); err != nil {
					errs <- err
					return
				}
				if _, err := db.Turns(ctx, s.ID); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rows, err := db.Sessions(ctx, bot.SessionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Turns != turns || r.State.Turn != turns {
			t.Errorf("session %d: %d turns stored, state at turn %d; want %d", r.ID, r.Turns, r.State.Turn, turns)
		}
	}
}

func TestForgetUser(t *testing.T) {
	ctx := context.Background()
	db := open(t, "", newClock())
	var mine []*bot.Session
	for i := range 2 {
		s := newSession(t, db, conv("U1", fmt.Sprint(i)), "jennifer")
		tn, st := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
		if err := db.SaveTurn(ctx, s.ID, tn, st); err != nil {
			t.Fatal(err)
		}
		mine = append(mine, s)
	}
	theirs := newSession(t, db, conv("U2", ""), "jennifer")
	tn, st := turn(theirs.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, theirs.ID, tn, st); err != nil {
		t.Fatal(err)
	}
	sameNameElsewhere := newSession(t, db, bot.Conversation{Platform: "terminal", User: "U1"}, "jennifer")

	n, err := db.ForgetUser(ctx, "slack", "U1")
	if err != nil || n != 2 {
		t.Fatalf("ForgetUser = %d, %v; want 2", n, err)
	}
	for _, s := range mine {
		if recs, _ := db.Turns(ctx, s.ID); len(recs) != 0 {
			t.Errorf("session %d still has %d turns", s.ID, len(recs))
		}
	}
	if rows, _ := db.Sessions(ctx, bot.SessionFilter{Platform: "slack", User: "U1"}); len(rows) != 0 {
		t.Errorf("forgotten user still has sessions %v", summaryIDs(rows))
	}
	var turnsLeft int
	if err := db.r.QueryRow(`SELECT COUNT(*) FROM turns`).Scan(&turnsLeft); err != nil || turnsLeft != 1 {
		t.Errorf("%d turns left (%v), want only the other user's 1", turnsLeft, err)
	}
	if _, err := db.OpenSession(ctx, theirs.Conv); err != nil {
		t.Errorf("other user's session: %v", err)
	}
	if _, err := db.OpenSession(ctx, sameNameElsewhere.Conv); err != nil {
		t.Errorf("same user id on another platform: %v", err)
	}
	if n, err := db.ForgetUser(ctx, "slack", "U1"); err != nil || n != 0 {
		t.Errorf("forgetting again = %d, %v; want 0", n, err)
	}
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

func TestQueriesHonourContext(t *testing.T) {
	db := open(t, "", nil)
	s := newSession(t, db, conv("U1", ""), "jennifer")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	checks := map[string]error{}
	_, checks["OpenSession"] = db.OpenSession(ctx, s.Conv)
	_, checks["LatestOpenSession"] = db.LatestOpenSession(ctx, "slack", "U1", "")
	_, checks["ListOpenSessions"] = db.ListOpenSessions(ctx, "slack")
	_, checks["Sessions"] = db.Sessions(ctx, bot.SessionFilter{})
	_, checks["Turns"] = db.Turns(ctx, s.ID)
	_, checks["FirstDelivery"] = db.FirstDelivery(ctx, "E1")
	checks["EndSession"] = db.EndSession(ctx, s.ID, s.State)
	checks["CreateSession"] = db.CreateSession(ctx, &bot.Session{Conv: conv("U9", ""), ScenarioID: "x"})
	for name, err := range checks {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", name, err)
		}
	}
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
