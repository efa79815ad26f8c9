package slack_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/adapters/slack"
	"github.com/pivotcoach/pivot/adapters/slack/slackfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/metrics"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

// startObserved is start with the bot and the adapter reporting to m, as
// `pivot slack --metrics-addr` runs them.
func startObserved(t *testing.T, fake *slackfake.Server, m *metrics.Metrics) *harness {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dbFile(t))
	if err != nil {
		t.Fatal(err)
	}
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	b := bot.New(db, lib, bot.WithLogger(log), bot.WithObserver(m))
	ad, err := slack.New(b, slack.Config{AppToken: slackfake.AppToken, BotToken: slackfake.BotToken, APIURL: fake.URL, Logger: log, Observer: m})
	if err != nil {
		t.Fatal(err)
	}
	if ad.Connected() {
		t.Error("Connected before Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, fake: fake, db: db, ad: ad, cancel: cancel, done: make(chan error, 1), logs: logs, env: envCounter(fake)}
	go func() { h.done <- ad.Run(ctx) }()
	t.Cleanup(h.stop)
	h.waitUntil("the adapter to connect", func() bool { return ad.Connected() && fake.Connected() })
	return h
}

// With metrics on, Slack's 429s and the posts sent again are counted, the
// connection shows as up while it is and down after Run returns, and the
// trainees' turns are counted, all without a user, channel or word of
// theirs in the scrape.
func TestRateLimitsAndConnectionInTheMetrics(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	m := metrics.New(slack.Platform)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	scrape := func() string {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	h := startObserved(t, fake, m)
	thread := h.startSession(channel, alice)
	fake.RateLimit(channel, 2, 1)
	h.say(channel, alice, thread, "Can you tell me a bit about how things are at home?")
	h.waitPosts("alice's reply", 2, character(channel, thread))
	// the bot counts a turn once the character's reply is sent, which is
	// just after Slack has it: wait for the count rather than race it
	const turned = `pivot_turns_total{platform="slack"} 1` + "\n"
	h.waitUntil("the turn to be counted", func() bool { return strings.Contains(scrape(), turned) })

	got := scrape()
	for _, want := range []string{
		`pivot_platform_rate_limited_total{platform="slack"} 2`,
		`pivot_platform_retries_total{platform="slack"} 2`,
		`pivot_platform_connected{platform="slack"} 1`,
		`pivot_turns_total{platform="slack"} 1`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("scrape lacks %s", want)
		}
	}
	for _, private := range []string{alice, channel, thread, "at home", "jennifer"} {
		if strings.Contains(got, private) {
			t.Errorf("the scrape contains %q", private)
		}
	}
	h.stop()
	if h.ad.Connected() {
		t.Error("Connected after Run returned")
	}
	if got := scrape(); !strings.Contains(got, `pivot_platform_connected{platform="slack"} 0`+"\n") {
		t.Error("the connection gauge should drop to 0 when the adapter stops")
	}
}
