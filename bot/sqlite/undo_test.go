package sqlite

import (
	"context"
	"errors"
	"testing"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// UndoTurn moves the last turn to the undone turns and stores the state
// given, as a compare-and-set on the version: a session written since it
// was read is ErrStale and nothing changes. Turns and the figures no
// longer see the turn; UndoneTurns does; the turn number can be said again.
func TestUndoTurnIsCompareAndSetAndKeepsTheTurn(t *testing.T) {
	ctx := context.Background()
	db := open(t, "", newClock())
	s := newSession(t, db, conv("U1", ""), "jennifer")
	t1, st1 := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t1, st1); err != nil {
		t.Fatal(err)
	}
	t2, st2 := turn(st1, 2, dialogue.Blaming, dialogue.Worries, dialogue.ClosedQuestion)
	t2.TrustChanges = []dialogue.TrustChange{{Delta: -15, Cause: "blamed her"}}
	if err := db.SaveTurn(ctx, s.ID, t2, st2); err != nil {
		t.Fatal(err)
	}
	read, err := db.OpenSession(ctx, s.Conv)
	if err != nil {
		t.Fatal(err)
	}
	stale := *read
	stale.Version--
	if err := db.UndoTurn(ctx, &stale, st1); !errors.Is(err, bot.ErrStale) {
		t.Errorf("undo on a stale version: err = %v, want ErrStale", err)
	}
	if err := db.UndoTurn(ctx, read, st2); err == nil {
		t.Errorf("undo to a state at turn %d accepted for turn 2", st2.Turn)
	}
	if err := db.UndoTurn(ctx, read, st1); err != nil {
		t.Fatal(err)
	}
	got, err := db.OpenSession(ctx, s.Conv)
	if err != nil || got.State.Turn != 1 || got.Version != read.Version || read.State.Turn != 1 {
		t.Fatalf("after undo: %+v (%v); read %+v", got, err, read)
	}
	recs, _ := db.Turns(ctx, s.ID)
	undone, err := db.UndoneTurns(ctx, s.ID)
	if len(recs) != 1 || err != nil || len(undone) != 1 || undone[0].Turn.Number != 2 || undone[0].Turn.Text != t2.Text ||
		undone[0].UndoneAt.IsZero() || len(undone[0].Turn.TrustChanges) != 1 || undone[0].Turn.TrustChanges[0].Cause != "blamed her" {
		t.Errorf("turns %+v, undone %+v, %v", recs, undone, err)
	}
	rows, err := db.Sessions(ctx, bot.SessionFilter{User: "U1"})
	if err != nil || len(rows) != 1 || rows[0].Turns != 1 || rows[0].NonBlaming != 1 {
		t.Errorf("figures after undo = %+v, %v; want only the kept turn", rows, err)
	}
	t2b, st2b := turn(st1, 2, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t2b, st2b); err != nil {
		t.Errorf("turn 2 said again after undo: %v", err)
	}
	if n, err := db.ForgetUser(ctx, "slack", "U1"); err != nil || n != 1 {
		t.Fatalf("forget: %d, %v", n, err)
	}
	if undone, _ := db.UndoneTurns(ctx, s.ID); len(undone) != 0 {
		t.Errorf("undone turns survive forgetting the trainee: %+v", undone)
	}
}
