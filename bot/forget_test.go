package bot_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
)

// rowCounts counts, straight from the SQLite file, the sessions and turns
// of each user, and the rows of every table.
func rowCounts(t *testing.T, path string) (perUser map[string][2]int, tables map[string]int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	perUser = map[string][2]int{}
	rows, err := db.Query(`SELECT s.user, COUNT(DISTINCT s.id), COUNT(t.n) FROM sessions s LEFT JOIN turns t ON t.session_id = s.id GROUP BY s.user`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u string
		var s, n int
		if err := rows.Scan(&u, &s, &n); err != nil {
			t.Fatal(err)
		}
		perUser[u] = [2]int{s, n}
	}
	rows.Close()
	tables = map[string]int{}
	for _, tb := range []string{"sessions", "turns", "group_exercises", "trainers", "aggregates", "events"} {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables[tb] = n
	}
	return perUser, tables
}

func TestForgetMeRemovesEveryRowOfThatTraineeAndNothingElse(t *testing.T) {
	r := newGroupRig(t)
	ctx := context.Background()
	// U1 practises alone twice and in a group; U2 alongside.
	r.cmd(chanConv("T1"), "group start jennifer")
	for _, u := range []string{"U1", "U2"} {
		r.cmd(chanConv(u), "join 1")
		r.say(r.threadOf(u), goodLines[0])
		r.say(r.threadOf(u), blameSurvivor)
	}
	r.cmd(chanConv("T1"), "group end")
	for range 2 {
		for _, u := range []string{"U1", "U2"} {
			r.playSession(u, 3)
			r.endSession(u)
		}
	}
	r.playSession("U1", 2) // still open
	if err := r.bot.Handle(ctx, r.chat.For(), bot.Event{ID: "ev1", Conv: chanConv("U2"), Text: "help", Command: true}); err != nil {
		t.Fatal(err)
	}
	before, tablesBefore := rowCounts(t, r.path)
	if before["U1"] != [2]int{4, 10} || before["U2"] != [2]int{3, 8} {
		t.Fatalf("setup: %v", before)
	}

	// "forget me" asks; "forget me confirm" elsewhere does not delete.
	dm := bot.Conversation{Platform: "test", Channel: "D1", User: "U1"}
	r.chat.Reset()
	r.cmd(dm, "forget me")
	if got := lastText(r.privateTo(bot.KindNotice, "U1")); !strings.Contains(got, "all 4 of your practice sessions") || !strings.Contains(got, "forget me confirm") {
		t.Fatalf("forget me should ask first: %q", got)
	}
	r.cmd(chanConv("U1"), "forget me confirm")
	if now, _ := rowCounts(t, r.path); now["U1"] != before["U1"] {
		t.Fatal("confirm in another conversation deleted data")
	}
	if got := lastText(r.privateTo(bot.KindNotice, "U1")); !strings.Contains(got, "say *forget me confirm* here") {
		t.Errorf("an unasked confirm should ask: %q", got)
	}

	// Confirm where asked: U1's rows go, every other row stays.
	// Typed in a direct message, not as a slash command.
	if err := r.bot.Handle(ctx, r.chat.For(), bot.Event{Conv: dm, Text: "forget me confirm", Direct: true}); err != nil {
		t.Fatal(err)
	}
	if got := lastText(r.privateTo(bot.KindNotice, "U1")); !strings.Contains(got, "4 sessions deleted") {
		t.Errorf("confirm should report the count: %q", got)
	}
	after, tablesAfter := rowCounts(t, r.path)
	if _, left := after["U1"]; left {
		t.Errorf("U1 still has rows: %v", after["U1"])
	}
	if after["U2"] != before["U2"] {
		t.Errorf("U2's rows changed: %v → %v", before["U2"], after["U2"])
	}
	tablesBefore["sessions"] -= 4
	tablesBefore["turns"] -= 10
	for tb, n := range tablesBefore {
		if tablesAfter[tb] != n {
			t.Errorf("table %s: %d rows, want %d", tb, tablesAfter[tb], n)
		}
	}
	// A confirmation is used once, and expires.
	r.cmd(dm, "forget me confirm")
	if got := lastText(r.privateTo(bot.KindNotice, "U1")); !strings.Contains(got, "all 0 of your practice sessions") {
		t.Errorf("a second confirm should ask again: %q", got)
	}
}

func TestForgetConfirmationExpires(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	r := newGroupRig(t, bot.WithClock(func() time.Time { return now }))
	r.playSession("U1", 2)
	r.endSession("U1")
	dm := bot.Conversation{Platform: "test", Channel: "D1", User: "U1"}
	r.cmd(dm, "forget me")
	now = now.Add(bot.ForgetConfirmWindow + time.Second)
	r.cmd(dm, "forget me confirm")
	if n, _ := rowCounts(t, r.path); n["U1"][0] != 1 {
		t.Errorf("an expired confirmation deleted data: %v", n)
	}
}

func TestRetentionPurgesOldTranscriptsKeepingAggregates(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	r := newGroupRig(t, bot.WithClock(func() time.Time { return now }), bot.WithRetention(30))
	r.store.Now = func() time.Time { return now }
	r.playSession("U1", 4, 1) // 3 of 4 non-blaming
	r.endSession("U1")
	r.playSession("U2", 2)
	r.endSession("U2")
	now = now.AddDate(0, 0, 20)
	r.store.Now = func() time.Time { return now }
	r.playSession("U3", 2)
	r.endSession("U3")
	r.playSession("U4", 1) // open: kept however old

	now = now.AddDate(0, 0, 15) // U1, U2: 35 days; U3: 15 days
	n, err := r.bot.Purge(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	users, tables := rowCounts(t, r.path)
	if _, ok := users["U1"]; ok || users["U3"][0] != 1 || users["U4"][0] != 1 {
		t.Errorf("after purge: %v", users)
	}
	aggs, err := r.store.Aggregates(context.Background())
	if err != nil || len(aggs) != 1 || tables["aggregates"] != 1 {
		t.Fatalf("aggregates: %v %+v", err, aggs)
	}
	a := aggs[0]
	if a.Day != "2026-05-01" || a.ScenarioID != "jennifer" || a.Sessions != 2 || a.Turns != 6 || a.NonBlaming != 5 {
		t.Errorf("aggregate: %+v", a)
	}
	// Purging again changes nothing.
	if n, err := r.bot.Purge(context.Background()); err != nil || n != 0 {
		t.Errorf("second purge: %d, %v", n, err)
	}
	if aggs, _ := r.store.Aggregates(context.Background()); aggs[0] != a {
		t.Errorf("aggregates changed on a second purge: %+v", aggs)
	}
}
