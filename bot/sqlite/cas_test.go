package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

func TestClaimOneOwnerPerConversation(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	path := t.TempDir() + "/pivot.db"
	a, b := open(t, path, clk), open(t, path, clk)
	key := conv("U1", "jennifer").Key()
	first, err := a.Claim(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	// A second process is refused, with who holds it.
	_, err = b.Claim(ctx, key)
	var held *ClaimedError
	if !errors.As(err, &held) || held.PID != os.Getpid() {
		t.Fatalf("second claim: err = %v, want *ClaimedError naming this process", err)
	}
	if !strings.Contains(err.Error(), "another pivot process") {
		t.Errorf("message %q does not say what is wrong", err)
	}
	// Another conversation is free.
	other, err := b.Claim(ctx, conv("U1", "magda").Key())
	if err != nil {
		t.Fatalf("claiming another conversation: %v", err)
	}
	defer other.Release(ctx)
	// Released, it can be claimed.
	if err := first.Release(ctx); err != nil {
		t.Fatal(err)
	}
	second, err := b.Claim(ctx, key)
	if err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	// Not renewed for longer than claimStaleAfter: taken over, and the
	// old holder learns it has lost it.
	clk.Advance(claimStaleAfter + time.Second)
	third, err := a.Claim(ctx, key)
	if err != nil {
		t.Fatalf("taking over a stale claim: %v", err)
	}
	defer third.Release(ctx)
	if err := second.Renew(ctx); !errors.Is(err, ErrClaimLost) {
		t.Errorf("renewing a claim taken over: err = %v, want ErrClaimLost", err)
	}
	select {
	case <-second.Lost():
	default:
		t.Error("Lost not closed")
	}
	second.Release(ctx)
}

func TestClaimOfADeadProcessIsTakenOver(t *testing.T) {
	ctx := context.Background()
	db := open(t, "", newClock())
	key := conv("U1", "jennifer").Key()
	// A process that was SIGKILLed leaves its claim behind.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true command:", err)
	}
	host, _ := os.Hostname()
	if _, err := db.w.Exec(`INSERT INTO claims VALUES (?, 'x', ?, ?, ?, ?)`, key, cmd.Process.Pid, host, ms(db.now()), ms(db.now())); err != nil {
		t.Fatal(err)
	}
	c, err := db.Claim(ctx, key)
	if err != nil {
		t.Fatalf("claim of a dead process: %v", err)
	}
	c.Release(ctx)
}

// Turns committed in groups: many writers at once, some of them stale,
// each turn stored or refused on its own, and the groups hold more than
// one turn.
func TestGroupCommitKeepsEachTurnAtomic(t *testing.T) {
	ctx := context.Background()
	db := open(t, "", nil)
	const sessions, turns = 40, 15
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
				// A stale copy of the same turn, as another process
				// would send: refused, alone.
				if err := db.SaveTurn(ctx, s.ID, tn, next); !errors.Is(err, ErrDuplicateTurn) {
					errs <- fmt.Errorf("stale turn %d of %d: %v", n, s.ID, err)
				}
				st = next
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
			t.Errorf("session %d: %d turns, state at %d; want %d", r.ID, r.Turns, r.State.Turn, turns)
		}
	}
	groups, stored := db.CommitGroups()
	t.Logf("%d turns (and refusals) in %d commits", stored, groups)
	if groups >= stored {
		t.Errorf("%d commits for %d turns: no turns were grouped", groups, stored)
	}
}

// A claim left by a killed terminal names the user; forgetting the user
// takes it too.
func TestForgetUserDropsLeftoverClaims(t *testing.T) {
	ctx := context.Background()
	db := open(t, "", newClock())
	s := newSession(t, db, conv("U1", "jennifer"), "jennifer")
	c, err := db.Claim(ctx, s.Conv.Key())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release(ctx)
	if _, err := db.ForgetUser(ctx, "slack", "U1"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.r.QueryRow(`SELECT COUNT(*) FROM claims`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d claims left after forgetting (%v)", n, err)
	}
}

// A turn refused inside a group changes nothing, not even the session's
// state: here the session's state is behind a turn already stored (as if
// written by hand), so the compare-and-set passes and the turn's row is
// the duplicate. The state stays as it was, the stored turn keeps its
// words, and the turns committed with it in the same group are kept.
func TestRefusedTurnLeavesTheSessionAsItWas(t *testing.T) {
	ctx := context.Background()
	db := open(t, "", newClock())
	s := newSession(t, db, conv("U1", ""), "jennifer")
	t1, st1 := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t1, st1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `UPDATE sessions SET turn = 0 WHERE id = ?`, s.ID); err != nil {
		t.Fatal(err)
	}
	var version int64
	if err := db.r.QueryRowContext(ctx, `SELECT version FROM sessions WHERE id = ?`, s.ID).Scan(&version); err != nil {
		t.Fatal(err)
	}
	others := make([]*bot.Session, 8)
	for i := range others {
		others[i] = newSession(t, db, conv(fmt.Sprint("O", i), ""), "jennifer")
	}
	again := t1
	again.Text = "a different line"
	var wg sync.WaitGroup
	errs := make([]error, len(others))
	for i, o := range others {
		wg.Go(func() {
			tn, next := turn(o.State, 1, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
			errs[i] = db.SaveTurn(ctx, o.ID, tn, next)
		})
	}
	err := db.SaveTurn(ctx, s.ID, again, st1)
	wg.Wait()
	if !errors.Is(err, ErrDuplicateTurn) || !errors.Is(err, bot.ErrStale) {
		t.Errorf("turn 1 over a stored turn 1: err = %v, want ErrDuplicateTurn and ErrStale", err)
	}
	var turnNow int
	var versionNow int64
	if err := db.r.QueryRowContext(ctx, `SELECT turn, version FROM sessions WHERE id = ?`, s.ID).Scan(&turnNow, &versionNow); err != nil {
		t.Fatal(err)
	}
	if turnNow != 0 || versionNow != version {
		t.Errorf("after the refused turn the session is at turn %d, version %d; want 0, %d (unchanged)", turnNow, versionNow, version)
	}
	if recs, _ := db.Turns(ctx, s.ID); len(recs) != 1 || recs[0].Turn.Text != t1.Text {
		t.Errorf("stored turns %+v, want turn 1 with its first words", recs)
	}
	for i, o := range others {
		if errs[i] != nil {
			t.Errorf("session %d's turn, committed alongside: %v", o.ID, errs[i])
		}
		if recs, _ := db.Turns(ctx, o.ID); len(recs) != 1 {
			t.Errorf("session %d: %d turns stored, want 1", o.ID, len(recs))
		}
	}
}

// An unknown session is ErrNotFound, not a foreign key failure.
func TestSaveTurnOfAnUnknownSession(t *testing.T) {
	db := open(t, "", newClock())
	s := newSession(t, db, conv("U1", ""), "jennifer")
	t1, st1 := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(context.Background(), s.ID+100, t1, st1); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}
