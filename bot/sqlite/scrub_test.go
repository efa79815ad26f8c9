package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// secret is text only the forgotten trainee typed; long lines reach
// overflow pages too.
func secret(user string, n int) string {
	s := fmt.Sprintf("SECRET-%s-%d he hits me when the boys are asleep ", user, n)
	if n%3 == 0 {
		s += strings.Repeat("and nobody knows "+user+" ", 200)
	}
	return s
}

// sessionWithWords stores a session of user with turns whose text,
// reply, assessment and trace all carry the user's secret words.
func sessionWithWords(t testing.TB, db *DB, user string, turns int, end bool) {
	t.Helper()
	ctx := context.Background()
	s := newSession(t, db, conv(user, fmt.Sprint(time.Now().UnixNano())), "jennifer")
	st := s.State
	for n := 1; n <= turns; n++ {
		var tn dialogue.Turn
		tn, st = turn(st, n, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
		tn.Text = secret(user, n)
		tn.Assessment.Text = tn.Text
		tn.Trace = []string{"heard " + tn.Text}
		if err := db.SaveTurn(ctx, s.ID, tn, st); err != nil {
			t.Fatal(err)
		}
	}
	if end {
		if err := db.EndSession(ctx, s.ID, st); err != nil {
			t.Fatal(err)
		}
	}
}

// rawContains reports which of the database's files hold needle.
func rawContains(t *testing.T, path, needle string) []string {
	t.Helper()
	var in []string
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if n := bytes.Count(b, []byte(needle)); n > 0 {
			in = append(in, fmt.Sprintf("%s (%d times)", filepath.Base(f), n))
		}
	}
	return in
}

func TestForgottenWordsAreNotInTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pivot.db")
	db := open(t, path, newClock())
	for range 3 {
		sessionWithWords(t, db, "ALICE", 12, false)
		sessionWithWords(t, db, "BOBBY", 12, false)
	}
	// Let the background checkpoint copy everything into the main file,
	// as it would have long before a trainee asks to be forgotten.
	time.Sleep(3 * checkpointEvery)
	if in := rawContains(t, path, "SECRET-ALICE"); len(in) == 0 {
		t.Fatal("test is broken: the words were never in the file")
	}
	if n, err := db.ForgetUser(ctx, "slack", "ALICE"); err != nil || n != 3 {
		t.Fatalf("ForgetUser = %d, %v", n, err)
	}
	for _, w := range []string{"SECRET-ALICE", "nobody knows ALICE"} {
		if in := rawContains(t, path, w); len(in) > 0 {
			t.Errorf("after forget, %q is still in %v", w, in)
		}
	}
	if in := rawContains(t, path, "SECRET-BOBBY"); len(in) == 0 {
		t.Error("the other trainee's words are gone too")
	}
	if got := pragma(t, db.w, "freelist_count"); got != "0" {
		t.Errorf("%s free pages left after the incremental vacuum, want 0", got)
	}
	db.Close()
	if in := rawContains(t, path, "SECRET-ALICE"); len(in) > 0 {
		t.Errorf("after close, forgotten words in %v", in)
	}
}

func TestPurgedWordsAreNotInTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pivot.db")
	clk := newClock()
	db := open(t, path, clk)
	for range 3 {
		sessionWithWords(t, db, "OLDIE", 12, true)
	}
	clk.Advance(48 * time.Hour)
	cutoff := clk.Now()
	sessionWithWords(t, db, "NEWIE", 12, true)
	time.Sleep(3 * checkpointEvery)
	if n, err := db.PurgeKeepingAggregates(ctx, cutoff); err != nil || n != 3 {
		t.Fatalf("PurgeKeepingAggregates = %d, %v", n, err)
	}
	if in := rawContains(t, path, "SECRET-OLDIE"); len(in) > 0 {
		t.Errorf("after retention, purged words are still in %v", in)
	}
	if in := rawContains(t, path, "SECRET-NEWIE"); len(in) == 0 {
		t.Error("the kept session's words are gone too")
	}
	sessionWithWords(t, db, "OLDER", 5, true)
	clk.Advance(48 * time.Hour)
	if _, err := db.PurgeOlderThan(ctx, clk.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if in := rawContains(t, path, "SECRET-OLDER"); len(in) > 0 {
		t.Errorf("after PurgeOlderThan, purged words are still in %v", in)
	}
}

func TestOpenTurnsOnSecureDeleteAndIncrementalVacuum(t *testing.T) {
	db := open(t, "", nil)
	if got := pragma(t, db.w, "secure_delete"); got != "1" {
		t.Errorf("secure_delete = %s, want 1", got)
	}
	if got := pragma(t, db.w, "auto_vacuum"); got != "2" {
		t.Errorf("auto_vacuum = %s, want 2 (incremental)", got)
	}
}

func TestOlderFileIsConvertedToIncrementalVacuum(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pivot.db")
	db := open(t, path, nil)
	sessionWithWords(t, db, "ALICE", 3, false)
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA auto_vacuum = NONE; VACUUM`); err != nil {
		t.Fatal(err)
	}
	if got := pragma(t, raw, "auto_vacuum"); got != "0" {
		t.Fatalf("test is broken: auto_vacuum = %s", got)
	}
	raw.Close()
	db = open(t, path, nil)
	if got := pragma(t, db.w, "auto_vacuum"); got != "2" {
		t.Errorf("auto_vacuum after reopening an older file = %s, want 2", got)
	}
	if n, err := db.ForgetUser(context.Background(), "slack", "ALICE"); err != nil || n != 1 {
		t.Fatalf("ForgetUser = %d, %v", n, err)
	}
	if in := rawContains(t, path, "SECRET-ALICE"); len(in) > 0 {
		t.Errorf("forgotten words in %v", in)
	}
}

// BenchmarkForgetUser: forgetting one trainee (5 sessions × 20 turns)
// among 200 others, with the scrub (secure_delete, incremental vacuum,
// TRUNCATE checkpoint) and, for comparison, a bare DELETE.
func BenchmarkForgetUser(b *testing.B) {
	for _, mode := range []string{"scrubbed", "bare-delete"} {
		b.Run(mode, func(b *testing.B) {

			path := filepath.Join(b.TempDir(), "pivot.db")
			db, err := Open(context.Background(), path)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if mode == "bare-delete" {
				if _, err := db.w.Exec(`PRAGMA secure_delete = 0`); err != nil {
					b.Fatal(err)
				}
			}
			for i := range 200 {
				sessionWithWords(b, db, fmt.Sprint("OTHER", i), 20, true)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				user := fmt.Sprint("GONE", i)
				for range 5 {
					sessionWithWords(b, db, user, 20, true)
				}
				b.StartTimer()
				if mode == "bare-delete" {
					_, err = db.w.Exec(`DELETE FROM sessions WHERE platform = 'slack' AND user = ?`, user)
				} else {
					_, err = db.ForgetUser(context.Background(), "slack", user)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSaveTurn: one committed turn with secure_delete on (as
// shipped) and off, to show what zeroing freed space costs per turn.
func BenchmarkSaveTurn(b *testing.B) {
	for _, mode := range []string{"secure_delete=1", "secure_delete=0"} {
		b.Run(mode, func(b *testing.B) {
			db, err := Open(context.Background(), filepath.Join(b.TempDir(), "pivot.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.w.Exec(`PRAGMA ` + mode); err != nil {
				b.Fatal(err)
			}
			s := &bot.Session{Conv: conv("U", "b"), ScenarioID: "jennifer", State: dialogue.State{Scenario: "jennifer", LastUsed: map[string]int{}}}
			if err := db.CreateSession(context.Background(), s); err != nil {
				b.Fatal(err)
			}
			st := s.State
			b.ResetTimer()
			for n := 1; n <= b.N; n++ {
				var tn dialogue.Turn
				tn, st = turn(st, n, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
				tn.Text = secret("U", n%3+1)
				if err := db.SaveTurn(context.Background(), s.ID, tn, st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
