package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/adapters/slack"
	"github.com/pivotcoach/pivot/adapters/slack/slackfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

// harness is one running `pivot slack`: a bot over a SQLite file, the
// adapter, and the real slack-go client connected to the fake.
type harness struct {
	t    *testing.T
	fake *slackfake.Server
	db   bot.Store
	ad   *slack.Adapter
	// conn is the fake's connection this instance holds, when several
	// run at once (-1: one instance, the newest connection).
	conn   int
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
	env    *atomic.Int64
	once   sync.Once
}

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

const waitFor = 10 * time.Second

func dbFile(t *testing.T) string { return filepath.Join(t.TempDir(), "pivot.db") }

// start runs the adapter against fake with the database at path and
// waits until its Socket Mode client has connected.
func start(t *testing.T, fake *slackfake.Server, path string) *harness {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return startOn(t, fake, db)
}

// startOn runs the adapter against fake over db (which it closes at the
// end) and waits until its Socket Mode client has connected.
func startOn(t *testing.T, fake *slackfake.Server, db bot.Store) *harness {
	t.Helper()
	ctx := context.Background()
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	b := bot.New(db, lib, bot.WithLogger(log))
	ad, err := slack.New(b, slack.Config{AppToken: slackfake.AppToken, BotToken: slackfake.BotToken, APIURL: fake.URL, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	before := fake.Connects()
	runCtx, cancel := context.WithCancel(ctx)
	h := &harness{t: t, fake: fake, db: db, ad: ad, cancel: cancel, done: make(chan error, 1), logs: logs, env: envCounter(fake), conn: -1}
	go func() { h.done <- ad.Run(runCtx) }()
	t.Cleanup(h.stop)
	deadline := time.Now().Add(waitFor)
	for fake.Connects() == before || !fake.Connected() {
		select {
		case err := <-h.done:
			t.Fatalf("adapter stopped before connecting: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("adapter did not connect to the fake")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return h
}

var counters sync.Map

// envCounter numbers envelopes per fake, so a restarted bot keeps
// getting fresh envelope ids.
func envCounter(f *slackfake.Server) *atomic.Int64 {
	c, _ := counters.LoadOrStore(f, &atomic.Int64{})
	return c.(*atomic.Int64)
}

// stop shuts the adapter down (as Ctrl-C would) and closes the database.
func (h *harness) stop() {
	h.once.Do(func() {
		h.cancel()
		select {
		case err := <-h.done:
			if err != nil {
				h.t.Errorf("Run returned %v", err)
			}
		case <-time.After(waitFor):
			h.t.Error("Run did not return after its context ended")
		}
		if err := h.db.Close(); err != nil {
			h.t.Error(err)
		}
	})
}

// push sends an envelope and waits for the bot to acknowledge it.
func (h *harness) push(typ string, payload any) string {
	h.t.Helper()
	id := fmt.Sprintf("env-%d", h.env.Add(1))
	h.pushAs(id, typ, payload)
	return id
}

func (h *harness) pushAs(id, typ string, payload any) {
	h.t.Helper()
	before := h.fake.Acks(id)
	push := h.fake.Push
	if h.conn >= 0 {
		push = func(id, typ string, payload any) error { return h.fake.PushTo(h.conn, id, typ, payload) }
	}
	if err := push(id, typ, payload); err != nil {
		h.t.Fatal(err)
	}
	h.waitUntil("ack of "+id, func() bool { return h.fake.Acks(id) > before })
}

func (h *harness) slash(channel, user, text string) string {
	return h.push("slash_commands", h.fake.SlashCommand(channel, user, text))
}

// say posts a trainee message (thread "" for top level) and returns its ts.
func (h *harness) say(channel, user, thread, text string) string {
	ts := h.fake.NextTS()
	h.push("events_api", slackfake.MessageEvent("Ev"+strings.ReplaceAll(ts, ".", ""), channel, user, text, ts, thread))
	return ts
}

func (h *harness) click(channel, user, messageTS, thread, value string) {
	h.push("interactive", h.fake.BlockAction(channel, user, messageTS, thread, slack.ActionPrefix+"0", value))
}

func (h *harness) waitUntil(what string, ok func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !ok() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s\nposts so far:\n%s", what, transcript(h.fake.Posts()))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitPosts waits until at least n posts match and returns them.
func (h *harness) waitPosts(what string, n int, match func(slackfake.Post) bool) []slackfake.Post {
	h.t.Helper()
	var got []slackfake.Post
	h.waitUntil(fmt.Sprintf("%d %s", n, what), func() bool {
		got = filter(h.fake.Posts(), match)
		return len(got) >= n
	})
	return got
}

func filter(posts []slackfake.Post, match func(slackfake.Post) bool) []slackfake.Post {
	var out []slackfake.Post
	for _, p := range posts {
		if match(p) {
			out = append(out, p)
		}
	}
	return out
}

// character matches the character's lines in a thread.
func character(channel, thread string) func(slackfake.Post) bool {
	return func(p slackfake.Post) bool {
		return p.Channel == channel && p.ThreadTS == thread && !p.Ephemeral && strings.HasPrefix(p.Text, "*Jennifer:*")
	}
}

func ephemeralTo(channel, thread, user, contains string) func(slackfake.Post) bool {
	return func(p slackfake.Post) bool {
		return p.Ephemeral && p.Channel == channel && p.ThreadTS == thread && p.User == user && strings.Contains(p.Text, contains)
	}
}

// startSession runs /pivot start jennifer in channel and returns the
// session's thread ts (the brief's ts) once the opening line is posted.
func (h *harness) startSession(channel, user string) string {
	h.t.Helper()
	before := len(h.fake.Posts())
	h.slash(channel, user, "start jennifer")
	var thread string
	h.waitUntil("a session thread with its opening line", func() bool {
		posts := h.fake.Posts()[before:]
		for _, p := range posts {
			if p.Channel == channel && p.ThreadTS == "" && !p.Ephemeral && len(p.BlocksOfType("actions")) > 0 && strings.Contains(p.Text, "Say *hint*") {
				thread = p.TS
			}
		}
		return thread != "" && len(filter(posts, character(channel, thread))) == 1
	})
	return thread
}

// transcript renders posts as the fake saw them.
func transcript(posts []slackfake.Post) string {
	var b strings.Builder
	for i, p := range posts {
		where := p.Channel
		if p.ThreadTS != "" {
			where += " thread=" + p.ThreadTS
		}
		if p.Ephemeral {
			where += " ephemeral→" + p.User
		}
		text := p.Text
		if len(text) > 160 {
			text = text[:160] + "…"
		}
		extra := ""
		if len(p.Blocks) > 0 {
			var blocks []map[string]any
			_ = json.Unmarshal(p.Blocks, &blocks)
			types := make([]string, len(blocks))
			for i, b := range blocks {
				types[i], _ = b["type"].(string)
			}
			extra = fmt.Sprintf(" [blocks: %s]", strings.Join(types, ","))
		}
		fmt.Fprintf(&b, "%2d %s ts=%s %s: %q%s\n", i+1, p.Method, p.TS, where, text, extra)
	}
	return b.String()
}

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dbFile(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
