package bot_test

// Two processes on one database: two bot.Bot values, each with its own
// sqlite.DB on the same file, as during a restart that overlaps the old
// process, or two `pivot practice --resume` runs. A write that was worked
// out on a session read before the other process moved it on must never
// overwrite the later state (the session would get stuck with "turn
// already saved" for good).

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/bottest"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

// interposed is a store whose next OpenSession, after reading, runs
// meanwhile: the other process acting between this one's read and write.
type interposed struct {
	bot.Store
	mu        sync.Mutex
	meanwhile func()
}

func (s *interposed) OpenSession(ctx context.Context, c bot.Conversation) (*bot.Session, error) {
	sess, err := s.Store.OpenSession(ctx, c)
	s.mu.Lock()
	f := s.meanwhile
	s.meanwhile = nil
	s.mu.Unlock()
	if f != nil {
		f()
	}
	return sess, err
}

type twoProcs struct {
	a, b   *bot.Bot
	storeA *interposed
	chatA  *bottest.Adapter
	chatB  *bottest.Adapter
	conv   bot.Conversation
	raw    *sqlite.DB
}

func newTwoProcs(t *testing.T) *twoProcs {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pivot.db")
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	openDB := func() *sqlite.DB {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA, dbB := openDB(), openDB()
	p := &twoProcs{storeA: &interposed{Store: dbA}, raw: dbB, chatA: &bottest.Adapter{}, chatB: &bottest.Adapter{},
		conv: bot.Conversation{Platform: "terminal", Channel: "local", Thread: "jennifer", User: "sam"}}
	seed := bot.WithSeed(func(bot.Conversation, string) int64 { return 5 })
	p.a = bot.New(p.storeA, lib, seed)
	p.b = bot.New(dbB, lib, seed)
	if _, err := p.a.Start(context.Background(), p.chatA, p.conv, "jennifer"); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *twoProcs) say(t *testing.T, who *bot.Bot, chat *bottest.Adapter, text string) {
	t.Helper()
	if err := who.Handle(context.Background(), chat, bot.Event{Conv: p.conv, Text: text, Direct: true}); err != nil {
		t.Fatalf("%q: %v", text, err)
	}
}

// check: turns 1..n contiguous, the state at turn n, and nothing said
// "something went wrong".
func (p *twoProcs) check(t *testing.T, want int) {
	t.Helper()
	s, err := p.raw.OpenSession(context.Background(), p.conv)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := p.raw.Turns(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if r.Turn.Number != i+1 {
			t.Errorf("turn %d stored as number %d", i+1, r.Turn.Number)
		}
	}
	if len(recs) != want || s.State.Turn != want {
		t.Errorf("%d turns stored, state at turn %d; want %d and %d", len(recs), s.State.Turn, want, want)
	}
	for _, chat := range []*bottest.Adapter{p.chatA, p.chatB} {
		for _, m := range chat.Messages() {
			if strings.Contains(m.Message.Text, "went wrong") {
				t.Errorf("told the trainee: %q", m.Message.Text)
			}
		}
	}
}

func TestHintRacingATurnInAnotherProcessKeepsTheSessionUsable(t *testing.T) {
	p := newTwoProcs(t)
	p.say(t, p.a, p.chatA, "Hello Jennifer, I'm Sam from children's services.")
	// Process A reads the session for /hint; before it writes, process B
	// saves a turn.
	p.storeA.meanwhile = func() { p.say(t, p.b, p.chatB, "How are things at home at the moment?") }
	if err := p.a.Handle(context.Background(), p.chatA, bot.Event{Conv: p.conv, Text: "/hint", Direct: true}); err != nil {
		t.Fatalf("/hint: %v", err)
	}
	if len(p.chatA.Of(bot.KindHint, "")) != 1 {
		t.Errorf("no hint given: %+v", p.chatA.Messages())
	}
	p.check(t, 2)
	// Every later line, from either process, is stored as the next turn.
	p.say(t, p.a, p.chatA, "What would help you most right now?")
	p.say(t, p.b, p.chatB, "It sounds like you've been coping with a lot.")
	p.check(t, 4)
}

func TestCoachRacingATurnInAnotherProcessKeepsTheSessionUsable(t *testing.T) {
	p := newTwoProcs(t)
	p.say(t, p.a, p.chatA, "Hello Jennifer, I'm Sam from children's services.")
	p.storeA.meanwhile = func() { p.say(t, p.b, p.chatB, "How are things at home at the moment?") }
	if err := p.a.Handle(context.Background(), p.chatA, bot.Event{Conv: p.conv, Text: "/coach off", Direct: true}); err != nil {
		t.Fatalf("/coach off: %v", err)
	}
	p.check(t, 2)
	p.say(t, p.a, p.chatA, "What would help you most right now?")
	p.check(t, 3)
	s, err := p.raw.OpenSession(context.Background(), p.conv)
	if err != nil {
		t.Fatal(err)
	}
	if s.Coach {
		t.Error("coaching still on after /coach off")
	}
}

func TestTurnRacingATurnInAnotherProcessIsPlayedAgain(t *testing.T) {
	p := newTwoProcs(t)
	p.say(t, p.a, p.chatA, "Hello Jennifer, I'm Sam from children's services.")
	// A reads the session at turn 1; B saves turn 2; A's line must be
	// stored as turn 3, not refused as a duplicate turn 2.
	p.storeA.meanwhile = func() { p.say(t, p.b, p.chatB, "How are things at home at the moment?") }
	p.say(t, p.a, p.chatA, "What would help you most right now?")
	p.check(t, 3)
	s, _ := p.raw.OpenSession(context.Background(), p.conv)
	recs, _ := p.raw.Turns(context.Background(), s.ID)
	if len(recs) == 3 && recs[2].Turn.Text != "What would help you most right now?" {
		t.Errorf("turn 3 is %q", recs[2].Turn.Text)
	}
}

func TestEndRacingATurnInAnotherProcessKeepsTheLaterState(t *testing.T) {
	p := newTwoProcs(t)
	p.say(t, p.a, p.chatA, "Hello Jennifer, I'm Sam from children's services.")
	p.storeA.meanwhile = func() { p.say(t, p.b, p.chatB, "How are things at home at the moment?") }
	if err := p.a.End(context.Background(), p.chatA, p.conv); err != nil {
		t.Fatal(err)
	}
	ss, err := p.raw.Sessions(context.Background(), bot.SessionFilter{})
	if err != nil || len(ss) != 1 {
		t.Fatalf("sessions: %v %v", ss, err)
	}
	if ss[0].Status != bot.SessionEnded || ss[0].State.Turn != 2 || ss[0].Turns != 2 {
		t.Errorf("after end: status %s, state at turn %d, %d turns; want ended, 2, 2", ss[0].Status, ss[0].State.Turn, ss[0].Turns)
	}
}
