package main

// Two `pivot slack` processes on one PostgreSQL database, both connected
// to the Slack fake; one is killed (SIGKILL) mid-session and the other
// carries on. adapters/slack's multi_test.go covers ordering, dedupe and
// group exercises across two instances in one process.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/adapters/slack/slackfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/postgres"
	"github.com/pivotcoach/pivot/bot/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// lockedBuffer is a bytes.Buffer safe for a process's output and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// slackProcess is one `pivot slack` process.
type slackProcess struct {
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan error
}

func startSlackProcess(t *testing.T, bin, db string, fake *slackfake.Server) *slackProcess {
	t.Helper()
	before := fake.Connections()
	p := &slackProcess{cmd: exec.Command(bin, "slack"), logs: &lockedBuffer{}, done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), "PIVOT_DB="+db, "SLACK_APP_TOKEN="+slackfake.AppToken,
		"SLACK_BOT_TOKEN="+slackfake.BotToken, "SLACK_API_URL="+fake.URL)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	waitFor(t, "pivot slack to connect", func() bool { return fake.Connections() > before }, p)
	return p
}

func waitFor(t *testing.T, what string, ok func() bool, procs ...*slackProcess) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			var logs []string
			for i, p := range procs {
				logs = append(logs, fmt.Sprintf("process %d:\n%s", i+1, p.logs))
			}
			t.Fatalf("timed out waiting for %s\n%s", what, strings.Join(logs, "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Killing one of two instances mid-session loses no committed turn, and
// the other carries on with the trainee's next reply at the next turn.
func TestKillOneInstanceTheOtherCarriesOn(t *testing.T) {
	bin := buildPivot(t)
	url := pgtest.URL(t)
	fake := slackfake.New(t)
	first := startSlackProcess(t, bin, url, fake)
	second := startSlackProcess(t, bin, url, fake)
	procs := []*slackProcess{first, second}
	if n := fake.Connections(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}

	envelopes := 0
	push := func(conn int, typ string, payload any) {
		t.Helper()
		envelopes++
		id := fmt.Sprintf("env-%d", envelopes)
		if err := fake.PushTo(conn, id, typ, payload); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the ack of "+id, func() bool { return fake.Acks(id) > 0 }, procs...)
	}
	var thread string
	jennifer := func() int {
		n := 0
		for _, p := range fake.Posts() {
			if p.Channel == "C1" && p.ThreadTS == thread && thread != "" && strings.HasPrefix(p.Text, "*Jennifer:*") {
				n++
			}
		}
		return n
	}
	say := func(conn int, text string) {
		t.Helper()
		ts := fake.NextTS()
		push(conn, "events_api", slackfake.MessageEvent("Ev"+strings.ReplaceAll(ts, ".", ""), "C1", "U1", text, ts, thread))
	}

	push(0, "slash_commands", fake.SlashCommand("C1", "U1", "start jennifer"))
	waitFor(t, "the session's thread", func() bool {
		for _, p := range fake.Posts() {
			if p.Channel == "C1" && p.ThreadTS == "" && strings.Contains(p.Text, "Say *hint*") {
				thread = p.TS
			}
		}
		return thread != "" && jennifer() == 1
	}, procs...)
	say(0, "How are you and the children doing?")
	waitFor(t, "the first reply", func() bool { return jennifer() == 2 }, procs...)
	say(1, "What happens when he gets angry?")
	waitFor(t, "the second reply", func() bool { return jennifer() == 3 }, procs...)

	// The third reply goes to the first process, which is killed as soon
	// as it has the event: the turn may or may not have been committed.
	say(0, "What have you done to keep the boys safe when Brian drinks?")
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	waitFor(t, "the killed instance's connection to go", func() bool { return fake.Connections() == 1 }, procs...)
	answeredBefore := jennifer()

	// The second process (now the only connection) takes the next reply.
	say(0, "Who helps you when things are hard?")
	waitFor(t, "the reply after the kill", func() bool { return jennifer() == answeredBefore+1 }, procs...)

	ctx := context.Background()
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := db.OpenSession(ctx, bot.Conversation{Platform: "slack", Workspace: slackfake.TeamID, Channel: "C1", Thread: thread, User: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.Turns(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if r.Turn.Number != i+1 {
			t.Fatalf("turn %d stored as number %d (a gap or a double)", i+1, r.Turn.Number)
		}
	}
	if s.State.Turn != len(recs) {
		t.Errorf("the state counts %d turns, %d are stored", s.State.Turn, len(recs))
	}
	// Every reply Jennifer gave is a stored turn (a turn is committed
	// before it is answered); the killed turn is stored or not, whole.
	replies := jennifer() - 1
	if len(recs) != replies && len(recs) != replies+1 {
		t.Errorf("%d turns stored for %d replies given", len(recs), replies)
	}
	last := recs[len(recs)-1].Turn.Text
	if last != "Who helps you when things are hard?" {
		t.Errorf("the last stored turn is %q, want the reply after the kill", last)
	}
	t.Logf("%d turns stored, %d answered; the killed turn was %s", len(recs), replies,
		map[bool]string{true: "committed before the kill but not answered", false: "committed and answered, or never committed"}[len(recs) == replies+1])

	// The survivor shuts down cleanly.
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-second.done:
		if err != nil {
			t.Errorf("the second instance exited with %v\n%s", err, second.logs)
		}
	case <-time.After(20 * time.Second):
		t.Error("the second instance did not stop on SIGTERM")
	}
}

// PIVOT_DB (or --db) holding a postgres:// URL makes every command use
// that database: a trainer added by one command is in PostgreSQL, and
// listed by another.
func TestCommandsUseThePostgresDatabaseInPIVOT_DB(t *testing.T) {
	url := pgtest.URL(t)
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		env := &environment{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
			getenv: func(k string) string {
				if k == "PIVOT_DB" {
					return url
				}
				return ""
			}}
		if code := runMain(context.Background(), env, args); code != 0 {
			t.Fatalf("pivot %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	run("trainer", "add", "--platform", "slack", "U0TRAINER")
	if got := run("trainer", "list"); !strings.Contains(got, "slack:U0TRAINER") {
		t.Errorf("trainer list = %q", got)
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ok, err := db.IsTrainer(context.Background(), "slack", "U0TRAINER"); err != nil || !ok {
		t.Errorf("the trainer is not in PostgreSQL: %v, %v", ok, err)
	}
}
