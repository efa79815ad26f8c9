package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/pivotcoach/pivot/bot"
)

func openPlain(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "pivot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestGroupsCoachingAndTrainers(t *testing.T) {
	ctx := context.Background()
	db := openPlain(t)
	g := &bot.Group{Platform: "slack", Workspace: "W", Channel: "C1", Trainer: "T1", ScenarioID: "jennifer", Seed: 42, Coach: bot.CoachOff}
	if err := db.CreateGroup(ctx, g); err != nil || g.ID != 1 || g.Status != bot.GroupOpen {
		t.Fatalf("create: %v %+v", err, g)
	}
	if err := db.CreateGroup(ctx, &bot.Group{Platform: "slack", Channel: "C2", Trainer: "T2", ScenarioID: "brian"}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Group(ctx, 1)
	if err != nil || got.Seed != 42 || got.Coach != bot.CoachOff || got.Trainer != "T1" {
		t.Fatalf("get: %v %+v", err, got)
	}
	if _, err := db.Group(ctx, 99); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("unknown group: %v", err)
	}
	open, err := db.Groups(ctx, bot.GroupFilter{Platform: "slack", Workspace: "W", Channel: "C1", Status: bot.GroupOpen})
	if err != nil || len(open) != 1 || open[0].ID != 1 {
		t.Errorf("open in C1: %v %+v", err, open)
	}
	if err := db.EndGroup(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := db.EndGroup(ctx, 99); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("end unknown: %v", err)
	}
	mine, _ := db.Groups(ctx, bot.GroupFilter{Trainer: "T1"})
	if len(mine) != 1 || mine[0].Status != bot.GroupEnded || mine[0].EndedAt.IsZero() {
		t.Errorf("T1's groups: %+v", mine)
	}

	// Coaching lives on the session row.
	s := &bot.Session{Conv: bot.Conversation{Platform: "slack", Channel: "C1", User: "U1"}, ScenarioID: "jennifer", Coach: true, GroupID: 1}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if c, err := db.Coaching(ctx, s.ID); err != nil || c.Mode != bot.CoachAuto || c.Level != bot.FadeFull {
		t.Errorf("default coaching: %v %+v", err, c)
	}
	want := bot.Coaching{Mode: bot.CoachOn, Level: bot.FadeAlternate, Note: "why"}
	if err := db.SetCoaching(ctx, s.ID, want); err != nil {
		t.Fatal(err)
	}
	if c, err := db.Coaching(ctx, s.ID); err != nil || c != want {
		t.Errorf("coaching: %v %+v", err, c)
	}
	if err := db.SetCoaching(ctx, 99, want); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("coaching of unknown session: %v", err)
	}

	// Trainers: platform-specific or any.
	for _, id := range []bot.TrainerID{{Platform: "slack", User: "T1"}, {User: "T2"}, {User: "T2"}} {
		if err := db.AddTrainer(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		platform, user string
		want           bool
	}{{"slack", "T1", true}, {"discord", "T1", false}, {"discord", "T2", true}, {"slack", "U1", false}} {
		if ok, err := db.IsTrainer(ctx, c.platform, c.user); err != nil || ok != c.want {
			t.Errorf("IsTrainer(%s, %s) = %v, %v", c.platform, c.user, ok, err)
		}
	}
	if ids, _ := db.Trainers(ctx); len(ids) != 2 {
		t.Errorf("trainers: %v", ids)
	}
	if ok, _ := db.RemoveTrainer(ctx, bot.TrainerID{User: "T2"}); !ok {
		t.Error("remove T2")
	}
	if ok, _ := db.RemoveTrainer(ctx, bot.TrainerID{User: "T2"}); ok {
		t.Error("remove T2 twice")
	}
}
