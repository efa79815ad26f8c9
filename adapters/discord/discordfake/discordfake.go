// Package discordfake is a stand-in for Discord on 127.0.0.1: enough of
// the REST API (v9) and the gateway for the real discordgo client to
// connect, register commands, answer interactions, open threads and post
// messages. It records every request in order, so tests can read a
// session as Discord would have seen it, and it can answer with faults:
// a 401 for a bad token, a 429 with retry_after.
//
// It enforces what Discord enforces and users would notice: a private
// thread cannot be made without the Create Private Threads permission
// (DenyPrivateThreads: 403, code 50013 Missing Permissions), in an
// announcement channel or inside a thread (400, 50024); a user who does
// not accept direct messages cannot be sent one (BlockDMs: 403, 50007);
// an interaction's token carries follow-ups for 15 minutes only
// (ExpireInteractions: 401, 50027 Invalid Webhook Token).
//
// Point a discordgo session at it without touching discordgo's Endpoint
// globals: give the session the server's Client, whose transport rewrites
// every request to the fake. The gateway URL comes from GET /gateway, so
// the websocket follows on its own.
package discordfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Channel types used here (Discord's numbers).
const (
	GuildText     = 0
	DM            = 1
	Announcement  = 5
	PublicThread  = 11
	PrivateThread = 12
	Forum         = 15
)

// Request is one REST request as the fake received it.
type Request struct {
	Method string
	// Path is the request path after /api/v9, with query.
	Path   string
	Body   string
	Status int
	// Authorized: the Authorization header carried the server's token.
	Authorized bool
}

// String is the request as one transcript line; interaction tokens are
// shortened so transcripts stay readable.
func (r Request) String() string {
	s := fmt.Sprintf("%s %s → %d", r.Method, r.Path, r.Status)
	if r.Body != "" {
		b := r.Body
		if len(b) > 160 {
			b = b[:157] + "..."
		}
		s += "  " + b
	}
	return s
}

// Message is a message the bot posted: in a channel, as an interaction
// follow-up, or by editing an interaction's original response.
type Message struct {
	ID        string
	ChannelID string
	// Via is "channel", "followup" or "original".
	Via string
	// Interaction is the id of the interaction answered (follow-ups).
	Interaction     string
	Content         string
	Flags           int
	Embeds          []*discordgo.MessageEmbed
	Components      json.RawMessage
	AllowedMentions json.RawMessage
}

// Ephemeral reports whether the message was flagged ephemeral (64).
func (m Message) Ephemeral() bool { return m.Flags&64 != 0 }

// CustomIDs lists the custom_id of every button on the message.
func (m Message) CustomIDs() []string {
	var rows []struct {
		Components []struct {
			CustomID string `json:"custom_id"`
		} `json:"components"`
	}
	_ = json.Unmarshal(m.Components, &rows)
	var out []string
	for _, r := range rows {
		for _, c := range r.Components {
			out = append(out, c.CustomID)
		}
	}
	return out
}

// Callback is an interaction response (POST .../callback).
type Callback struct {
	Interaction string
	Type        int
	Flags       int
	Choices     []string // autocomplete choice values
}

// Identify is a gateway Identify (op 2) as received.
type Identify struct {
	Token   string
	Intents int
	// Shard is [shard id, shard count] when the client identified as one
	// shard of several; nil otherwise.
	Shard *[2]int
}

// Channel is a channel the fake knows.
type Channel struct {
	ID       string `json:"id"`
	Type     int    `json:"type"`
	GuildID  string `json:"guild_id,omitempty"`
	ParentID string `json:"parent_id,omitempty"`
	Name     string `json:"name,omitempty"`
	// Members: users added to a thread.
	Members []string `json:"-"`
	// Invitable: a private thread's members may add others (Discord's
	// default when the flag is not sent).
	Invitable bool `json:"-"`
	// Recipient: the user of a DM channel.
	Recipient string `json:"-"`
}

// Server is the fake. Create it with New; Close it when done.
type Server struct {
	// Token is the bot token the server accepts (sent as "Bot " + Token).
	Token string
	AppID string
	BotID string
	URL   string

	srv *httptest.Server

	mu           sync.Mutex
	next         int64
	requests     []Request
	messages     []Message
	callbacks    []Callback
	identifies   []Identify
	commands     map[string]json.RawMessage // "" (global) or guild id → body of the last bulk overwrite
	channels     map[string]*Channel
	interactions map[string]string // interaction token → id
	ixChannel    map[string]string // interaction id → channel id
	limits       []rateLimit
	delays       map[string]time.Duration // path prefix → delay before answering
	conns        []*conn
	changed      chan struct{}
	heartbeat    time.Duration
	noPrivate    map[string]bool // channels where the bot may not create private threads
	noDMs        map[string]bool // users who do not accept direct messages
	expired      map[string]bool // interaction ids whose tokens have lapsed
	deleted      map[string]bool // interaction ids whose original response was deleted
	members      map[string]Member
	memberCalls  map[string]int
}

// Member is a guild member as GET /guilds/{guild}/members/{user} answers.
type Member struct {
	Guild, User, Username, GlobalName, Nick string
}

type rateLimit struct {
	method, prefix string
	retryAfter     float64
}

// New starts a fake on 127.0.0.1 that accepts token.
func New(token string) *Server {
	s := &Server{Token: token, AppID: "900000000000000001", BotID: "900000000000000001",
		commands: map[string]json.RawMessage{}, channels: map[string]*Channel{},
		interactions: map[string]string{}, ixChannel: map[string]string{}, delays: map[string]time.Duration{}, changed: make(chan struct{}), next: 1000,
		heartbeat: 500 * time.Millisecond, noPrivate: map[string]bool{}, noDMs: map[string]bool{}, expired: map[string]bool{},
		deleted: map[string]bool{}, members: map[string]Member{}, memberCalls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway-ws", s.gateway)
	mux.HandleFunc("/gateway-ws/", s.gateway) // discordgo adds a slash
	mux.HandleFunc("/", s.rest)
	// s.URL is set before the server starts: handlers read it
	s.srv = httptest.NewUnstartedServer(mux)
	s.URL = "http://" + s.srv.Listener.Addr().String()
	s.srv.Start()
	return s
}

// Close stops the server and drops gateway connections.
func (s *Server) Close() {
	s.mu.Lock()
	conns := append([]*conn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
	s.srv.Close()
}

// Client returns an http.Client whose transport sends every request,
// whatever its host, to the fake.
func (s *Server) Client() *http.Client {
	u, _ := url.Parse(s.URL)
	return &http.Client{Transport: rewrite{host: u.Host, base: http.DefaultTransport}, Timeout: 10 * time.Second}
}

type rewrite struct {
	host string
	base http.RoundTripper
}

func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme = "http"
	req.URL.Host = r.host
	req.Host = r.host
	return r.base.RoundTrip(req)
}

// ID returns a new snowflake-like id.
func (s *Server) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newID()
}

func (s *Server) newID() string {
	s.next++
	return strconv.FormatInt(1100000000000000000+s.next, 10)
}

// AddChannel makes a channel known (GET /channels/{id} answers it).
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = &c
}

// ChannelInfo returns a known channel.
func (s *Server) ChannelInfo(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	cp := *c
	cp.Members = append([]string(nil), c.Members...)
	return cp, true
}

// RateLimitNext makes the next request whose method matches and whose path
// (after /api/v9) starts with prefix fail with 429 and retry_after seconds.
func (s *Server) RateLimitNext(method, prefix string, retryAfter float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = append(s.limits, rateLimit{method, prefix, retryAfter})
}

// Delay makes every request whose path (after /api/v9) starts with
// prefix wait d before it is answered (0 removes the delay): a slow
// channel, to show that others are not held up behind it.
func (s *Server) Delay(prefix string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d == 0 {
		delete(s.delays, prefix)
		return
	}
	s.delays[prefix] = d
}

// Requests returns every REST request so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Messages returns every message the bot posted, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Callbacks returns every interaction response, in order.
func (s *Server) Callbacks() []Callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Callback(nil), s.callbacks...)
}

// Identifies returns every gateway Identify, in order.
func (s *Server) Identifies() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Identify(nil), s.identifies...)
}

// Commands returns the body of the last command registration for scope
// ("" global, else a guild id), or nil.
func (s *Server) Commands(scope string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[scope]
}

// Wait polls cond, which reads the server, until it holds or the timeout
// passes; it reports whether it held. Every recorded change wakes it.
func (s *Server) Wait(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond()
		}
	}
}

// notify wakes waiters; call with s.mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

var (
	reCallback  = regexp.MustCompile(`^/interactions/(\d+)/([^/]+)/callback$`)
	reFollowup  = regexp.MustCompile(`^/webhooks/(\d+)/([^/]+)$`)
	reOriginal  = regexp.MustCompile(`^/webhooks/(\d+)/([^/]+)/messages/@original$`)
	reMessages  = regexp.MustCompile(`^/channels/(\d+)/messages$`)
	reThreads   = regexp.MustCompile(`^/channels/(\d+)/threads$`)
	reMsgThread = regexp.MustCompile(`^/channels/(\d+)/messages/(\d+)/threads$`)
	reMember    = regexp.MustCompile(`^/channels/(\d+)/thread-members/(\d+)$`)
	reChannel   = regexp.MustCompile(`^/channels/(\d+)$`)
	reGlobalCmd = regexp.MustCompile(`^/applications/(\d+)/commands$`)
	reGuildCmd  = regexp.MustCompile(`^/applications/(\d+)/guilds/(\d+)/commands$`)
	reMemberOf  = regexp.MustCompile(`^/guilds/(\d+)/members/(\d+)$`)
)

func (s *Server) rest(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, "/api/v9")
	display := path
	if r.URL.RawQuery != "" {
		display += "?" + r.URL.RawQuery
	}
	rec := Request{Method: r.Method, Path: display, Body: string(body),
		Authorized: r.Header.Get("Authorization") == "Bot "+s.Token}
	s.mu.Lock()
	var delay time.Duration
	for prefix, d := range s.delays {
		if strings.HasPrefix(path, prefix) {
			delay = d
		}
	}
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}

	status, out := s.route(r.Method, path, body, rec.Authorized)
	rec.Status = status

	s.mu.Lock()
	// Shorten interaction tokens in the record.
	for tok := range s.interactions {
		rec.Path = strings.ReplaceAll(rec.Path, tok, "<token>")
	}
	s.requests = append(s.requests, rec)
	s.notify()
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusTooManyRequests {
		w.Header().Set("X-RateLimit-Remaining", "0")
	}
	w.WriteHeader(status)
	if out != nil {
		_ = json.NewEncoder(w).Encode(out)
	}
}

func errBody(code int, msg string) map[string]any {
	return map[string]any{"code": code, "message": msg}
}

// route answers one REST request: status and JSON body (nil: none).
func (s *Server) route(method, path string, body []byte, authorized bool) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, l := range s.limits {
		if l.method == method && strings.HasPrefix(path, l.prefix) {
			s.limits = append(s.limits[:i], s.limits[i+1:]...)
			return http.StatusTooManyRequests, map[string]any{"message": "You are being rate limited.", "retry_after": l.retryAfter, "global": false}
		}
	}
	if path == "/gateway" {
		return http.StatusOK, map[string]string{"url": "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway-ws"}
	}
	// Interaction endpoints authenticate with the interaction token.
	if m := reCallback.FindStringSubmatch(path); m != nil && method == http.MethodPost {
		if s.interactions[m[2]] != m[1] {
			return http.StatusNotFound, errBody(10062, "Unknown interaction")
		}
		var cb struct {
			Type int `json:"type"`
			Data struct {
				Flags   int `json:"flags"`
				Choices []struct {
					Value any `json:"value"`
				} `json:"choices"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &cb); err != nil {
			return http.StatusBadRequest, errBody(50109, "The request body contains invalid JSON.")
		}
		for _, c := range s.callbacks {
			if c.Interaction == m[1] {
				return http.StatusBadRequest, errBody(40060, "Interaction has already been acknowledged.")
			}
		}
		rec := Callback{Interaction: m[1], Type: cb.Type, Flags: cb.Data.Flags}
		for _, c := range cb.Data.Choices {
			rec.Choices = append(rec.Choices, fmt.Sprint(c.Value))
		}
		s.callbacks = append(s.callbacks, rec)
		return http.StatusNoContent, nil
	}
	if m := reFollowup.FindStringSubmatch(path); m != nil && method == http.MethodPost {
		id, ok := s.interactions[m[2]]
		if !ok || !s.acked(id) {
			return http.StatusNotFound, errBody(10015, "Unknown Webhook")
		}
		if s.expired[id] {
			return http.StatusUnauthorized, errBody(50027, "Invalid Webhook Token")
		}
		return s.post(body, s.interactionChannel(id), "followup", id)
	}
	if m := reOriginal.FindStringSubmatch(path); m != nil && (method == http.MethodPatch || method == http.MethodDelete) {
		id, ok := s.interactions[m[2]]
		if !ok || !s.acked(id) {
			return http.StatusNotFound, errBody(10015, "Unknown Webhook")
		}
		if s.expired[id] {
			return http.StatusUnauthorized, errBody(50027, "Invalid Webhook Token")
		}
		if method == http.MethodDelete {
			s.deleted[id] = true
			return http.StatusNoContent, nil
		}
		return s.post(body, s.interactionChannel(id), "original", id)
	}
	if !authorized {
		return http.StatusUnauthorized, errBody(0, "401: Unauthorized")
	}
	switch {
	case path == "/users/@me" && method == http.MethodGet:
		return http.StatusOK, map[string]any{"id": s.BotID, "username": "Pivot", "discriminator": "0", "bot": true}
	case path == "/oauth2/applications/@me" && method == http.MethodGet:
		return http.StatusOK, map[string]any{"id": s.AppID, "name": "Pivot"}
	}
	if m := reGlobalCmd.FindStringSubmatch(path); m != nil {
		return s.registerCommands(method, "", body)
	}
	if m := reGuildCmd.FindStringSubmatch(path); m != nil {
		return s.registerCommands(method, m[2], body)
	}
	if m := reMessages.FindStringSubmatch(path); m != nil && method == http.MethodPost {
		c, ok := s.channels[m[1]]
		if !ok {
			return http.StatusNotFound, errBody(10003, "Unknown Channel")
		}
		if c.Type == DM && s.noDMs[c.Recipient] {
			return http.StatusForbidden, errBody(50007, "Cannot send messages to this user")
		}
		return s.post(body, m[1], "channel", "")
	}
	if path == "/users/@me/channels" && method == http.MethodPost {
		var req struct {
			RecipientID string `json:"recipient_id"`
		}
		if err := json.Unmarshal(body, &req); err != nil || req.RecipientID == "" {
			return http.StatusBadRequest, errBody(50035, "Invalid Form Body")
		}
		for _, c := range s.channels {
			if c.Type == DM && c.Recipient == req.RecipientID {
				return http.StatusOK, c
			}
		}
		c := &Channel{ID: s.newID(), Type: DM, Recipient: req.RecipientID}
		s.channels[c.ID] = c
		return http.StatusOK, c
	}
	if m := reMemberOf.FindStringSubmatch(path); m != nil && method == http.MethodGet {
		s.memberCalls[m[2]]++
		mem, ok := s.members[m[1]+"/"+m[2]]
		if !ok {
			return http.StatusNotFound, errBody(10007, "Unknown Member")
		}
		return http.StatusOK, map[string]any{"nick": nilIfEmpty(mem.Nick), "roles": []any{},
			"user": map[string]any{"id": mem.User, "username": mem.Username, "global_name": nilIfEmpty(mem.GlobalName), "discriminator": "0"}}
	}
	if m := reThreads.FindStringSubmatch(path); m != nil && method == http.MethodPost {
		return s.startThread(m[1], body, PublicThread)
	}
	if m := reMsgThread.FindStringSubmatch(path); m != nil && method == http.MethodPost {
		return s.startThread(m[1], body, PublicThread)
	}
	if m := reMember.FindStringSubmatch(path); m != nil && method == http.MethodPut {
		c, ok := s.channels[m[1]]
		if !ok {
			return http.StatusNotFound, errBody(10003, "Unknown Channel")
		}
		c.Members = append(c.Members, m[2])
		return http.StatusNoContent, nil
	}
	if m := reChannel.FindStringSubmatch(path); m != nil && method == http.MethodGet {
		c, ok := s.channels[m[1]]
		if !ok {
			return http.StatusNotFound, errBody(10003, "Unknown Channel")
		}
		return http.StatusOK, c
	}
	return http.StatusNotFound, errBody(0, "404: Not Found")
}

func (s *Server) acked(interaction string) bool {
	for _, c := range s.callbacks {
		if c.Interaction == interaction {
			return true
		}
	}
	return false
}

// interactionChannel is where an interaction happened (recorded when it
// was dispatched).
func (s *Server) interactionChannel(id string) string {
	return s.ixChannel[id]
}

func (s *Server) registerCommands(method, scope string, body []byte) (int, any) {
	var cmds []map[string]any
	switch method {
	case http.MethodPut:
		if err := json.Unmarshal(body, &cmds); err != nil {
			return http.StatusBadRequest, errBody(50035, "Invalid Form Body")
		}
	case http.MethodPost:
		var c map[string]any
		if err := json.Unmarshal(body, &c); err != nil {
			return http.StatusBadRequest, errBody(50035, "Invalid Form Body")
		}
		cmds = []map[string]any{c}
	default:
		return http.StatusMethodNotAllowed, errBody(0, "405: Method Not Allowed")
	}
	s.commands[scope] = append(json.RawMessage(nil), body...)
	for _, c := range cmds {
		c["id"] = s.newID()
		c["application_id"] = s.AppID
		c["version"] = s.newID()
		if scope != "" {
			c["guild_id"] = scope
		}
	}
	if method == http.MethodPost {
		return http.StatusCreated, cmds[0]
	}
	return http.StatusOK, cmds
}

func (s *Server) startThread(parent string, body []byte, defaultType int) (int, any) {
	p, ok := s.channels[parent]
	if !ok {
		return http.StatusNotFound, errBody(10003, "Unknown Channel")
	}
	if p.Type != GuildText && p.Type != Announcement {
		return http.StatusBadRequest, errBody(50024, "Cannot execute action on this channel type")
	}
	var ts struct {
		Name      string `json:"name"`
		Type      int    `json:"type"`
		Invitable *bool  `json:"invitable"`
	}
	if err := json.Unmarshal(body, &ts); err != nil || ts.Name == "" || len([]rune(ts.Name)) > 100 {
		return http.StatusBadRequest, errBody(50035, "Invalid Form Body")
	}
	if ts.Type == 0 {
		ts.Type = defaultType
	}
	if ts.Type == PrivateThread {
		if p.Type == Announcement {
			return http.StatusBadRequest, errBody(50024, "Cannot execute action on this channel type")
		}
		if s.noPrivate[parent] {
			return http.StatusForbidden, errBody(50013, "Missing Permissions")
		}
	}
	c := &Channel{ID: s.newID(), Type: ts.Type, GuildID: p.GuildID, ParentID: parent, Name: ts.Name,
		Invitable: ts.Type == PrivateThread && (ts.Invitable == nil || *ts.Invitable)}
	s.channels[c.ID] = c
	return http.StatusCreated, c
}

// post records a message the bot sent; call with s.mu held.
func (s *Server) post(body []byte, channel, via, interaction string) (int, any) {
	var m struct {
		Content         string                    `json:"content"`
		Flags           int                       `json:"flags"`
		Embeds          []*discordgo.MessageEmbed `json:"embeds"`
		Components      json.RawMessage           `json:"components"`
		AllowedMentions json.RawMessage           `json:"allowed_mentions"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return http.StatusBadRequest, errBody(50109, "The request body contains invalid JSON.")
	}
	if strings.TrimSpace(m.Content) == "" && len(m.Embeds) == 0 {
		return http.StatusBadRequest, errBody(50006, "Cannot send an empty message")
	}
	if len([]rune(m.Content)) > 2000 || len(m.Embeds) > 10 {
		return http.StatusBadRequest, errBody(50035, "Invalid Form Body")
	}
	if err := CheckEmbeds(m.Embeds); err != nil {
		return http.StatusBadRequest, errBody(50035, "Invalid Form Body: "+err.Error())
	}
	msg := Message{ID: s.newID(), ChannelID: channel, Via: via, Interaction: interaction,
		Content: m.Content, Flags: m.Flags, Embeds: m.Embeds, Components: m.Components, AllowedMentions: m.AllowedMentions}
	s.messages = append(s.messages, msg)
	return http.StatusOK, map[string]any{"id": msg.ID, "channel_id": channel, "content": m.Content, "flags": m.Flags,
		"author": map[string]any{"id": s.BotID, "username": "Pivot", "bot": true}}
}

// CheckEmbeds applies Discord's embed limits to one message's embeds:
// title 256, description 4,096, 25 fields of name 256 and value 1,024
// (neither blank), 6,000 characters across all of them, 10 embeds.
// Characters are counted as UTF-16 units, the stricter reading.
func CheckEmbeds(embeds []*discordgo.MessageEmbed) error {
	if len(embeds) > 10 {
		return fmt.Errorf("%d embeds", len(embeds))
	}
	total := 0
	for i, e := range embeds {
		if n := utf16Len(e.Title); n > 256 {
			return fmt.Errorf("embed %d: title of %d", i, n)
		}
		if n := utf16Len(e.Description); n > 4096 {
			return fmt.Errorf("embed %d: description of %d", i, n)
		}
		if len(e.Fields) > 25 {
			return fmt.Errorf("embed %d: %d fields", i, len(e.Fields))
		}
		total += utf16Len(e.Title) + utf16Len(e.Description)
		for j, f := range e.Fields {
			if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" {
				return fmt.Errorf("embed %d field %d: blank name or value", i, j)
			}
			if n := utf16Len(f.Name); n > 256 {
				return fmt.Errorf("embed %d field %d: name of %d", i, j, n)
			}
			if n := utf16Len(f.Value); n > 1024 {
				return fmt.Errorf("embed %d field %d: value of %d", i, j, n)
			}
			total += utf16Len(f.Name) + utf16Len(f.Value)
		}
		if e.Footer != nil {
			total += utf16Len(e.Footer.Text)
		}
		if e.Author != nil {
			total += utf16Len(e.Author.Name)
		}
	}
	if total > 6000 {
		return fmt.Errorf("embeds total %d characters", total)
	}
	return nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// ---- gateway ----

type conn struct {
	ws     *websocket.Conn
	mu     sync.Mutex // writes
	seq    int
	closed chan struct{}
}

func (c *conn) write(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// SetHeartbeat sets the heartbeat interval told to new connections.
func (s *Server) SetHeartbeat(d time.Duration) {
	s.mu.Lock()
	s.heartbeat = d
	s.mu.Unlock()
}

func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &conn{ws: ws, closed: make(chan struct{})}
	defer func() {
		close(c.closed)
		ws.Close()
		s.mu.Lock()
		s.notify()
		s.mu.Unlock()
	}()
	s.mu.Lock()
	hb := s.heartbeat
	s.mu.Unlock()
	if c.write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": hb.Milliseconds()}}) != nil {
		return
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var ident struct {
		Op int `json:"op"`
		D  struct {
			Token   string  `json:"token"`
			Intents int     `json:"intents"`
			Shard   *[2]int `json:"shard"`
		} `json:"d"`
	}
	if err := ws.ReadJSON(&ident); err != nil || ident.Op != 2 {
		return
	}
	_ = ws.SetReadDeadline(time.Time{})
	s.mu.Lock()
	s.identifies = append(s.identifies, Identify{Token: ident.D.Token, Intents: ident.D.Intents, Shard: ident.D.Shard})
	s.notify()
	ok := ident.D.Token == "Bot "+s.Token
	s.mu.Unlock()
	if !ok {
		c.mu.Lock()
		_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		c.mu.Unlock()
		return
	}
	s.mu.Lock()
	guilds := []map[string]any{}
	seen := map[string]bool{}
	for _, ch := range s.channels {
		if ch.GuildID != "" && !seen[ch.GuildID] {
			seen[ch.GuildID] = true
			guilds = append(guilds, map[string]any{"id": ch.GuildID, "unavailable": true})
		}
	}
	c.seq = 1
	ready := map[string]any{"op": 0, "s": 1, "t": "READY", "d": map[string]any{
		"v": 9, "session_id": "fake-session-" + s.newID(),
		"user":        map[string]any{"id": s.BotID, "username": "Pivot", "discriminator": "0", "bot": true},
		"application": map[string]any{"id": s.AppID, "flags": 0},
		"guilds":      guilds, "private_channels": []any{},
	}}
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	if c.write(ready) != nil {
		return
	}
	for {
		var in struct {
			Op int `json:"op"`
		}
		if err := ws.ReadJSON(&in); err != nil {
			return
		}
		if in.Op == 1 {
			if c.write(map[string]any{"op": 11}) != nil {
				return
			}
		}
	}
}

// Connected reports how many gateway connections are open and identified.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.conns {
		select {
		case <-c.closed:
		default:
			n++
		}
	}
	return n
}

// Dispatch sends an event (op 0) to the newest open gateway connection.
func (s *Server) Dispatch(e Event) error {
	s.mu.Lock()
	var c *conn
	for i := len(s.conns) - 1; i >= 0; i-- {
		select {
		case <-s.conns[i].closed:
			continue
		default:
		}
		c = s.conns[i]
		break
	}
	if c == nil {
		s.mu.Unlock()
		return fmt.Errorf("discordfake: no gateway connection")
	}
	if tok, _ := e.Data["token"].(string); tok != "" {
		id, _ := e.Data["id"].(string)
		ch, _ := e.Data["channel_id"].(string)
		s.interactions[tok] = id
		s.ixChannel[id] = ch
	}
	c.seq++
	frame := map[string]any{"op": 0, "s": c.seq, "t": e.Type, "d": e.Data}
	s.mu.Unlock()
	return c.write(frame)
}

// Event is a gateway dispatch: its type and payload.
type Event struct {
	Type string
	ID   string
	Data map[string]any
}

// Who says where an event happens and who causes it. Guild "" is a DM.
type Who struct {
	Guild, Channel, User, Username string
	Bot                            bool
}

func (w Who) user() map[string]any {
	name := w.Username
	if name == "" {
		name = "user" + w.User
	}
	return map[string]any{"id": w.User, "username": name, "discriminator": "0", "bot": w.Bot}
}

func (s *Server) interaction(w Who, typ int, data map[string]any) Event {
	id := s.ID()
	d := map[string]any{"id": id, "application_id": s.AppID, "type": typ, "token": "itok-" + id + "-secret",
		"version": 1, "channel_id": w.Channel, "data": data, "locale": "en-GB"}
	if w.Guild != "" {
		d["guild_id"] = w.Guild
		d["member"] = map[string]any{"user": w.user(), "roles": []any{}}
	} else {
		d["user"] = w.user()
	}
	return Event{Type: "INTERACTION_CREATE", ID: id, Data: d}
}

// SlashCommand is /pivot SUB [option:value ...] as an INTERACTION_CREATE.
// Options are name, value pairs.
func (s *Server) SlashCommand(w Who, sub string, options ...string) Event {
	var opts []map[string]any
	for i := 0; i+1 < len(options); i += 2 {
		opts = append(opts, map[string]any{"name": options[i], "type": 3, "value": options[i+1]})
	}
	subOpt := map[string]any{"name": sub, "type": 1}
	if len(opts) > 0 {
		subOpt["options"] = opts
	}
	return s.interaction(w, 2, map[string]any{"id": "910000000000000001", "name": "pivot", "type": 1,
		"options": []any{subOpt}})
}

// Autocomplete is the client asking for choices while the user types
// value into option of /pivot sub.
func (s *Server) Autocomplete(w Who, sub, option, value string) Event {
	return s.interaction(w, 4, map[string]any{"id": "910000000000000001", "name": "pivot", "type": 1,
		"options": []any{map[string]any{"name": sub, "type": 1, "options": []any{
			map[string]any{"name": option, "type": 3, "value": value, "focused": true}}}}})
}

// ButtonClick is a click on a button with customID on message messageID.
func (s *Server) ButtonClick(w Who, customID, messageID string) Event {
	e := s.interaction(w, 3, map[string]any{"custom_id": customID, "component_type": 2})
	e.Data["message"] = map[string]any{"id": messageID, "channel_id": w.Channel, "content": "",
		"author": map[string]any{"id": s.BotID, "username": "Pivot", "bot": true}}
	return e
}

// UserMessage is a MESSAGE_CREATE of text by w's user.
func (s *Server) UserMessage(w Who, text string) Event {
	id := s.ID()
	d := map[string]any{"id": id, "channel_id": w.Channel, "author": w.user(), "content": text, "type": 0,
		"timestamp": time.Now().UTC().Format(time.RFC3339), "mentions": []any{}, "tts": false}
	if w.Guild != "" {
		d["guild_id"] = w.Guild
	}
	return Event{Type: "MESSAGE_CREATE", ID: id, Data: d}
}

// Transcript is every REST request as lines, for test logs and reports.
func (s *Server) Transcript() string {
	var b bytes.Buffer
	for i, r := range s.Requests() {
		fmt.Fprintf(&b, "%3d %s\n", i+1, r)
	}
	return b.String()
}

// WaitContext is Wait with a context.
func (s *Server) WaitContext(ctx context.Context, cond func() bool) bool {
	d := time.Hour
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl)
	}
	return s.Wait(d, cond)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// DenyPrivateThreads takes the Create Private Threads permission away in
// channel: creating a private thread there answers 403, code 50013.
func (s *Server) DenyPrivateThreads(channel string) {
	s.mu.Lock()
	s.noPrivate[channel] = true
	s.mu.Unlock()
}

// BlockDMs makes user refuse direct messages from the bot (403, 50007).
func (s *Server) BlockDMs(user string) {
	s.mu.Lock()
	s.noDMs[user] = true
	s.mu.Unlock()
}

// ExpireInteractions lets every interaction token dispatched so far lapse
// (Discord: 15 minutes): follow-ups and edits answer 401, code 50027.
func (s *Server) ExpireInteractions() {
	s.mu.Lock()
	for _, id := range s.interactions {
		s.expired[id] = true
	}
	s.mu.Unlock()
}

// OriginalDeleted reports whether an interaction's original response was deleted.
func (s *Server) OriginalDeleted(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted[id]
}

// DMChannel returns the DM channel opened with user, if any.
func (s *Server) DMChannel(user string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.channels {
		if c.Type == DM && c.Recipient == user {
			return c.ID, true
		}
	}
	return "", false
}

// SetMember describes a guild member for GET /guilds/{g}/members/{u}.
func (s *Server) SetMember(m Member) {
	s.mu.Lock()
	s.members[m.Guild+"/"+m.User] = m
	s.mu.Unlock()
}

// MemberCalls counts member look-ups of user.
func (s *Server) MemberCalls(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memberCalls[user]
}
