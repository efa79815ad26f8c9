package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildPivot compiles the real binary once per test run.
func buildPivot(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pivot")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func testEnv(t *testing.T, stdin string) (*environment, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	db := filepath.Join(t.TempDir(), "pivot.db")
	env := &environment{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv: func(k string) string {
			switch k {
			case "PIVOT_DB":
				return db
			case "USER":
				return "tester"
			}
			return ""
		}}
	return env, &out, &errb
}

func TestPipedSessionThroughTheBinaryPrintsADebrief(t *testing.T) {
	bin := buildPivot(t)
	cmd := exec.Command(bin, "practice", "jennifer")
	cmd.Env = append(os.Environ(), "PIVOT_DB="+filepath.Join(t.TempDir(), "p.db"))
	cmd.Stdin = strings.NewReader("Hi Jennifer, I'm Sam from children's services. Is it safe to talk right now?\n\nWhy haven't you left him?\nWhat have you done to keep the boys safe when Brian drinks?\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pivot practice: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"Jennifer:", "You: Why haven't you left him?", "Coaching:", "Debrief", "Non-blaming replies: 2 of 3"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestPracticeJSONPrintsOneObjectPerTurnThenTheDebrief(t *testing.T) {
	env, out, errb := testEnv(t, "Is it safe to talk?\nWhy haven't you left him?\n")
	if code := runMain(context.Background(), env, []string{"practice", "--json", "jennifer"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 2 turns + debrief, got %d lines:\n%s", len(lines), out)
	}
	var turn struct {
		Turn     int              `json:"turn"`
		Label    string           `json:"label"`
		Fallback *bool            `json:"fallback"`
		Findings []map[string]any `json:"findings"`
		Trust    *int             `json:"trust"`
		Phase    string           `json:"phase"`
		Reply    string           `json:"reply"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &turn); err != nil {
		t.Fatal(err)
	}
	if turn.Turn != 2 || turn.Label != "blaming" || len(turn.Findings) == 0 || turn.Fallback == nil || turn.Trust == nil || turn.Reply == "" {
		t.Errorf("turn 2 object: %s", lines[1])
	}
	var d struct {
		Debrief map[string]any `json:"debrief"`
	}
	if err := json.Unmarshal([]byte(lines[2]), &d); err != nil || d.Debrief["turns"] != float64(2) {
		t.Errorf("debrief object: %s (%v)", lines[2], err)
	}
}

func TestUnknownScenarioNamesTheOnesThatExist(t *testing.T) {
	env, _, errb := testEnv(t, "")
	if code := runMain(context.Background(), env, []string{"practice", "jenifer"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errb.String(), "jennifer") {
		t.Errorf("error should list jennifer: %s", errb)
	}
}

func TestUnwritableDatabaseSaysWhichPathAndWhy(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	env, _, errb := testEnv(t, "hello\n")
	bad := filepath.Join(blocker, "pivot.db") // a path under a file
	if code := runMain(context.Background(), env, []string{"practice", "--db", bad, "jennifer"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errb.String(), bad) {
		t.Errorf("error should name %s: %s", bad, errb)
	}
}

func TestNoArgumentsPrintsUsageWithScenarios(t *testing.T) {
	env, out, _ := testEnv(t, "")
	runMain(context.Background(), env, nil)
	for _, want := range []string{"practice", "jennifer", "Usage"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}
}

// A session killed mid-interview resumes from the database with every
// answered turn intact.
func TestKilledSessionResumesWithNoTurnLost(t *testing.T) {
	bin := buildPivot(t)
	db := filepath.Join(t.TempDir(), "p.db")
	cmd := exec.Command(bin, "practice", "--json", "jennifer")
	cmd.Env = append(os.Environ(), "PIVOT_DB="+db, "USER=killtest")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	lines := []string{"Hi Jennifer, is it safe to talk?", "How are the boys doing?", "What happens when Brian drinks?"}
	for i, l := range lines {
		stdin.Write([]byte(l + "\n"))
		got, err := readLine(r, 10*time.Second)
		if err != nil {
			t.Fatalf("turn %d: %v", i+1, err)
		}
		if !strings.Contains(got, `"turn":`+string(rune('1'+i))) {
			t.Fatalf("turn %d answer: %s", i+1, got)
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	env, out, errb := testEnv(t, "Has Brian ever stopped you seeing your family?\n")
	env.getenv = func(k string) string {
		switch k {
		case "PIVOT_DB":
			return db
		case "USER":
			return "killtest"
		}
		return ""
	}
	if code := runMain(context.Background(), env, []string{"practice", "--json", "--resume", "jennifer"}); code != 0 {
		t.Fatalf("resume exit %d: %s", code, errb)
	}
	first := strings.SplitN(out.String(), "\n", 2)[0]
	if !strings.Contains(first, `"turn":4`) {
		t.Fatalf("resumed session should continue at turn 4, got %s", first)
	}
	if !strings.Contains(errb.String(), "after 3 turns") {
		t.Errorf("resume notice should count 3 turns: %s", errb)
	}
}

func readLine(r *bufio.Reader, timeout time.Duration) (string, error) {
	type res struct {
		s   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := r.ReadString('\n')
		ch <- res{s, err}
	}()
	select {
	case x := <-ch:
		return x.s, x.err
	case <-time.After(timeout):
		return "", os.ErrDeadlineExceeded
	}
}

// When the character ends the interview, piped lines after it are counted
// and reported, not dropped in silence, and the debrief says why it ended
// and which turns cost the trust.
func TestEndedInterviewReportsUnusedLinesAndWhy(t *testing.T) {
	env, out, errb := testEnv(t, "Why haven't you left him?\nYou're choosing him over the boys.\nYou two need to stop fighting in front of the kids.\nWhat does Brian do when he drinks?\nWho helps you?\n")
	if code := runMain(context.Background(), env, []string{"practice", "jennifer"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errb)
	}
	if !strings.Contains(errb.String(), "The interview is over, so 2 lines of your input were not used.") {
		t.Errorf("stderr should count the unused lines:\n%s", errb)
	}
	for _, want := range []string{"Jennifer ended the interview:", "after 3 blaming lines (turns 1, 2, 3)", "• Turn 1 cost 15 trust: “Why haven't you left him?”"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("debrief lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), "You: What does Brian do when he drinks?") {
		t.Errorf("a line after the end was played:\n%s", out)
	}
}

// Two 'pivot practice jennifer' runs on one database: the second is
// refused with a clear message, and the first's session goes on as if the
// second had never run (it used to close the first's session and start
// its own, and the first carried on inside the second's).
func TestSecondPracticeOfTheSameInterviewIsRefused(t *testing.T) {
	bin := buildPivot(t)
	db := filepath.Join(t.TempDir(), "p.db")
	cmd := exec.Command(bin, "practice", "--json", "jennifer")
	cmd.Env = append(os.Environ(), "PIVOT_DB="+db, "USER=twice")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var firstErr bytes.Buffer
	cmd.Stderr = &firstErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	r := bufio.NewReader(stdout)
	say := func(line string, turn int) {
		t.Helper()
		stdin.Write([]byte(line + "\n"))
		got, err := readLine(r, 10*time.Second)
		if err != nil {
			t.Fatalf("turn %d: %v", turn, err)
		}
		if !strings.Contains(got, fmt.Sprintf(`"turn":%d,`, turn)) {
			t.Fatalf("turn %d answer: %s", turn, got)
		}
	}
	say("Hi Jennifer, is it safe to talk?", 1)
	say("How are the boys doing?", 2)

	for _, args := range [][]string{{"practice", "jennifer"}, {"practice", "--new", "jennifer"}, {"practice", "--resume", "jennifer"}} {
		env, out, errb := testEnv(t, "Why haven't you left him?\n")
		env.getenv = func(k string) string {
			switch k {
			case "PIVOT_DB":
				return db
			case "USER":
				return "twice"
			}
			return ""
		}
		if code := runMain(context.Background(), env, args); code != 1 {
			t.Errorf("%v while the first runs: exit %d, want 1\n%s%s", args, code, out, errb)
		}
		if !strings.Contains(errb.String(), "already open in another pivot (process ") {
			t.Errorf("%v: message does not say what is wrong and what to do: %s", args, errb)
		}
	}
	// The first goes on in its own session, at turn 3.
	say("What happens when Brian drinks?", 3)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, firstErr.String())
	}

	// Once it has finished, the interview can be practised again.
	env, _, errb := testEnv(t, "Is it safe to talk?\n")
	env.getenv = func(k string) string {
		switch k {
		case "PIVOT_DB":
			return db
		case "USER":
			return "twice"
		}
		return ""
	}
	if code := runMain(context.Background(), env, []string{"practice", "jennifer"}); code != 0 {
		t.Errorf("after the first finished: exit %d: %s", code, errb)
	}
}
