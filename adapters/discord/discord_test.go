package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/adapters/discord/discordfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

const (
	testToken = "test-token-NEVER-PRINT-ME"
	guildID   = "300000000000000001"
	channelID = "300000000000000002"
	waitFor   = 10 * time.Second
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness runs the real discordgo client, through the adapter, against
// the fake, with a real SQLite file.
type harness struct {
	t      *testing.T
	fake   *discordfake.Server
	db     string
	store  *sqlite.DB
	ad     *Adapter
	logs   *syncBuffer
	config func(*Config)
}

func newHarness(t *testing.T, config func(*Config)) *harness {
	t.Helper()
	fake := discordfake.New(testToken)
	t.Cleanup(fake.Close)
	fake.AddChannel(discordfake.Channel{ID: channelID, Type: discordfake.GuildText, GuildID: guildID, Name: "practice"})
	h := &harness{t: t, fake: fake, db: filepath.Join(t.TempDir(), "pivot.db"), logs: &syncBuffer{}, config: config}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	store, err := sqlite.Open(ctx, h.db)
	if err != nil {
		h.t.Fatal(err)
	}
	lib, err := scenarios.Embedded()
	if err != nil {
		h.t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	b := bot.New(store, lib, bot.WithLogger(log), bot.WithSeed(func(bot.Conversation, string) int64 { return 7 }))
	cfg := Config{Token: testToken, GuildID: guildID, HTTPClient: h.fake.Client(), NoReconnect: true,
		ResumeWindow: time.Hour, Logger: log}
	if h.config != nil {
		h.config(&cfg)
	}
	ad := New(b, cfg)
	if err := ad.Open(ctx); err != nil {
		store.Close()
		h.t.Fatalf("Open: %v", err)
	}
	h.store, h.ad = store, ad
}

func (h *harness) stop() {
	if h.ad != nil {
		if err := h.ad.Close(); err != nil {
			h.t.Errorf("Close: %v", err)
		}
		h.ad = nil
	}
	if h.store != nil {
		h.store.Close()
		h.store = nil
	}
	if logs := h.logs.String(); strings.Contains(logs, testToken) {
		h.t.Errorf("the bot token appears in the logs")
	}
	if h.t.Failed() {
		h.t.Logf("fake server transcript:\n%s", h.fake.Transcript())
	}
}

func (h *harness) dispatch(e discordfake.Event) discordfake.Event {
	h.t.Helper()
	if err := h.fake.Dispatch(e); err != nil {
		h.t.Fatal(err)
	}
	return e
}

// waitMessage waits for a message matching ok among those posted after
// the first skip, and returns it.
func (h *harness) waitMessage(what string, ok func(discordfake.Message) bool) discordfake.Message {
	h.t.Helper()
	var found discordfake.Message
	if !h.fake.Wait(waitFor, func() bool {
		for _, m := range h.fake.Messages() {
			if ok(m) {
				found = m
				return true
			}
		}
		return false
	}) {
		h.t.Fatalf("timed out waiting for %s", what)
	}
	return found
}

func (h *harness) messagesIn(channel string) []discordfake.Message {
	var out []discordfake.Message
	for _, m := range h.fake.Messages() {
		if m.ChannelID == channel && m.Via == "channel" {
			out = append(out, m)
		}
	}
	return out
}

func (h *harness) callback(id string) discordfake.Callback {
	h.t.Helper()
	var cb discordfake.Callback
	if !h.fake.Wait(waitFor, func() bool {
		for _, c := range h.fake.Callbacks() {
			if c.Interaction == id {
				cb = c
				return true
			}
		}
		return false
	}) {
		h.t.Fatalf("interaction %s was never answered", id)
	}
	return cb
}

// waitIdle waits until the adapter has no queued work.
func (h *harness) waitIdle() {
	h.t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		h.ad.mu.Lock()
		n := len(h.ad.workers)
		h.ad.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatal("adapter still busy")
}

// startSession runs /pivot start scenario:jennifer for user and returns
// the session's thread.
func (h *harness) startSession(user discordfake.Who) string {
	h.t.Helper()
	e := h.dispatch(h.fake.SlashCommand(user, "start", "scenario", "jennifer"))
	if cb := h.callback(e.ID); cb.Type != 5 || cb.Flags&64 == 0 {
		h.t.Fatalf("start was answered with type %d flags %d, want a deferred ephemeral response (5, 64)", cb.Type, cb.Flags)
	}
	note := h.waitMessage("the start command's answer", func(m discordfake.Message) bool {
		return m.Interaction == e.ID && m.Via == "original"
	})
	var thread string
	if _, err := fmt.Sscanf(note.Content[strings.Index(note.Content, "<#"):], "<#%s", &thread); err != nil {
		h.t.Fatalf("start's answer %q names no thread", note.Content)
	}
	thread = strings.TrimSuffix(strings.TrimSuffix(thread, "."), ">")
	h.waitMessage("the opening line", func(m discordfake.Message) bool {
		return m.ChannelID == thread && strings.HasPrefix(m.Content, "**Jennifer:**")
	})
	return thread
}

func trainee(n int, channel string) discordfake.Who {
	return discordfake.Who{Guild: guildID, Channel: channel, User: fmt.Sprintf("40000000000000000%d", n), Username: fmt.Sprintf("trainee%d", n)}
}

func TestPracticeSessionEndToEnd(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fake

	// Start-up: identified with the intents the bot needs; /pivot
	// registered in the test guild only.
	ids := f.Identifies()
	if len(ids) != 1 || ids[0].Token != "Bot "+testToken {
		t.Fatalf("identifies = %+v", ids)
	}
	if want := 1<<0 | 1<<9 | 1<<12 | 1<<15; ids[0].Intents != want {
		t.Errorf("intents = %d, want %d (guilds, guild messages, DMs, message content)", ids[0].Intents, want)
	}
	if f.Commands("") != nil {
		t.Errorf("commands registered globally with DISCORD_GUILD_ID set")
	}
	var cmds []struct {
		Name    string `json:"name"`
		Options []struct {
			Name    string `json:"name"`
			Options []struct {
				Name         string `json:"name"`
				Autocomplete bool   `json:"autocomplete"`
			} `json:"options"`
		} `json:"options"`
	}
	if err := json.Unmarshal(f.Commands(guildID), &cmds); err != nil || len(cmds) != 1 || cmds[0].Name != "pivot" {
		t.Fatalf("guild commands = %s (%v)", f.Commands(guildID), err)
	}
	var subs []string
	for _, o := range cmds[0].Options {
		subs = append(subs, o.Name)
		if o.Name == "start" && (len(o.Options) != 2 || o.Options[0].Name != "scenario" || !o.Options[0].Autocomplete || o.Options[1].Name != "difficulty") {
			t.Errorf("start's options = %+v, want scenario with autocomplete", o.Options)
		}
	}
	for _, want := range []string{"start", "list", "end", "hint", "history", "coach"} {
		if !strings.Contains(" "+strings.Join(subs, " ")+" ", " "+want+" ") {
			t.Errorf("subcommand %s missing from %v", want, subs)
		}
	}

	// Autocomplete offers the library.
	u := trainee(1, channelID)
	ac := h.dispatch(f.Autocomplete(u, "start", "scenario", "jen"))
	if cb := h.callback(ac.ID); cb.Type != 8 || len(cb.Choices) == 0 || cb.Choices[0] != "jennifer" {
		t.Errorf("autocomplete answered %+v, want type 8 with jennifer", cb)
	}

	// /pivot start: deferred at once, a private thread with the trainee
	// in it, the brief with Hint and End buttons, the opening line.
	thread := h.startSession(u)
	ch, ok := f.ChannelInfo(thread)
	if !ok || ch.Type != discordfake.PrivateThread || ch.ParentID != channelID {
		t.Fatalf("thread = %+v, want a private thread in the channel", ch)
	}
	if len(ch.Members) != 1 || ch.Members[0] != u.User {
		t.Errorf("thread members = %v, want the trainee", ch.Members)
	}
	// The brief is longer than 2,000 characters: it comes in parts, its
	// buttons on the last.
	inThread := h.messagesIn(thread)
	if len(inThread) < 3 {
		t.Fatalf("thread has %d messages, want the brief in parts and the opening", len(inThread))
	}
	opening := inThread[len(inThread)-1]
	brief := inThread[len(inThread)-2]
	if got := strings.Join(brief.CustomIDs(), ","); got != "hint,end" {
		t.Errorf("brief buttons = %q, want hint,end", got)
	}
	for _, m := range inThread[:len(inThread)-2] {
		if len(m.CustomIDs()) != 0 {
			t.Errorf("buttons on a middle part of the brief")
		}
	}

	// The Hint button, in the thread: an ephemeral follow-up.
	ut := trainee(1, thread)
	click := h.dispatch(f.ButtonClick(ut, "hint", brief.ID))
	h.callback(click.ID)
	hint := h.waitMessage("the hint", func(m discordfake.Message) bool { return m.Interaction == click.ID && m.Via == "followup" })
	if !hint.Ephemeral() || !strings.HasPrefix(hint.Content, "Hint (") {
		t.Errorf("hint = %+v, want an ephemeral hint", hint)
	}

	// A blaming reply typed in the thread: the character answers in the
	// thread; coaching follows privately (an ephemeral follow-up on the
	// trainee's latest interaction there, the Hint click).
	said := h.dispatch(f.UserMessage(ut, "Why haven't you left him?"))
	reply := h.waitMessage("Jennifer's reply", func(m discordfake.Message) bool {
		return m.ChannelID == thread && m.Via == "channel" && strings.HasPrefix(m.Content, "**Jennifer:**") && m.ID != opening.ID
	})
	h.waitIdle()
	sess, err := h.store.OpenSession(context.Background(), bot.Conversation{Platform: Platform, Workspace: guildID, Channel: thread, User: u.User})
	if err != nil {
		t.Fatalf("no open session in the thread: %v", err)
	}
	turns, err := h.store.Turns(context.Background(), sess.ID)
	if err != nil || len(turns) != 1 {
		t.Fatalf("turns = %d (%v), want 1", len(turns), err)
	}
	if turns[0].Turn.Text != "Why haven't you left him?" || !strings.Contains(reply.Content, turns[0].Turn.Reply) {
		t.Errorf("stored turn %+v does not match the reply %q", turns[0].Turn, reply.Content)
	}
	var coaching []discordfake.Message
	for _, m := range f.Messages() {
		if strings.HasPrefix(m.Content, "Coaching:") {
			coaching = append(coaching, m)
		}
	}
	if turns[0].Turn.Assessment.Label == dialogue.Blaming {
		if len(coaching) != 1 || !coaching[0].Ephemeral() || coaching[0].Interaction != click.ID {
			t.Errorf("coaching = %+v, want one ephemeral follow-up to the hint click", coaching)
		} else if !strings.Contains(coaching[0].Content, "trust ▮") || !slices.Contains(coaching[0].CustomIDs(), "undo") {
			t.Errorf("coaching = %q with buttons %v; want the trust meter and an Undo button", coaching[0].Content, coaching[0].CustomIDs())
		}
	} else {
		t.Logf("the scorer labelled the reply %q, not blaming", turns[0].Turn.Assessment.Label)
		if len(coaching) != 0 {
			t.Errorf("coaching sent for a %s reply", turns[0].Turn.Assessment.Label)
		}
	}
	if strings.Contains(h.logs.String(), "left him") {
		t.Errorf("trainee text logged at info level:\n%s", h.logs.String())
	}

	// The message is seen once even if Discord sends it twice.
	h.dispatch(said)
	// /pivot end in the thread: the debrief as an embed in the thread.
	end := h.dispatch(f.SlashCommand(ut, "end"))
	debrief := h.waitMessage("the debrief", func(m discordfake.Message) bool { return m.ChannelID == thread && len(m.Embeds) > 0 })
	if !strings.HasPrefix(debrief.Embeds[0].Title, "Debrief: your interview with Jennifer") || debrief.Ephemeral() {
		t.Errorf("debrief = %+v", debrief.Embeds[0])
	}
	if got := strings.Join(debrief.CustomIDs(), ","); !strings.HasPrefix(got, "start jennifer,review ") {
		t.Errorf("debrief buttons = %q, want start jennifer and review", got)
	}
	h.waitIdle()
	if cb := h.callback(end.ID); cb.Type != 5 {
		t.Errorf("end answered with type %d", cb.Type)
	}
	turns, _ = h.store.Turns(context.Background(), sess.ID)
	if len(turns) != 1 {
		t.Errorf("after a duplicate MESSAGE_CREATE the session has %d turns, want 1", len(turns))
	}
	replies := 0
	for _, m := range h.messagesIn(thread) {
		if strings.HasPrefix(m.Content, "**Jennifer:**") {
			replies++
		}
	}
	if replies != 2 {
		t.Errorf("Jennifer spoke %d times, want 2 (opening and one reply)", replies)
	}

	// Every message the bot sent pings no one.
	for _, m := range f.Messages() {
		checkNoMentions(t, m)
	}
	t.Logf("fake server transcript:\n%s", f.Transcript())
}

func TestMentionsDuplicatesRateLimitAndOrder(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fake
	u := trainee(2, channelID)

	// @everyone in trainee text is echoed but cannot ping.
	e := h.dispatch(f.SlashCommand(u, "start", "scenario", "@everyone"))
	echo := h.waitMessage("the unknown-scenario notice", func(m discordfake.Message) bool { return m.Interaction == e.ID })
	if !strings.Contains(echo.Content, "@everyone") || !echo.Ephemeral() {
		t.Fatalf("notice = %+v, want an ephemeral echo of @everyone", echo)
	}
	checkNoMentions(t, echo)

	// A duplicate interaction id is acknowledged and handled once.
	list := f.SlashCommand(u, "list")
	h.dispatch(list)
	h.dispatch(list)
	h.callback(list.ID)
	h.waitIdle()
	n, acks := 0, 0
	for _, m := range f.Messages() {
		if m.Interaction == list.ID {
			n++
		}
	}
	for _, c := range f.Callbacks() {
		if c.Interaction == list.ID {
			acks++
		}
	}
	if n != 1 || acks != 1 {
		t.Errorf("duplicate /pivot list: %d acks and %d messages, want 1 and 1", acks, n)
	}

	// A 429 on the thread is retried after retry_after; the reply
	// arrives once.
	thread := h.startSession(u)
	ut := trainee(2, thread)
	f.RateLimitNext("POST", "/channels/"+thread+"/messages", 0.2)
	h.dispatch(f.UserMessage(ut, "Can you tell me about the boys?"))
	started := len(h.messagesIn(thread))
	h.waitMessage("the reply after a 429", func(m discordfake.Message) bool {
		return len(h.messagesIn(thread)) > started
	})
	h.waitIdle()
	var statuses []int
	for _, r := range f.Requests() {
		if r.Method == "POST" && r.Path == "/channels/"+thread+"/messages" {
			statuses = append(statuses, r.Status)
		}
	}
	// The brief's parts and the opening, then the reply: 429, then 200.
	if n := len(statuses); n != started+2 || statuses[n-2] != 429 || statuses[n-1] != 200 {
		t.Errorf("thread posts answered %v, want %d × 200, then 429, 200", statuses, started)
	}
	if got := len(h.messagesIn(thread)); got != started+1 {
		t.Errorf("thread has %d messages, want %d (the reply once)", got, started+1)
	}
	if last := h.messagesIn(thread)[started]; !strings.HasPrefix(last.Content, "**Jennifer:**") {
		t.Errorf("after the 429 the thread got %q, want Jennifer's reply", last.Content)
	}

	// Turns in one thread stay in order, while a slow thread does not
	// hold up another trainee.
	u3 := trainee(3, channelID)
	other := h.startSession(u3)
	otherStart := len(h.messagesIn(other))
	slowStart := len(h.messagesIn(thread))
	f.Delay("/channels/"+thread+"/messages", 300*time.Millisecond)
	texts := []string{"How are the boys sleeping?", "What helps you get through the day?", "Who do you talk to when things are hard?"}
	for _, s := range texts {
		h.dispatch(f.UserMessage(ut, s))
	}
	h.dispatch(f.UserMessage(trainee(3, other), "How are you doing today?"))
	h.waitMessage("the other trainee's reply", func(m discordfake.Message) bool {
		return len(h.messagesIn(other)) > otherStart
	})
	if got := len(h.messagesIn(thread)); got >= slowStart+3 {
		t.Errorf("the other trainee waited for the slow thread (%d replies there already)", got-slowStart)
	}
	h.waitMessage("three replies in the slow thread", func(m discordfake.Message) bool { return len(h.messagesIn(thread)) >= slowStart+3 })
	f.Delay("/channels/"+thread+"/messages", 0)
	h.waitIdle()
	s, err := h.store.OpenSession(context.Background(), bot.Conversation{Platform: Platform, Workspace: guildID, Channel: thread, User: ut.User})
	if err != nil {
		t.Fatal(err)
	}
	turns, err := h.store.Turns(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range turns[1:] {
		got = append(got, tr.Turn.Text)
	}
	if strings.Join(got, "|") != strings.Join(texts, "|") {
		t.Errorf("turns in order %q, want %q", got, texts)
	}
	ms := h.messagesIn(thread)[slowStart:]
	if len(ms) != 3 {
		t.Fatalf("slow thread got %d messages, want 3 replies", len(ms))
	}
	for i, tr := range turns[1:] {
		if !strings.Contains(ms[i].Content, tr.Turn.Reply) {
			t.Errorf("reply %d out of order: %q, want %q", i, ms[i].Content, tr.Turn.Reply)
		}
	}
	for _, m := range f.Messages() {
		checkNoMentions(t, m)
	}
}

// checkNoMentions fails unless m was sent with allowed mentions none:
// "parse" present and empty, and no users or roles allowed.
func checkNoMentions(t *testing.T, m discordfake.Message) {
	t.Helper()
	var am struct {
		Parse *[]string `json:"parse"`
		Users []string  `json:"users"`
		Roles []string  `json:"roles"`
	}
	if err := json.Unmarshal(m.AllowedMentions, &am); err != nil || am.Parse == nil || len(*am.Parse) != 0 || len(am.Users)+len(am.Roles) != 0 {
		t.Errorf("message %q sent with allowed_mentions %s, want parse []", truncate(m.Content, 40), m.AllowedMentions)
	}
}

func TestRestartResumesOpenSessions(t *testing.T) {
	// Without DISCORD_GUILD_ID, /pivot is registered globally.
	h := newHarness(t, func(c *Config) { c.GuildID = "" })
	f := h.fake
	if f.Commands("") == nil || f.Commands(guildID) != nil {
		t.Fatalf("without a guild id: global commands %s, guild commands %s", f.Commands(""), f.Commands(guildID))
	}
	u := trainee(4, channelID)
	thread := h.startSession(u)
	ut := trainee(4, thread)
	started := len(h.messagesIn(thread))
	h.dispatch(f.UserMessage(ut, "How are the boys doing?"))
	h.waitMessage("the first reply", func(m discordfake.Message) bool { return len(h.messagesIn(thread)) > started })
	h.waitIdle()

	// Restart: a new discordgo session, a new store on the same file.
	h.stop()
	if !f.Wait(waitFor, func() bool { return f.Connected() == 0 }) {
		t.Fatal("the old gateway connection stayed open")
	}
	h.start()
	if len(f.Identifies()) != 2 {
		t.Fatalf("identifies = %d, want 2", len(f.Identifies()))
	}
	resumed := h.waitMessage("the resume notice", func(m discordfake.Message) bool {
		return m.ChannelID == thread && strings.HasPrefix(m.Content, "Resuming your interview with Jennifer after 1 turn")
	})
	_ = resumed
	h.waitIdle()
	before := len(h.messagesIn(thread))
	h.dispatch(f.UserMessage(ut, "What would help you most right now?"))
	h.waitMessage("the reply after restart", func(m discordfake.Message) bool { return len(h.messagesIn(thread)) > before })
	h.waitIdle()
	s, err := h.store.OpenSession(context.Background(), bot.Conversation{Platform: Platform, Workspace: guildID, Channel: thread, User: ut.User})
	if err != nil {
		t.Fatal(err)
	}
	turns, _ := h.store.Turns(context.Background(), s.ID)
	if len(turns) != 2 || turns[1].Turn.Number != 2 {
		t.Fatalf("after restart the session has %d turns, want 2 (continuing)", len(turns))
	}
	last := h.messagesIn(thread)[before]
	if !strings.Contains(last.Content, turns[1].Turn.Reply) {
		t.Errorf("reply after restart %q, want %q", last.Content, turns[1].Turn.Reply)
	}

	// No interaction of the trainee's in the thread to follow up: coaching
	// after a blaming reply is posted in the session's private thread.
	before = len(h.messagesIn(thread))
	h.dispatch(f.UserMessage(ut, "Why haven't you left him?"))
	h.waitMessage("the reply", func(m discordfake.Message) bool { return len(h.messagesIn(thread)) > before })
	h.waitIdle()
	turns, _ = h.store.Turns(context.Background(), s.ID)
	after := h.messagesIn(thread)[before:]
	if len(turns) != 3 {
		t.Fatalf("%d turns, want 3", len(turns))
	}
	if turns[2].Turn.Assessment.Label == dialogue.Blaming {
		if len(after) != 2 || !strings.HasPrefix(after[1].Content, "Coaching:") || after[1].Ephemeral() {
			t.Errorf("after a blaming reply the thread got %d messages, want the reply and coaching", len(after))
		}
	} else {
		t.Logf("the scorer labelled the reply %q, not blaming", turns[2].Turn.Assessment.Label)
		if len(after) != 1 {
			t.Errorf("after a %s reply the thread got %d messages, want 1", turns[2].Turn.Assessment.Label, len(after))
		}
	}
}

func TestTokenErrors(t *testing.T) {
	_, err := ConfigFromEnv(func(string) string { return "" })
	if !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "DISCORD_TOKEN") || !strings.Contains(err.Error(), "docs/discord.md") {
		t.Errorf("missing token: %v", err)
	}
	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{"DISCORD_TOKEN": " Bot abc ", "DISCORD_GUILD_ID": "42"}[k]
	})
	if err != nil || cfg.Token != "abc" || cfg.GuildID != "42" {
		t.Errorf("ConfigFromEnv = %+v, %v", cfg, err)
	}

	fake := discordfake.New(testToken)
	defer fake.Close()
	lib, _ := scenarios.Embedded()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "pivot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ad := New(bot.New(store, lib), Config{Token: "wrong-token-SECRET", HTTPClient: fake.Client(), NoReconnect: true})
	err = ad.Open(context.Background())
	if !errors.Is(err, ErrTokenRejected) {
		t.Fatalf("bad token: %v, want ErrTokenRejected", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "DISCORD_TOKEN") || !strings.Contains(msg, "docs/discord.md") || strings.Contains(msg, "SECRET") {
		t.Errorf("bad token error %q should name DISCORD_TOKEN and the guide, and not the token", msg)
	}
	if n := len(fake.Identifies()); n != 0 {
		t.Errorf("a rejected token still reached the gateway (%d identifies)", n)
	}
	if reqs := fake.Requests(); len(reqs) != 1 || reqs[0].Status != 401 {
		t.Errorf("requests = %v, want one 401", reqs)
	}
}
