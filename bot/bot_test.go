package bot_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/bottest"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

type harness struct {
	t     *testing.T
	path  string
	store *sqlite.DB
	bot   *bot.Bot
	chat  *bottest.Adapter
}

func newHarness(t *testing.T, path string) *harness {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "pivot.db")
	}
	store, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatalf("scenarios: %v", err)
	}
	b := bot.New(store, lib, bot.WithSeed(func(bot.Conversation, string) int64 { return 7 }))
	return &harness{t: t, path: path, store: store, bot: b, chat: &bottest.Adapter{Threads: true, Private: true}}
}

func (h *harness) say(c bot.Conversation, text string) {
	h.t.Helper()
	if err := h.bot.Handle(context.Background(), h.chat.For(), bot.Event{Conv: c, Text: text}); err != nil {
		h.t.Fatalf("handle %q: %v", text, err)
	}
}

func (h *harness) command(c bot.Conversation, text string) {
	h.t.Helper()
	if err := h.bot.Handle(context.Background(), h.chat.For(), bot.Event{Conv: c, Text: text, Command: true}); err != nil {
		h.t.Fatalf("command %q: %v", text, err)
	}
}

// start runs "start id" in a channel and returns the session's thread.
func (h *harness) start(user, id string) bot.Conversation {
	h.t.Helper()
	ch := bot.Conversation{Platform: "test", Channel: "C1", User: user}
	h.command(ch, "start "+id)
	for _, s := range h.chat.Messages() {
		if s.Message.Kind == bot.KindBrief && s.To.User == user && s.To.Thread != "" {
			return s.To
		}
	}
	h.t.Fatalf("no brief posted in a thread for %s", user)
	return bot.Conversation{}
}

func TestStartPostsBriefAndOpeningInItsOwnThread(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	msgs := h.chat.Messages()
	if len(msgs) != 2 {
		t.Fatalf("want brief + opening line, got %d messages", len(msgs))
	}
	if msgs[1].Message.Kind != bot.KindCharacter || msgs[1].Message.Speaker != "Jennifer" || msgs[1].To != th {
		t.Errorf("opening line should be Jennifer's, in the thread: %+v", msgs[1])
	}
	if !strings.Contains(msgs[0].Message.Text, "Jennifer") {
		t.Errorf("brief should name Jennifer: %q", msgs[0].Message.Text)
	}
}

func TestBlamingReplyGetsPrivateCoachingWithRewrite(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	h.say(th, "Why haven't you left him?")
	last := h.chat.Messages()
	var character, coaching *bot.Message
	for i := range last {
		switch last[i].Message.Kind {
		case bot.KindCharacter:
			character = &last[i].Message
		case bot.KindCoaching:
			coaching = &last[i].Message
		}
	}
	if character == nil || character.Turn == nil {
		t.Fatal("no character reply")
	}
	if character.Turn.Assessment.Label != "blaming" {
		t.Fatalf("'Why haven't you left him?' scored %s", character.Turn.Assessment.Label)
	}
	if coaching == nil {
		t.Fatal("no coaching after a blaming reply")
	}
	if !coaching.Private || !strings.Contains(coaching.Text, "Try:") {
		t.Errorf("coaching should be private with a rewrite: %+v", coaching)
	}
	if character.Turn.TrustAfter >= character.Turn.TrustBefore {
		t.Errorf("trust should fall: %d → %d", character.Turn.TrustBefore, character.Turn.TrustAfter)
	}
}

func TestCoachOffKeepsFeedbackForTheDebrief(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	h.command(th, "coach off")
	h.chat.Reset()
	h.say(th, "Why haven't you left him?")
	if got := h.chat.Of(bot.KindCoaching, "U1"); len(got) != 0 {
		t.Fatalf("coaching sent with coach off: %v", got)
	}
	h.command(th, "end")
	d := h.chat.Of(bot.KindDebrief, "U1")
	if len(d) != 1 || d[0].Debrief == nil || len(d[0].Debrief.Blaming) == 0 {
		t.Fatalf("debrief should list the blaming finding: %+v", d)
	}
}

func TestEndGivesDebriefAndClosesTheSession(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	h.say(th, "Hi Jennifer, I'm Sam from children's services. Is now a good time to talk?")
	h.say(th, "What happens when Brian drinks?")
	h.command(th, "end")
	d := h.chat.Of(bot.KindDebrief, "U1")
	if len(d) != 1 {
		t.Fatalf("want one debrief, got %d", len(d))
	}
	if d[0].Debrief.Turns != 2 || !strings.Contains(d[0].Text, "Non-blaming replies") {
		t.Errorf("debrief: turns=%d text=%q", d[0].Debrief.Turns, d[0].Text)
	}
	h.chat.Reset()
	h.say(th, "Are you still there?")
	if n := len(h.chat.Of(bot.KindCharacter, "U1")); n != 0 {
		t.Errorf("an ended session should not answer, got %d replies", n)
	}
}

func TestRedeliveredEventIsProcessedOnce(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	h.chat.Reset()
	ev := bot.Event{ID: "Ev1", Conv: th, Text: "How are the boys doing?"}
	for i := 0; i < 3; i++ {
		if err := h.bot.Handle(context.Background(), h.chat.For(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.chat.Of(bot.KindCharacter, "U1")); n != 1 {
		t.Fatalf("event delivered 3 times answered %d times", n)
	}
}

func TestSessionSurvivesARestart(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	h.say(th, "Hi Jennifer, is it safe to talk right now?")
	h.store.Close()

	h2 := newHarness(t, h.path)
	h2.say(th, "What happens when Brian drinks?")
	replies := h2.chat.Of(bot.KindCharacter, "U1")
	if len(replies) != 1 || replies[0].Turn.Number != 2 {
		t.Fatalf("after restart the session should continue at turn 2, got %+v", replies)
	}
}

func TestTwoTraineesPractiseAtOnce(t *testing.T) {
	h := newHarness(t, "")
	a := h.start("U1", "jennifer")
	b := h.start("U2", "jennifer")
	if a == b {
		t.Fatal("two trainees share a thread")
	}
	h.say(a, "Is it safe to talk?")
	h.say(b, "Is it safe to talk?")
	h.say(a, "How are the boys?")
	// U2's thread has one turn, U1's two.
	turnsIn := func(c bot.Conversation) int {
		n := 0
		for _, s := range h.chat.Messages() {
			if s.To == c && s.Message.Kind == bot.KindCharacter && s.Message.Turn != nil {
				n++
			}
		}
		return n
	}
	if turnsIn(a) != 2 || turnsIn(b) != 1 {
		t.Errorf("turns per thread: U1=%d U2=%d", turnsIn(a), turnsIn(b))
	}
}

func TestUnknownScenarioNamesTheOnesThatExist(t *testing.T) {
	h := newHarness(t, "")
	c := bot.Conversation{Platform: "test", Channel: "D1", User: "U1"}
	h.command(c, "start jenifer")
	last := h.chat.Last().Message
	if last.Kind != bot.KindNotice || !strings.Contains(last.Text, "jennifer") {
		t.Fatalf("want a notice naming jennifer, got %+v", last)
	}
}

func TestDirectMessageWithoutSessionIsACommand(t *testing.T) {
	h := newHarness(t, "")
	c := bot.Conversation{Platform: "test", Channel: "D1", User: "U1"}
	if err := h.bot.Handle(context.Background(), h.chat.For(), bot.Event{Conv: c, Text: "list", Direct: true}); err != nil {
		t.Fatal(err)
	}
	last := h.chat.Last().Message
	if last.Kind != bot.KindList || len(last.Scenarios) == 0 {
		t.Fatalf("'list' in a DM should list scenarios, got %+v", last)
	}
	h.chat.Reset()
	// A channel message outside any session is not the bot's to answer.
	if err := h.bot.Handle(context.Background(), h.chat.For(), bot.Event{Conv: bot.Conversation{Platform: "test", Channel: "C9", User: "U1"}, Text: "list"}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.chat.Messages()); n != 0 {
		t.Fatalf("bot answered chatter in a channel: %d messages", n)
	}
}

func TestHistoryShowsFiguresAfterASession(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	h.say(th, "Why haven't you left him?")
	h.say(th, "What have you done to keep the boys safe?")
	h.command(th, "end")
	h.command(bot.Conversation{Platform: "test", Channel: "D1", User: "U1"}, "history")
	last := h.chat.Last().Message
	if last.Kind != bot.KindHistory || len(last.History) != 1 {
		t.Fatalf("want one session in history, got %+v", last)
	}
	if r := last.History[0]; r.Turns != 2 || r.NonBlaming != 1 || r.KeyTotal == 0 {
		t.Errorf("history figures: %+v", r)
	}
}

func TestLongReplyIsCutWithANotice(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	h.chat.Reset()
	h.say(th, strings.Repeat("How are the boys doing at school? ", 300))
	var notice bool
	for _, m := range h.chat.Messages() {
		if m.Message.Kind == bot.KindNotice && strings.Contains(m.Message.Text, "4000") {
			notice = true
		}
	}
	if !notice {
		t.Fatal("a reply over 4000 characters should get a notice")
	}
	if n := len(h.chat.Of(bot.KindCharacter, "U1")); n != 1 {
		t.Fatalf("the cut reply should still be answered, got %d", n)
	}
}

func TestBareCommandWordInASessionIsForTheBot(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	h.say(th, "Is it safe to talk just now?")
	h.say(th, "End.")
	if d := h.chat.Of(bot.KindDebrief, "U1"); len(d) != 1 {
		t.Fatalf("'End.' alone should end the session with a debrief, got %d debriefs", len(d))
	}
}
