package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/adapters/slack/slackfake"
)

// The real binary, as an operator runs it: `pivot slack` with
// PIVOT_METRICS_ADDR against the Slack fake. /healthz answers 200 once
// Slack is connected; a trainee's reply moves pivot_turns_total; nothing
// of the trainee is in the scrape; SIGTERM stops it cleanly.
func TestPivotSlackServesHealthAndMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildPivot(t)
	fake := slackfake.New(t)
	cmd := exec.Command(bin, "slack")
	cmd.Env = append(os.Environ(), "PIVOT_DB="+filepath.Join(t.TempDir(), "pivot.db"), "PIVOT_METRICS_ADDR=127.0.0.1:0",
		"SLACK_APP_TOKEN="+slackfake.AppToken, "SLACK_BOT_TOKEN="+slackfake.BotToken, "SLACK_API_URL="+fake.URL)
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-done
		}
	})
	proc := &slackProcess{cmd: cmd, logs: logs}
	serving := regexp.MustCompile(`serving /metrics and /healthz" addr=(\S+)`)
	var base string
	waitFor(t, "the metrics address in the log", func() bool {
		if m := serving.FindStringSubmatch(logs.String()); m != nil {
			base = "http://" + m[1]
		}
		return base != ""
	}, proc)
	status := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor(t, "/healthz to say ok", func() bool {
		code, _ := status("/healthz")
		return code == http.StatusOK
	}, proc)

	if err := fake.Push("env-1", "slash_commands", fake.SlashCommand("C0COURSE", "U0TRAINEE", "start jennifer")); err != nil {
		t.Fatal(err)
	}
	var thread string
	waitFor(t, "the session's thread", func() bool {
		for _, p := range fake.Posts() {
			if p.ThreadTS == "" && strings.Contains(p.Text, "Say *hint*") {
				thread = p.TS
			}
		}
		return thread != ""
	}, proc)
	ts := fake.NextTS()
	const line = "Quetzalcoatl aside, what keeps you and the boys going?"
	if err := fake.Push("env-2", "events_api", slackfake.MessageEvent("Ev"+strings.ReplaceAll(ts, ".", ""), "C0COURSE", "U0TRAINEE", line, ts, thread)); err != nil {
		t.Fatal(err)
	}
	// The counter and the histograms are separate series, updated one
	// after the other, so wait until a scrape shows all of them.
	wants := []string{`pivot_turns_total{platform="slack"} 1`, `pivot_platform_connected{platform="slack"} 1`, `pivot_open_sessions{platform="slack"} 1`, `pivot_turn_seconds_count{platform="slack"} 1`}
	var scrape string
	waitFor(t, "the turn in the metrics", func() bool {
		_, scrape = status("/metrics")
		for _, want := range wants {
			if !strings.Contains(scrape, want+"\n") {
				return false
			}
		}
		return true
	}, proc)
	for _, private := range []string{"U0TRAINEE", "C0COURSE", thread, "Quetzalcoatl", "jennifer", slackfake.BotToken} {
		if strings.Contains(scrape, private) {
			t.Errorf("the scrape contains %q", private)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("pivot slack exited with %v\n%s", err, logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("pivot slack did not stop on SIGTERM\n%s", logs)
	}
	if code, _ := status("/healthz"); code != 0 {
		t.Errorf("/healthz still answers (%d) after pivot slack stopped", code)
	}
}
