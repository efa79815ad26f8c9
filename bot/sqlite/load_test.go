package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/dialogue"
)

// TestCommitPathTail drives the store alone (no scoring, no engine: the
// CPU they need is what a busy box lacks) open loop: PIVOT_LOAD_SESSIONS
// sessions (1000) saving turns at PIVOT_LOAD_RATE turns/s (2000) in all
// for PIVOT_LOAD_SECONDS (10), each turn's latency counted from when it
// was due. It isolates the commit path the p99 is about.
//
//	PIVOT_LOAD=1 go test -run TestCommitPathTail -v ./bot/sqlite
func TestCommitPathTail(t *testing.T) {
	if os.Getenv("PIVOT_LOAD") == "" {
		t.Skip("load test: set PIVOT_LOAD=1")
	}
	env := func(k string, def int) int {
		if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
			return v
		}
		return def
	}
	sessions, rate, seconds := env("PIVOT_LOAD_SESSIONS", 1000), env("PIVOT_LOAD_RATE", 2000), env("PIVOT_LOAD_SECONDS", 10)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pivot.db")
	db := open(t, path, nil)
	var ss []struct {
		id int64
		st dialogue.State
	}
	for i := range sessions {
		s := newSession(t, db, conv(fmt.Sprint("U", i), ""), "jennifer")
		ss = append(ss, struct {
			id int64
			st dialogue.State
		}{s.ID, s.State})
	}
	interval := time.Duration(float64(time.Second) * float64(sessions) / float64(rate))
	start := time.Now().Add(100 * time.Millisecond)
	end := start.Add(time.Duration(seconds) * time.Second)
	var mu sync.Mutex
	var lat []time.Duration
	var errs []error
	var wg sync.WaitGroup
	for i := range ss {
		wg.Go(func() {
			s := &ss[i]
			due := start.Add(interval * time.Duration(i) / time.Duration(sessions))
			var mine []time.Duration
			for n := 1; due.Before(end); n++ {
				time.Sleep(time.Until(due))
				tn, next := turn(s.st, n, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
				tn.Text = strings.Repeat("How are things at home for you and the boys? ", 2)
				tn.Assessment.Text = tn.Text
				if err := db.SaveTurn(ctx, s.id, tn, next); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				s.st = next
				mine = append(mine, time.Since(due))
				due = due.Add(interval)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, err := range errs[:min(len(errs), 5)] {
		t.Error(err)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	var wal int64
	if fi, err := os.Stat(path + "-wal"); err == nil {
		wal = fi.Size()
	}
	logNow, logPeak := db.LogBytes()
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("%d sessions, %d turns/s target: %d turns in %ds (%.0f/s); commit p50 %.2f ms, p99 %.2f ms, max %.1f ms; WAL file %.1f MB, log %.1f MB at the end, at most %.1f MB; load %s",
		sessions, rate, len(lat), seconds, float64(len(lat))/float64(seconds),
		ms2(pct(0.5)), ms2(pct(0.99)), ms2(lat[len(lat)-1]), float64(wal)/(1<<20), float64(logNow)/(1<<20), float64(logPeak)/(1<<20), strings.Fields(string(load))[0])
}

func ms2(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
