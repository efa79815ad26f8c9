package main

// Process faults, with the real binary: SIGKILL in the middle of a busy
// run, and SIGTERM during a piped practice session.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/loadtest"
	"github.com/pivotcoach/pivot/bot/sqlite"
)

// committedLines reads "committed session=S turn=N" lines from r until
// n lines were read (then calls stop) or r ends; it returns the highest
// turn printed for each session and fails on a turn printed twice.
func committedLines(t *testing.T, r *bufio.Reader, n int, stop func()) map[int64]int {
	t.Helper()
	seen := map[[2]int64]bool{}
	last := map[int64]int{}
	count := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return last // the process ended; a torn last line is not counted
		}
		var s int64
		var turn int
		if _, err := fmt.Sscanf(line, "committed session=%d turn=%d\n", &s, &turn); err != nil {
			t.Fatalf("unexpected line %q", line)
		}
		if seen[[2]int64{s, int64(turn)}] {
			t.Errorf("session %d turn %d was answered twice", s, turn)
		}
		seen[[2]int64{s, int64(turn)}] = true
		last[s] = max(last[s], turn)
		if count++; count == n && stop != nil {
			stop()
		}
	}
}

// storedTurns checks every bench session in the database: turns numbered
// 1..n with no gap or duplicate, and a state that counts n turns (a turn
// and its state are one transaction). It returns n per session id, and
// the ids of sessions still open.
func storedTurns(t *testing.T, path string) (map[int64]int, map[int64]bool) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Sessions(ctx, bot.SessionFilter{Platform: loadtest.Platform})
	if err != nil {
		t.Fatal(err)
	}
	n := map[int64]int{}
	open := map[int64]bool{}
	for _, s := range rows {
		recs, err := db.Turns(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range recs {
			if r.Turn.Number != i+1 {
				t.Fatalf("session %d: turn %d stored as number %d (gap or duplicate)", s.ID, i+1, r.Turn.Number)
			}
		}
		if s.State.Turn != len(recs) {
			t.Fatalf("session %d: state counts %d turns but %d are stored", s.ID, s.State.Turn, len(recs))
		}
		n[s.ID] = len(recs)
		// A session whose last turn ended the interview but which was
		// killed before it was marked ended is open with nothing to say:
		// the bot answers it "has ended the interview" (no turn).
		open[s.ID] = s.Status == bot.SessionOpen && !s.State.Ended
	}
	return n, open
}

// SIGKILL in the middle of 50 trainees' busy run loses no committed turn,
// leaves every session's turns contiguous, and a second run resumes every
// open session at its next turn.
func TestKillMidRunLosesNoCommittedTurn(t *testing.T) {
	bin := buildPivot(t)
	db := filepath.Join(t.TempDir(), "bench.db")
	cmd := exec.Command(bin, "bench", "--trainees", "50", "--seconds", "60", "--hold", "--db", db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	printed := committedLines(t, bufio.NewReader(stdout), 400, func() {
		killed = cmd.Process.Signal(syscall.SIGKILL) == nil
	})
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the run ended before it could be killed: %v", err)
	}
	if len(printed) < 50 {
		t.Fatalf("only %d sessions printed a committed turn", len(printed))
	}

	stored, open := storedTurns(t, db)
	for s, n := range printed {
		if stored[s] < n {
			t.Errorf("session %d: turn %d was printed as committed but only %d turns are stored", s, n, stored[s])
		}
	}
	openBefore := 0
	for _, o := range open {
		if o {
			openBefore++
		}
	}
	// One per trainee, less any whose interview had just ended (the
	// character closed it) when the kill came, before a new one started.
	if openBefore > 50 || openBefore < 40 {
		t.Fatalf("%d open bench sessions after the kill, want about 50 (one per trainee)", openBefore)
	}

	// Drive every trainee once more: each open session continues at n+1.
	again := exec.Command(bin, "bench", "--trainees", "50", "--turns", "1", "--hold", "--db", db)
	var report strings.Builder
	again.Stderr = &report
	out, err := again.Output()
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, report.String())
	}
	next := committedLines(t, bufio.NewReader(strings.NewReader(string(out))), 0, nil)
	for s, o := range open {
		if _, ok := next[s]; o && !ok {
			t.Errorf("open session %d was not resumed", s)
		}
	}
	for s, turn := range next {
		if _, existed := stored[s]; !existed {
			if turn != 1 {
				t.Errorf("new session %d began at turn %d", s, turn)
			}
			continue
		}
		if !open[s] {
			t.Errorf("second run answered session %d, which was not open", s)
			continue
		}
		if turn != stored[s]+1 {
			t.Errorf("session %d resumed at turn %d, want %d", s, turn, stored[s]+1)
		}
	}
	storedTurns(t, db) // still contiguous
}

// SIGTERM during a piped practice session: the turn in flight finishes,
// the process says the session is saved and exits 0, and the database
// holds every answered turn with a matching state.
func TestSIGTERMDuringPracticeSavesTheSession(t *testing.T) {
	bin := buildPivot(t)
	db := filepath.Join(t.TempDir(), "p.db")
	cmd := exec.Command(bin, "practice", "--json", "jennifer")
	cmd.Env = append(os.Environ(), "PIVOT_DB="+db, "USER=termtest")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	lines := []string{"Hi Jennifer, is it safe to talk just now?", "How are the boys doing?", "What happens when Brian drinks?"}
	for i, l := range lines {
		fmt.Fprintln(stdin, l)
		got, err := readLine(r, 10*time.Second)
		if err != nil || !strings.Contains(got, fmt.Sprintf(`"turn":%d`, i+1)) {
			t.Fatalf("turn %d: %q %v", i+1, got, err)
		}
	}
	// A fourth line and the signal together: the turn may be in flight.
	fmt.Fprintln(stdin, "Has Brian ever stopped you seeing your family?")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("pivot practice did not exit after SIGTERM")
	}
	if !strings.Contains(stderr.String(), "Session saved") {
		t.Errorf("stderr should say the session is saved:\n%s", stderr.String())
	}
	store, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s, err := store.LatestOpenSession(context.Background(), "terminal", "termtest", "jennifer")
	if err != nil {
		t.Fatalf("the session should still be open: %v", err)
	}
	recs, err := store.Turns(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(recs); n < 3 || n > 4 || s.State.Turn != n {
		t.Fatalf("%d turns stored, state counts %d; want 3 or 4, equal", n, s.State.Turn)
	}
	for i, rec := range recs {
		if rec.Turn.Number != i+1 {
			t.Fatalf("turn %d stored as %d", i+1, rec.Turn.Number)
		}
	}
}
