// Package discord runs Pivot as a Discord bot over the gateway, with one
// /pivot slash command. It turns interactions and messages into bot
// events and the bot's messages into Discord messages: each session gets
// its own private, non-invitable thread (public only by the admin's
// choice, never as a silent fallback: where no private thread can be made
// the session moves to the trainee's DM with the bot, and they are told);
// private messages become ephemeral follow-ups (else the private thread or
// the DM, never a channel others read); debriefs become embeds.
//
// Discord-specific rules it keeps: every command is acknowledged at once
// with a deferred, ephemeral response (type 5), every click with a
// deferred update (type 6, no message of its own), and answered by
// follow-ups; messages longer than 2,000 characters are split with
// bot.Split; every message is sent with allowed mentions none, so trainee
// text cannot ping anyone; the bot ignores its own messages and other
// bots'. Events in one channel are handled in order by one worker, while
// different channels (each session's thread) run in parallel. Rate limits
// (429) and reconnects are discordgo's.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/pivotcoach/pivot/bot"
)

// Platform is the conversation platform name stored with sessions.
const Platform = "discord"

// Environment variables and the setup guide they point to.
const (
	TokenEnv = "DISCORD_TOKEN"
	GuildEnv = "DISCORD_GUILD_ID"
	// ShardIDEnv and ShardCountEnv run this process as one gateway shard
	// of several (docs/multi-instance.md).
	ShardIDEnv    = "DISCORD_SHARD_ID"
	ShardCountEnv = "DISCORD_SHARD_COUNT"
	SetupGuide    = "docs/discord.md"
)

// Start-up errors. Their messages name the variable and the guide and
// never include the token.
var (
	ErrNoToken = errors.New(TokenEnv + " is not set: create a bot in the Discord Developer Portal and put its token in " +
		TokenEnv + " (see " + SetupGuide + ")")
	ErrTokenRejected = errors.New("the bot token in " + TokenEnv + " was rejected by Discord" +
		": reset it on the Bot page of the Developer Portal and set " + TokenEnv + " again (see " + SetupGuide + ")")
	ErrIntents = errors.New("the gateway intents were refused by Discord: turn on the Message Content intent on the Bot page of the Developer Portal (see " +
		SetupGuide + ")")
)

// Config configures an Adapter.
type Config struct {
	// Token is the bot token, without the "Bot " prefix.
	Token string
	// GuildID, when set, registers /pivot in that server only, where it
	// appears at once (for testing); otherwise globally.
	GuildID string
	Logger  *slog.Logger
	// HTTPClient carries every REST call when set (tests point it at a
	// fake; production leaves it nil).
	HTTPClient *http.Client
	// NoReconnect stops discordgo reconnecting after a gateway error
	// (tests, where a dropped fake socket would loop).
	NoReconnect bool
	// ResumeWindow: at start, open sessions active within this window are
	// told the bot is back (their last line is repeated). Older ones
	// resume silently when the trainee next writes. 0: never announce.
	ResumeWindow time.Duration
	// PublicThreads gives sessions public threads instead of private ones.
	PublicThreads bool
	// Observer, if set, hears of 429s (which discordgo waits out and
	// retries) and the gateway connection going up and down (metrics).
	Observer bot.PlatformObserver
	// ShardID and ShardCount make this process one gateway shard of
	// ShardCount (0 or 1: the only one). Discord sends a guild's events to
	// shard (guild_id >> 22) % ShardCount and direct messages to shard 0;
	// the processes share one database.
	ShardID, ShardCount int
}

// ownsConversation reports whether this shard serves c: its guild's
// shard, or shard 0 for a direct message (no guild).
func (c Config) ownsConversation(conv bot.Conversation) bool {
	if c.ShardCount <= 1 {
		return true
	}
	if conv.Workspace == "" {
		return c.ShardID == 0
	}
	guild, err := strconv.ParseUint(conv.Workspace, 10, 64)
	if err != nil {
		return c.ShardID == 0
	}
	return int((guild>>22)%uint64(c.ShardCount)) == c.ShardID
}

// ConfigFromEnv reads DISCORD_TOKEN and DISCORD_GUILD_ID.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	tok := strings.TrimSpace(getenv(TokenEnv))
	tok = strings.TrimSpace(strings.TrimPrefix(tok, "Bot "))
	if tok == "" {
		return Config{}, ErrNoToken
	}
	cfg := Config{Token: tok, GuildID: strings.TrimSpace(getenv(GuildEnv))}
	id, count := strings.TrimSpace(getenv(ShardIDEnv)), strings.TrimSpace(getenv(ShardCountEnv))
	if id == "" && count == "" {
		return cfg, nil
	}
	var err1, err2 error
	cfg.ShardID, err1 = strconv.Atoi(id)
	cfg.ShardCount, err2 = strconv.Atoi(count)
	if err1 != nil || err2 != nil || cfg.ShardCount < 1 || cfg.ShardID < 0 || cfg.ShardID >= cfg.ShardCount {
		return Config{}, fmt.Errorf("%s=%q and %s=%q must be set together, as a shard number from 0 to the count less one (for two processes: 0 and 1, with a count of 2); see docs/multi-instance.md",
			ShardIDEnv, id, ShardCountEnv, count)
	}
	return cfg, nil
}

// Adapter is a connected Discord bot. It implements bot.Adapter,
// bot.ThreadStarter and bot.PrivateSender.
type Adapter struct {
	cfg Config
	bot *bot.Bot
	log *slog.Logger
	s   *discordgo.Session

	appID string
	botID string

	ctx    context.Context // work; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// connected: the gateway connection is up (health checks).
	connected atomic.Bool

	mu      sync.Mutex
	closed  bool
	workers map[string]*worker
	seen    *idSet
	kinds   map[string]channelKind // channel id → its type and parent (cache)
	watched map[string]bool        // guild channels where a session may be open
	recent  map[string]*pending    // user/channel → their latest interaction there
	dms     map[string]string      // user → the bot's DM channel with them
	names   map[string]string      // guild/user → display name (reports)
}

// channelKind is what the adapter needs to know of a channel: its type
// (is it a thread, is it private) and its parent.
type channelKind struct {
	typ    discordgo.ChannelType
	parent string
}

func (k channelKind) thread() bool {
	switch k.typ {
	case discordgo.ChannelTypeGuildPublicThread, discordgo.ChannelTypeGuildPrivateThread, discordgo.ChannelTypeGuildNewsThread:
		return true
	}
	return false
}

// private: only the trainee (and the server's moderators) can read it.
func (k channelKind) private() bool {
	return k.typ == discordgo.ChannelTypeGuildPrivateThread || k.typ == discordgo.ChannelTypeDM
}

var (
	_ bot.Adapter       = (*Adapter)(nil)
	_ bot.ThreadStarter = (*Adapter)(nil)
	_ bot.PrivateSender = (*Adapter)(nil)
	_ bot.NameResolver  = (*Adapter)(nil)
)

// New makes an adapter for b. Call Open to connect.
func New(b *bot.Bot, cfg Config) *Adapter {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Adapter{cfg: cfg, bot: b, log: log, workers: map[string]*worker{}, seen: newIDSet(4096),
		kinds: map[string]channelKind{}, watched: map[string]bool{}, recent: map[string]*pending{},
		dms: map[string]string{}, names: map[string]string{}}
}

// Run connects, serves until ctx is done, then disconnects.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.Open(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return a.Close()
}

// Open checks the token, connects to the gateway, registers /pivot and
// resumes the open sessions. ctx bounds the start-up only.
func (a *Adapter) Open(ctx context.Context) (err error) {
	if a.cfg.Token == "" {
		return ErrNoToken
	}
	defer func() {
		if err != nil && a.cancel != nil {
			a.cancel()
		}
	}()
	s, err := discordgo.New("Bot " + a.cfg.Token)
	if err != nil {
		return fmt.Errorf("creating the Discord session: %w", err)
	}
	if a.cfg.HTTPClient != nil {
		s.Client = a.cfg.HTTPClient
	}
	s.ShouldReconnectOnError = !a.cfg.NoReconnect
	// Handlers run one at a time on the gateway's reader, in the order
	// events arrive; they only queue work, so they never block it.
	s.SyncEvents = true
	s.StateEnabled = true
	if a.cfg.ShardCount > 1 {
		s.ShardID, s.ShardCount = a.cfg.ShardID, a.cfg.ShardCount
	}
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages |
		discordgo.IntentsDirectMessages | discordgo.IntentsMessageContent
	a.s = s
	a.ctx, a.cancel = context.WithCancel(context.Background())

	// A bad token fails here, with a clear error, before the gateway.
	me, err := s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		var rest *discordgo.RESTError
		if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized {
			return ErrTokenRejected
		}
		return fmt.Errorf("reaching Discord: %w", redact(err))
	}
	a.botID = me.ID

	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		if r.Application != nil && r.Application.ID != "" {
			a.appID = r.Application.ID
		}
	})
	s.AddHandler(a.onInteraction)
	s.AddHandler(a.onMessage)
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Connect) { a.setConnected(true) })
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) { a.setConnected(false) })
	s.AddHandler(a.onRateLimit)
	if err := s.Open(); err != nil {
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			switch ce.Code {
			case 4004:
				return ErrTokenRejected
			case 4013, 4014:
				return ErrIntents
			}
		}
		return fmt.Errorf("connecting to the Discord gateway: %w", redact(err))
	}
	if a.appID == "" {
		a.appID = a.botID
	}
	a.log.Info("discord connected", "bot", a.botID, "application", a.appID)

	// One shard registers /pivot for all (the same overwrite from every
	// shard would only race).
	if a.cfg.ShardID == 0 {
		if err := a.registerCommands(ctx); err != nil {
			_ = s.Close()
			return err
		}
	}
	if err := a.resumeSessions(ctx); err != nil {
		a.log.Error("resuming open sessions", "err", err)
	}
	return nil
}

// Connected reports whether the gateway connection to Discord is up now:
// false before Open, while discordgo reconnects, and after Close.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// setConnected records the gateway connection going up or down.
func (a *Adapter) setConnected(up bool) {
	if a.connected.Swap(up) != up && a.cfg.Observer != nil {
		a.cfg.Observer.Connected(Platform, up)
	}
}

// onRateLimit hears of a 429: discordgo waits it out and sends the same
// request again.
func (a *Adapter) onRateLimit(_ *discordgo.Session, r *discordgo.RateLimit) {
	if a.cfg.Observer != nil {
		a.cfg.Observer.RateLimited(Platform)
		a.cfg.Observer.Retried(Platform)
	}
	if r.TooManyRequests != nil {
		a.log.Warn("rate limited by Discord; waiting before sending again", "retry_after", r.TooManyRequests.RetryAfter)
	}
}

// Close disconnects from the gateway, lets queued work finish (up to 10
// seconds), and stops.
func (a *Adapter) Close() error {
	a.mu.Lock()
	if a.closed || a.s == nil {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	a.mu.Unlock()
	err := a.s.Close()
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		a.log.Warn("discord: work still running at shutdown; cancelling it")
	}
	a.cancel()
	<-done
	return err
}

// registerCommands overwrites the application's commands with /pivot, in
// one guild (quick, for testing) or globally.
func (a *Adapter) registerCommands(ctx context.Context) error {
	scope := "global"
	if a.cfg.GuildID != "" {
		scope = "guild " + a.cfg.GuildID
	}
	_, err := a.s.ApplicationCommandBulkOverwrite(a.appID, a.cfg.GuildID, []*discordgo.ApplicationCommand{pivotCommand()}, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("registering /pivot (%s): %w", scope, redact(err))
	}
	a.log.Info("discord commands registered", "scope", scope)
	return nil
}

// resumeSessions watches the channels of every open session, so the
// trainee's next message continues it, and tells recently active ones the
// bot is back.
func (a *Adapter) resumeSessions(ctx context.Context) error {
	open, err := a.bot.Store().ListOpenSessions(ctx, Platform)
	if err != nil {
		return err
	}
	announced, others := 0, 0
	for _, s := range open {
		if !a.cfg.ownsConversation(s.Conv) {
			others++ // another shard's process resumes it
			continue
		}
		a.mu.Lock()
		a.watched[s.Conv.Channel] = true
		if s.Conv.Workspace == "" {
			a.kinds[s.Conv.Channel] = channelKind{typ: discordgo.ChannelTypeDM}
		}
		a.mu.Unlock()
		if a.cfg.ResumeWindow > 0 && time.Since(s.UpdatedAt) < a.cfg.ResumeWindow {
			a.enqueue(s.Conv.Channel, job{resume: s.Conv})
			announced++
		}
	}
	a.log.Info("discord sessions resumed", "open", len(open)-others, "announced", announced, "other_shards", others)
	return nil
}

// ---- events ----

// pending is an interaction being (or recently) answered.
type pending struct {
	i      *discordgo.Interaction
	user   string
	at     time.Time
	acked  chan struct{} // closed when the deferral was sent (or failed)
	ackErr error

	mu       sync.Mutex
	answered bool   // a follow-up was sent
	note     string // what to say if nothing else was
}

func (p *pending) setNote(s string) {
	p.mu.Lock()
	p.note = s
	p.mu.Unlock()
}

type job struct {
	ev     bot.Event
	ix     *pending
	resume bot.Conversation
}

type worker struct{ queue []job }

type ixKey struct{}

func interactionFrom(ctx context.Context) *pending {
	p, _ := ctx.Value(ixKey{}).(*pending)
	return p
}

// followupWindow is how long after an interaction its token may still
// carry ephemeral follow-ups (Discord allows 15 minutes).
const followupWindow = 14 * time.Minute

func (a *Adapter) onInteraction(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	i := ic.Interaction
	user := interactionUser(i)
	if user == nil {
		return
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommandAutocomplete:
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.autocomplete(i)
		}()
		return
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent:
	default:
		return
	}
	if !a.seen.add(i.ID) {
		a.log.Info("discord duplicate interaction dropped", "interaction", i.ID)
		return
	}
	text, ok := commandText(i)
	if !ok {
		return
	}
	p := &pending{i: i, user: user.ID, at: time.Now(), acked: make(chan struct{})}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.ack(p)
	}()
	conv := bot.Conversation{Platform: Platform, Workspace: i.GuildID, Channel: i.ChannelID, User: user.ID}
	// Only the command word at info: its arguments are typed by users.
	word := ""
	if f := strings.Fields(text); len(f) > 0 {
		word = f[0]
	}
	a.log.Info("discord interaction", "interaction", i.ID, "command", word, "channel", i.ChannelID, "user", user.ID)
	a.log.Debug("discord interaction text", "interaction", i.ID, "text", text)
	a.enqueue(i.ChannelID, job{ev: bot.Event{ID: i.ID, Conv: conv, Text: text, Command: true, Direct: true}, ix: p})
}

// ack defers the interaction at once (type 5, ephemeral): Discord drops
// interactions not answered within 3 seconds.
func (a *Adapter) ack(p *pending) {
	defer close(p.acked)
	ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
	defer cancel()
	resp := &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	}
	if p.i.Type == discordgo.InteractionMessageComponent {
		// A click: acknowledge without a "thinking…" message of its
		// own; what the click does is its answer (ephemeral follow-ups
		// still work).
		resp = &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	}
	p.ackErr = a.s.InteractionRespond(p.i, resp, discordgo.WithContext(ctx))
	if p.ackErr != nil {
		a.log.Warn("discord interaction not acknowledged", "interaction", p.i.ID, "err", redact(p.ackErr))
	}
}

func (a *Adapter) onMessage(_ *discordgo.Session, m *discordgo.MessageCreate) {
	if m.Author == nil || m.Author.Bot || m.Author.ID == a.botID {
		return
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	text := m.Content
	direct := m.GuildID == ""
	for _, tag := range []string{"<@" + a.botID + ">", "<@!" + a.botID + ">"} {
		if strings.Contains(text, tag) {
			direct = true
			text = strings.TrimSpace(strings.ReplaceAll(text, tag, ""))
		}
	}
	a.mu.Lock()
	watched := a.watched[m.ChannelID]
	a.mu.Unlock()
	// In servers, only session channels and messages to the bot are ours:
	// everything else people say is none of its business.
	if !direct && !watched {
		return
	}
	a.log.Info("discord message", "message", m.ID, "channel", m.ChannelID, "user", m.Author.ID)
	a.log.Debug("discord message text", "message", m.ID, "text", text)
	conv := bot.Conversation{Platform: Platform, Workspace: m.GuildID, Channel: m.ChannelID, User: m.Author.ID}
	a.enqueue(m.ChannelID, job{ev: bot.Event{ID: m.ID, Conv: conv, Text: text, Direct: direct}})
}

// enqueue adds j to the channel's worker, starting one if none runs:
// events in a channel are handled one at a time, in order.
func (a *Adapter) enqueue(channel string, j job) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	w, ok := a.workers[channel]
	if !ok {
		w = &worker{}
		a.workers[channel] = w
		a.wg.Add(1)
		go a.work(channel, w)
	}
	w.queue = append(w.queue, j)
}

func (a *Adapter) work(channel string, w *worker) {
	defer a.wg.Done()
	for {
		a.mu.Lock()
		if len(w.queue) == 0 {
			delete(a.workers, channel)
			a.mu.Unlock()
			return
		}
		j := w.queue[0]
		w.queue = w.queue[1:]
		a.mu.Unlock()
		a.process(j)
	}
}

func (a *Adapter) process(j job) {
	ctx := a.ctx
	if j.resume.Channel != "" {
		if _, err := a.bot.Resume(ctx, a, j.resume); err != nil {
			a.log.Warn("discord session not resumed", "conv", j.resume.Key(), "err", redact(err))
		}
		return
	}
	if p := j.ix; p != nil {
		select {
		case <-p.acked:
		case <-ctx.Done():
			return
		}
		ctx = context.WithValue(ctx, ixKey{}, p)
		if p.ackErr == nil {
			a.mu.Lock()
			for k, old := range a.recent {
				if time.Since(old.at) > followupWindow {
					delete(a.recent, k)
				}
			}
			a.recent[p.user+"/"+p.i.ChannelID] = p
			a.mu.Unlock()
		}
	}
	ev := j.ev
	if j.ix != nil && bot.SessionCommand(ev.Text) {
		// /pivot end|hint|coach typed in the parent channel acts on the
		// trainee's session in a thread of that channel.
		c, n, err := a.bot.FindSession(ctx, ev.Conv, func(s bot.Conversation) bool { return a.parentOf(ctx, s.Channel) == ev.Conv.Channel })
		if err != nil {
			a.log.Error("discord: looking up open sessions", "err", err)
		}
		if n > 1 {
			_ = a.SendPrivate(ctx, ev.Conv, bot.Message{Kind: bot.KindNotice, Private: true, Text: fmt.Sprintf(
				"You have %d interviews open in threads of this channel. Use the buttons in the interview's thread, or type the command there.", n)})
			a.finish(ctx, j.ix)
			return
		}
		if c.Channel != ev.Conv.Channel {
			j.ix.setNote(fmt.Sprintf("Done: see your interview in <#%s>.", c.Channel))
		}
		ev.Conv = c
	}
	if err := a.bot.Handle(ctx, a, ev); err != nil {
		a.log.Error("discord event failed", "event", ev.ID, "conv", ev.Conv.Key(), "err", redact(err))
	}
	if j.ix != nil {
		a.finish(ctx, j.ix)
	}
}

// finish settles an interaction when its event is done: its note, if it
// has one (edited into a slash command's deferred answer, else as an
// ephemeral follow-up); otherwise a slash command's unanswered "thinking…"
// is deleted (what it did is in the channel), and a click needs nothing.
func (a *Adapter) finish(ctx context.Context, p *pending) {
	if p.ackErr != nil {
		return
	}
	p.mu.Lock()
	answered, note := p.answered, p.note
	p.mu.Unlock()
	if answered && note == "" {
		return
	}
	component := p.i.Type == discordgo.InteractionMessageComponent
	var err error
	switch {
	case note != "" && (component || answered):
		err = a.followup(ctx, p, bot.Message{Kind: bot.KindNotice, Private: true, Text: note})
	case note != "":
		_, err = a.s.InteractionResponseEdit(p.i, &discordgo.WebhookEdit{Content: &note, AllowedMentions: noMentions()}, discordgo.WithContext(ctx))
	case !component:
		err = a.s.InteractionResponseDelete(p.i, discordgo.WithContext(ctx))
	}
	if err != nil {
		a.log.Warn("discord interaction not settled", "interaction", p.i.ID, "err", redact(err))
	}
}

// ---- helpers ----

func interactionUser(i *discordgo.Interaction) *discordgo.User {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User
	}
	return i.User
}

// idSet remembers the last n ids.
type idSet struct {
	mu    sync.Mutex
	n     int
	ids   map[string]bool
	order []string
}

func newIDSet(n int) *idSet { return &idSet{n: n, ids: map[string]bool{}} }

// add records id and reports whether it was new.
func (s *idSet) add(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids[id] {
		return false
	}
	s.ids[id] = true
	s.order = append(s.order, id)
	if len(s.order) > s.n {
		delete(s.ids, s.order[0])
		s.order = s.order[1:]
	}
	return true
}

// tokenInURL matches the secret part of interaction and webhook URLs.
var tokenInURL = regexp.MustCompile(`(/(?:webhooks|interactions)/\d+/)[^/\s"?]+`)

// redact hides interaction tokens in an error's text (URLs in transport
// errors carry them); the bot token never appears in errors.
func redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := tokenInURL.ReplaceAllString(msg, "${1}<token>")
	if clean == msg {
		return err
	}
	return redacted{msg: clean, err: err}
}

type redacted struct {
	msg string
	err error
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }
