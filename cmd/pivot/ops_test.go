package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot/metrics"
	"github.com/pivotcoach/pivot/bot/postgres"
	"github.com/pivotcoach/pivot/bot/postgres/pgtest"
	"github.com/pivotcoach/pivot/bot/sqlite"
)

// get fetches a path from the ops server.
func get(t *testing.T, o *opsServer, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + o.addr.String() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// /healthz on a real server: 200 while the database answers and the
// platform is connected; 503 naming what is down when the platform drops
// or the database is closed; /metrics served beside it.
func TestHealthz(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pivot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var connected atomic.Bool
	connected.Store(true)
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	m := metrics.New("slack", metrics.WithOpenSessions("slack", countOpen(store)))
	o, err := serveOps(ctx, log, "127.0.0.1:0", m, databaseCheck(store), platformCheck("slack", connected.Load))
	if err != nil {
		t.Fatal(err)
	}

	health := func(wantCode int) healthReport {
		t.Helper()
		code, body := get(t, o, "/healthz")
		if code != wantCode {
			t.Fatalf("/healthz: %d %s, want %d", code, body, wantCode)
		}
		var rep healthReport
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			t.Fatalf("/healthz body %q: %v", body, err)
		}
		return rep
	}
	if rep := health(http.StatusOK); rep.Status != "ok" || rep.Checks["database"] != "ok" || rep.Checks["slack"] != "ok" {
		t.Errorf("all up: %+v", rep)
	}

	connected.Store(false)
	rep := health(http.StatusServiceUnavailable)
	if rep.Status != "down" || strings.Join(rep.Down, ",") != "slack" || rep.Checks["slack"] != "not connected" || rep.Checks["database"] != "ok" {
		t.Errorf("platform down: %+v", rep)
	}
	connected.Store(true)

	code, body := get(t, o, "/metrics")
	if code != http.StatusOK || !strings.Contains(body, `pivot_open_sessions{platform="slack"} 0`) {
		t.Errorf("/metrics: %d\n%s", code, body)
	}

	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	rep = health(http.StatusServiceUnavailable)
	if strings.Join(rep.Down, ",") != "database" || rep.Checks["database"] != "unreachable" {
		t.Errorf("database closed: %+v", rep)
	}
	if !strings.Contains(logs.String(), "health check failed") || !strings.Contains(logs.String(), "check=database") {
		t.Errorf("the cause should be logged: %s", logs.String())
	}

	cancel()
	// The server stops with its context.
	for range 100 {
		if _, err := http.Get("http://" + o.addr.String() + "/healthz"); err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("the server still answers after its context ended")
}

// A taken or malformed --metrics-addr fails before the bot connects.
func TestMetricsAddrInUse(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	first, err := serveOps(ctx, log, "127.0.0.1:0", metrics.New("slack"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = serveOps(ctx, log, first.addr.String(), metrics.New("slack"))
	if err == nil || !strings.Contains(err.Error(), "--metrics-addr "+first.addr.String()) {
		t.Errorf("second server on the same port: %v", err)
	}
	if _, err := serveOps(ctx, log, "not an address", metrics.New("slack")); err == nil {
		t.Error("a malformed address should fail")
	}
}

// pivot healthcheck (Docker's HEALTHCHECK) exits 0 while /healthz says
// ok and 1 with the report when it does not; ":PORT" is asked on the
// loopback address.
func TestHealthcheckCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var connected atomic.Bool
	connected.Store(true)
	o, err := serveOps(ctx, slog.New(slog.DiscardHandler), "127.0.0.1:0", metrics.New("discord"), platformCheck("discord", connected.Load))
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(o.addr.String(), ":")
	run := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		env := &environment{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
			getenv: func(k string) string { return map[string]string{"PIVOT_METRICS_ADDR": ":" + port}[k] }}
		return runMain(ctx, env, append([]string{"healthcheck"}, args...)), out.String(), errb.String()
	}
	if code, out, errs := run(); code != 0 || !strings.Contains(out, `"status":"ok"`) {
		t.Errorf("healthy: exit %d, out %q, err %q", code, out, errs)
	}
	connected.Store(false)
	if code, out, errs := run("--addr", o.addr.String()); code != 1 || !strings.Contains(out, `"down":["discord"]`) || !strings.Contains(errs, "503") {
		t.Errorf("discord down: exit %d, out %q, err %q", code, out, errs)
	}
	cancel()
	time.Sleep(50 * time.Millisecond)
	if code, _, errs := run(); code != 1 || !strings.Contains(errs, "no answer") {
		t.Errorf("nothing listening: exit %d, err %q", code, errs)
	}
	if code, _, errs := run("--addr", "nonsense"); code != 1 || !strings.Contains(errs, "not host:port") {
		t.Errorf("bad address: exit %d, err %q", code, errs)
	}
}

// pivot slack and pivot discord serve on --metrics-addr before they
// connect: an address already taken stops them at once, saying which,
// and never shows a token.
func TestChatCommandsRefuseATakenMetricsAddr(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	taken, err := serveOps(ctx, slog.New(slog.DiscardHandler), "127.0.0.1:0", metrics.New("slack"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"slack", "discord"} {
		vars := map[string]string{"PIVOT_DB": filepath.Join(t.TempDir(), "pivot.db"), "PIVOT_METRICS_ADDR": taken.addr.String(),
			"SLACK_APP_TOKEN": "xapp-1-secret", "SLACK_BOT_TOKEN": "xoxb-secret", "DISCORD_TOKEN": "secret"}
		var out, errb strings.Builder
		env := &environment{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
		if code := runMain(ctx, env, []string{cmd}); code != 1 {
			t.Errorf("%s: exit %d, want 1", cmd, code)
		}
		if !strings.Contains(errb.String(), "--metrics-addr "+taken.addr.String()) || !strings.Contains(errb.String(), "address already in use") {
			t.Errorf("%s: stderr %q should name the address in use", cmd, errb.String())
		}
		if strings.Contains(errb.String(), "secret") {
			t.Errorf("%s: stderr shows a token: %q", cmd, errb.String())
		}
	}
}

// On PostgreSQL /healthz asks the server: 200 while it runs, 503 naming
// the database once it has stopped (an instance whose database is gone
// is taken out of rotation, not left answering trainees with errors).
func TestHealthzOnPostgreSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	cluster, err := pgtest.Start()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is needed in CI: %v", err)
		}
		t.Skipf("no PostgreSQL to test against: %v", err)
	}
	defer cluster.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, err := postgres.Open(ctx, cluster.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	m := metrics.New("slack", metrics.WithOpenSessions("slack", countOpen(store)))
	o, err := serveOps(ctx, slog.New(slog.DiscardHandler), "127.0.0.1:0", m, databaseCheck(store), platformCheck("slack", func() bool { return true }))
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, o, "/healthz"); code != http.StatusOK {
		t.Fatalf("server running: %d %s", code, body)
	}
	if _, body := get(t, o, "/metrics"); !strings.Contains(body, `pivot_open_sessions{platform="slack"} 0`) {
		t.Errorf("open sessions not counted on PostgreSQL:\n%s", body)
	}
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, o, "/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"down":["database"]`) {
		t.Errorf("server stopped: %d %s, want 503 naming the database", code, body)
	}
}
