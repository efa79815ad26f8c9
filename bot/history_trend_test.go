package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
)

// Sessions under three turns (a false start, an attempt left with
// /restart) do not move the progress trend, and the trainee is told.
func TestShortSessionsAreLeftOutOfTheTrend(t *testing.T) {
	at := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	row := func(turns, nonBlaming int) bot.SessionSummary {
		at = at.Add(-time.Hour)
		return bot.SessionSummary{Session: bot.Session{ScenarioID: "jennifer", StartedAt: at}, Turns: turns, NonBlaming: nonBlaming, KeyTotal: 10}
	}
	// Newest first: two short blaming attempts, then two full sessions
	// at 80% and 40%.
	rows := []bot.SessionSummary{row(1, 0), row(2, 0), row(5, 4), row(5, 2)}
	text := bot.RenderHistory(rows)
	if !strings.Contains(text, "Trend: improving — 80% non-blaming recently, up from 40%") {
		t.Errorf("short sessions moved the trend:\n%s", text)
	}
	if !strings.Contains(text, "2 sessions under 3 turns are left out of the trend") {
		t.Errorf("the trainee is not told short sessions are left out:\n%s", text)
	}
	if !strings.Contains(text, "— 1 turn,") || strings.Contains(text, "1 turns") {
		t.Errorf("plural forms:\n%s", text)
	}
	if got := bot.Trend(rows[:2]); got != "" {
		t.Errorf("a trend from short sessions only: %q", got)
	}
}

// A restart tells the trainee what becomes of the attempt left behind.
func TestRestartSaysTheEarlierAttemptIsKept(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	h.say(th, "Hi Jennifer, I'm Sam from social work. Is it safe to talk?")
	h.command(th, "restart")
	var found bool
	for _, m := range h.chat.Messages() {
		if m.Message.Kind == bot.KindNotice && strings.Contains(m.Message.Text, "earlier attempt (1 turn) stays in your history; under 3 turns, it is left out of your progress trend") {
			found = true
		}
	}
	if !found {
		t.Errorf("no word on the abandoned attempt: %+v", h.chat.Messages())
	}
}
