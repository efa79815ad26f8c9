package postgres_test

import (
	"context"
	"errors"
	neturl "net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/bottest"
	"github.com/pivotcoach/pivot/bot/postgres"
	"github.com/pivotcoach/pivot/bot/postgres/pgtest"
	"github.com/pivotcoach/pivot/bot/storetest"
	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The store contract, shared with bot/sqlite.
func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) (bot.Store, func() bot.Store) {
		url := pgtest.URL(t)
		reopen := func() bot.Store {
			t.Helper()
			db := open(t, url)
			if now != nil {
				db.Now = now
			}
			return db
		}
		return reopen(), reopen
	})
}

// A URL that is wrong, a server that is not there, or a wrong password:
// the start fails at once, naming the server and why, never the password.
func TestOpenFailsFastNamingHostAndCause(t *testing.T) {
	const secret = "s3cret-Pa55"
	cases := []struct {
		name, url string
		want      []string
	}{
		{"bad port", "postgres://pivot:" + secret + "@db.example:notaport/pivot", []string{"not a valid PostgreSQL URL", "db.example"}},
		{"nothing listening", "postgres://pivot:" + secret + "@127.0.0.1:1/pivot", []string{"127.0.0.1:1/pivot", "connection refused"}},
		{"unknown host", "postgres://pivot:" + secret + "@no-such-host.invalid/pivot", []string{"no-such-host.invalid:5432/pivot", "host name is not known"}},
	}
	if u, ok := pgtest.PasswordURL(t, secret); ok {
		cases = append(cases, struct {
			name, url string
			want      []string
		}{"wrong password", u, []string{"refused the user name or password"}})
	} else {
		t.Log("no user with a password on this server: the wrong-password case is not run")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			db, err := postgres.Open(context.Background(), c.url)
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("took %v to fail", took)
			}
			msg := err.Error()
			if strings.Contains(msg, secret) {
				t.Errorf("the message shows the password: %s", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not say %q", msg, w)
				}
			}
			var oe *postgres.OpenError
			if !errors.As(err, &oe) {
				t.Errorf("err is %T, want *postgres.OpenError", err)
			}
		})
	}
}

// A database migrated by a newer Pivot is refused, and left as it was.
func TestOpenRefusesADatabaseFromANewerPivot(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	open(t, url).Close()
	sqlExec(t, url, `INSERT INTO pivot_migrations (name, applied_at) VALUES ('migrations/9001_future.sql', now())`)
	_, err := postgres.Open(ctx, url)
	var ne *postgres.NewerSchemaError
	if !errors.As(err, &ne) {
		t.Fatalf("err = %v, want *NewerSchemaError", err)
	}
	if !strings.Contains(err.Error(), "newer version of Pivot") || !strings.Contains(err.Error(), "9001_future.sql") {
		t.Errorf("message: %s", err)
	}
}

// Another program's tables with our names: refused, nothing written.
func TestOpenRefusesAnotherProgramsDatabase(t *testing.T) {
	url := pgtest.URL(t)
	sqlExec(t, url, `CREATE TABLE sessions (token text)`)
	_, err := postgres.Open(context.Background(), url)
	var fe *postgres.ForeignDatabaseError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want *ForeignDatabaseError", err)
	}
	var n int
	sqlQuery(t, url, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`, &n)
	if n != 1 {
		t.Errorf("%d tables after the refusal, want the 1 that was there", n)
	}
}

// Instances starting together each find the schema made once.
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			db, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Error(err)
				return
			}
			db.Close()
		})
	}
	wg.Wait()
	var n int
	sqlQuery(t, url, `SELECT COUNT(*) FROM pivot_migrations`, &n)
	if n != 3 {
		t.Errorf("%d migrations recorded, want the 3 there are", n)
	}
}

// dropsConnection is a store that loses its server between reading the
// session and saving the turn, as when the database restarts or the
// network fails mid-session.
type dropsConnection struct {
	*postgres.DB
	t   *testing.T
	url string
}

func (d dropsConnection) SaveTurn(ctx context.Context, id int64, t dialogue.Turn, st dialogue.State) error {
	u, err := neturl.Parse(d.url)
	if err != nil {
		d.t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin := u.String()
	sqlExec(d.t, admin, `ALTER DATABASE `+name+` ALLOW_CONNECTIONS false`)
	sqlExec(d.t, admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '`+name+`'`)
	defer sqlExec(d.t, admin, `ALTER DATABASE `+name+` ALLOW_CONNECTIONS true`)
	return d.DB.SaveTurn(ctx, id, t, st)
}

// A connection lost mid-session: the trainee is told the reply was not
// saved, and nothing of it is in the database.
func TestLostConnectionMidTurnStoresNothingAndSaysSo(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db := open(t, url)
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	chat := &bottest.Adapter{Threads: true, Private: true}
	c := bot.Conversation{Platform: "test", Channel: "C1", User: "U1"}
	b := bot.New(db, lib)
	if err := b.Handle(ctx, chat.For(), bot.Event{Conv: c, Text: "start jennifer", Command: true}); err != nil {
		t.Fatal(err)
	}
	th := chat.Last().To
	if err := b.Handle(ctx, chat.For(), bot.Event{Conv: th, Text: "How are you and the children doing?"}); err != nil {
		t.Fatal(err)
	}
	chat.Reset()

	flaky := bot.New(dropsConnection{DB: db, t: t, url: url}, lib)
	err = flaky.Handle(ctx, chat.For(), bot.Event{Conv: th, Text: "What happens when he gets angry?"})
	var reported *bot.ReportedError
	if !errors.As(err, &reported) {
		t.Fatalf("err = %v, want a *bot.ReportedError", err)
	}
	notices := chat.Of(bot.KindNotice, "U1")
	if len(notices) != 1 || !strings.Contains(notices[0].Text, "saving your reply") || !strings.Contains(notices[0].Text, "nothing was changed") {
		t.Errorf("the trainee was told %+v", notices)
	}
	if n := len(chat.Of(bot.KindCharacter, "U1")); n != 0 {
		t.Errorf("Jennifer answered %d times a reply that was not saved", n)
	}
	// The server is back: one turn stored, the state at turn 1.
	s, err := db.OpenSession(ctx, th)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.Turns(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || s.State.Turn != 1 {
		t.Errorf("after the lost turn: %d turns stored, state at turn %d; want 1 and 1", len(recs), s.State.Turn)
	}
	// And the trainee's next try goes through.
	if err := b.Handle(ctx, chat.For(), bot.Event{Conv: th, Text: "What happens when he gets angry?"}); err != nil {
		t.Fatal(err)
	}
	if recs, _ := db.Turns(ctx, s.ID); len(recs) != 2 {
		t.Errorf("%d turns after trying again, want 2", len(recs))
	}
}

// "forget me" asked on one instance and confirmed on another: the
// request is in the database, so the confirmation deletes.
func TestForgetMeConfirmedOnAnotherInstance(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	a, b := bot.New(open(t, url), lib), bot.New(open(t, url), lib)
	chat := &bottest.Adapter{Threads: true, Private: true}
	dm := bot.Conversation{Platform: "test", Channel: "D1", User: "U1"}
	if err := a.Handle(ctx, chat.For(), bot.Event{Conv: dm, Text: "start jennifer", Command: true}); err != nil {
		t.Fatal(err)
	}
	if err := a.Handle(ctx, chat.For(), bot.Event{Conv: dm, Text: "forget me", Command: true}); err != nil {
		t.Fatal(err)
	}
	if err := b.Handle(ctx, chat.For(), bot.Event{Conv: dm, Text: "forget me confirm", Command: true}); err != nil {
		t.Fatal(err)
	}
	if last := chat.Last().Message.Text; !strings.HasPrefix(last, "Done: 1 session deleted") {
		t.Errorf("the other instance answered %q", last)
	}
	rows, err := a.Store().Sessions(ctx, bot.SessionFilter{User: "U1"})
	if err != nil || len(rows) != 0 {
		t.Errorf("%d sessions left (%v)", len(rows), err)
	}
}

func sqlExec(t *testing.T, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func sqlQuery(t *testing.T, url, sql string, dest ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(ctx, sql).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// Retention keeps purged sessions' figures, unattributed, by scenario and
// start day, adding to what earlier purges kept.
func TestPurgeKeepsAggregates(t *testing.T) {
	ctx := context.Background()
	db := open(t, pgtest.URL(t))
	day := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	now := day
	db.Now = func() time.Time { return now }
	ended := func(user string, labels ...dialogue.Label) {
		t.Helper()
		s := &bot.Session{Conv: bot.Conversation{Platform: "slack", Channel: "C1", User: user}, ScenarioID: "jennifer",
			State: dialogue.State{Scenario: "jennifer"}}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		st := s.State
		for i, l := range labels {
			st.Turn = i + 1
			q := dialogue.ClosedQuestion
			if l == dialogue.NonBlaming {
				q = dialogue.OpenQuestion
			}
			turn := dialogue.Turn{Number: i + 1, Text: "words", Assessment: dialogue.Assessment{Label: l, Question: q}}
			if err := db.SaveTurn(ctx, s.ID, turn, st); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.EndSession(ctx, s.ID, st); err != nil {
			t.Fatal(err)
		}
	}
	ended("U1", dialogue.NonBlaming, dialogue.Blaming)
	now = day.Add(time.Hour)
	if n, err := db.PurgeKeepingAggregates(ctx, now); err != nil || n != 1 {
		t.Fatalf("first purge: %d, %v", n, err)
	}
	ended("U2", dialogue.NonBlaming, dialogue.NonBlaming, dialogue.NonBlaming)
	now = day.Add(2 * time.Hour)
	if n, err := db.PurgeKeepingAggregates(ctx, now); err != nil || n != 1 {
		t.Fatalf("second purge: %d, %v", n, err)
	}
	got, err := db.Aggregates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []postgres.Aggregate{{Day: "2026-03-01", ScenarioID: "jennifer", Sessions: 2, Turns: 5, NonBlaming: 4, Open: 4}}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("aggregates = %+v, want %+v", got, want)
	}
	if rows, _ := db.Sessions(ctx, bot.SessionFilter{}); len(rows) != 0 {
		t.Errorf("%d sessions left after purging", len(rows))
	}
}
