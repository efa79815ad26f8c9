// Package slackfake is a local stand-in for Slack, for driving the real
// slack-go client in tests: a Web API server (auth.test,
// apps.connections.open, chat.postMessage, chat.postEphemeral,
// chat.update, conversations.open, users.info), the response_url of each
// slash command and button click, and a Socket Mode websocket that says
// hello, pushes envelopes, records acknowledgements and pings the client
// about every second. It records every post, and can answer 429 with
// Retry-After for the next posts in a channel. It listens on 127.0.0.1 only.
//
// It enforces what Slack enforces and users would notice:
//   - the bot cannot post in a conversation it is not in (Outside): a
//     channel answers not_in_channel, a direct message between other
//     people or a group DM channel_not_found;
//   - an ephemeral message in a thread is shown only if the thread exists
//     and already has replies (chat.postEphemeral's documentation); one
//     addressed to the thread of an ephemeral message, or of a message
//     with no replies, is accepted but never shown (Post.Shown false);
//   - a response_url works in any conversation, for 30 minutes and 5 uses.
package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Default identities and tokens of a new server.
const (
	TeamID    = "T0PIVOT"
	BotUserID = "U0PIVOTBOT"
	BotID     = "B0PIVOT"
	AppToken  = "xapp-1-test-app-token"
	BotToken  = "xoxb-test-bot-token"
)

// Post is one message the bot posted (or updated).
type Post struct {
	Method    string // chat.postMessage, chat.postEphemeral, chat.update
	Channel   string
	ThreadTS  string
	TS        string // the ts the fake gave it
	Text      string
	Blocks    json.RawMessage
	Ephemeral bool
	User      string // the ephemeral message's user
	LinkNames bool   // link_names was set
	// Shown: the user would see this post. False for an ephemeral
	// message addressed to a thread Slack will not show it in.
	Shown bool
	// ResponseType is a response_url post's response_type
	// ("ephemeral" or "in_channel").
	ResponseType string
}

// BlocksText is the post's blocks as JSON with strings decoded the way
// Slack reads them (slack-go writes "<" as \u003c, which Slack reads as "<").
func (p Post) BlocksText() string {
	if len(p.Blocks) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(p.Blocks, &v) != nil {
		return string(p.Blocks)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return b.String()
}

// BlocksOfType returns the post's blocks of one type ("section", "header", …).
func (p Post) BlocksOfType(typ string) []map[string]any {
	var blocks []map[string]any
	_ = json.Unmarshal(p.Blocks, &blocks)
	var out []map[string]any
	for _, b := range blocks {
		if b["type"] == typ {
			out = append(out, b)
		}
	}
	return out
}

// Server is the fake Slack.
type Server struct {
	// URL is the Web API base, ending in "/" (for slack.OptionAPIURL).
	URL string
	// PingEvery is how often the websocket pings the client.
	PingEvery time.Duration

	srv *httptest.Server

	mu          sync.Mutex
	appToken    string
	botToken    string
	posts       []Post
	acks        map[string]int
	limits      map[string]limit
	failures    map[string]failure
	rateLimited int
	conns       []*conn
	connects    int
	seq         int64
	dms         map[string]string
	outside     map[string]bool
	responses   map[string]*response
	users       map[string]User
	userCalls   map[string]int
	clock       time.Duration // added to the real clock (Advance)
}

// response is one response_url: where it answers, and how much is left.
type response struct {
	channel, user, thread string
	created               time.Time
	uses                  int
}

// Response URL limits (Slack: 30 minutes, 5 uses).
const (
	ResponseURLLife = 30 * time.Minute
	ResponseURLUses = 5
)

// User is a user as users.info describes them.
type User struct {
	ID, Name, RealName, DisplayName string
}

type limit struct {
	n          int
	retryAfter int
}

type failure struct {
	n    int
	code string
}

type conn struct {
	ws *websocket.Conn
	mu sync.Mutex // one writer at a time
}

// New starts a fake Slack on 127.0.0.1; it closes when the test ends.
func New(t testing.TB) *Server {
	s := &Server{PingEvery: time.Second, appToken: AppToken, botToken: BotToken,
		acks: map[string]int{}, limits: map[string]limit{}, failures: map[string]failure{}, dms: map[string]string{},
		outside: map[string]bool{}, responses: map[string]*response{}, users: map[string]User{}, userCalls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/auth.test", s.authTest)
	mux.HandleFunc("/api/apps.connections.open", s.connectionsOpen)
	mux.HandleFunc("/api/chat.postMessage", s.postMessage)
	mux.HandleFunc("/api/chat.postEphemeral", s.postMessage)
	mux.HandleFunc("/api/chat.update", s.postMessage)
	mux.HandleFunc("/api/conversations.open", s.conversationsOpen)
	mux.HandleFunc("/api/users.info", s.usersInfo)
	mux.HandleFunc("/response/", s.respond)
	mux.HandleFunc("/ws", s.socket)
	// started only once s.srv is set: handlers read s.srv.URL
	s.srv = httptest.NewUnstartedServer(mux)
	s.srv.Start()
	s.URL = s.srv.URL + "/api/"
	t.Cleanup(s.Close)
	return s
}

// Close drops every websocket and stops the server.
func (s *Server) Close() {
	s.DropConnections()
	s.srv.Close()
}

// SetTokens changes the tokens the fake accepts.
func (s *Server) SetTokens(app, bot string) {
	s.mu.Lock()
	s.appToken, s.botToken = app, bot
	s.mu.Unlock()
}

// NextTS returns a fresh, increasing Slack timestamp.
func (s *Server) NextTS() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextTSLocked()
}

func (s *Server) nextTSLocked() string {
	s.seq++
	return fmt.Sprintf("1700000000.%06d", s.seq)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code string) {
	writeJSON(w, map[string]any{"ok": false, "error": code})
}

func (s *Server) authTest(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	ok := r.PostForm.Get("token") == s.botToken || r.Header.Get("Authorization") == "Bearer "+s.botToken
	s.mu.Unlock()
	if !ok {
		fail(w, "invalid_auth")
		return
	}
	writeJSON(w, map[string]any{"ok": true, "url": "https://pivot-test.slack.com/", "team": "Pivot Test",
		"user": "pivot", "team_id": TeamID, "user_id": BotUserID, "bot_id": BotID})
}

func (s *Server) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ok := r.Header.Get("Authorization") == "Bearer "+s.appToken
	s.mu.Unlock()
	if !ok {
		fail(w, "invalid_auth")
		return
	}
	writeJSON(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/ws"})
}

func (s *Server) conversationsOpen(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if !s.botAuthed(r) {
		fail(w, "invalid_auth")
		return
	}
	users := r.PostForm.Get("users")
	s.mu.Lock()
	id, ok := s.dms[users]
	if !ok {
		id = fmt.Sprintf("D%06d", len(s.dms)+1)
		s.dms[users] = id
	}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": id}})
}

func (s *Server) botAuthed(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return r.PostForm.Get("token") == s.botToken || r.Header.Get("Authorization") == "Bearer "+s.botToken
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !s.botAuthed(r) {
		fail(w, "invalid_auth")
		return
	}
	f := r.PostForm
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	channel := f.Get("channel")
	if channel == "" {
		fail(w, "channel_not_found")
		return
	}
	s.mu.Lock()
	if s.outside[channel] {
		s.mu.Unlock()
		fail(w, notMemberError(channel))
		return
	}
	if l := s.limits[channel]; l.n > 0 {
		l.n--
		s.limits[channel] = l
		s.rateLimited++
		s.mu.Unlock()
		w.Header().Set("Retry-After", fmt.Sprint(l.retryAfter))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if f := s.failures[channel]; f.n > 0 && method == "chat.postMessage" {
		f.n--
		s.failures[channel] = f
		s.mu.Unlock()
		fail(w, f.code)
		return
	}
	p := Post{Method: method, Channel: channel, ThreadTS: f.Get("thread_ts"), Text: f.Get("text"),
		Ephemeral: method == "chat.postEphemeral", User: f.Get("user"), LinkNames: f.Get("link_names") == "1" || f.Get("link_names") == "true"}
	if b := f.Get("blocks"); b != "" {
		p.Blocks = json.RawMessage(b)
	}
	if method == "chat.update" {
		p.TS = f.Get("ts")
	} else {
		p.TS = s.nextTSLocked()
	}
	p.Shown = !p.Ephemeral || p.ThreadTS == "" || s.threadHasRepliesLocked(p.ThreadTS)
	s.posts = append(s.posts, p)
	s.mu.Unlock()
	if method == "chat.postEphemeral" {
		writeJSON(w, map[string]any{"ok": true, "message_ts": p.TS})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": channel, "ts": p.TS,
		"message": map[string]any{"text": p.Text, "ts": p.TS, "thread_ts": p.ThreadTS, "bot_id": BotID, "user": BotUserID}})
}

// RateLimit makes the next n posts to channel fail with 429 and a
// Retry-After of the given whole seconds.
func (s *Server) RateLimit(channel string, n, retryAfterSeconds int) {
	s.mu.Lock()
	s.limits[channel] = limit{n: n, retryAfter: retryAfterSeconds}
	s.mu.Unlock()
}

// Fail makes the next n chat.postMessage calls to channel answer
// {"ok":false,"error":code}.
func (s *Server) Fail(channel, code string, n int) {
	s.mu.Lock()
	s.failures[channel] = failure{n: n, code: code}
	s.mu.Unlock()
}

// RateLimited counts the 429 answers given so far.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimited
}

// Posts returns every post so far, in the order the fake received them.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &conn{ws: ws}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.connects++
	every := s.PingEvery
	s.mu.Unlock()
	_ = c.write(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A0PIVOT"}, "debug_info": map[string]any{"host": "fake"}})
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second)) != nil {
					return
				}
			}
		}
	}()
	defer func() {
		close(done)
		_ = ws.Close()
		s.mu.Lock()
		for i, x := range s.conns {
			if x == c {
				s.conns = append(s.conns[:i], s.conns[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
	}()
	for {
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if err := ws.ReadJSON(&ack); err != nil {
			return
		}
		if ack.EnvelopeID != "" {
			s.mu.Lock()
			s.acks[ack.EnvelopeID]++
			s.mu.Unlock()
		}
	}
}

func (c *conn) write(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// Connects counts websocket connections made so far.
func (s *Server) Connects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// Connected reports whether a client is connected.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns) > 0
}

// DropConnections closes every websocket.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := append([]*conn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.Close()
	}
}

// Acks returns how many times an envelope was acknowledged.
func (s *Server) Acks(envelopeID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acks[envelopeID]
}

// Push sends an envelope to the newest connected client.
func (s *Server) Push(envelopeID, typ string, payload any) error {
	s.mu.Lock()
	var c *conn
	if n := len(s.conns); n > 0 {
		c = s.conns[n-1]
	}
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("slackfake: no client connected")
	}
	return c.write(map[string]any{"envelope_id": envelopeID, "type": typ, "payload": payload, "accepts_response_payload": typ != "events_api", "retry_attempt": 0, "retry_reason": ""})
}

// Connections is how many clients are connected now.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// PushTo sends an envelope to connection i (0: the oldest still
// connected). Slack deals one app's envelopes across all its Socket Mode
// connections (up to ten), and a retry may go to another connection than
// the first delivery: with two `pivot slack` instances, tests choose
// which instance gets each envelope.
func (s *Server) PushTo(i int, envelopeID, typ string, payload any) error {
	s.mu.Lock()
	var c *conn
	if i >= 0 && i < len(s.conns) {
		c = s.conns[i]
	}
	n := len(s.conns)
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("slackfake: no connection %d (%d connected)", i, n)
	}
	return c.write(map[string]any{"envelope_id": envelopeID, "type": typ, "payload": payload, "accepts_response_payload": typ != "events_api", "retry_attempt": 0, "retry_reason": ""})
}

// MessageEvent is an Events API payload for a message a user wrote.
// thread is the thread's ts ("" for a top-level message); channels
// starting with "D" are direct messages.
func MessageEvent(eventID, channel, user, text, ts, thread string) map[string]any {
	ct := "channel"
	if strings.HasPrefix(channel, "D") {
		ct = "im"
	}
	ev := map[string]any{"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts, "channel_type": ct}
	if thread != "" {
		ev["thread_ts"] = thread
	}
	return Callback(eventID, ev)
}

// MentionEvent is an Events API payload for an app_mention.
func MentionEvent(eventID, channel, user, text, ts, thread string) map[string]any {
	ev := map[string]any{"type": "app_mention", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts}
	if thread != "" {
		ev["thread_ts"] = thread
	}
	return Callback(eventID, ev)
}

// Callback wraps an inner event in an event_callback.
func Callback(eventID string, inner map[string]any) map[string]any {
	return map[string]any{"token": "verification", "team_id": TeamID, "api_app_id": "A0PIVOT", "type": "event_callback",
		"event_id": eventID, "event_time": 1700000000, "event": inner}
}

// SlashCommand is a slash_commands payload for /pivot.
func (s *Server) SlashCommand(channel, user, text string) map[string]any {
	return map[string]any{"token": "verification", "team_id": TeamID, "team_domain": "pivot-test", "channel_id": channel,
		"channel_name": "practice", "user_id": user, "user_name": user, "command": "/pivot", "text": text,
		"response_url": s.newResponseURL(channel, user, ""), "trigger_id": "trigger", "api_app_id": "A0PIVOT"}
}

// BlockAction is an interactive block_actions payload for a click on a
// button with value in the message at messageTS (in thread, if not "").
func (s *Server) BlockAction(channel, user, messageTS, thread, actionID, value string) map[string]any {
	return s.blockAction(channel, user, messageTS, thread, actionID, value, false)
}

// BlockActionOn is a click by user on a button with value on post p (an
// ephemeral post's container says so, as Slack's does).
func (s *Server) BlockActionOn(p Post, user, actionID, value string) map[string]any {
	return s.blockAction(p.Channel, user, p.TS, p.ThreadTS, actionID, value, p.Ephemeral)
}

func (s *Server) blockAction(channel, user, messageTS, thread, actionID, value string, ephemeral bool) map[string]any {
	msg := map[string]any{"type": "message", "ts": messageTS, "bot_id": BotID, "user": BotUserID, "text": ""}
	container := map[string]any{"type": "message", "message_ts": messageTS, "channel_id": channel, "is_ephemeral": ephemeral}
	if thread != "" {
		msg["thread_ts"] = thread
		container["thread_ts"] = thread
	}
	return map[string]any{
		"type": "block_actions", "team": map[string]any{"id": TeamID, "domain": "pivot-test"},
		"user": map[string]any{"id": user, "name": user, "team_id": TeamID}, "api_app_id": "A0PIVOT", "token": "verification",
		"container": container, "trigger_id": "trigger", "channel": map[string]any{"id": channel, "name": "practice"},
		"message": msg, "response_url": s.newResponseURL(channel, user, thread),
		"actions": []any{map[string]any{"type": "button", "action_id": actionID, "block_id": "pivot_actions_0",
			"value": value, "text": map[string]any{"type": "plain_text", "text": "button"}, "action_ts": "1700000000.1"}},
	}
}

// notMemberError is Slack's answer to a post in a conversation the bot is
// not in: not_in_channel for a channel, channel_not_found for a direct
// message between other people, a group DM or a private channel.
func notMemberError(channel string) string {
	if strings.HasPrefix(channel, "C") {
		return "not_in_channel"
	}
	return "channel_not_found"
}

// Outside marks conversations the bot is not a member of: posts there fail
// as Slack's do, while slash commands typed there still arrive.
func (s *Server) Outside(channels ...string) {
	s.mu.Lock()
	for _, c := range channels {
		s.outside[c] = true
	}
	s.mu.Unlock()
}

// threadHasRepliesLocked reports whether ts is a visible top-level message
// with at least one visible reply (call with s.mu held).
func (s *Server) threadHasRepliesLocked(ts string) bool {
	parent, replies := false, false
	for _, p := range s.posts {
		if p.Ephemeral || p.Method == "response_url" {
			continue
		}
		if p.TS == ts && p.ThreadTS == "" {
			parent = true
		}
		if p.ThreadTS == ts {
			replies = true
		}
	}
	return parent && replies
}

// Advance moves the fake's clock on (response_url expiry).
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.clock += d
	s.mu.Unlock()
}

func (s *Server) nowLocked() time.Time { return time.Now().Add(s.clock) }

// newResponseURL registers a response_url for a command or click by user
// in channel (thread: the clicked message's thread).
func (s *Server) newResponseURL(channel, user, thread string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("r%d", s.seq)
	s.responses[id] = &response{channel: channel, user: user, thread: thread, created: s.nowLocked()}
	return s.srv.URL + "/response/" + id
}

// respond serves a response_url: JSON with text, blocks, response_type.
func (s *Server) respond(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/response/")
	var body struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ThreadTS        string          `json:"thread_ts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	resp, ok := s.responses[id]
	switch {
	case !ok:
		s.mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_url"})
		return
	case s.nowLocked().Sub(resp.created) > ResponseURLLife:
		s.mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"ok": false, "error": "expired_url"})
		return
	case resp.uses >= ResponseURLUses:
		s.mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"ok": false, "error": "used_url"})
		return
	}
	resp.uses++
	typ := body.ResponseType
	if typ == "" {
		typ = "ephemeral"
	}
	p := Post{Method: "response_url", Channel: resp.channel, ThreadTS: body.ThreadTS, Text: body.Text, TS: s.nextTSLocked(),
		Ephemeral: typ != "in_channel", User: resp.user, Shown: true, ResponseType: typ}
	if len(body.Blocks) > 0 && string(body.Blocks) != "null" {
		p.Blocks = body.Blocks
	}
	s.posts = append(s.posts, p)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true})
}

// ResponseURLUsesLeft reports how many uses a response_url has left.
func (s *Server) ResponseURLUsesLeft(url string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := strings.LastIndex(url, "/response/")
	if i < 0 {
		return 0
	}
	r, ok := s.responses[url[i+len("/response/"):]]
	if !ok {
		return 0
	}
	return ResponseURLUses - r.uses
}

// SetUser describes a user for users.info.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	s.users[u.ID] = u
	s.mu.Unlock()
}

// UserInfoCalls counts users.info calls for a user.
func (s *Server) UserInfoCalls(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userCalls[id]
}

func (s *Server) usersInfo(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if !s.botAuthed(r) {
		fail(w, "invalid_auth")
		return
	}
	id := r.Form.Get("user")
	s.mu.Lock()
	s.userCalls[id]++
	u, ok := s.users[id]
	s.mu.Unlock()
	if !ok {
		fail(w, "user_not_found")
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": u.ID, "team_id": TeamID, "name": u.Name, "real_name": u.RealName,
		"profile": map[string]any{"real_name": u.RealName, "display_name": u.DisplayName}}})
}
