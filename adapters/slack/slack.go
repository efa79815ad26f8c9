// Package slack runs Pivot in Slack over Socket Mode (no public URL):
// /pivot slash commands, direct messages and mentions become bot events;
// each practice session lives in a thread of its own (or in the direct
// message it began in); coaching and hints are ephemeral; the debrief is
// laid out in Block Kit.
//
// Every Socket Mode envelope is acknowledged before any work, and the work
// is de-duplicated on the event id through the bot's store, so a
// re-delivered event is processed once even across a restart. Events of one
// trainee in one channel are processed in order, one at a time; different
// trainees proceed in parallel. Posts go through a per-channel outbox that
// sends in order and waits out 429 rate limits, retrying the same message.
//
// Slash commands arrive from any conversation, but the bot can post only
// where it is a member. Where it is not (a channel it was not invited to,
// a direct message between other people, a group DM) answers go through
// the command's response_url (30 minutes, 5 uses), private ones otherwise
// to the bot's own direct message with the user, and a session opens in
// that direct message, with the trainee told why.
package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/pivotcoach/pivot/bot"
)

// Platform is the conversation platform name of sessions held in Slack.
const Platform = "slack"

// SetupGuide is where an admin learns to create the Slack app.
const SetupGuide = "docs/slack.md"

// The environment variables that carry the tokens.
const (
	AppTokenVar = "SLACK_APP_TOKEN"
	BotTokenVar = "SLACK_BOT_TOKEN"
	// APIURLVar optionally names another Web API base URL: GovSlack's
	// https://slack-gov.com/api/, or a local fake in tests.
	APIURLVar = "SLACK_API_URL"
)

// Config is what the adapter needs to connect.
type Config struct {
	// AppToken is the app-level token (xapp-…) with connections:write,
	// for Socket Mode.
	AppToken string
	// BotToken is the bot user token (xoxb-…) for the Web API.
	BotToken string
	// APIURL is the Web API base URL, ending in "/" (tests; empty: Slack).
	APIURL string
	// Logger receives the adapter's logs; message text is never logged
	// above debug, and tokens never.
	Logger *slog.Logger
	// ShutdownGrace is how long Run lets queued events finish after its
	// context ends (0: 5 seconds).
	ShutdownGrace time.Duration
	// Observer, if set, hears of 429s, retried posts and the Socket Mode
	// connection going up and down (metrics).
	Observer bot.PlatformObserver
}

// ConfigError is a missing, malformed or rejected token. Its message names
// the environment variable and the setup guide, never the token.
type ConfigError struct {
	Var     string
	Problem string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s %s; see the setup guide, %s", e.Var, e.Problem, SetupGuide)
}

// ConfigFromEnv reads the tokens from SLACK_APP_TOKEN and SLACK_BOT_TOKEN
// and checks their shape; SLACK_API_URL, if set, replaces Slack's Web API
// address.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{AppToken: strings.TrimSpace(getenv(AppTokenVar)), BotToken: strings.TrimSpace(getenv(BotTokenVar)),
		APIURL: strings.TrimSpace(getenv(APIURLVar))}
	if c.APIURL != "" && !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	return c, c.Validate()
}

// Validate checks that both tokens are present and of the right kind.
func (c Config) Validate() error {
	var errs []error
	check := func(name, token, prefix, what string) {
		switch {
		case token == "":
			errs = append(errs, &ConfigError{name, "is not set: it must hold the " + what + " (" + prefix + "…)"})
		case !strings.HasPrefix(token, prefix):
			kind := "an unknown kind of token"
			switch {
			case strings.HasPrefix(token, "xapp-"):
				kind = "an app-level token (xapp-…)"
			case strings.HasPrefix(token, "xoxb-"):
				kind = "a bot token (xoxb-…)"
			case strings.HasPrefix(token, "xoxp-"):
				kind = "a user token (xoxp-…)"
			}
			errs = append(errs, &ConfigError{name, "holds " + kind + ", but it must hold the " + what + " (" + prefix + "…)"})
		}
	}
	check(AppTokenVar, c.AppToken, "xapp-", "app-level token with the connections:write scope")
	check(BotTokenVar, c.BotToken, "xoxb-", "bot user OAuth token")
	return errors.Join(errs...)
}

// Adapter connects a bot to one Slack workspace. It implements
// bot.Adapter, bot.ThreadStarter and bot.PrivateSender.
type Adapter struct {
	bot *bot.Bot
	cfg Config
	log *slog.Logger
	api *slack.Client

	// Set by auth.test when Run starts.
	team    string
	botUser string
	botID   string

	out  *outbox
	work *dispatcher
	// connected: the Socket Mode connection is up (health checks).
	connected atomic.Bool

	mu    sync.Mutex
	dms   map[string]string // user → the bot's direct message with them
	names map[string]string // user → display name (reports)
}

var (
	_ bot.Adapter       = (*Adapter)(nil)
	_ bot.ThreadStarter = (*Adapter)(nil)
	_ bot.PrivateSender = (*Adapter)(nil)
	_ bot.NameResolver  = (*Adapter)(nil)
)

// New makes an adapter for b. It checks the tokens' shape; Run checks
// them with Slack.
func New(b *bot.Bot, cfg Config) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("adapter", Platform)
	opts := []slack.Option{
		slack.OptionAppLevelToken(cfg.AppToken),
		slack.OptionHTTPClient(&http.Client{Timeout: 30 * time.Second}),
	}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	a := &Adapter{bot: b, cfg: cfg, log: log, api: slack.New(cfg.BotToken, opts...), work: newDispatcher(),
		dms: map[string]string{}, names: map[string]string{}}
	a.out = newOutbox(log, cfg.Observer)
	return a, nil
}

// Connected reports whether the Socket Mode connection to Slack is up
// now: false before Run connects, while the client reconnects, and after
// Run returns.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// setConnected records the connection going up or down.
func (a *Adapter) setConnected(up bool) {
	if a.connected.Swap(up) != up && a.cfg.Observer != nil {
		a.cfg.Observer.Connected(Platform, up)
	}
}

// BotUserID is the bot's own user id (known once Run has started).
func (a *Adapter) BotUserID() string { return a.botUser }

// authErrors are the Slack errors that mean a token was refused.
var authErrors = map[string]bool{"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true, "token_expired": true}

func rejected(err error) (string, bool) {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && authErrors[se.Err] {
		return se.Err, true
	}
	if err != nil && authErrors[err.Error()] {
		return err.Error(), true
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && (sc.Code == http.StatusUnauthorized || sc.Code == http.StatusForbidden || sc.Code == http.StatusNotFound) {
		return fmt.Sprintf("HTTP %d", sc.Code), true
	}
	return "", false
}

// Run connects over Socket Mode and serves events until ctx ends (then it
// returns nil) or the connection fails for good. A token Slack rejects
// gives a *ConfigError naming its variable. Reconnects are the library's.
func (a *Adapter) Run(ctx context.Context) error {
	auth, err := a.api.AuthTestContext(ctx)
	if err != nil {
		if why, ok := rejected(err); ok {
			return &ConfigError{BotTokenVar, "was rejected by Slack (" + why + ")"}
		}
		return fmt.Errorf("checking %s with Slack (auth.test): %w", BotTokenVar, err)
	}
	a.team, a.botUser, a.botID = auth.TeamID, auth.UserID, auth.BotID
	a.log.Info("signed in to Slack", "team", auth.TeamID, "bot_user", auth.UserID)
	if open, err := a.bot.Store().ListOpenSessions(ctx, Platform); err != nil {
		a.log.Warn("could not count open sessions", "err", err)
	} else if len(open) > 0 {
		a.log.Info("resuming open sessions", "count", len(open))
	}

	sm := socketmode.New(a.api)
	runCtx, stopSocket := context.WithCancel(ctx)
	defer stopSocket()
	// Work outlives ctx by a grace period, so acknowledged events finish.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	a.out.start(workCtx)

	runErr := make(chan error, 1)
	go func() { runErr <- sm.RunContext(runCtx) }()

	var result error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-runErr:
			if ctx.Err() != nil {
				break loop
			}
			if why, ok := rejected(err); ok {
				result = &ConfigError{AppTokenVar, "was rejected by Slack (" + why + ")"}
			} else {
				result = fmt.Errorf("socket mode: %w", err)
			}
			break loop
		case evt := <-sm.Events:
			a.onSocketEvent(runCtx, workCtx, sm, evt)
		}
	}
	stopSocket()
	a.setConnected(false)
	grace := a.cfg.ShutdownGrace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	if !a.work.waitIdle(grace) {
		a.log.Warn("stopping with events still queued")
	}
	stopWork()
	a.work.wait()
	a.out.wait()
	return result
}

// onSocketEvent handles one Socket Mode event: acknowledge first, then
// queue the work.
func (a *Adapter) onSocketEvent(ctx, work context.Context, sm *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		// Also after a lost connection or Slack's disconnect request.
		a.setConnected(false)
		a.log.Debug("connecting to Slack")
	case socketmode.EventTypeConnected:
		a.setConnected(true)
		a.log.Info("connected to Slack (Socket Mode)")
	case socketmode.EventTypeHello:
		a.log.Debug("hello from Slack")
	case socketmode.EventTypeConnectionError:
		a.setConnected(false)
		a.log.Warn("Socket Mode connection failed; the client retries", "err", evt.Data)
	case socketmode.EventTypeInvalidAuth:
		a.setConnected(false)
		a.log.Error("Slack refused the app-level token", "var", AppTokenVar)
	case socketmode.EventTypeErrorBadMessage:
		// A message the library could not parse: ack it anyway, or
		// Slack re-delivers it for minutes.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
				a.ack(ctx, sm, env.EnvelopeID)
			}
			a.log.Warn("unreadable Socket Mode message", "err", bad.Cause)
		}
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
		if evt.Request == nil {
			return
		}
		env := evt.Request.EnvelopeID
		a.ack(ctx, sm, env)
		a.accept(work, env, evt)
	default:
		a.log.Debug("socket mode event", "type", evt.Type)
	}
}

func (a *Adapter) ack(ctx context.Context, sm *socketmode.Client, envelope string) {
	if err := sm.AckCtx(ctx, envelope, nil); err != nil {
		a.log.Warn("ack failed", "envelope", envelope, "err", err)
	}
}

// incoming is one bot event to process, with what the adapter must do
// before handing it to the bot.
type incoming struct {
	ev bot.Event
	// findSession: a session command from outside a thread (a slash
	// command, a button); look for the trainee's session in the channel.
	findSession bool
	kind        string
	// responseURL answers the slash command or click wherever it came
	// from, even where the bot is not a member.
	responseURL string
}

// accept turns an acknowledged envelope into queued work.
func (a *Adapter) accept(work context.Context, envelope string, evt socketmode.Event) {
	var in *incoming
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		ea, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			return
		}
		id := envelope
		if cb, ok := ea.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
			id = cb.EventID
		}
		team := ea.TeamID
		if team == "" {
			team = a.team
		}
		switch e := ea.InnerEvent.Data.(type) {
		case *slackevents.MessageEvent:
			in = a.fromMessage(team, id, e)
		case *slackevents.AppMentionEvent:
			in = a.fromMention(team, id, e)
		}
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			return
		}
		in = a.fromSlash(envelope, cmd)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			return
		}
		in = a.fromAction(envelope, cb)
	}
	if in == nil {
		return
	}
	c := in.ev.Conv
	// Every message in every channel the bot is in arrives here, most of
	// them not for Pivot: who wrote where is logged at debug only.
	level := slog.LevelInfo
	if in.kind == "message" {
		level = slog.LevelDebug
	}
	a.log.Log(work, level, "event", "kind", in.kind, "event", in.ev.ID, "channel", c.Channel, "thread", c.Thread, "user", c.User)
	// One queue per trainee per channel: their slash commands and their
	// replies in the channel's threads stay in order.
	key := strings.Join([]string{c.Workspace, c.Channel, c.User}, "/")
	a.work.enqueue(key, func() { a.process(work, in) })
}

// isDM reports whether a channel id is a direct message (Slack's "D…").
// A session started in a direct message lives in the direct message itself.
func isDM(channel string) bool { return strings.HasPrefix(channel, "D") }

func (a *Adapter) own(user, botID string) bool {
	return botID != "" || user == "" || user == a.botUser
}

func (a *Adapter) fromMessage(team, id string, m *slackevents.MessageEvent) *incoming {
	// Edits, deletions, joins, bot posts…: only new messages from people.
	if m.SubType != "" && m.SubType != "thread_broadcast" {
		return nil
	}
	if a.own(m.User, m.BotID) {
		return nil
	}
	dm := m.ChannelType == "im" || isDM(m.Channel)
	if !dm && a.botUser != "" && strings.Contains(m.Text, "<@"+a.botUser) {
		return nil // the app_mention event for this message is the one we serve
	}
	conv := bot.Conversation{Platform: Platform, Workspace: team, Channel: m.Channel, Thread: m.ThreadTimeStamp, User: m.User}
	return &incoming{kind: "message", ev: bot.Event{ID: "slack/event/" + id, Conv: conv, Text: unescape(m.Text), Direct: dm}}
}

func (a *Adapter) fromMention(team, id string, m *slackevents.AppMentionEvent) *incoming {
	if a.own(m.User, m.BotID) {
		return nil
	}
	text := a.stripMention(m.Text)
	conv := bot.Conversation{Platform: Platform, Workspace: team, Channel: m.Channel, Thread: m.ThreadTimeStamp, User: m.User}
	return &incoming{kind: "mention", ev: bot.Event{ID: "slack/event/" + id, Conv: conv, Text: unescape(text), Command: true, Direct: true}}
}

// stripMention removes the bot's own mention (<@U123> or <@U123|name>).
func (a *Adapter) stripMention(text string) string {
	for {
		i := strings.Index(text, "<@"+a.botUser)
		if i < 0 || a.botUser == "" {
			return strings.TrimSpace(text)
		}
		j := strings.Index(text[i:], ">")
		if j < 0 {
			return strings.TrimSpace(text)
		}
		text = text[:i] + " " + text[i+j+1:]
	}
}

func (a *Adapter) fromSlash(envelope string, cmd slack.SlashCommand) *incoming {
	team := cmd.TeamID
	if team == "" {
		team = a.team
	}
	conv := bot.Conversation{Platform: Platform, Workspace: team, Channel: cmd.ChannelID, User: cmd.UserID}
	text := unescape(cmd.Text)
	return &incoming{kind: "slash", findSession: bot.SessionCommand(text), responseURL: cmd.ResponseURL,
		ev: bot.Event{ID: "slack/envelope/" + envelope, Conv: conv, Text: text, Command: true, Direct: true}}
}

func (a *Adapter) fromAction(envelope string, cb slack.InteractionCallback) *incoming {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil
	}
	var value string
	for _, act := range cb.ActionCallback.BlockActions {
		if strings.HasPrefix(act.ActionID, ActionPrefix) {
			value = act.Value
			break
		}
	}
	if value == "" {
		return nil
	}
	team := cb.Team.ID
	if team == "" {
		team = a.team
	}
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	conv := bot.Conversation{Platform: Platform, Workspace: team, Channel: channel, User: cb.User.ID}
	if !strings.HasPrefix(strings.ToLower(value), "start ") {
		// A button inside a thread is answered in that thread.
		conv.Thread = firstOf(cb.Container.ThreadTs, cb.Message.ThreadTimestamp)
		if conv.Thread == "" && bot.SessionCommand(value) && !isDM(channel) && !cb.Container.IsEphemeral {
			// Hint or End on a thread's first message (the brief) acts
			// on that thread's session.
			conv.Thread = firstOf(cb.Message.Timestamp, cb.Container.MessageTs)
		}
	}
	// Any other top-level button (Join on a card, Status and End on the
	// trainer's ephemeral note) is answered at the channel's top level:
	// an ephemeral message in the "thread" of a message with no replies,
	// or of an ephemeral message, is never shown (chat.postEphemeral).
	return &incoming{kind: "button", findSession: bot.SessionCommand(value), responseURL: cb.ResponseURL,
		ev: bot.Event{ID: "slack/envelope/" + envelope, Conv: conv, Text: value, Command: true, Direct: true}}
}

func firstOf(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// process runs one event through the bot (on the trainee's queue).
func (a *Adapter) process(ctx context.Context, in *incoming) {
	if ctx.Err() != nil {
		return
	}
	ev := in.ev
	if in.responseURL != "" {
		ctx = context.WithValue(ctx, responderKey{}, &responder{url: in.responseURL, channel: ev.Conv.Channel, user: ev.Conv.User, created: time.Now()})
	}
	if in.findSession {
		c, n, err := a.bot.FindSession(ctx, ev.Conv, func(s bot.Conversation) bool { return s.Channel == ev.Conv.Channel })
		if err != nil {
			a.log.Error("looking up open sessions", "err", err)
		}
		if n > 1 {
			// Which one? Ask, once per event.
			if first, err := a.bot.Store().FirstDelivery(ctx, ev.ID); err != nil || !first {
				return
			}
			_ = a.Send(ctx, ev.Conv, bot.Message{Kind: bot.KindNotice, Private: true, Text: fmt.Sprintf(
				"You have %d interviews open in this channel. Use the buttons at the top of the interview's thread, or mention me in that thread (for example \"@Pivot end\").", n)})
			return
		}
		ev.Conv = c
	}
	if err := a.bot.Handle(ctx, a, ev); err != nil {
		a.log.Error("event not handled", "kind", in.kind, "event", ev.ID, "conv", ev.Conv.Key(), "err", err)
	}
}

// Send posts m in the conversation (its thread, if it has one). Private
// messages are ephemeral.
func (a *Adapter) Send(ctx context.Context, to bot.Conversation, m bot.Message) error {
	if m.Private {
		return a.SendPrivate(ctx, to, m)
	}
	_, err := a.postMessage(ctx, to, m)
	if notMember(err) {
		return a.fallback(ctx, to, m, err)
	}
	return err
}

// SendPrivate posts m so only the conversation's user sees it
// (chat.postEphemeral, in the thread).
func (a *Adapter) SendPrivate(ctx context.Context, to bot.Conversation, m bot.Message) error {
	text, blocks := render(m)
	_, err := a.post(ctx, "chat.postEphemeral", to, m, text, blocks, func(ctx context.Context, opts []slack.MsgOption) (string, error) {
		return a.api.PostEphemeralContext(ctx, to.Channel, to.User, opts...)
	})
	if notMember(err) {
		return a.fallback(ctx, to, m, err)
	}
	return err
}

// StartThread posts the session's first message and moves the
// conversation into the thread it opens. In a direct message the session
// lives in the direct message itself.
//
// Where the bot cannot post (a channel it is not in, a direct message
// between other people, a group DM) the session opens in the bot's own
// direct message with the trainee instead, and the trainee is told so
// through the command's response_url.
func (a *Adapter) StartThread(ctx context.Context, in bot.Conversation, first bot.Message) (bot.Conversation, error) {
	in.Thread = ""
	ts, err := a.postMessage(ctx, in, first)
	if notMember(err) {
		return a.startInDM(ctx, in, first)
	}
	if err != nil {
		return in, err
	}
	if isDM(in.Channel) {
		return in, nil
	}
	return in.InThread(ts), nil
}

// startInDM opens a session in the bot's direct message with the
// trainee, because it cannot post where they asked.
func (a *Adapter) startInDM(ctx context.Context, in bot.Conversation, first bot.Message) (bot.Conversation, error) {
	dm, err := a.openDM(ctx, in.User)
	if err != nil {
		return in, err
	}
	out := bot.Conversation{Platform: in.Platform, Workspace: in.Workspace, Channel: dm, User: in.User}
	if _, err := a.postMessage(ctx, out, first); err != nil {
		return in, err
	}
	who := first.Speaker
	if who == "" {
		who = "the character"
	}
	a.tell(ctx, in, fmt.Sprintf("I'm not a member of this conversation, so I can't post your interview here. "+
		"Your interview with %s is open in our direct messages instead (Apps → Pivot). To practise in a channel, add me to it first: /invite @Pivot.", who))
	a.log.Info("session moved to a direct message", "channel", in.Channel)
	return out, nil
}

// openDM returns the bot's direct message channel with user
// (conversations.open, cached).
func (a *Adapter) openDM(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	dm, ok := a.dms[user]
	a.mu.Unlock()
	if ok {
		return dm, nil
	}
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", fmt.Errorf("opening a direct message (conversations.open): %w", err)
	}
	a.mu.Lock()
	a.dms[user] = ch.ID
	a.mu.Unlock()
	return ch.ID, nil
}

// notMember reports whether Slack refused a post because the bot is not
// in the conversation.
func notMember(err error) bool {
	if err == nil {
		return false
	}
	code := err.Error()
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		code = se.Err
	}
	switch code {
	case "not_in_channel", "channel_not_found":
		return true
	}
	return false
}

type responderKey struct{}

// responder is the response_url of the slash command or click being
// handled: it answers in any conversation, even one the bot is not in,
// for 30 minutes and 5 uses.
type responder struct {
	url, channel, user string
	created            time.Time

	mu   sync.Mutex
	uses int
}

const (
	responseURLUses = 5
	responseURLLife = 30 * time.Minute
)

func responderFrom(ctx context.Context) *responder {
	r, _ := ctx.Value(responderKey{}).(*responder)
	return r
}

// take reserves one use of the response_url.
func (r *responder) take() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.uses >= responseURLUses || time.Since(r.created) > responseURLLife {
		return false
	}
	r.uses++
	return true
}

// respond sends m through the event's response_url, if it has one for
// the conversation: ephemeral for private messages, in the channel for
// public ones.
func (a *Adapter) respond(ctx context.Context, to bot.Conversation, m bot.Message) error {
	r := responderFrom(ctx)
	if r == nil || r.channel != to.Channel || (m.Private && r.user != to.User) || !r.take() {
		return errNoResponder
	}
	typ := slack.ResponseTypeEphemeral
	if !m.Private {
		typ = slack.ResponseTypeInChannel
	}
	text, blocks := render(m)
	opts := append(messageOptions(text, blocks, ""), slack.MsgOptionResponseURL(r.url, typ))
	_, err := a.out.post(ctx, "response_url", to.Channel, func(ctx context.Context) (string, error) {
		_, _, err := a.api.PostMessageContext(ctx, to.Channel, opts...)
		return "", err
	})
	return err
}

var errNoResponder = errors.New("no response_url for this conversation")

// tell gives the user a short notice through the response_url, else in
// their direct message with the bot.
func (a *Adapter) tell(ctx context.Context, to bot.Conversation, text string) {
	m := bot.Message{Kind: bot.KindNotice, Private: true, Text: text}
	if err := a.respond(ctx, to, m); err == nil {
		return
	}
	if dm, err := a.openDM(ctx, to.User); err == nil {
		_, err = a.postMessage(ctx, bot.Conversation{Platform: to.Platform, Workspace: to.Workspace, Channel: dm, User: to.User}, m)
		if err == nil {
			return
		}
	}
	a.log.Warn("could not tell the user why their request failed", "channel", to.Channel)
}

// fallback delivers m where the bot cannot post in to: through the
// command's response_url (which works in any conversation), else, for a
// private message, in the bot's direct message with the user. A public
// message with no response_url is not delivered (the error is returned).
func (a *Adapter) fallback(ctx context.Context, to bot.Conversation, m bot.Message, cause error) error {
	err := a.respond(ctx, to, m)
	if err == nil {
		return nil
	}
	if !errors.Is(err, errNoResponder) {
		a.log.Warn("response_url refused", "channel", to.Channel, "err", err)
	}
	if !m.Private {
		a.log.Error("Slack API call failed: the bot is not in this conversation", "channel", to.Channel, "kind", m.Kind, "err", cause)
		return cause
	}
	dm, err := a.openDM(ctx, to.User)
	if err != nil {
		return errors.Join(cause, err)
	}
	if dm == to.Channel {
		return cause
	}
	_, err = a.postMessage(ctx, bot.Conversation{Platform: to.Platform, Workspace: to.Workspace, Channel: dm, User: to.User}, m)
	return err
}

// DisplayName is a user's display name in the workspace (users.info,
// cached for the adapter's life).
func (a *Adapter) DisplayName(ctx context.Context, c bot.Conversation) (string, error) {
	a.mu.Lock()
	name, ok := a.names[c.User]
	a.mu.Unlock()
	if ok {
		return name, nil
	}
	u, err := a.api.GetUserInfoContext(ctx, c.User)
	if err != nil {
		return "", fmt.Errorf("users.info: %w", err)
	}
	name = firstOf(u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name, c.User)
	a.mu.Lock()
	a.names[c.User] = name
	a.mu.Unlock()
	return name, nil
}

func (a *Adapter) postMessage(ctx context.Context, to bot.Conversation, m bot.Message) (string, error) {
	text, blocks := render(m)
	return a.post(ctx, "chat.postMessage", to, m, text, blocks, func(ctx context.Context, opts []slack.MsgOption) (string, error) {
		_, ts, err := a.api.PostMessageContext(ctx, to.Channel, opts...)
		return ts, err
	})
}

// post sends a rendered message through the channel's outbox lane; text
// too long for one message (without blocks) goes as several, in order.
// It returns the first message's ts.
func (a *Adapter) post(ctx context.Context, method string, to bot.Conversation, m bot.Message, text string, blocks []slack.Block,
	call func(context.Context, []slack.MsgOption) (string, error)) (string, error) {
	parts := []string{text}
	if blocks == nil {
		parts = splitText(text, maxPlainText)
	}
	first := ""
	for _, part := range parts {
		opts := messageOptions(part, blocks, to.Thread)
		ts, err := a.out.post(ctx, method, to.Channel, func(ctx context.Context) (string, error) { return call(ctx, opts) })
		if notMember(err) && first == "" {
			return "", err // the caller falls back
		}
		if err != nil {
			a.failed(ctx, method, to, m, err)
			return first, err
		}
		if first == "" {
			first = ts
		}
	}
	return first, nil
}

func messageOptions(text string, blocks []slack.Block, thread string) []slack.MsgOption {
	// The text is escaped already; link_names is never set, so nothing
	// the bot echoes can notify anyone.
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl()}
	if blocks != nil {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	return opts
}

// failed logs a Web API error with its method and channel, and tells the
// trainee in the thread where it can (never for a failed notice, so a
// broken channel cannot loop).
func (a *Adapter) failed(ctx context.Context, method string, to bot.Conversation, m bot.Message, err error) {
	a.log.Error("Slack API call failed", "method", method, "channel", to.Channel, "thread", to.Thread, "kind", m.Kind, "err", err)
	if m.Kind == bot.KindNotice || ctx.Err() != nil {
		return
	}
	why := "an error"
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		why = se.Err
	}
	_ = a.SendPrivate(ctx, to, bot.Message{Kind: bot.KindNotice, Private: true,
		Text: fmt.Sprintf("Sorry: Slack did not accept a message from Pivot (%s). Your session is saved; please carry on or try again.", why)})
}

// dispatcher runs queued work in order per key, each key on its own
// goroutine while it has work.
type dispatcher struct {
	mu     sync.Mutex
	queues map[string][]func()
	wg     sync.WaitGroup
}

func newDispatcher() *dispatcher { return &dispatcher{queues: map[string][]func(){}} }

func (d *dispatcher) enqueue(key string, job func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	q, running := d.queues[key]
	d.queues[key] = append(q, job)
	if !running {
		d.wg.Add(1)
		go d.drain(key)
	}
}

func (d *dispatcher) drain(key string) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[key]
		if len(q) == 0 {
			delete(d.queues, key)
			d.mu.Unlock()
			return
		}
		job := q[0]
		d.queues[key] = q[1:]
		d.mu.Unlock()
		job()
	}
}

// waitIdle waits until no work is queued or running, at most for d.
func (d *dispatcher) waitIdle(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func (d *dispatcher) wait() { d.wg.Wait() }
