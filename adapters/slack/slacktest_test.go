package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/pivotcoach/pivot/adapters/slack"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

// TestSlacktestEndToEnd runs the adapter against slack-go's own test
// server (code no one on this project wrote): apps.connections.open and
// the websocket are slacktest's; Socket Mode envelopes are pushed over its
// websocket, and its acknowledgements read from what it saw. Only
// chat.postMessage and chat.postEphemeral are replaced, because slacktest
// sends posts to an RTM queue tests cannot read.
func TestSlacktestEndToEnd(t *testing.T) {
	t.Parallel()
	type post struct {
		method string
		form   url.Values
	}
	var (
		mu    sync.Mutex
		posts []post
		seq   int
	)
	record := func(method string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			mu.Lock()
			seq++
			ts := fmt.Sprintf("1700000000.%06d", seq)
			posts = append(posts, post{method, r.PostForm})
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": r.PostForm.Get("channel"), "ts": ts, "message_ts": ts})
		}
	}
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", record("chat.postMessage"))
		c.Handle("/chat.postEphemeral", record("chat.postEphemeral"))
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	// slacktest hands everything it reads from the websocket to an
	// unbuffered feed: drain it.
	stopFeed := make(chan struct{})
	go func() {
		for {
			select {
			case <-srv.SeenFeed:
			case <-stopFeed:
				return
			}
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	db, err := sqlite.Open(ctx, dbFile(t))
	if err != nil {
		t.Fatal(err)
	}
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(db, lib)
	ad, err := slack.New(b, slack.Config{AppToken: "xapp-1-slacktest", BotToken: "xoxb-slacktest", APIURL: srv.GetAPIURL(),
		Logger: slog.New(slog.DiscardHandler), ShutdownGrace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ad.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		close(stopFeed)
		db.Close()
	})

	acked := func(env string) bool {
		for _, m := range srv.GetSeenInboundMessages() {
			if strings.Contains(m, `"envelope_id":"`+env+`"`) {
				return true
			}
		}
		return false
	}
	// push sends an envelope until slacktest has seen its ack (the first
	// may go before the client connects; re-deliveries are de-duplicated).
	push := func(env, typ string, payload any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"envelope_id": env, "type": typ, "payload": payload, "accepts_response_payload": typ != "events_api"})
		deadline := time.Now().Add(waitFor)
		for !acked(env) {
			if time.Now().After(deadline) {
				t.Fatalf("envelope %s never acknowledged", env)
			}
			srv.SendToWebsocket(string(body))
			for i := 0; i < 20 && !acked(env); i++ {
				time.Sleep(25 * time.Millisecond)
			}
		}
	}
	waitPost := func(what string, ok func(post) bool) post {
		t.Helper()
		deadline := time.Now().Add(waitFor)
		for {
			mu.Lock()
			seen := append([]post(nil), posts...)
			mu.Unlock()
			for _, p := range seen {
				if ok(p) {
					return p
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	const trainee, ch = "U0TRAINEE", "C0SLACKTEST"

	push("e1", "slash_commands", map[string]any{"team_id": "T024BE7LD", "channel_id": ch, "user_id": trainee, "command": "/pivot",
		"text": "start jennifer", "response_url": srv.GetAPIURL() + "response", "trigger_id": "t"})
	brief := waitPost("the brief", func(p post) bool {
		return p.method == "chat.postMessage" && p.form.Get("thread_ts") == "" && strings.Contains(p.form.Get("blocks"), `"value":"end"`)
	})
	var thread string
	mu.Lock()
	for i, p := range posts {
		if p.form.Get("blocks") == brief.form.Get("blocks") {
			thread = fmt.Sprintf("1700000000.%06d", i+1)
		}
	}
	mu.Unlock()
	waitPost("the opening line", func(p post) bool {
		return p.form.Get("thread_ts") == thread && strings.HasPrefix(p.form.Get("text"), "*Jennifer:*")
	})

	msg := map[string]any{"token": "v", "team_id": "T024BE7LD", "type": "event_callback", "event_id": "EvST1", "event_time": 1700000000,
		"event": map[string]any{"type": "message", "channel": ch, "user": trainee, "text": "Can you tell me a bit about how things are at home?",
			"ts": "1700000001.000001", "thread_ts": thread, "channel_type": "channel"}}
	push("e2", "events_api", msg)
	push("e3", "events_api", msg) // the same event re-delivered in a new envelope
	replies := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, p := range posts {
			if p.form.Get("thread_ts") == thread && strings.HasPrefix(p.form.Get("text"), "*Jennifer:*") {
				n++
			}
		}
		return n
	}
	waitPost("a reply", func(post) bool { return replies() >= 2 })

	push("e4", "interactive", map[string]any{"type": "block_actions", "team": map[string]any{"id": "T024BE7LD"},
		"user": map[string]any{"id": trainee}, "channel": map[string]any{"id": ch},
		"container": map[string]any{"type": "message", "message_ts": thread, "channel_id": ch},
		"message":   map[string]any{"type": "message", "ts": thread}, "response_url": srv.GetAPIURL() + "response",
		"actions": []any{map[string]any{"type": "button", "action_id": slack.ActionPrefix + "1", "block_id": "pivot_actions_0", "value": "end"}}})
	debrief := waitPost("the debrief", func(p post) bool {
		return p.form.Get("thread_ts") == thread && strings.Contains(p.form.Get("blocks"), `"type":"header"`)
	})
	if !strings.Contains(debrief.form.Get("blocks"), "Debrief: your interview with Jennifer") {
		t.Errorf("debrief blocks: %s", debrief.form.Get("blocks"))
	}
	if n := replies(); n != 2 {
		t.Errorf("Jennifer spoke %d times in the thread, want 2 (the re-delivered event handled once)", n)
	}
}
