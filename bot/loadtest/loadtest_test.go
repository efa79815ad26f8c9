package loadtest_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot/loadtest"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

func setup(t *testing.T) (*sqlite.DB, *scenarios.Library) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bench.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return db, lib
}

// A closed-loop run answers every line once and counts what it did.
func TestRunTurns(t *testing.T) {
	db, lib := setup(t)
	var seen atomic.Int64 // OnTurn runs on each trainee's goroutine
	res, err := loadtest.Run(context.Background(), db, lib, loadtest.Config{Trainees: 6, Turns: 5, Seed: 3,
		OnTurn: func(loadtest.TurnEvent) { seen.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Turns+res.Errors != 30 || res.Errors != 0 || res.Duplicates != 0 || int(seen.Load()) != res.Turns {
		t.Fatalf("turns %d, errors %d, duplicates %d, OnTurn %d; want 30, 0, 0, 30", res.Turns, res.Errors, res.Duplicates, seen.Load())
	}
	if res.Latency.N != res.Turns || res.Write.N != res.Turns || res.Sessions < 6 {
		t.Fatalf("summaries %+v, sessions %d", res.Latency, res.Sessions)
	}
	// Again on the same database: every open session is resumed.
	again, err := loadtest.Run(context.Background(), db, lib, loadtest.Config{Trainees: 6, Turns: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if again.Resumed+again.Sessions != 6 || again.Resumed == 0 {
		t.Fatalf("second run resumed %d, started %d", again.Resumed, again.Sessions)
	}
}

// An open-loop run at a rate, for a duration, ends and reports.
func TestRunRateForDuration(t *testing.T) {
	db, lib := setup(t)
	res, err := loadtest.Run(context.Background(), db, lib, loadtest.Config{Trainees: 4, Duration: 300 * time.Millisecond, Rate: 40, Scenarios: []string{"brian"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Duplicates != 0 {
		t.Fatalf("errors %d, duplicates %d", res.Errors, res.Duplicates)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	db, lib := setup(t)
	for _, c := range []loadtest.Config{{}, {Trainees: 1}, {Trainees: 1, Turns: 1, Scenarios: []string{"nosuch"}}} {
		if _, err := loadtest.Run(context.Background(), db, lib, c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
