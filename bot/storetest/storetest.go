// Package storetest is the store contract, written once as tests: Run
// checks a bot.Store (and every optional store interface the bot uses)
// against what bot/store.go and the interfaces' comments promise. The
// SQLite and PostgreSQL stores both run it (bot/sqlite, bot/postgres), so
// neither can drift from the other.
//
// What is particular to one store (SQLite's file, pragmas and scrubbing;
// PostgreSQL's URL errors and migrations) is tested beside it.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// Full is the store the suite holds both implementations to.
type Full = bot.FullStore

// Opener makes a new, empty database and returns a store on it whose
// clock is now (time.Now if nil), and reopen, which opens another store
// on the same database with the same clock, as a restart or a second
// process would. Both are closed when t ends (a second Close must be
// harmless).
type Opener func(t *testing.T, now func() time.Time) (s bot.Store, reopen func() bot.Store)

// opener is Opener with the stores checked to be Full.
type opener func(t *testing.T, now func() time.Time) (Full, func() Full)

// Run runs the contract against the stores open makes.
func Run(t *testing.T, open Opener) {
	full := func(t *testing.T, now func() time.Time) (Full, func() Full) {
		t.Helper()
		s, reopen := open(t, now)
		f, ok := s.(Full)
		if !ok {
			t.Fatalf("%T does not keep groups, coaching, trainers, forgetting, retention and undo (storetest.Full)", s)
		}
		return f, func() Full {
			t.Helper()
			r := reopen()
			f, ok := r.(Full)
			if !ok {
				t.Fatalf("%T is not a storetest.Full", r)
			}
			return f
		}
	}
	for _, c := range []struct {
		name string
		test func(*testing.T, opener)
	}{
		{"SessionAndTurnsSurviveRestart", testSessionAndTurnsSurviveRestart},
		{"SaveTurnIsAtomic", testSaveTurnIsAtomic},
		{"FirstDelivery", testFirstDelivery},
		{"OpenSessionIgnoresEndedSessions", testOpenSessionIgnoresEndedSessions},
		{"LatestOpenSessionPicksMostRecentlyUpdated", testLatestOpenSessionPicksMostRecentlyUpdated},
		{"ListOpenSessions", testListOpenSessions},
		{"UpdateSession", testUpdateSession},
		{"SessionsFigures", testSessionsFigures},
		{"ConcurrentSaveTurnLosesNothing", testConcurrentSaveTurnLosesNothing},
		{"ForgetUser", testForgetUser},
		{"PurgeKeepingAggregates", testPurgeKeepingAggregates},
		{"QueriesHonourContext", testQueriesHonourContext},
		{"UpdateSessionIsCompareAndSet", testUpdateSessionIsCompareAndSet},
		{"SaveTurnIsCompareAndSetOnTheTurnNumber", testSaveTurnIsCompareAndSetOnTheTurnNumber},
		{"EndSessionNeverStoresAnEarlierState", testEndSessionNeverStoresAnEarlierState},
		{"GroupsCoachingAndTrainers", testGroupsCoachingAndTrainers},
		{"TwoProcessesDeliverEachEventOnce", testTwoProcessesDeliverEachEventOnce},
		{"TwoProcessesSaveEachTurnOnce", testTwoProcessesSaveEachTurnOnce},
		{"ConversationLockAcrossProcesses", testConversationLockAcrossProcesses},
		{"ForgetRequestsAcrossProcesses", testForgetRequestsAcrossProcesses},
		{"UndoTurnIsCompareAndSetAndKeepsTheTurn", testUndoTurnIsCompareAndSetAndKeepsTheTurn},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, full) })
	}
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func conv(user, thread string) bot.Conversation {
	return bot.Conversation{Platform: "slack", Workspace: "T1", Channel: "C1", Thread: thread, User: user}
}

func newSession(t testing.TB, db bot.Store, c bot.Conversation, scenario string) *bot.Session {
	t.Helper()
	s := &bot.Session{Conv: c, ScenarioID: scenario, Coach: true,
		State: dialogue.State{Scenario: scenario, Seed: 7, Trust: 50, LastUsed: map[string]int{}}}
	if err := db.CreateSession(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 {
		t.Fatal("CreateSession did not set the ID")
	}
	return s
}

// turn builds turn n with the given assessment figures, and the state after it.
func turn(st dialogue.State, n int, label dialogue.Label, phase dialogue.Phase, q dialogue.QuestionType, disclosed ...string) (dialogue.Turn, dialogue.State) {
	t := dialogue.Turn{
		Number: n,
		Text:   fmt.Sprintf("reply %d", n),
		Assessment: dialogue.Assessment{Text: fmt.Sprintf("reply %d", n), Role: dialogue.Survivor,
			Label: label, Phase: phase, Question: q},
		Intent:      "worries_general",
		ReplyID:     fmt.Sprintf("intents.worries_general.%d", n),
		Reply:       "I don't know.",
		TrustBefore: st.Trust,
		TrustAfter:  st.Trust + 1,
		Disclosed:   disclosed,
		Trace:       []string{fmt.Sprintf("turn %d", n)},
	}
	st.Turn = n
	st.Trust++
	st.Phases = append(append([]dialogue.Phase(nil), st.Phases...), phase)
	st.Disclosed = append(append([]string(nil), st.Disclosed...), disclosed...)
	st.LastUsed = map[string]int{t.ReplyID: n}
	return t, st
}

func mustSessions(t *testing.T, db bot.Store) []bot.SessionSummary {
	t.Helper()
	rows, err := db.Sessions(context.Background(), bot.SessionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func testSessionAndTurnsSurviveRestart(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newClock()
	db, reopen := open(t, clk.Now)
	c := conv("U1", "1700000000.0001")
	s := newSession(t, db, c, "jennifer")
	st := s.State
	var want []dialogue.Turn
	for i, p := range []dialogue.Phase{dialogue.Engagement, dialogue.Worries} {
		clk.Advance(time.Minute)
		tn, next := turn(st, i+1, dialogue.NonBlaming, p, dialogue.OpenQuestion, fmt.Sprintf("d%d", i))
		if i == 1 { // the fields only some turns have
			tn.Cut, tn.Clarify, tn.Fallback, tn.Ended = true, true, true, true
			tn.Reaction = dialogue.SurvivorBlame
			tn.Assessment.Findings = []dialogue.Finding{{Kind: dialogue.ChildImpact, Span: [2]int{0, 5}, Words: "reply", Why: "because"}}
		}
		if err := db.SaveTurn(ctx, s.ID, tn, next); err != nil {
			t.Fatal(err)
		}
		want, st = append(want, tn), next
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = reopen()
	got, err := db.OpenSession(ctx, c)
	if err != nil {
		t.Fatalf("session lost on restart: %v", err)
	}
	if got.ID != s.ID || got.Conv != c || got.ScenarioID != "jennifer" || !got.Coach || got.Status != bot.SessionOpen {
		t.Errorf("session after restart = %+v", got)
	}
	if !reflect.DeepEqual(got.State, st) {
		t.Errorf("state after restart = %+v, want %+v", got.State, st)
	}
	if !got.StartedAt.Equal(s.StartedAt) || !got.UpdatedAt.Equal(clk.Now()) || !got.EndedAt.IsZero() {
		t.Errorf("times after restart: started %v updated %v ended %v; want %v, %v, zero",
			got.StartedAt, got.UpdatedAt, got.EndedAt, s.StartedAt, clk.Now())
	}
	recs, err := db.Turns(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(want) {
		t.Fatalf("%d turns after restart, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if !reflect.DeepEqual(r.Turn, want[i]) {
			t.Errorf("turn %d after restart =\n%+v\nwant\n%+v", i+1, r.Turn, want[i])
		}
		if r.SessionID != s.ID || !r.At.Equal(s.StartedAt.Add(time.Duration(i+1)*time.Minute)) {
			t.Errorf("turn %d: session %d at %v", i+1, r.SessionID, r.At)
		}
	}
}

func testSaveTurnIsAtomic(t *testing.T, open opener) {
	ctx := context.Background()
	db, _ := open(t, newClock().Now)
	s := newSession(t, db, conv("U1", ""), "jennifer")
	t1, st1 := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t1, st1); err != nil {
		t.Fatal(err)
	}

	// Turn 1 again, with a different text and state: refused, and neither
	// the turn nor the state changes.
	dup, st2 := turn(st1, 1, dialogue.Blaming, dialogue.Worries, dialogue.ClosedQuestion)
	dup.Text = "overwritten?"
	st2.Trust = 99
	err := db.SaveTurn(ctx, s.ID, dup, st2)
	if !errors.Is(err, bot.ErrDuplicateTurn) {
		t.Fatalf("duplicate turn: err = %v, want bot.ErrDuplicateTurn", err)
	}
	got, err := db.OpenSession(ctx, s.Conv)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.State, st1) {
		t.Errorf("state changed by a failed SaveTurn: %+v, want %+v", got.State, st1)
	}
	recs, err := db.Turns(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Turn.Text != t1.Text {
		t.Errorf("turns after duplicate = %+v, want only the first", recs)
	}

	// An unknown session stores nothing.
	if err := db.SaveTurn(ctx, s.ID+100, t1, st1); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("SaveTurn on unknown session: err = %v, want ErrNotFound", err)
	}
	if recs, _ := db.Turns(ctx, s.ID+100); len(recs) != 0 {
		t.Errorf("unknown session has %d turns after SaveTurn, want none", len(recs))
	}

	// A cancelled context stores nothing either.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	t2, st3 := turn(st1, 2, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
	if err := db.SaveTurn(cancelled, s.ID, t2, st3); err == nil {
		t.Error("SaveTurn with a cancelled context succeeded")
	}
	if recs, _ := db.Turns(ctx, s.ID); len(recs) != 1 {
		t.Errorf("%d turns after a cancelled SaveTurn, want 1", len(recs))
	}
}

func testFirstDelivery(t *testing.T, open opener) {
	ctx := context.Background()
	db, reopen := open(t, nil)
	for i, want := range []bool{true, false, false} {
		got, err := db.FirstDelivery(ctx, "Ev01")
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("delivery %d: first = %v, want %v", i+1, got, want)
		}
	}
	db.Close()
	db = reopen()
	if first, err := db.FirstDelivery(ctx, "Ev01"); err != nil || first {
		t.Errorf("after reopening: first = %v, %v; want false", first, err)
	}
	if first, err := db.FirstDelivery(ctx, "Ev02"); err != nil || !first {
		t.Errorf("a new event: first = %v, %v; want true", first, err)
	}
}

func testOpenSessionIgnoresEndedSessions(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newClock()
	db, _ := open(t, clk.Now)
	c := conv("U1", "")
	if _, err := db.OpenSession(ctx, c); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("OpenSession with none: err = %v, want ErrNotFound", err)
	}
	s := newSession(t, db, c, "jennifer")
	if _, err := db.OpenSession(ctx, conv("U2", "")); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("another user's conversation: err = %v, want ErrNotFound", err)
	}
	// One open session per conversation.
	if err := db.CreateSession(ctx, &bot.Session{Conv: c, ScenarioID: "marcus"}); !errors.Is(err, bot.ErrSessionOpen) {
		t.Errorf("second open session: err = %v, want bot.ErrSessionOpen", err)
	}

	clk.Advance(time.Hour)
	final := s.State
	final.Ended = true
	if err := db.EndSession(ctx, s.ID, final); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OpenSession(ctx, c); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("OpenSession after end: err = %v, want ErrNotFound", err)
	}
	ended, err := db.Sessions(ctx, bot.SessionFilter{Status: bot.SessionEnded})
	if err != nil {
		t.Fatal(err)
	}
	if len(ended) != 1 || !ended[0].EndedAt.Equal(clk.Now()) || !ended[0].State.Ended {
		t.Errorf("ended sessions = %+v, want session %d ended at %v with its final state", ended, s.ID, clk.Now())
	}

	// A new session in the same conversation is the open one.
	s2 := newSession(t, db, c, "marcus")
	got, err := db.OpenSession(ctx, c)
	if err != nil || got.ID != s2.ID {
		t.Errorf("OpenSession = %v, %v; want session %d", got, err, s2.ID)
	}
	if err := db.EndSession(ctx, 9999, final); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("EndSession of unknown session: err = %v, want ErrNotFound", err)
	}
}

func testLatestOpenSessionPicksMostRecentlyUpdated(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newClock()
	db, _ := open(t, clk.Now)
	older := newSession(t, db, conv("U1", "t1"), "jennifer")
	clk.Advance(time.Minute)
	newer := newSession(t, db, conv("U1", "t2"), "jennifer")
	clk.Advance(time.Minute)
	marcus := newSession(t, db, conv("U1", "t3"), "marcus")
	clk.Advance(time.Minute)
	newSession(t, db, conv("U2", "t4"), "jennifer") // someone else's

	latest := func(scenario string) int64 {
		t.Helper()
		s, err := db.LatestOpenSession(ctx, "slack", "U1", scenario)
		if err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	if got := latest(""); got != marcus.ID {
		t.Errorf("latest of any scenario = %d, want %d", got, marcus.ID)
	}
	if got := latest("jennifer"); got != newer.ID {
		t.Errorf("latest jennifer = %d, want %d", got, newer.ID)
	}

	// A turn in the older session makes it the most recently updated.
	clk.Advance(time.Minute)
	tn, st := turn(older.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, older.ID, tn, st); err != nil {
		t.Fatal(err)
	}
	if got := latest(""); got != older.ID {
		t.Errorf("after a turn, latest = %d, want %d", got, older.ID)
	}

	// Ended sessions are not offered.
	if err := db.EndSession(ctx, older.ID, st); err != nil {
		t.Fatal(err)
	}
	if got := latest("jennifer"); got != newer.ID {
		t.Errorf("after ending, latest jennifer = %d, want %d", got, newer.ID)
	}
	if _, err := db.LatestOpenSession(ctx, "slack", "U1", "nobody"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("unknown scenario: err = %v, want ErrNotFound", err)
	}
	if _, err := db.LatestOpenSession(ctx, "terminal", "U1", ""); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("other platform: err = %v, want ErrNotFound", err)
	}
}

func testListOpenSessions(t *testing.T, open opener) {
	ctx := context.Background()
	db, _ := open(t, newClock().Now)
	a := newSession(t, db, conv("U1", "t1"), "jennifer")
	b := newSession(t, db, conv("U2", "t2"), "jennifer")
	ended := newSession(t, db, conv("U3", "t3"), "jennifer")
	if err := db.EndSession(ctx, ended.ID, ended.State); err != nil {
		t.Fatal(err)
	}
	term := newSession(t, db, bot.Conversation{Platform: "terminal", User: "me"}, "jennifer")

	ids := func(platform string) []int64 {
		ss, err := db.ListOpenSessions(ctx, platform)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return out
	}
	if got, want := ids("slack"), []int64{a.ID, b.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("open on slack = %v, want %v", got, want)
	}
	if got, want := ids("terminal"), []int64{term.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("open on terminal = %v, want %v", got, want)
	}
}

func testUpdateSession(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newClock()
	db, _ := open(t, clk.Now)
	s := newSession(t, db, conv("U1", ""), "jennifer")
	clk.Advance(time.Minute)
	s.Coach = false
	s.State.Hints = 2
	if err := db.UpdateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := db.OpenSession(ctx, s.Conv)
	if err != nil {
		t.Fatal(err)
	}
	if got.Coach || got.State.Hints != 2 || !got.UpdatedAt.Equal(clk.Now()) {
		t.Errorf("after update: coach %v hints %d updated %v", got.Coach, got.State.Hints, got.UpdatedAt)
	}
	s.Status = bot.SessionEnded
	if err := db.UpdateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if s.EndedAt.IsZero() {
		t.Error("UpdateSession to ended did not set EndedAt")
	}
	if _, err := db.OpenSession(ctx, s.Conv); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("after UpdateSession to ended: err = %v, want ErrNotFound", err)
	}
	if err := db.UpdateSession(ctx, &bot.Session{ID: 9999}); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("unknown session: err = %v, want ErrNotFound", err)
	}
}

func testSessionsFigures(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newClock()
	db, _ := open(t, clk.Now)

	first := newSession(t, db, conv("U1", "t1"), "jennifer")
	st := first.State
	for i, tc := range []struct {
		label     dialogue.Label
		phase     dialogue.Phase
		q         dialogue.QuestionType
		disclosed []string
	}{
		{dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion, nil},
		{dialogue.Blaming, dialogue.Worries, dialogue.ClosedQuestion, nil},
		{dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion, []string{"fear"}},
		{dialogue.NonBlaming, dialogue.NextSteps, dialogue.NoQuestion, []string{"kids"}},
	} {
		clk.Advance(time.Minute)
		tn, next := turn(st, i+1, tc.label, tc.phase, tc.q, tc.disclosed...)
		if err := db.SaveTurn(ctx, first.ID, tn, next); err != nil {
			t.Fatal(err)
		}
		st = next
	}
	if err := db.EndSession(ctx, first.ID, st); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	second := newSession(t, db, conv("U1", "t2"), "marcus") // no turns yet
	clk.Advance(time.Hour)
	other := &bot.Session{Conv: conv("U2", "t3"), ScenarioID: "jennifer", GroupID: 42,
		State: dialogue.State{Scenario: "jennifer"}}
	if err := db.CreateSession(ctx, other); err != nil {
		t.Fatal(err)
	}

	rows, err := db.Sessions(ctx, bot.SessionFilter{Platform: "slack", User: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].ID != second.ID || rows[1].ID != first.ID {
		t.Fatalf("U1's sessions = %v, want %d then %d (newest first)", summaryIDs(rows), second.ID, first.ID)
	}
	got := rows[1]
	if got.Turns != 4 || got.NonBlaming != 3 || got.OpenShare != 0.5 {
		t.Errorf("figures: turns %d non-blaming %d open share %v; want 4, 3, 0.5", got.Turns, got.NonBlaming, got.OpenShare)
	}
	if want := []dialogue.Phase{dialogue.Engagement, dialogue.Worries, dialogue.NextSteps}; !reflect.DeepEqual(got.PhasesSeen, want) {
		t.Errorf("phases seen = %v, want %v", got.PhasesSeen, want)
	}
	if want := []string{"fear", "kids"}; !reflect.DeepEqual(got.Disclosures, want) {
		t.Errorf("disclosures = %v, want %v", got.Disclosures, want)
	}
	if got.KeyReached != 0 || got.KeyTotal != 0 {
		t.Errorf("key figures = %d of %d, want zero (the bot fills them)", got.KeyReached, got.KeyTotal)
	}
	if got.Status != bot.SessionEnded || got.ScenarioID != "jennifer" {
		t.Errorf("session fields = %+v", got.Session)
	}
	empty := rows[0]
	if empty.Turns != 0 || empty.NonBlaming != 0 || empty.OpenShare != 0 || empty.PhasesSeen != nil || empty.Disclosures != nil {
		t.Errorf("session without turns has figures %+v", empty)
	}

	for _, c := range []struct {
		name string
		f    bot.SessionFilter
		want []int64
	}{
		{"all", bot.SessionFilter{}, []int64{other.ID, second.ID, first.ID}},
		{"limit", bot.SessionFilter{Limit: 2}, []int64{other.ID, second.ID}},
		{"group", bot.SessionFilter{GroupID: 42}, []int64{other.ID}},
		{"open", bot.SessionFilter{Status: bot.SessionOpen}, []int64{other.ID, second.ID}},
		{"ended", bot.SessionFilter{Status: bot.SessionEnded}, []int64{first.ID}},
		{"since", bot.SessionFilter{Since: second.StartedAt}, []int64{other.ID, second.ID}},
		{"platform", bot.SessionFilter{Platform: "terminal"}, nil},
	} {
		rows, err := db.Sessions(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if got := summaryIDs(rows); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: sessions %v, want %v", c.name, got, c.want)
		}
	}
}

func summaryIDs(rows []bot.SessionSummary) []int64 {
	var out []int64
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func testConcurrentSaveTurnLosesNothing(t *testing.T, open opener) {
	ctx := context.Background()
	db, _ := open(t, nil)
	const sessions, turns = 8, 25
	var ss []*bot.Session
	for i := range sessions {
		ss = append(ss, newSession(t, db, conv(fmt.Sprintf("U%d", i), ""), "jennifer"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, sessions*turns*2)
	for _, s := range ss {
		wg.Go(func() {
			st := s.State
			for n := 1; n <= turns; n++ {
				tn, next := turn(st, n, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
				if err := db.SaveTurn(ctx, s.ID, tn, next); err != nil {
					errs <- err
					return
				}
				st = next
			}
		})
		// Readers alongside the writers, as history and reports would be.
		wg.Go(func() {
			for range turns {
				if _, err := db.Sessions(ctx, bot.SessionFilter{}); err != nil {
					errs <- err
					return
				}
				if _, err := db.Turns(ctx, s.ID); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rows, err := db.Sessions(ctx, bot.SessionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Turns != turns || r.State.Turn != turns {
			t.Errorf("session %d: %d turns stored, state at turn %d; want %d", r.ID, r.Turns, r.State.Turn, turns)
		}
	}
}

func testForgetUser(t *testing.T, open opener) {
	ctx := context.Background()
	db, _ := open(t, newClock().Now)
	var mine []*bot.Session
	for i := range 2 {
		s := newSession(t, db, conv("U1", fmt.Sprint(i)), "jennifer")
		tn, st := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
		if err := db.SaveTurn(ctx, s.ID, tn, st); err != nil {
			t.Fatal(err)
		}
		mine = append(mine, s)
	}
	theirs := newSession(t, db, conv("U2", ""), "jennifer")
	tn, st := turn(theirs.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, theirs.ID, tn, st); err != nil {
		t.Fatal(err)
	}
	sameNameElsewhere := newSession(t, db, bot.Conversation{Platform: "terminal", User: "U1"}, "jennifer")

	n, err := db.ForgetUser(ctx, "slack", "U1")
	if err != nil || n != 2 {
		t.Fatalf("ForgetUser = %d, %v; want 2", n, err)
	}
	for _, s := range mine {
		if recs, _ := db.Turns(ctx, s.ID); len(recs) != 0 {
			t.Errorf("session %d still has %d turns", s.ID, len(recs))
		}
	}
	if rows, _ := db.Sessions(ctx, bot.SessionFilter{Platform: "slack", User: "U1"}); len(rows) != 0 {
		t.Errorf("forgotten user still has sessions %v", summaryIDs(rows))
	}
	if recs, err := db.Turns(ctx, theirs.ID); err != nil || len(recs) != 1 {
		t.Errorf("the other user's session has %d turns (%v), want 1", len(recs), err)
	}
	if _, err := db.OpenSession(ctx, theirs.Conv); err != nil {
		t.Errorf("other user's session: %v", err)
	}
	if _, err := db.OpenSession(ctx, sameNameElsewhere.Conv); err != nil {
		t.Errorf("same user id on another platform: %v", err)
	}
	if n, err := db.ForgetUser(ctx, "slack", "U1"); err != nil || n != 0 {
		t.Errorf("forgetting again = %d, %v; want 0", n, err)
	}
}

func testQueriesHonourContext(t *testing.T, open opener) {
	db, _ := open(t, nil)
	s := newSession(t, db, conv("U1", ""), "jennifer")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	checks := map[string]error{}
	_, checks["OpenSession"] = db.OpenSession(ctx, s.Conv)
	_, checks["LatestOpenSession"] = db.LatestOpenSession(ctx, "slack", "U1", "")
	_, checks["ListOpenSessions"] = db.ListOpenSessions(ctx, "slack")
	_, checks["Sessions"] = db.Sessions(ctx, bot.SessionFilter{})
	_, checks["Turns"] = db.Turns(ctx, s.ID)
	_, checks["FirstDelivery"] = db.FirstDelivery(ctx, "E1")
	checks["EndSession"] = db.EndSession(ctx, s.ID, s.State)
	checks["CreateSession"] = db.CreateSession(ctx, &bot.Session{Conv: conv("U9", ""), ScenarioID: "x"})
	for name, err := range checks {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", name, err)
		}
	}
}

// A session read before another writer saved a turn must not be written
// back over that turn: the state's turn would go backwards and every later
// turn would be refused as already saved.
func testUpdateSessionIsCompareAndSet(t *testing.T, open opener) {
	ctx := context.Background()
	db, _ := open(t, newClock().Now)
	s := newSession(t, db, conv("U1", ""), "jennifer")
	stale, err := db.OpenSession(ctx, s.Conv)
	if err != nil {
		t.Fatal(err)
	}
	t1, st1 := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t1, st1); err != nil {
		t.Fatal(err)
	}
	stale.State.Hints++
	if err := db.UpdateSession(ctx, stale); !errors.Is(err, bot.ErrStale) {
		t.Errorf("UpdateSession over a later turn: err = %v, want ErrStale", err)
	}
	got, err := db.OpenSession(ctx, s.Conv)
	if err != nil {
		t.Fatal(err)
	}
	if got.State.Turn != 1 {
		t.Fatalf("state went back to turn %d", got.State.Turn)
	}
	// Read again, the update goes through and the version moves on.
	got.State.Hints++
	v := got.Version
	if err := db.UpdateSession(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got.Version != v+1 {
		t.Errorf("version %d after update, want %d", got.Version, v+1)
	}
	t2, st2 := turn(got.State, 2, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t2, st2); err != nil {
		t.Errorf("turn 2 after the hint: %v", err)
	}
}

func testSaveTurnIsCompareAndSetOnTheTurnNumber(t *testing.T, open opener) {
	ctx := context.Background()
	db, _ := open(t, newClock().Now)
	s := newSession(t, db, conv("U1", ""), "jennifer")
	t1, st1 := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t1, st1); err != nil {
		t.Fatal(err)
	}
	// Turn 3 over turn 1 (a gap): refused, nothing stored.
	t3, st3 := turn(st1, 3, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t3, st3); !errors.Is(err, bot.ErrStale) || errors.Is(err, bot.ErrDuplicateTurn) {
		t.Errorf("turn 3 over turn 1: err = %v, want ErrStale only", err)
	}
	// Turn 1 again: a duplicate, and stale.
	if err := db.SaveTurn(ctx, s.ID, t1, st1); !errors.Is(err, bot.ErrStale) || !errors.Is(err, bot.ErrDuplicateTurn) {
		t.Errorf("turn 1 again: err = %v, want bot.ErrDuplicateTurn and ErrStale", err)
	}
	// A session ended (by another process) takes no more turns.
	if err := db.EndSession(ctx, s.ID, st1); err != nil {
		t.Fatal(err)
	}
	t2, st2 := turn(st1, 2, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t2, st2); !errors.Is(err, bot.ErrStale) {
		t.Errorf("turn into an ended session: err = %v, want ErrStale", err)
	}
	if recs, _ := db.Turns(ctx, s.ID); len(recs) != 1 {
		t.Errorf("%d turns stored, want 1", len(recs))
	}
}

func testEndSessionNeverStoresAnEarlierState(t *testing.T, open opener) {
	ctx := context.Background()
	db, _ := open(t, newClock().Now)
	s := newSession(t, db, conv("U1", ""), "jennifer")
	t1, st1 := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t1, st1); err != nil {
		t.Fatal(err)
	}
	if err := db.EndSession(ctx, s.ID, s.State); !errors.Is(err, bot.ErrStale) {
		t.Errorf("ending with the state before turn 1: err = %v, want ErrStale", err)
	}
	if err := db.EndSession(ctx, s.ID+100, st1); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("ending an unknown session: err = %v, want ErrNotFound", err)
	}
}

func testGroupsCoachingAndTrainers(t *testing.T, open opener) {
	ctx := context.Background()
	db, _ := open(t, nil)
	g := &bot.Group{Platform: "slack", Workspace: "W", Channel: "C1", Trainer: "T1", ScenarioID: "jennifer", Seed: 42, Coach: bot.CoachOff}
	if err := db.CreateGroup(ctx, g); err != nil || g.ID != 1 || g.Status != bot.GroupOpen {
		t.Fatalf("create: %v %+v", err, g)
	}
	if err := db.CreateGroup(ctx, &bot.Group{Platform: "slack", Channel: "C2", Trainer: "T2", ScenarioID: "brian"}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Group(ctx, 1)
	if err != nil || got.Seed != 42 || got.Coach != bot.CoachOff || got.Trainer != "T1" {
		t.Fatalf("get: %v %+v", err, got)
	}
	if _, err := db.Group(ctx, 99); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("unknown group: %v", err)
	}
	inC1, err := db.Groups(ctx, bot.GroupFilter{Platform: "slack", Workspace: "W", Channel: "C1", Status: bot.GroupOpen})
	if err != nil || len(inC1) != 1 || inC1[0].ID != 1 {
		t.Errorf("open in C1: %v %+v", err, inC1)
	}
	if err := db.EndGroup(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := db.EndGroup(ctx, 99); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("end unknown: %v", err)
	}
	mine, _ := db.Groups(ctx, bot.GroupFilter{Trainer: "T1"})
	if len(mine) != 1 || mine[0].Status != bot.GroupEnded || mine[0].EndedAt.IsZero() {
		t.Errorf("T1's groups: %+v", mine)
	}

	// Coaching lives on the session row.
	s := &bot.Session{Conv: bot.Conversation{Platform: "slack", Channel: "C1", User: "U1"}, ScenarioID: "jennifer", Coach: true, GroupID: 1}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if c, err := db.Coaching(ctx, s.ID); err != nil || c.Mode != bot.CoachAuto || c.Level != bot.FadeFull {
		t.Errorf("default coaching: %v %+v", err, c)
	}
	want := bot.Coaching{Mode: bot.CoachOn, Level: bot.FadeAlternate, Note: "why"}
	if err := db.SetCoaching(ctx, s.ID, want); err != nil {
		t.Fatal(err)
	}
	if c, err := db.Coaching(ctx, s.ID); err != nil || c != want {
		t.Errorf("coaching: %v %+v", err, c)
	}
	if err := db.SetCoaching(ctx, 99, want); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("coaching of unknown session: %v", err)
	}

	// Trainers: platform-specific or any.
	for _, id := range []bot.TrainerID{{Platform: "slack", User: "T1"}, {User: "T2"}, {User: "T2"}} {
		if err := db.AddTrainer(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		platform, user string
		want           bool
	}{{"slack", "T1", true}, {"discord", "T1", false}, {"discord", "T2", true}, {"slack", "U1", false}} {
		if ok, err := db.IsTrainer(ctx, c.platform, c.user); err != nil || ok != c.want {
			t.Errorf("IsTrainer(%s, %s) = %v, %v", c.platform, c.user, ok, err)
		}
	}
	if ids, _ := db.Trainers(ctx); len(ids) != 2 {
		t.Errorf("trainers: %v", ids)
	}
	if ok, _ := db.RemoveTrainer(ctx, bot.TrainerID{User: "T2"}); !ok {
		t.Error("remove T2")
	}
	if ok, _ := db.RemoveTrainer(ctx, bot.TrainerID{User: "T2"}); ok {
		t.Error("remove T2 twice")
	}
}

func testPurgeKeepingAggregates(t *testing.T, open opener) {
	ctx := context.Background()
	clk := newClock()
	db, _ := open(t, clk.Now)
	withTurn := func(user string) *bot.Session {
		s := newSession(t, db, conv(user, ""), "jennifer")
		tn, st := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
		if err := db.SaveTurn(ctx, s.ID, tn, st); err != nil {
			t.Fatal(err)
		}
		s.State = st
		return s
	}
	oldEnded := withTurn("U1")
	if err := db.EndSession(ctx, oldEnded.ID, oldEnded.State); err != nil {
		t.Fatal(err)
	}
	oldOpen := withTurn("U2")
	clk.Advance(48 * time.Hour)
	cutoff := clk.Now()
	clk.Advance(time.Hour)
	newEnded := withTurn("U3")
	if err := db.EndSession(ctx, newEnded.ID, newEnded.State); err != nil {
		t.Fatal(err)
	}

	n, err := db.PurgeKeepingAggregates(ctx, cutoff)
	if err != nil || n != 1 {
		t.Fatalf("PurgeKeepingAggregates = %d, %v; want 1", n, err)
	}
	if got := summaryIDs(mustSessions(t, db)); !reflect.DeepEqual(got, []int64{newEnded.ID, oldOpen.ID}) {
		t.Errorf("sessions left = %v, want %v", got, []int64{newEnded.ID, oldOpen.ID})
	}
	if recs, _ := db.Turns(ctx, oldEnded.ID); len(recs) != 0 {
		t.Errorf("purged session still has %d turns", len(recs))
	}
	for _, s := range []*bot.Session{oldOpen, newEnded} {
		if recs, _ := db.Turns(ctx, s.ID); len(recs) != 1 {
			t.Errorf("kept session %d has %d turns, want 1", s.ID, len(recs))
		}
	}
}

// Two processes handed the same event at once (Slack re-delivers to
// whichever connection it likes): exactly one is told it is the first.
func testTwoProcessesDeliverEachEventOnce(t *testing.T, open opener) {
	ctx := context.Background()
	a, reopen := open(t, nil)
	b := reopen()
	const events, tries = 20, 4
	firsts := make([]int, events)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for e := range events {
		for i := range tries {
			db := bot.Store(a)
			if i%2 == 1 {
				db = b
			}
			wg.Go(func() {
				first, err := db.FirstDelivery(ctx, fmt.Sprintf("Ev%03d", e))
				if err != nil {
					t.Error(err)
					return
				}
				if first {
					mu.Lock()
					firsts[e]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for e, n := range firsts {
		if n != 1 {
			t.Errorf("event %d was first %d times out of %d deliveries, want once", e, n, tries)
		}
	}
}

// Two processes saving the same turn of a session at once (each read the
// session before the other wrote): one turn is stored, the other refused
// as stale, and the session's state is the winner's.
func testTwoProcessesSaveEachTurnOnce(t *testing.T, open opener) {
	ctx := context.Background()
	a, reopen := open(t, nil)
	b := reopen()
	s := newSession(t, a, conv("U1", ""), "jennifer")
	st := s.State
	for n := 1; n <= 10; n++ {
		ta, sta := turn(st, n, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
		tb, stb := turn(st, n, dialogue.Blaming, dialogue.Worries, dialogue.ClosedQuestion)
		tb.Text = "the other process's reply"
		var errA, errB error
		var wg sync.WaitGroup
		wg.Go(func() { errA = a.SaveTurn(ctx, s.ID, ta, sta) })
		wg.Go(func() { errB = b.SaveTurn(ctx, s.ID, tb, stb) })
		wg.Wait()
		if (errA == nil) == (errB == nil) {
			t.Fatalf("turn %d: a: %v, b: %v; want exactly one stored", n, errA, errB)
		}
		lost := errA
		st = sta
		if errA == nil {
			lost = errB
		} else {
			st = stb
		}
		if !errors.Is(lost, bot.ErrStale) {
			t.Errorf("turn %d: the loser's error %v does not wrap ErrStale", n, lost)
		}
	}
	recs, err := a.Turns(ctx, s.ID)
	if err != nil || len(recs) != 10 {
		t.Fatalf("%d turns stored (%v), want 10", len(recs), err)
	}
	got, err := b.OpenSession(ctx, s.Conv)
	if err != nil || !reflect.DeepEqual(got.State, st) {
		t.Errorf("state = %+v (%v), want the last winner's %+v", got.State, err, st)
	}
}

// A store shared by several processes serialises a conversation across
// them (bot.ConversationLocker); one used by a single process need not.
func testConversationLockAcrossProcesses(t *testing.T, open opener) {
	a, reopen := open(t, nil)
	la, ok := bot.Store(a).(bot.ConversationLocker)
	if !ok {
		t.Skipf("%T is used by one process at a time: no conversation lock", a)
	}
	lb := reopen().(bot.ConversationLocker)
	ctx := context.Background()
	unlock, err := la.LockConversation(ctx, "slack/T1/C1/1.1/U1")
	if err != nil {
		t.Fatal(err)
	}
	// Another conversation is not held up.
	other, err := lb.LockConversation(ctx, "slack/T1/C1/2.2/U2")
	if err != nil {
		t.Fatal(err)
	}
	other()
	// The same one waits, and gives up with its context.
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if u, err := lb.LockConversation(short, "slack/T1/C1/1.1/U1"); err == nil {
		u()
		t.Fatal("a second process took a conversation lock that was held")
	}
	got := make(chan func(), 1)
	go func() {
		u, err := lb.LockConversation(ctx, "slack/T1/C1/1.1/U1")
		if err != nil {
			t.Error(err)
			u = func() {}
		}
		got <- u
	}()
	select {
	case <-got:
		t.Fatal("the lock was taken while still held")
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	select {
	case u := <-got:
		u()
	case <-time.After(10 * time.Second):
		t.Fatal("the lock was not handed on after unlock")
	}
	// A process that dies holding the lock (its store closed, its
	// connections gone) does not keep it.
	unlock, err = la.LockConversation(ctx, "slack/T1/C1/3.3/U3")
	if err != nil {
		t.Fatal(err)
	}
	_ = unlock
	a.Close()
	wait, cancel2 := context.WithTimeout(ctx, 10*time.Second)
	defer cancel2()
	u, err := lb.LockConversation(wait, "slack/T1/C1/3.3/U3")
	if err != nil {
		t.Fatalf("the lock of a closed store was not released: %v", err)
	}
	u()
}

// A store shared by several processes keeps "forget me" requests where
// all see them (bot.ForgetRequestStore); one used by a single process
// need not.
func testForgetRequestsAcrossProcesses(t *testing.T, open opener) {
	a, reopen := open(t, nil)
	ra, ok := bot.Store(a).(bot.ForgetRequestStore)
	if !ok {
		t.Skipf("%T is used by one process at a time: forget requests stay in the bot", a)
	}
	rb := reopen().(bot.ForgetRequestStore)
	ctx := context.Background()
	key := conv("U1", "").Key()
	if _, ok, err := rb.ForgetAskedAt(ctx, key); err != nil || ok {
		t.Fatalf("a request before any was made: %v, %v", ok, err)
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := ra.AskForget(ctx, key, at); err != nil {
		t.Fatal(err)
	}
	got, ok, err := rb.ForgetAskedAt(ctx, key)
	if err != nil || !ok || !got.Equal(at) {
		t.Fatalf("the other process sees %v, %v, %v; want %v", got, ok, err, at)
	}
	if err := ra.AskForget(ctx, key, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := rb.ForgetAskedAt(ctx, key); !got.Equal(at.Add(time.Minute)) {
		t.Errorf("asking again: %v, want the later time", got)
	}
	if _, ok, _ := rb.ForgetAskedAt(ctx, conv("U2", "").Key()); ok {
		t.Error("another conversation has a request")
	}
	if err := rb.ClearForgetRequest(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ra.ForgetAskedAt(ctx, key); ok {
		t.Error("the request is still there after clearing")
	}
	if err := rb.ClearForgetRequest(ctx, key); err != nil {
		t.Errorf("clearing twice: %v", err)
	}
}

// UndoTurn moves the last turn to the undone turns and stores the state
// given, as a compare-and-set on the version: a session written since it
// was read is ErrStale and nothing changes. Turns and the figures no
// longer see the turn; UndoneTurns does; the turn number can be said again.
func testUndoTurnIsCompareAndSetAndKeepsTheTurn(t *testing.T, open opener) {
	ctx := context.Background()
	db, _ := open(t, newClock().Now)
	s := newSession(t, db, conv("U1", ""), "jennifer")
	t1, st1 := turn(s.State, 1, dialogue.NonBlaming, dialogue.Engagement, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t1, st1); err != nil {
		t.Fatal(err)
	}
	t2, st2 := turn(st1, 2, dialogue.Blaming, dialogue.Worries, dialogue.ClosedQuestion)
	t2.TrustChanges = []dialogue.TrustChange{{Delta: -15, Cause: "blamed her"}}
	if err := db.SaveTurn(ctx, s.ID, t2, st2); err != nil {
		t.Fatal(err)
	}
	read, err := db.OpenSession(ctx, s.Conv)
	if err != nil {
		t.Fatal(err)
	}
	stale := *read
	stale.Version--
	if err := db.UndoTurn(ctx, &stale, st1); !errors.Is(err, bot.ErrStale) {
		t.Errorf("undo on a stale version: err = %v, want ErrStale", err)
	}
	if err := db.UndoTurn(ctx, read, st2); err == nil {
		t.Errorf("undo to a state at turn %d accepted for turn 2", st2.Turn)
	}
	if err := db.UndoTurn(ctx, read, st1); err != nil {
		t.Fatal(err)
	}
	got, err := db.OpenSession(ctx, s.Conv)
	if err != nil || got.State.Turn != 1 || got.Version != read.Version || read.State.Turn != 1 {
		t.Fatalf("after undo: %+v (%v); read %+v", got, err, read)
	}
	recs, _ := db.Turns(ctx, s.ID)
	undone, err := db.UndoneTurns(ctx, s.ID)
	if len(recs) != 1 || err != nil || len(undone) != 1 || undone[0].Turn.Number != 2 || undone[0].Turn.Text != t2.Text ||
		undone[0].UndoneAt.IsZero() || len(undone[0].Turn.TrustChanges) != 1 || undone[0].Turn.TrustChanges[0].Cause != "blamed her" {
		t.Errorf("turns %+v, undone %+v, %v", recs, undone, err)
	}
	rows, err := db.Sessions(ctx, bot.SessionFilter{User: "U1"})
	if err != nil || len(rows) != 1 || rows[0].Turns != 1 || rows[0].NonBlaming != 1 {
		t.Errorf("figures after undo = %+v, %v; want only the kept turn", rows, err)
	}
	t2b, st2b := turn(st1, 2, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t2b, st2b); err != nil {
		t.Errorf("turn 2 said again after undo: %v", err)
	}
	if n, err := db.ForgetUser(ctx, "slack", "U1"); err != nil || n != 1 {
		t.Fatalf("forget: %d, %v", n, err)
	}
	if undone, _ := db.UndoneTurns(ctx, s.ID); len(undone) != 0 {
		t.Errorf("undone turns survive forgetting the trainee: %+v", undone)
	}
}
