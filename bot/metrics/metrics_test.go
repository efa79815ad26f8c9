package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/bottest"
	"github.com/pivotcoach/pivot/bot/metrics"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

// rig is a bot over a real SQLite file reporting to real metrics, which
// a real HTTP server serves as Prometheus would scrape them.
type rig struct {
	t     *testing.T
	store *sqlite.DB
	bot   *bot.Bot
	chat  *bottest.Adapter
	srv   *httptest.Server
}

const platform = "slack"

func newRig(t *testing.T) *rig {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "pivot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(platform, metrics.WithOpenSessions(platform, func(ctx context.Context, p string) (int, error) {
		open, err := store.ListOpenSessions(ctx, p)
		return len(open), err
	}))
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	b := bot.New(store, lib, bot.WithObserver(m))
	return &rig{t: t, store: store, bot: b, chat: &bottest.Adapter{Threads: true, Private: true}, srv: srv}
}

func (r *rig) handle(ev bot.Event) error {
	return r.bot.Handle(context.Background(), r.chat.For(), ev)
}

// start opens a jennifer session for user and returns its thread.
func (r *rig) start(user string) bot.Conversation {
	r.t.Helper()
	c := bot.Conversation{Platform: platform, Workspace: "T0AGENCY", Channel: "C0COURSEDAY", User: user}
	if err := r.handle(bot.Event{Conv: c, Text: "start jennifer", Command: true}); err != nil {
		r.t.Fatal(err)
	}
	for _, s := range r.chat.Messages() {
		if s.Message.Kind == bot.KindBrief && s.To.User == user && s.To.Thread != "" {
			return s.To
		}
	}
	r.t.Fatalf("no session thread for %s", user)
	return bot.Conversation{}
}

// scrape fetches /metrics over HTTP.
func (r *rig) scrape() string {
	r.t.Helper()
	return scrape(r.t, r.srv.URL)
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s\n%s", resp.Status, body)
	}
	return string(body)
}

// value is a series' value in a scrape, or -1 if it is not there.
func value(scrape, series string) float64 {
	for _, line := range strings.Split(scrape, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				return -1
			}
			return v
		}
	}
	return -1
}

// A turn played through the bot moves the turn counter and both
// histograms, the open session is counted in the database, and nothing in
// the scrape names the trainee, where they are, the scenario or a word
// they wrote.
func TestATurnShowsInTheMetricsAndNothingPersonalDoes(t *testing.T) {
	r := newRig(t)
	before := r.scrape()
	if got := value(before, `pivot_turns_total{platform="slack"}`); got != 0 {
		t.Fatalf("before any turn: pivot_turns_total = %v, want 0 (present from the start)\n%s", got, before)
	}
	thread := r.start("U0TRAINEE42")
	const line = "Marmalade-Zanzibar aside, what worries you most about the children right now?"
	if err := r.handle(bot.Event{ID: "Ev0001", Conv: thread, Text: line}); err != nil {
		t.Fatal(err)
	}
	if err := r.handle(bot.Event{ID: "Ev0002", Conv: thread, Text: "Why haven't you left him?"}); err != nil {
		t.Fatal(err)
	}
	got := r.scrape()
	for series, want := range map[string]float64{
		`pivot_turns_total{platform="slack"}`:                   2,
		`pivot_turn_seconds_count{platform="slack"}`:            2,
		`pivot_scoring_seconds_count{platform="slack"}`:         2,
		`pivot_open_sessions{platform="slack"}`:                 1,
		`pivot_errors_total{kind="database",platform="slack"}`:  0,
		`pivot_platform_rate_limited_total{platform="slack"}`:   0,
		`pivot_turn_seconds_bucket{platform="slack",le="+Inf"}`: 2,
	} {
		if v := value(got, series); v != want {
			t.Errorf("%s = %v, want %v", series, v, want)
		}
	}
	if v := value(got, `pivot_turn_seconds_sum{platform="slack"}`); v <= 0 {
		t.Errorf("pivot_turn_seconds_sum = %v, want the turns' time", v)
	}
	for _, private := range []string{"U0TRAINEE42", "C0COURSEDAY", "T0AGENCY", thread.Thread, "Marmalade", "Zanzibar", "worries", "left him", "jennifer", "Jennifer"} {
		if strings.Contains(got, private) {
			t.Errorf("the scrape contains %q", private)
		}
	}
}

// Failures are counted by kind: a send the platform refused, and the
// database gone (then the open-session gauge drops out of the scrape
// rather than showing a wrong number).
func TestFailuresAreCountedByKind(t *testing.T) {
	r := newRig(t)
	thread := r.start("U0TRAINEE7")
	r.chat.Fail = errors.New("connection reset by peer")
	if err := r.handle(bot.Event{Conv: thread, Text: "How are things at home?"}); err == nil {
		t.Fatal("a failed send should be returned to the adapter")
	}
	got := r.scrape()
	if v := value(got, `pivot_errors_total{kind="platform",platform="slack"}`); v != 1 {
		t.Errorf("platform errors = %v, want 1", v)
	}
	if err := r.store.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.handle(bot.Event{Conv: thread, Text: "What would help?"}); err == nil {
		t.Fatal("a closed database should fail the turn")
	}
	got = r.scrape()
	if v := value(got, `pivot_errors_total{kind="database",platform="slack"}`); v != 1 {
		t.Errorf("database errors = %v, want 1\n%s", v, got)
	}
	if v := value(got, `pivot_open_sessions{platform="slack"}`); v != -1 {
		t.Errorf("pivot_open_sessions = %v with the database closed, want it left out", v)
	}
	if v := value(got, `pivot_turns_total{platform="slack"}`); v != 0 {
		t.Errorf("pivot_turns_total = %v, want 0: neither turn was answered", v)
	}
}

// What the adapters report: 429s, retries and the connection.
func TestPlatformEvents(t *testing.T) {
	m := metrics.New("discord")
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	m.RateLimited("discord")
	m.Retried("discord")
	m.Retried("discord")
	m.Connected("discord", true)
	got := scrape(t, srv.URL)
	for series, want := range map[string]float64{
		`pivot_platform_rate_limited_total{platform="discord"}`: 1,
		`pivot_platform_retries_total{platform="discord"}`:      2,
		`pivot_platform_connected{platform="discord"}`:          1,
	} {
		if v := value(got, series); v != want {
			t.Errorf("%s = %v, want %v", series, v, want)
		}
	}
	m.Connected("discord", false)
	if v := value(scrape(t, srv.URL), `pivot_platform_connected{platform="discord"}`); v != 0 {
		t.Errorf("after the connection went down: %v, want 0", v)
	}
}
