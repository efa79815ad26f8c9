package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/bottest"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

// Lines the scorer labels reliably (checked as the tests run).
var (
	goodLines = []string{
		"Hi Jennifer, I'm Sam from children's services. Is it safe to talk right now?",
		"What have you done to keep the boys safe when Brian drinks?",
		"How are the boys doing at school?",
		"What happens when Brian has been drinking?",
		"It sounds like you have worked hard to protect James and Peter.",
	}
	blameSurvivor = "Why haven't you left him?"
	// a worries question that makes his violence the couple's: no
	// trainee here reaches next steps
	blameMutual = "How often do you and Brian fight in front of the boys?"
)

type groupRig struct {
	t     *testing.T
	path  string
	store *sqlite.DB
	bot   *bot.Bot
	chat  *bottest.Adapter
}

func newGroupRig(t *testing.T, opts ...bot.Option) *groupRig {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pivot.db")
	store, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatalf("scenarios: %v", err)
	}
	opts = append([]bot.Option{bot.WithTrainers("test:T1, T2")}, opts...)
	return &groupRig{t: t, path: path, store: store, bot: bot.New(store, lib, opts...),
		chat: &bottest.Adapter{Threads: true, Private: true}}
}

func (r *groupRig) cmd(c bot.Conversation, text string) {
	r.t.Helper()
	if err := r.bot.Handle(context.Background(), r.chat.For(), bot.Event{Conv: c, Text: text, Command: true}); err != nil {
		r.t.Errorf("command %q from %s: %v", text, c.User, err)
	}
}

func (r *groupRig) say(c bot.Conversation, text string) {
	r.t.Helper()
	if err := r.bot.Handle(context.Background(), r.chat.For(), bot.Event{Conv: c, Text: text}); err != nil {
		r.t.Errorf("say %q as %s: %v", text, c.User, err)
	}
}

func chanConv(user string) bot.Conversation {
	return bot.Conversation{Platform: "test", Workspace: "W1", Channel: "C1", User: user}
}

// threadOf finds the thread where user's brief was posted most recently.
func (r *groupRig) threadOf(user string) bot.Conversation {
	r.t.Helper()
	var found bot.Conversation
	for _, s := range r.chat.Messages() {
		if s.Message.Kind == bot.KindBrief && s.To.User == user && s.To.Thread != "" {
			found = s.To
		}
	}
	if found.Thread == "" {
		r.t.Fatalf("no session thread for %s", user)
	}
	return found
}

// privateTo returns the private messages of kind sent to user.
func (r *groupRig) privateTo(kind bot.MessageKind, user string) []bot.Message {
	var out []bot.Message
	for _, m := range r.chat.Of(kind, user) {
		if m.Private {
			out = append(out, m)
		}
	}
	return out
}

func lastText(ms []bot.Message) string {
	if len(ms) == 0 {
		return ""
	}
	return ms[len(ms)-1].Text
}

// script is what trainee i says: a mix of non-blaming and blaming lines.
func script(i int) []string {
	lines := []string{goodLines[0], goodLines[1+i%4]}
	if i%3 == 0 {
		lines = append(lines, blameSurvivor)
	}
	if i%5 == 0 {
		lines = append(lines, blameMutual)
	}
	lines = append(lines, goodLines[4])
	return lines
}

func TestGroupExerciseWithThirtyTrainees(t *testing.T) {
	r := newGroupRig(t)
	trainer := chanConv("T1")
	r.cmd(trainer, "group start jennifer")

	var card *bottest.Sent
	for _, s := range r.chat.Messages() {
		if s.Message.Kind == bot.KindGroup {
			card = &s
		}
	}
	if card == nil || card.Message.Private || len(card.Message.Buttons) != 1 || card.Message.Buttons[0].Label != "Join" {
		t.Fatalf("want a public exercise card with a Join button, got %+v", card)
	}
	join := card.Message.Buttons[0].Action
	if join != "group join 1" {
		t.Fatalf("join action = %q", join)
	}

	const n = 30
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("U%02d", i+1)
	}
	// Everyone presses Join at once (the button arrives in the card's
	// thread, as in Slack), and one presses it twice.
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			c := chanConv(u)
			c.Thread = "card"
			r.cmd(c, join)
		})
	}
	wg.Wait()
	r.cmd(chanConv("U01"), join)
	if got := lastText(r.privateTo(bot.KindNotice, "U01")); !strings.Contains(got, "already joined") {
		t.Errorf("second join should say already joined, got %q", got)
	}

	// Each has a thread of their own; everyone practises at once.
	threads := map[string]bot.Conversation{}
	seen := map[string]string{}
	for _, u := range users {
		th := r.threadOf(u)
		if other, dup := seen[th.Thread]; dup {
			t.Fatalf("%s and %s share thread %s", u, other, th.Thread)
		}
		seen[th.Thread] = u
		threads[u] = th
	}
	for i, u := range users {
		wg.Go(func() {
			for _, line := range script(i) {
				r.say(threads[u], line)
			}
		})
	}
	wg.Wait()

	// Same scenario, same seed: the same words get the same reply.
	firstReply := map[string]int{}
	wantTurns, wantNonBlaming := 0, 0
	for _, s := range r.chat.Messages() {
		m := s.Message
		if m.Kind != bot.KindCharacter || m.Turn == nil {
			continue
		}
		wantTurns++
		if !m.Turn.Assessment.Blaming() {
			wantNonBlaming++
		}
		if m.Turn.Number == 1 {
			firstReply[m.Text]++
		}
		switch m.Turn.Text {
		case blameSurvivor, blameMutual:
			if !m.Turn.Assessment.Blaming() {
				t.Fatalf("scorer changed: %q is no longer blaming", m.Turn.Text)
			}
		case goodLines[0], goodLines[1]:
			if m.Turn.Assessment.Blaming() {
				t.Fatalf("scorer changed: %q is now blaming", m.Turn.Text)
			}
		}
	}
	if len(firstReply) != 1 {
		t.Errorf("30 trainees said the same first line and got %d different replies: %v", len(firstReply), firstReply)
	}

	// Trainees cannot run the exercise.
	for _, c := range []string{"group status", "group end", "group start brian", "group end 1"} {
		r.chat.Reset()
		r.cmd(chanConv("U07"), c)
		got := r.chat.Messages()
		if len(got) != 1 || !got[0].Message.Private || !strings.Contains(got[0].Message.Text, "only trainers") {
			t.Errorf("%q from a trainee: want one private refusal, got %+v", c, got)
		}
	}
	// Another trainer cannot end someone else's exercise.
	r.chat.Reset()
	r.cmd(chanConv("T2"), "group end 1")
	if got := lastText(r.privateTo(bot.KindNotice, "T2")); !strings.Contains(got, "another trainer") {
		t.Errorf("T2 ending T1's group: %q", got)
	}

	// Status: private to the trainer, everyone listed.
	r.chat.Reset()
	r.cmd(trainer, "group status")
	status := r.privateTo(bot.KindReport, "T1")
	if len(status) != 1 {
		t.Fatalf("want one private status, got %+v", r.chat.Messages())
	}
	for _, want := range []string{"30 joined, 30 replying", fmt.Sprintf("%d replies", wantTurns), "Phases reached:", "U30 (still open) — "} {
		if !strings.Contains(status[0].Text, want) {
			t.Errorf("status lacks %q:\n%s", want, status[0].Text)
		}
	}

	// End: every trainee gets their own debrief in their thread; the room
	// gets the group debrief without names; the trainer gets the table.
	r.chat.Reset()
	r.cmd(trainer, "group end")
	for _, u := range users {
		var debriefs []bottest.Sent
		for _, s := range r.chat.Messages() {
			if s.Message.Kind == bot.KindDebrief && s.To.User == u {
				debriefs = append(debriefs, s)
			}
		}
		if len(debriefs) != 1 || debriefs[0].To != threads[u] {
			t.Errorf("%s: want one debrief in their thread, got %d", u, len(debriefs))
		}
	}
	var room, table []bottest.Sent
	for _, s := range r.chat.Messages() {
		if s.Message.Kind != bot.KindReport {
			continue
		}
		if s.Message.Private {
			table = append(table, s)
		} else {
			room = append(room, s)
		}
	}
	if len(room) != 1 || room[0].To.Thread != "" || room[0].To.Channel != "C1" {
		t.Fatalf("want one group debrief in the channel, got %+v", room)
	}
	text := room[0].Message.Text
	share := float64(wantNonBlaming) / float64(wantTurns) * 100
	for _, want := range []string{"Group debrief", "30 trainees", fmt.Sprintf("%d replies: %.0f%% non-blaming", wantTurns, share),
		"Survivor blame — 10 times", "in 6 interviews", "Try: ", "Phases most often skipped:", "next steps (30 of 30)"} {
		if !strings.Contains(text, want) {
			t.Errorf("group debrief lacks %q:\n%s", want, text)
		}
	}
	for _, u := range users {
		if strings.Contains(text, u) {
			t.Errorf("group debrief names %s without names:on:\n%s", u, text)
			break
		}
	}
	if len(table) != 1 || table[0].To.User != "T1" || !strings.Contains(table[0].Message.Text, "U17 — ") {
		t.Errorf("trainer should get the per-trainee table privately: %+v", table)
	}

	// The sessions are closed; a late join is refused.
	open, err := r.store.Sessions(context.Background(), bot.SessionFilter{GroupID: 1, Status: bot.SessionOpen})
	if err != nil || len(open) != 0 {
		t.Errorf("open sessions after group end: %d (%v)", len(open), err)
	}
	r.cmd(chanConv("U99"), join)
	if got := lastText(r.privateTo(bot.KindNotice, "U99")); !strings.Contains(got, "has ended") {
		t.Errorf("late join: %q", got)
	}

	// The report, in all three formats.
	rep, err := r.bot.GroupReport(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var md, cs, js bytes.Buffer
	for f, w := range map[string]*bytes.Buffer{"md": &md, "csv": &cs, "json": &js} {
		if err := bot.WriteReport(w, f, rep); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	for _, want := range []string{"# Group exercise 1:", "| trainee | status |", "| U01 | ended |", "## Blaming findings", "Survivor blame | 10 | 10 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	recs, err := csv.NewReader(&cs).ReadAll()
	if err != nil || len(recs) != n+1 || recs[0][2] != "user" || recs[1][0] != "1" {
		t.Errorf("csv: %d records (%v): %v", len(recs), err, recs[:min(2, len(recs))])
	}
	var decoded bot.GroupReport
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil || len(decoded.Members) != n || decoded.Turns != wantTurns || decoded.Group.Status != bot.GroupEnded {
		t.Errorf("json: %v members=%d turns=%d status=%s", err, len(decoded.Members), decoded.Turns, decoded.Group.Status)
	}
	if testing.Verbose() {
		t.Logf("markdown report:\n%s", md.String())
	}
}

func TestGroupEndNamesOnShowsNamesInTheChannel(t *testing.T) {
	r := newGroupRig(t)
	r.cmd(chanConv("T1"), "group start jennifer coach:off")
	r.cmd(chanConv("U1"), "join")
	th := r.threadOf("U1")
	r.say(th, blameSurvivor)
	if got := r.chat.Of(bot.KindCoaching, "U1"); len(got) != 0 {
		t.Errorf("trainer's coach:off should silence inline coaching, got %v", got)
	}
	r.chat.Reset()
	r.cmd(chanConv("T1"), "group end names:on")
	var room string
	for _, s := range r.chat.Messages() {
		if s.Message.Kind == bot.KindReport && !s.Message.Private {
			room = s.Message.Text
		}
	}
	if !strings.Contains(room, "U1 — 1 replies") {
		t.Errorf("names:on should list trainees in the channel:\n%s", room)
	}
}

func TestTrainerCommandsAndIDs(t *testing.T) {
	ids := bot.ParseTrainers("U1, slack:U2  discord:123;T9")
	want := []bot.TrainerID{{User: "U1"}, {Platform: "slack", User: "U2"}, {Platform: "discord", User: "123"}, {User: "T9"}}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("ParseTrainers = %v, want %v", ids, want)
	}
	if !ids[1].Matches("slack", "U2") || ids[1].Matches("discord", "U2") || !ids[0].Matches("discord", "U1") {
		t.Error("Matches: platform-specific ids must only match their platform")
	}
	r := newGroupRig(t)
	ctx := context.Background()
	for _, c := range []struct {
		platform, user string
		want           bool
	}{{"test", "T1", true}, {"other", "T1", false}, {"other", "T2", true}, {"test", "U1", false}} {
		if got, err := r.bot.IsTrainer(ctx, c.platform, c.user); err != nil || got != c.want {
			t.Errorf("IsTrainer(%s, %s) = %v, %v", c.platform, c.user, got, err)
		}
	}
	// Recorded in the store (pivot trainer add) counts too.
	if err := r.store.AddTrainer(ctx, bot.TrainerID{Platform: "test", User: "U5"}); err != nil {
		t.Fatal(err)
	}
	r.cmd(chanConv("U5"), "group start jennifer")
	if len(r.chat.Of(bot.KindGroup, "")) != 1 {
		t.Error("a trainer recorded in the store should be able to start a group")
	}
	// One open exercise per channel.
	r.cmd(chanConv("T1"), "group start brian")
	if got := lastText(r.privateTo(bot.KindNotice, "T1")); !strings.Contains(got, "still open") {
		t.Errorf("second group in a channel: %q", got)
	}
}

// A group exercise is joined only from its own workspace and channel:
// its number is sequential, so it must not work from anywhere else.
func TestGroupJoinScopedToItsChannel(t *testing.T) {
	r := newGroupRig(t)
	r.cmd(chanConv("T1"), "group start jennifer")
	for _, c := range []bot.Conversation{
		{Platform: "test", Workspace: "W2", Channel: "C1", User: "U1"}, // another workspace, same channel id
		{Platform: "test", Workspace: "W1", Channel: "C9", User: "U2"}, // another channel
		{Platform: "test", Workspace: "W1", Channel: "D1", User: "U3"}, // a direct message
	} {
		r.cmd(c, "join 1")
		if got := lastText(r.privateTo(bot.KindNotice, c.User)); !strings.Contains(got, "no group exercise 1") {
			t.Errorf("join from %s/%s: told %q, want a refusal", c.Workspace, c.Channel, got)
		}
		if n := len(r.chat.Of(bot.KindBrief, c.User)); n != 0 {
			t.Errorf("join from %s/%s opened a session", c.Workspace, c.Channel)
		}
	}
	r.cmd(chanConv("U4"), "join 1")
	r.threadOf("U4")

	// The card's join code works in a direct message in the same
	// workspace (and in a platform DM without one); a wrong code does not.
	var code string
	for _, m := range r.chat.Of(bot.KindGroup, "") {
		if i := strings.Index(m.Text, "join 1-"); i >= 0 {
			code = strings.Fields(m.Text[i+5:])[0]
			code = strings.TrimRight(code, "*,")
		}
	}
	if len(code) != len("1-abcdef") {
		t.Fatalf("the card shows no join code: %q", code)
	}
	r.cmd(bot.Conversation{Platform: "test", Workspace: "W1", Channel: "D5", User: "U5"}, "join 1-zzzzzz")
	if n := len(r.chat.Of(bot.KindBrief, "U5")); n != 0 {
		t.Error("a wrong join code opened a session")
	}
	r.cmd(bot.Conversation{Platform: "test", Workspace: "W2", Channel: "D6", User: "U6"}, "join "+code)
	if n := len(r.chat.Of(bot.KindBrief, "U6")); n != 0 {
		t.Error("the join code worked from another workspace")
	}
	r.cmd(bot.Conversation{Platform: "test", Workspace: "W1", Channel: "D5", User: "U5"}, "join "+code)
	if n := len(r.chat.Of(bot.KindBrief, "U5")); n != 1 {
		t.Errorf("joining with the code from a DM opened %d sessions, want 1", n)
	}
}

// /pivot start where an interview is open refuses before posting a brief.
func TestStartWithSessionOpenPostsNothing(t *testing.T) {
	r := newGroupRig(t)
	r.cmd(chanConv("U1"), "start jennifer")
	thread := r.threadOf("U1")
	r.cmd(thread, "start brian")
	if n := len(r.chat.Of(bot.KindBrief, "U1")); n != 1 {
		t.Errorf("%d briefs posted, want 1", n)
	}
	if got := lastText(r.privateTo(bot.KindNotice, "U1")); !strings.Contains(got, "already have an interview with Jennifer") {
		t.Errorf("told %q", got)
	}
}
