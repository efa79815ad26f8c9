package slack_test

// Two `pivot slack` instances on one PostgreSQL database, each with its
// own real slack-go Socket Mode connection to the fake, which deals the
// app's envelopes across both connections as Slack does. Each instance
// has its own store (its own connection pools), as separate processes
// would. cmd/pivot's TestKillOneInstanceTheOtherCarriesOn does the same
// with two processes and kills one.

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/adapters/slack/slackfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/postgres"
	"github.com/pivotcoach/pivot/bot/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// twoInstances starts instance A (the fake's connection 0) and B
// (connection 1) over one new PostgreSQL database.
func twoInstances(t *testing.T, fake *slackfake.Server) (a, b *harness, url string) {
	t.Helper()
	url = pgtest.URL(t)
	open := func() bot.Store {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	a = startOn(t, fake, open())
	b = startOn(t, fake, open())
	if n := fake.Connections(); n != 2 {
		t.Fatalf("%d connections to the fake, want 2", n)
	}
	a.conn, b.conn = 0, 1
	return a, b, url
}

// storedTexts returns the trainee's stored turns' texts, checking they
// are numbered 1..n.
func storedTexts(t *testing.T, db bot.Store, c bot.Conversation) []string {
	t.Helper()
	ctx := context.Background()
	s, err := db.OpenSession(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.Turns(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, r := range recs {
		if r.Turn.Number != i+1 {
			t.Fatalf("%s: turn %d stored as number %d", c.User, i+1, r.Turn.Number)
		}
		out = append(out, r.Turn.Text)
	}
	if s.State.Turn != len(recs) {
		t.Errorf("%s: state counts %d turns, %d stored", c.User, s.State.Turn, len(recs))
	}
	return out
}

func threadConv(channel, thread, user string) bot.Conversation {
	return bot.Conversation{Platform: "slack", Workspace: slackfake.TeamID, Channel: channel, Thread: thread, User: user}
}

var questions = []string{
	"How are you and the children doing?",
	"What happens when he gets angry?",
	"What have you done to keep the boys safe when Brian drinks?",
	"Who helps you when things are hard?",
	"What would you like to happen next?",
	"What do the boys say about it?",
}

// Three trainees, each reply dealt to alternating instances, all three
// replying at once: every reply is played once, in the order said, each
// on the state the previous one left (turns 1..n, no gap, no double),
// and answered once, whichever instance received it.
func TestTwoInstancesPlayEachTurnOnceAndInOrder(t *testing.T) {
	fake := slackfake.New(t)
	a, b, _ := twoInstances(t, fake)
	users := []string{"U1", "U2", "U3"}
	threads := map[string]string{}
	for i, u := range users {
		h := []*harness{a, b}[i%2]
		threads[u] = h.startSession("C1", u)
	}
	const rounds = 5
	for r := range rounds {
		for i, u := range users {
			h := []*harness{a, b}[(r+i)%2]
			h.say("C1", u, threads[u], questions[r])
		}
		for _, u := range users {
			a.waitPosts(fmt.Sprintf("%s's reply %d", u, r+1), r+2, character("C1", threads[u]))
		}
	}
	// Two replies in a burst, one to each instance at once: both played,
	// one after the other, each answered once.
	for _, u := range users {
		a.say("C1", u, threads[u], questions[rounds])
		b.say("C1", u, threads[u], "Tell me more about that.")
	}
	for _, u := range users {
		a.waitPosts(u+"'s burst replies", rounds+3, character("C1", threads[u]))
	}
	for _, u := range users {
		got := storedTexts(t, a.db, threadConv("C1", threads[u], u))
		if len(got) != rounds+2 || !slices.Equal(got[:rounds], questions[:rounds]) {
			t.Errorf("%s: stored %q, want the %d questions in order then the burst", u, got, rounds)
		}
		if n := len(filter(fake.Posts(), character("C1", threads[u]))); n != rounds+3 {
			t.Errorf("%s: Jennifer spoke %d times, want %d (the opening and once per reply)", u, n, rounds+3)
		}
	}
	if t.Failed() {
		t.Logf("posts:\n%s", transcript(fake.Posts()))
	}
}

// Slack re-delivers an event whose ack it missed, maybe to the other
// connection: the retry is dropped there. Delivered to both at once, it
// is handled by exactly one.
func TestRetriedEventOnTheOtherInstanceIsHandledOnce(t *testing.T) {
	fake := slackfake.New(t)
	a, b, _ := twoInstances(t, fake)
	thread := a.startSession("C1", "U1")

	ts := fake.NextTS()
	ev := slackfake.MessageEvent("EvRetried1", "C1", "U1", questions[0], ts, thread)
	a.pushAs("env-first-1", "events_api", ev)
	a.waitPosts("Jennifer's reply", 2, character("C1", thread))
	b.pushAs("env-retry-1", "events_api", ev)
	// The next reply, through the same instance as the retry: once it is
	// answered, the retry before it in that instance's queue was handled.
	b.say("C1", "U1", thread, questions[1])
	b.waitPosts("Jennifer's next reply", 3, character("C1", thread))

	// The same event to both instances at once.
	ev2 := slackfake.MessageEvent("EvTwice2", "C1", "U1", questions[2], fake.NextTS(), thread)
	if err := fake.PushTo(0, "env-twice-a", "events_api", ev2); err != nil {
		t.Fatal(err)
	}
	if err := fake.PushTo(1, "env-twice-b", "events_api", ev2); err != nil {
		t.Fatal(err)
	}
	a.waitUntil("both acks", func() bool { return fake.Acks("env-twice-a") == 1 && fake.Acks("env-twice-b") == 1 })
	a.say("C1", "U1", thread, questions[3])
	b.say("C1", "U1", thread, questions[4])
	a.waitPosts("the replies after", 6, character("C1", thread))

	got := storedTexts(t, b.db, threadConv("C1", thread, "U1"))
	want := []string{questions[0], questions[1], questions[2]}
	if len(got) != 5 || !slices.Equal(got[:3], want) {
		t.Errorf("stored %q, want %q then two more", got, want)
	}
	if n := len(filter(fake.Posts(), character("C1", thread))); n != 6 {
		t.Errorf("Jennifer spoke %d times, want 6 (the opening and five replies)\n%s", n, transcript(fake.Posts()))
	}
}

// A group exercise lives in the database: started on one instance, joined
// on both, watched from the other, ended from the other.
func TestGroupExerciseAcrossInstances(t *testing.T) {
	fake := slackfake.New(t)
	a, b, _ := twoInstances(t, fake)
	if err := a.db.(bot.TrainerStore).AddTrainer(context.Background(), bot.TrainerID{Platform: "slack", User: "UTRAIN"}); err != nil {
		t.Fatal(err)
	}
	a.slash("C1", "UTRAIN", "group start jennifer")
	card := a.waitPosts("the exercise card", 1, func(p slackfake.Post) bool {
		return p.Channel == "C1" && p.ThreadTS == "" && !p.Ephemeral && strings.Contains(p.Text, "Group exercise 1") && len(p.BlocksOfType("actions")) > 0
	})[0]
	// A second start in the channel, on the other instance, is refused:
	// the open group is in the database.
	b.slash("C1", "UTRAIN", "group start jennifer")
	b.waitPosts("the refusal of a second group", 1, ephemeralTo("C1", "", "UTRAIN", "is still open in this channel"))

	briefs := func() []slackfake.Post {
		return filter(fake.Posts(), func(p slackfake.Post) bool {
			return p.Channel == "C1" && p.ThreadTS == "" && !p.Ephemeral && strings.Contains(p.Text, "Say *hint*")
		})
	}
	b.click("C1", "U1", card.TS, "", "group join 1")
	b.waitUntil("U1's session thread", func() bool { return len(briefs()) == 1 })
	a.click("C1", "U2", card.TS, "", "group join 1")
	a.waitUntil("U2's session thread", func() bool { return len(briefs()) == 2 })
	t1, t2 := briefs()[0].TS, briefs()[1].TS
	a.waitPosts("U1's opening line", 1, character("C1", t1))
	a.waitPosts("U2's opening line", 1, character("C1", t2))
	// U1 joined on B and replies on A; U2 the other way round.
	a.say("C1", "U1", t1, questions[2])
	b.say("C1", "U2", t2, questions[0])
	a.waitPosts("U1's reply", 2, character("C1", t1))
	a.waitPosts("U2's reply", 2, character("C1", t2))

	b.slash("C1", "UTRAIN", "group status")
	status := b.waitPosts("the roll-up", 1, ephemeralTo("C1", "", "UTRAIN", "joined,"))
	if !strings.Contains(status[0].Text, "2 joined, 2 replying. 2 replies") {
		t.Errorf("roll-up from the other instance:\n%s", status[0].Text)
	}

	b.slash("C1", "UTRAIN", "group end")
	for _, th := range []string{t1, t2} {
		b.waitPosts("a debrief in "+th, 1, func(p slackfake.Post) bool {
			return p.Channel == "C1" && p.ThreadTS == th && strings.Contains(p.Text+p.BlocksText(), "Debrief")
		})
	}
	b.waitPosts("the group debrief", 1, func(p slackfake.Post) bool {
		return p.Channel == "C1" && p.ThreadTS == "" && !p.Ephemeral && strings.Contains(p.Text, "Group debrief")
	})
	rows, err := a.db.Sessions(context.Background(), bot.SessionFilter{GroupID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Errorf("%d member sessions, want 2", len(rows))
	}
	for _, r := range rows {
		if r.Status != bot.SessionEnded || r.Turns != 1 {
			t.Errorf("member session %d: %s with %d turns, want ended with 1", r.ID, r.Status, r.Turns)
		}
	}
}
