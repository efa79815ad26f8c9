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

func setup(t testing.TB) (*sqlite.DB, *scenarios.Library) {
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

// BenchmarkTurn measures what a turn costs in CPU: 100 trainees in a
// closed loop through the real bot and a SQLite file, b.N turns in all
// (sessions opened before the clock starts; interviews that end are
// started again, as in pivot bench). cpu-µs/turn is the whole process's
// CPU time per turn (engine, scoring, bot, store, committer, checkpointer,
// GC), which a busy machine inflates far less than the wall time:
//
//	go test -run '^$' -bench BenchmarkTurn -count 6 ./bot/loadtest | tee /tmp/new.txt
//	go run golang.org/x/perf/cmd/benchstat@latest /tmp/old.txt /tmp/new.txt
func BenchmarkTurn(b *testing.B) {
	db, lib := setup(b)
	const trainees = 100
	ctx := context.Background()
	if _, err := loadtest.Run(ctx, db, lib, loadtest.Config{Trainees: trainees, Turns: 1, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	res, err := loadtest.Run(ctx, db, lib, loadtest.Config{Trainees: trainees, Turns: (b.N + trainees - 1) / trainees, Seed: 2})
	if err != nil {
		b.Fatal(err)
	}
	if res.Errors > 0 || res.Duplicates > 0 {
		b.Fatalf("%d errors, %d duplicate replies", res.Errors, res.Duplicates)
	}
	b.ReportMetric(float64(res.CPUPerTurn())/1e3, "cpu-µs/turn")
	b.ReportMetric(float64(res.CPUSystem)/1e3/float64(res.Turns), "sys-µs/turn")
}
