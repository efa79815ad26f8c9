package bot_test

// Faults in storage: a database locked by another writer, a full disk.
// In each the trainee is told plainly that nothing was changed, and
// nothing was: the session's state and its turns are as before, and the
// next reply, once the fault clears, is the turn that failed.

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/bottest"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

type faultRig struct {
	t     *testing.T
	store *sqlite.DB
	bot   *bot.Bot
	chat  *bottest.Adapter
	conv  bot.Conversation
}

func newFaultRig(t *testing.T, path string) *faultRig {
	t.Helper()
	store, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	r := &faultRig{t: t, store: store, chat: &bottest.Adapter{},
		bot:  bot.New(store, lib, bot.WithSeed(func(bot.Conversation, string) int64 { return 3 })),
		conv: bot.Conversation{Platform: "test", Channel: "C1", Thread: "T1", User: "U1"}}
	if _, err := r.bot.Start(context.Background(), r.chat, r.conv, "jennifer"); err != nil {
		t.Fatal(err)
	}
	return r
}

// fork starts another session on the same store and bot, in thread.
func (r *faultRig) fork(t *testing.T, thread string) *faultRig {
	t.Helper()
	f := &faultRig{t: t, store: r.store, bot: r.bot, chat: &bottest.Adapter{}, conv: r.conv.InThread(thread)}
	if _, err := f.bot.Start(context.Background(), f.chat, f.conv, "jennifer"); err != nil {
		t.Fatal(err)
	}
	return f
}

// say plays one line and returns the turn number the character answered
// (0: no answer) and Handle's error.
func (r *faultRig) say(ctx context.Context, text string) (int, error) {
	r.chat.Reset()
	err := r.bot.Handle(ctx, r.chat, bot.Event{Conv: r.conv, Text: text})
	for _, m := range r.chat.Messages() {
		if m.Message.Kind == bot.KindCharacter && m.Message.Turn != nil {
			return m.Message.Turn.Number, err
		}
	}
	return 0, err
}

// mustSay plays a line that must be answered as turn want.
func (r *faultRig) mustSay(text string, want int) {
	r.t.Helper()
	n, err := r.say(context.Background(), text)
	if err != nil || n != want {
		r.t.Fatalf("%q: answered as turn %d (%v), want turn %d", text, n, err, want)
	}
}

// consistent checks the stored session: turns 1..n with no gap, and the
// state's turn count n. It returns n.
func (r *faultRig) consistent() int {
	r.t.Helper()
	s, err := r.store.OpenSession(context.Background(), r.conv)
	if err != nil {
		r.t.Fatalf("session: %v", err)
	}
	recs, err := r.store.Turns(context.Background(), s.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	for i, rec := range recs {
		if rec.Turn.Number != i+1 {
			r.t.Fatalf("turn %d stored as number %d", i+1, rec.Turn.Number)
		}
	}
	if s.State.Turn != len(recs) {
		r.t.Fatalf("state says %d turns, %d stored: half-written", s.State.Turn, len(recs))
	}
	return len(recs)
}

// toldNothingChanged checks the trainee got the plain failure notice and
// no character reply.
func (r *faultRig) toldNothingChanged() {
	r.t.Helper()
	msgs := r.chat.Messages()
	if len(msgs) != 1 || msgs[0].Message.Kind != bot.KindNotice ||
		!strings.Contains(msgs[0].Message.Text, "something went wrong while saving your reply, and nothing was changed") {
		r.t.Fatalf("trainee should be told nothing was changed, got %+v", msgs)
	}
	if strings.Contains(strings.ToLower(msgs[0].Message.Text), "sqlite") || strings.Contains(msgs[0].Message.Text, "locked") {
		r.t.Errorf("the notice leaks details: %q", msgs[0].Message.Text)
	}
}

// holdWriteLock opens a second connection to the file and holds SQLite's
// write lock (an open IMMEDIATE transaction that has written) until the
// returned function is called.
func holdWriteLock(t *testing.T, path string) func() {
	t.Helper()
	other, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(100)")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE sessions SET updated_at = updated_at`); err != nil {
		t.Fatal(err)
	}
	return func() {
		_ = tx.Rollback()
		_ = other.Close()
	}
}

// Another writer holds the database past the turn's deadline: SaveTurn
// fails, the trainee is told nothing was changed, the session is as it
// was, and the same reply is turn 3 again once the lock is gone.
func TestLockedDatabaseTellsTheTraineeAndChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pivot.db")
	r := newFaultRig(t, path)
	r.mustSay("Hi Jennifer, is it safe to talk just now?", 1)
	r.mustSay("How are the boys doing?", 2)

	release := holdWriteLock(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	n, err := r.say(ctx, "What happens when Brian has been drinking?")
	cancel()
	release()
	if err == nil || n != 0 {
		t.Fatalf("turn under a held lock: answered %d, err %v; want a failure", n, err)
	}
	r.toldNothingChanged()
	if got := r.consistent(); got != 2 {
		t.Fatalf("after the failed turn %d turns are stored, want 2", got)
	}
	r.mustSay("What happens when Brian has been drinking?", 3)
	r.consistent()
}

// The same with SQLite's own busy_timeout (5 s) running out, with no
// deadline on the turn: SQLITE_BUSY. Opt-in (it takes 5 s).
func TestBusyTimeoutTellsTheTraineeAndChangesNothing(t *testing.T) {
	if os.Getenv("PIVOT_LOAD") == "" {
		t.Skip("takes 5 s (SQLite's busy_timeout); run with PIVOT_LOAD=1")
	}
	path := filepath.Join(t.TempDir(), "pivot.db")
	r := newFaultRig(t, path)
	r.mustSay("Hi Jennifer, is it safe to talk just now?", 1)
	release := holdWriteLock(t, path)
	n, err := r.say(context.Background(), "How are the boys doing?")
	release()
	if err == nil || n != 0 || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("answered %d, err %v; want SQLITE_BUSY (database is locked)", n, err)
	}
	r.toldNothingChanged()
	if got := r.consistent(); got != 1 {
		t.Fatalf("%d turns stored, want 1", got)
	}
	r.mustSay("How are the boys doing?", 2)
}

// A real full disk: the database on a 2 MB tmpfs, filled up by another
// file. SaveTurn fails with SQLITE_FULL, the trainee is told, nothing is
// half-written, and once space is freed the reply goes through as the
// same turn. Needs root (mount); skipped otherwise.
func TestFullDiskTellsTheTraineeAndChangesNothing(t *testing.T) {
	dir := mountTmpfs(t, "2m")
	path := filepath.Join(dir, "pivot.db")
	r := newFaultRig(t, path)
	r.mustSay("Hi Jennifer, is it safe to talk just now?", 1)
	r.mustSay("How are the boys doing?", 2)

	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)
	var failed bool
	long := strings.Repeat("Can you tell me what a normal week looks like for you and the boys? ", 55)
	for i := 0; i < 50 && !failed; i++ { // the WAL may have room for a few turns
		n, err := r.say(context.Background(), long)
		if err != nil {
			failed = true
			if !strings.Contains(err.Error(), "full") {
				t.Errorf("error should say the disk is full: %v", err)
			}
			if n != 0 {
				t.Errorf("a failed turn was answered as turn %d", n)
			}
			r.toldNothingChanged()
			t.Logf("turn failed on the full disk: %v", err)
		}
	}
	if !failed {
		t.Fatal("no turn failed on a full disk")
	}
	stored := r.consistent()
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	r.mustSay("Thanks for telling me that.", stored+1)
	r.consistent()
}

// mountTmpfs mounts a tmpfs of the given size for the test, or skips.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root; the full-disk test is skipped")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); the full-disk test is skipped", err, strings.TrimSpace(string(out)))
	}
	// Registered after TempDir's own cleanup, so it runs first.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes to path until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, os.ErrNotExist) && !strings.Contains(err.Error(), "no space") {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
}
