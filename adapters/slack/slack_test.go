package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pivotcoach/pivot/adapters/slack"
	"github.com/pivotcoach/pivot/adapters/slack/slackfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

const (
	channel = "C0PRACTICE"
	alice   = "U0ALICE"
	bob     = "U0BOB"
)

// session returns the open session in a thread (or fails).
func (h *harness) session(thread, user string) *bot.Session {
	h.t.Helper()
	s, err := h.db.OpenSession(context.Background(), bot.Conversation{Platform: "slack", Workspace: slackfake.TeamID, Channel: channel, Thread: thread, User: user})
	if err != nil {
		h.t.Fatalf("no open session in thread %s for %s: %v", thread, user, err)
	}
	return s
}

func (h *harness) turns(id int64) []bot.TurnRecord {
	h.t.Helper()
	recs, err := h.db.Turns(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return recs
}

// TestSessionEndToEnd: slash command → thread → replies in the thread →
// ephemeral coaching after a blaming reply → end → Block Kit debrief.
func TestSessionEndToEnd(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))

	thread := h.startSession(channel, alice)
	s := h.session(thread, alice)
	if s.ScenarioID != "jennifer" {
		t.Fatalf("session scenario = %q", s.ScenarioID)
	}
	brief := fake.Posts()[0]
	if brief.TS != thread || brief.ThreadTS != "" || brief.Ephemeral {
		t.Fatalf("the brief should open the thread: %+v", brief)
	}
	var values []string
	for _, b := range brief.BlocksOfType("actions") {
		for _, e := range b["elements"].([]any) {
			values = append(values, e.(map[string]any)["value"].(string))
		}
	}
	if strings.Join(values, ",") != "hint,end" {
		t.Errorf("brief buttons carry %v, want the commands hint and end", values)
	}

	h.say(channel, alice, thread, "Can you tell me a bit about how things are at home?")
	h.waitPosts("character replies", 2, character(channel, thread))
	h.say(channel, alice, thread, "Why haven't you left him?")
	h.waitPosts("character replies", 3, character(channel, thread))

	recs := h.turns(s.ID)
	if len(recs) != 2 {
		t.Fatalf("stored turns = %d, want 2", len(recs))
	}
	posts := fake.Posts()
	if recs[1].Turn.Assessment.Label == dialogue.Blaming {
		coaching := h.waitPosts("ephemeral coaching", 1, ephemeralTo(channel, thread, alice, "Coaching"))
		if strings.Contains(coaching[0].Text, "<") {
			t.Errorf("coaching text is not escaped: %q", coaching[0].Text)
		}
		// Coaching comes after the reply it is about, and only once.
		posts = fake.Posts()
		if idx(posts, coaching[0]) < idx(posts, h.waitPosts("character replies", 3, character(channel, thread))[2]) {
			t.Error("coaching posted before the character's reply")
		}
	} else {
		// The scorer in this tree does not call it blaming: then there
		// must be no coaching at all.
		t.Logf("note: the scorer labelled %q %q, so no coaching is expected", recs[1].Turn.Text, recs[1].Turn.Assessment.Label)
	}
	want := 0
	for _, r := range recs {
		if r.Turn.Assessment.Label == dialogue.Blaming {
			want++
		}
	}
	if n := len(filter(posts, ephemeralTo(channel, thread, alice, "Coaching"))); n != want {
		t.Errorf("coaching posted %d times, want %d (once per blaming reply)", n, want)
	}

	// /pivot end outside the thread finds the trainee's one session.
	h.slash(channel, alice, "end")
	debrief := h.waitPosts("debrief", 1, func(p slackfake.Post) bool {
		return p.Channel == channel && p.ThreadTS == thread && len(p.BlocksOfType("header")) > 0
	})[0]
	if debrief.Ephemeral {
		t.Error("the debrief should be posted in the thread, not ephemerally")
	}
	header := debrief.BlocksOfType("header")[0]["text"].(map[string]any)["text"].(string)
	if header != "Debrief: your interview with Jennifer" {
		t.Errorf("debrief header = %q", header)
	}
	checkBlockLimits(t, debrief)
	sections := debrief.BlocksOfType("section")
	if len(sections) < 3 {
		t.Errorf("debrief has %d sections, want the figures, blaming replies, phases…", len(sections))
	}
	if want > 0 && !strings.Contains(debrief.BlocksText(), "Blaming replies and what to say instead") {
		t.Error("debrief blocks do not list the blaming reply")
	}
	if !strings.Contains(debrief.BlocksText(), `"value":"start jennifer"`) {
		t.Error("debrief has no Practise again button")
	}
	if _, err := h.db.OpenSession(context.Background(), s.Conv); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("session still open after end: %v", err)
	}
	for _, p := range fake.Posts() {
		if p.LinkNames {
			t.Errorf("post sent with link_names: %+v", p)
		}
	}
	// Nothing the trainee said reaches the info log; no token ever.
	logs := h.logs.String()
	for _, secret := range []string{"haven't you left", "how things are at home", slackfake.AppToken, slackfake.BotToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
	t.Logf("transcript as the fake saw it:\n%s", transcript(fake.Posts()))
}

func idx(posts []slackfake.Post, p slackfake.Post) int {
	for i, q := range posts {
		if q.TS == p.TS && q.Method == p.Method && q.Text == p.Text {
			return i
		}
	}
	return -1
}

func checkBlockLimits(t *testing.T, p slackfake.Post) {
	t.Helper()
	var blocks []map[string]any
	if err := json.Unmarshal(p.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) > 50 {
		t.Errorf("%d blocks, Slack allows 50", len(blocks))
	}
	for _, b := range blocks {
		if txt, ok := b["text"].(map[string]any); ok && b["type"] == "section" {
			if n := utf8.RuneCountInString(txt["text"].(string)); n > 3000 {
				t.Errorf("section text of %d characters, Slack allows 3000", n)
			}
		}
	}
}

// TestButtons: the scenario picker, and Hint and End buttons on the brief
// acting on that thread's session.
func TestButtons(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))

	h.slash(channel, alice, "list")
	list := h.waitPosts("the scenario picker", 1, ephemeralTo(channel, "", alice, "Scenarios"))[0]
	if !strings.Contains(list.BlocksText(), `"value":"start jennifer"`) || !strings.Contains(list.BlocksText(), `"accessory"`) {
		t.Fatalf("picker blocks have no Start jennifer button: %s", list.Blocks)
	}
	before := len(fake.Posts())
	h.click(channel, alice, list.TS, "", "start jennifer")
	var thread string
	h.waitUntil("a thread started from the picker", func() bool {
		for _, p := range fake.Posts()[before:] {
			if p.ThreadTS == "" && !p.Ephemeral && len(p.BlocksOfType("actions")) > 0 {
				thread = p.TS
			}
		}
		return thread != "" && len(filter(fake.Posts(), character(channel, thread))) == 1
	})

	// Hint on the brief (the thread's first message): ephemeral, in the thread.
	h.click(channel, alice, thread, "", "hint")
	h.waitPosts("an ephemeral hint", 1, ephemeralTo(channel, thread, alice, "Hint"))
	// End from a button inside the thread.
	h.click(channel, alice, fake.NextTS(), thread, "end")
	h.waitPosts("debrief", 1, func(p slackfake.Post) bool { return p.ThreadTS == thread && strings.Contains(p.Text, "Debrief") })
}

// TestDuplicateEnvelope: a re-delivered envelope is acknowledged each
// time and processed once.
func TestDuplicateEnvelope(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))
	thread := h.startSession(channel, alice)

	ts := fake.NextTS()
	payload := slackfake.MessageEvent("EvDUP1", channel, alice, "Can you tell me about your children?", ts, thread)
	h.pushAs("env-dup", "events_api", payload)
	h.pushAs("env-dup", "events_api", payload) // Slack re-delivers the same envelope
	h.push("events_api", payload)              // …or the same event in a new envelope
	if n := fake.Acks("env-dup"); n != 2 {
		t.Errorf("env-dup acknowledged %d times, want 2", n)
	}
	// A later message is processed after the duplicates (same queue).
	h.say(channel, alice, thread, "What are you most worried about?")
	h.waitPosts("character replies", 3, character(channel, thread))
	if n := len(h.turns(h.session(thread, alice).ID)); n != 2 {
		t.Errorf("stored %d turns, want 2 (the duplicate processed once)", n)
	}
	if n := len(filter(fake.Posts(), character(channel, thread))); n != 3 {
		t.Errorf("%d character posts, want 3 (opening + 2 replies)\n%s", n, transcript(fake.Posts()))
	}
}

// TestRateLimit: a 429 with Retry-After is waited out and the same message
// sent again; nothing is lost and every thread keeps its order, though two
// trainees share the channel.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))
	t1 := h.startSession(channel, alice)
	t2 := h.startSession(channel, bob)

	fake.RateLimit(channel, 2, 1)
	h.say(channel, alice, t1, "Can you tell me a bit about how things are at home?")
	h.say(channel, bob, t2, "What are you most worried about?")
	h.say(channel, alice, t1, "What would help you and the children feel safer?")
	a := h.waitPosts("alice's replies", 3, character(channel, t1))
	b := h.waitPosts("bob's replies", 2, character(channel, t2))
	if got := fake.RateLimited(); got != 2 {
		t.Errorf("the fake answered 429 %d times, want 2", got)
	}
	for _, c := range []struct {
		thread string
		user   string
		posts  []slackfake.Post
	}{{t1, alice, a}, {t2, bob, b}} {
		recs := h.turns(h.session(c.thread, c.user).ID)
		if len(recs) != len(c.posts)-1 {
			t.Fatalf("thread %s: %d turns stored, %d replies posted", c.thread, len(recs), len(c.posts)-1)
		}
		for i, r := range recs {
			want := "*Jennifer:* " + slack.Escape(r.Turn.Reply)
			if c.posts[i+1].Text != want {
				t.Errorf("thread %s reply %d = %q, want %q (order or loss)", c.thread, i+1, c.posts[i+1].Text, want)
			}
		}
	}
	if !strings.Contains(h.logs.String(), "rate limited") {
		t.Error("the rate limit was not logged")
	}
}

// TestRestartResumes: a new Socket Mode client over the same SQLite file
// continues the session when the trainee writes in its thread, and an
// event delivered before the restart is not processed again.
func TestRestartResumes(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	path := dbFile(t)
	h := start(t, fake, path)
	thread := h.startSession(channel, alice)
	ts := fake.NextTS()
	first := slackfake.MessageEvent("EvBEFORE", channel, alice, "Can you tell me a bit about how things are at home?", ts, thread)
	h.push("events_api", first)
	h.waitPosts("character replies", 2, character(channel, thread))
	h.stop()

	h2 := start(t, fake, path)
	h2.push("events_api", first) // re-delivered after the restart
	h2.say(channel, alice, thread, "What are you most worried about?")
	h2.waitPosts("character replies", 3, character(channel, thread))
	recs := h2.turns(h2.session(thread, alice).ID)
	if len(recs) != 2 || recs[0].Turn.Number != 1 || recs[1].Turn.Number != 2 {
		t.Fatalf("after restart: %d turns (want turns 1 and 2)", len(recs))
	}
	if n := len(filter(fake.Posts(), character(channel, thread))); n != 3 {
		t.Errorf("%d character posts, want 3\n%s", n, transcript(fake.Posts()))
	}
	h2.slash(channel, alice, "end")
	h2.waitPosts("debrief", 1, func(p slackfake.Post) bool { return p.ThreadTS == thread && strings.Contains(p.Text, "Debrief") })
}

// TestNoPings: <!channel>, <!here> and user mentions typed by a trainee
// reach Slack escaped, never as markup.
func TestNoPings(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))
	const dm = "D0ALICE"
	// A direct message that is not a command is echoed in the notice.
	h.say(dm, alice, "", "<!channel> &lt;b&gt;")
	notice := h.waitPosts("the unknown-command notice", 1, ephemeralTo(dm, "", alice, "know the command"))[0]
	if !strings.Contains(notice.Text, "&lt;!channel&gt;") {
		t.Errorf("notice = %q, want the trainee's <!channel> as &lt;!channel&gt;", notice.Text)
	}
	// A session in the direct message; blaming words with a ping in them.
	h.slash(dm, alice, "start jennifer")
	h.waitPosts("opening line", 1, character(dm, ""))
	h.say(dm, alice, "", "Why haven't you left him <!here> <@U0BOB>?")
	h.waitPosts("reply", 2, character(dm, ""))
	h.slash(dm, alice, "end")
	h.waitPosts("debrief", 1, func(p slackfake.Post) bool { return p.Channel == dm && strings.Contains(p.Text, "Debrief") })
	for _, p := range fake.Posts() {
		for _, bad := range []string{"<!channel>", "<!here>", "<@U0BOB>", "<!everyone>"} {
			if strings.Contains(p.Text, bad) || strings.Contains(p.BlocksText(), bad) {
				t.Errorf("post carries %s unescaped: %+v", bad, p)
			}
		}
	}
}

// TestIgnoresOwnAndEdited: the bot's own messages, other bots' and edits
// are not turns.
func TestIgnoresOwnAndEdited(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))
	thread := h.startSession(channel, alice)
	ts := fake.NextTS()
	own := slackfake.MessageEvent("EvOWN", channel, slackfake.BotUserID, "*Jennifer:* hello", ts, thread)
	h.push("events_api", own)
	botMsg := slackfake.MessageEvent("EvBOT", channel, alice, "from a bot", fake.NextTS(), thread)
	botMsg["event"].(map[string]any)["bot_id"] = "B0OTHER"
	h.push("events_api", botMsg)
	edited := slackfake.MessageEvent("EvEDIT", channel, alice, "edited", fake.NextTS(), thread)
	edited["event"].(map[string]any)["subtype"] = "message_changed"
	h.push("events_api", edited)
	h.say(channel, alice, thread, "What are you most worried about?")
	h.waitPosts("reply", 2, character(channel, thread))
	if n := len(h.turns(h.session(thread, alice).ID)); n != 1 {
		t.Errorf("stored %d turns, want 1", n)
	}
	// A top-level channel message that is not to the bot is not answered.
	before := len(fake.Posts())
	h.say(channel, alice, "", "start jennifer")
	h.say(channel, alice, thread, "How are the children sleeping?")
	h.waitPosts("reply", 3, character(channel, thread))
	if got := fake.Posts()[before:]; len(got) != 1 {
		t.Errorf("posts after an unaddressed channel message:\n%s", transcript(got))
	}
}

// TestParallelTrainees: two trainees practise at once in one channel, and
// one trainee holds two sessions in two threads.
func TestParallelTrainees(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))
	a1 := h.startSession(channel, alice)
	b1 := h.startSession(channel, bob)
	a2 := h.startSession(channel, alice)
	h.say(channel, alice, a1, "Can you tell me a bit about how things are at home?")
	h.say(channel, bob, b1, "What are you most worried about?")
	h.say(channel, alice, a2, "How are the children?")
	h.say(channel, bob, b1, "Can you tell me a bit about how things are at home?")
	h.waitPosts("a1 replies", 2, character(channel, a1))
	h.waitPosts("b1 replies", 3, character(channel, b1))
	h.waitPosts("a2 replies", 2, character(channel, a2))
	if n := len(h.turns(h.session(b1, bob).ID)); n != 2 {
		t.Errorf("bob's session has %d turns, want 2", n)
	}
	// Alice's /pivot end is ambiguous: she is asked which one.
	h.slash(channel, alice, "end")
	h.waitPosts("the which-session notice", 1, ephemeralTo(channel, "", alice, "2 interviews open"))
	// A mention in the thread says which.
	h.push("events_api", slackfake.MentionEvent("EvMENTION", channel, alice, "<@"+slackfake.BotUserID+"> end", fake.NextTS(), a2))
	h.waitPosts("a2 debrief", 1, func(p slackfake.Post) bool { return p.ThreadTS == a2 && strings.Contains(p.Text, "Debrief") })
	h.session(a1, alice) // still open
}

// TestBadTokens: missing, malformed or rejected tokens stop the bot with
// an error naming the variable and the setup guide, never the token.
func TestBadTokens(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	_, err := slack.ConfigFromEnv(env(nil))
	for _, want := range []string{"SLACK_APP_TOKEN is not set", "SLACK_BOT_TOKEN is not set", "docs/slack.md"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing tokens: error %v, want it to say %q", err, want)
		}
	}
	_, err = slack.ConfigFromEnv(env(map[string]string{"SLACK_APP_TOKEN": slackfake.BotToken, "SLACK_BOT_TOKEN": slackfake.BotToken}))
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN holds a bot token") || strings.Contains(err.Error(), slackfake.BotToken) {
		t.Errorf("swapped token: error %v", err)
	}
	if _, err := slack.ConfigFromEnv(env(map[string]string{"SLACK_APP_TOKEN": slackfake.AppToken, "SLACK_BOT_TOKEN": slackfake.BotToken})); err != nil {
		t.Errorf("good tokens: %v", err)
	}

	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, app, botTok, wantVar string
	}{
		{"bot token rejected by auth.test", slackfake.AppToken, "xoxb-revoked", slack.BotTokenVar},
		{"app token rejected by apps.connections.open", "xapp-1-revoked", slackfake.BotToken, slack.AppTokenVar},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := slackfake.New(t)
			db := openDB(t)
			ad, err := slack.New(bot.New(db, lib), slack.Config{AppToken: c.app, BotToken: c.botTok, APIURL: fake.URL})
			if err != nil {
				t.Fatal(err)
			}
			err = ad.Run(context.Background())
			var ce *slack.ConfigError
			if !errors.As(err, &ce) || ce.Var != c.wantVar {
				t.Fatalf("Run = %v, want a ConfigError for %s", err, c.wantVar)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.wantVar) || !strings.Contains(msg, "docs/slack.md") || !strings.Contains(msg, "invalid_auth") {
				t.Errorf("error %q should name %s, invalid_auth and docs/slack.md", msg, c.wantVar)
			}
			if strings.Contains(msg, c.app) || strings.Contains(msg, c.botTok) {
				t.Errorf("error %q shows a token", msg)
			}
		})
	}
}

// TestAPIError: a post Slack refuses is logged with its method and
// channel, and the trainee is told in the thread; the session goes on.
func TestAPIError(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))
	thread := h.startSession(channel, alice)
	fake.Fail(channel, "msg_too_long", 1)
	h.say(channel, alice, thread, "Can you tell me a bit about how things are at home?")
	h.waitPosts("the notice", 1, ephemeralTo(channel, thread, alice, "Slack did not accept a message from Pivot (msg_too_long)"))
	logs := h.logs.String()
	if !strings.Contains(logs, "method=chat.postMessage") || !strings.Contains(logs, "channel="+channel) || !strings.Contains(logs, "msg_too_long") {
		t.Errorf("the failure is not logged with method and channel:\n%s", logs)
	}
	h.say(channel, alice, thread, "What are you most worried about?")
	h.waitPosts("the next reply", 2, character(channel, thread))
}

// A blaming line gets coaching with the trust meter and an Undo button;
// pressing it takes the turn back, repeats Jennifer's last line with the
// meter, and the debrief shows both versions and a Review button.
func TestUndoButtonAndTrustMeter(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))
	thread := h.startSession(channel, alice)
	h.say(channel, alice, thread, "Hi Jennifer, I'm Sam from children's services. Is it safe to talk right now?")
	h.waitPosts("Jennifer's answer", 2, character(channel, thread))
	h.say(channel, alice, thread, "Why haven't you left him?")
	coaching := h.waitPosts("coaching", 1, ephemeralTo(channel, thread, alice, "Coaching"))[0]
	if b := coaching.BlocksText(); !strings.Contains(b, "trust ▮") || !strings.Contains(b, `"value":"undo"`) {
		t.Fatalf("coaching blocks lack the trust meter or the Undo button: %s", b)
	}
	replies := filter(fake.Posts(), character(channel, thread))
	if b := replies[len(replies)-1].BlocksText(); !strings.Contains(b, "blamed her") {
		t.Errorf("Jennifer's reply has no trust meter naming the cause: %s", b)
	}
	h.click(channel, alice, coaching.TS, thread, "undo")
	h.waitPosts("the undo notice", 1, ephemeralTo(channel, thread, alice, "Turn 2 taken back"))
	h.waitPosts("Jennifer's last line again", 4, character(channel, thread))
	h.say(channel, alice, thread, "What gets in the way when you think about leaving?")
	h.waitPosts("Jennifer's answer", 5, character(channel, thread))
	h.say(channel, alice, thread, "end")
	d := h.waitPosts("debrief", 1, func(p slackfake.Post) bool { return p.ThreadTS == thread && strings.Contains(p.Text, "Debrief") })[0]
	for _, want := range []string{"you took back 1 turn", "Why haven't you left him?", `"value":"review `} {
		if !strings.Contains(d.BlocksText(), want) {
			t.Errorf("debrief lacks %q: %s", want, d.BlocksText())
		}
	}
}
