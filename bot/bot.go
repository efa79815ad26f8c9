// Package bot is Pivot's transport-neutral core: commands, practice
// sessions, coaching and debriefs. Adapters turn platform events into
// Events and call Handle; the bot answers through the Adapter. The bot
// knows nothing of Slack, Discord or terminals.
package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

// Event is one thing a user did: a message, a slash command or a button.
type Event struct {
	// ID is the platform's id for the event; events seen before are
	// dropped (platforms re-deliver). Empty: no de-duplication.
	ID   string
	Conv Conversation
	Text string
	// Command: the text is a bot command ("start jennifer"), as from a
	// slash command or a button, not something said in the interview.
	Command bool
	// Direct: said in a direct message or mentioning the bot, where a
	// command without a session is expected.
	Direct bool
}

// Bot runs practice sessions. It is safe for concurrent use: turns in one
// conversation are serialised, different conversations run in parallel.
type Bot struct {
	store Store
	lib   *scenarios.Library
	log   *slog.Logger
	now   func() time.Time
	seed  func(Conversation, string) int64

	// trainers run group exercises (WithTrainers); retention is
	// PIVOT_RETENTION_DAYS (WithRetention).
	trainers  []TrainerID
	retention int
	// observer hears of turns and failures (WithObserver), for metrics.
	observer Observer

	mu    sync.Mutex
	locks map[string]*convLock
	// forgetAsked: when "forget me" was asked, by conversation key.
	forgetAsked map[string]time.Time
}

type convLock struct {
	sync.Mutex
	users int
}

// Option configures a Bot.
type Option func(*Bot)

// WithLogger sets the logger. Message text is never logged above debug.
func WithLogger(l *slog.Logger) Option { return func(b *Bot) { b.log = l } }

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(b *Bot) { b.now = now } }

// WithSeed sets how a new session's seed is chosen (tests, group exercises).
func WithSeed(f func(c Conversation, scenarioID string) int64) Option {
	return func(b *Bot) { b.seed = f }
}

// New makes a bot over a store and a scenario library.
func New(store Store, lib *scenarios.Library, opts ...Option) *Bot {
	b := &Bot{store: store, lib: lib, log: slog.New(slog.DiscardHandler), now: time.Now, locks: map[string]*convLock{},
		observer: unobserved{}}
	b.seed = func(c Conversation, id string) int64 {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s/%s/%d", c.Key(), id, b.now().UnixNano())
		return int64(h.Sum64() >> 1)
	}
	for _, o := range opts {
		o(b)
	}
	return b
}

// Library returns the scenarios the bot serves.
func (b *Bot) Library() *scenarios.Library { return b.lib }

// Store returns the bot's store.
func (b *Bot) Store() Store { return b.store }

// lock serialises work in one conversation (or on one group: key names
// what is locked). In this process goroutines queue on a mutex; when the
// store is a ConversationLocker (PostgreSQL, shared by several
// processes) the holder then takes the store's lock too, so a trainee's
// turns are played one at a time whichever process receives them. The
// in-process queue comes first so that waiting goroutines hold no
// database connection.
func (b *Bot) lock(ctx context.Context, key string) (func(), error) {
	b.mu.Lock()
	l, ok := b.locks[key]
	if !ok {
		l = &convLock{}
		b.locks[key] = l
	}
	l.users++
	b.mu.Unlock()
	l.Lock()
	release := func() {
		l.Unlock()
		b.mu.Lock()
		l.users--
		if l.users == 0 {
			delete(b.locks, key)
		}
		b.mu.Unlock()
	}
	cl, ok := b.store.(ConversationLocker)
	if !ok {
		return release, nil
	}
	unlockStore, err := cl.LockConversation(ctx, key)
	if err != nil {
		release()
		return nil, fmt.Errorf("locking %s: %w", key, err)
	}
	return func() { unlockStore(); release() }, nil
}

// Handle processes one event and answers through a.
func (b *Bot) Handle(ctx context.Context, a Adapter, ev Event) error {
	// Latency is wall-clock time, whatever clock the bot is given.
	err := b.handle(ctx, a, ev, time.Now())
	var told *ReportedError
	if err != nil && !errors.As(err, &told) && !errors.Is(err, ErrToldUser) {
		b.observer.Failed(ev.Conv.Platform, unreportedKind(err))
	}
	return err
}

// handle is Handle; arrived is when the event reached the bot.
func (b *Bot) handle(ctx context.Context, a Adapter, ev Event, arrived time.Time) error {
	if ev.ID != "" {
		first, err := b.store.FirstDelivery(ctx, ev.ID)
		if err != nil {
			return fmt.Errorf("recording event %s: %w", ev.ID, storeFailure{err})
		}
		if !first {
			b.log.Debug("duplicate event dropped", "event", ev.ID)
			return nil
		}
	}
	text := strings.TrimSpace(ev.Text)
	// A leading slash marks a command where the user talks to the bot
	// directly (the terminal, a DM); in a channel thread "/shrug" is talk.
	if ev.Command || (ev.Direct && strings.HasPrefix(text, "/")) {
		return b.command(ctx, a, ev.Conv, strings.TrimPrefix(text, "/"))
	}
	if text == "" {
		return nil
	}
	unlock, err := b.lock(ctx, ev.Conv.Key())
	if err != nil {
		return b.failed(ctx, a, ev.Conv, "loading your session", err)
	}
	s, err := b.store.OpenSession(ctx, ev.Conv)
	if errors.Is(err, ErrNotFound) {
		unlock()
		// Not in a session: a direct message may be a command typed
		// without the slash; anything else is not ours to answer.
		if ev.Direct {
			return b.command(ctx, a, ev.Conv, text)
		}
		return nil
	}
	if err != nil {
		unlock()
		return b.failed(ctx, a, ev.Conv, "loading your session", err)
	}
	if cmd, ok := bareCommand(text); ok {
		// "end" or "hint" alone in a session thread is meant for the
		// bot, not the character: nobody says just that in an interview.
		unlock()
		return b.command(ctx, a, ev.Conv, cmd)
	}
	defer unlock()
	return b.turn(ctx, a, s, ev.Text, arrived)
}

// bareCommands are the commands recognised without a slash inside a
// session, when they are the whole message.
var bareCommands = map[string]bool{
	"end": true, "hint": true, "help": true, "restart": true, "undo": true, "review": true,
	"coach on": true, "coach off": true, "history": true,
	"forget me": true, "forget me confirm": true,
}

// hintRequests are ways of asking for a hint as a whole message; they
// run the hint command and are never said to the character or scored.
var hintRequests = map[string]bool{
	"hint please": true, "please hint": true, "hint pls": true, "hint plz": true,
	"a hint": true, "a hint please": true, "another hint": true, "another hint please": true,
	"give me a hint": true, "give me a hint please": true, "can i have a hint": true,
	"can i get a hint": true, "can i have a hint please": true, "i need a hint": true,
	"hint me": true, "need a hint": true,
}

func bareCommand(text string) (string, bool) {
	t := strings.ToLower(strings.TrimRight(strings.TrimSpace(text), ".!"))
	t = strings.Join(strings.Fields(t), " ")
	if h := strings.TrimRight(t, "?.! "); h == "hint" || hintRequests[h] {
		return "hint", true
	}
	return t, bareCommands[t]
}

// ReportedError is an error the user has already been told about ("Sorry,
// something went wrong while …, and nothing was changed. Please try again
// in a moment."). The conversation can go on: an adapter logs it and
// keeps listening (the terminal stays in the interview).
type ReportedError struct {
	Doing string
	Err   error
}

func (e *ReportedError) Error() string { return e.Doing + ": " + e.Err.Error() }

func (e *ReportedError) Unwrap() error { return e.Err }

// failed tells the trainee something went wrong (without details that
// could leak) and returns the error, as a *ReportedError, for the adapter
// to log.
func (b *Bot) failed(ctx context.Context, a Adapter, c Conversation, doing string, err error) error {
	b.log.Error("bot error", "doing", doing, "conv", c.Key(), "err", err)
	b.observer.Failed(c.Platform, failureKind(doing, err))
	_ = a.Send(ctx, c, Message{Kind: KindNotice, Private: true,
		Text: fmt.Sprintf("Sorry, something went wrong while %s, and nothing was changed. Please try again in a moment.", doing)})
	return &ReportedError{Doing: doing, Err: err}
}

// turn plays one trainee reply in session s; arrived is when the event
// reached the bot, for the turn's latency.
func (b *Bot) turn(ctx context.Context, a Adapter, s *Session, raw string, arrived time.Time) error {
	sc, err := b.lib.Get(s.ScenarioID)
	if err != nil {
		return b.failed(ctx, a, s.Conv, "finding this session's scenario", err)
	}
	if s.State.Ended {
		return a.Send(ctx, s.Conv, Message{Kind: KindNotice, Text: fmt.Sprintf("%s has ended the interview. Say *end* for your debrief, or *restart* to try again.", sc.Character)})
	}
	// Commit before answering: a turn the trainee sees is a turn stored.
	// The commit is a compare-and-set on the turn number; if another
	// process moved the session on since it was read (two bot processes
	// overlapping in a restart), the line is played again on what is
	// stored now, so it is neither lost nor saved over a later turn.
	var t dialogue.Turn
	var st dialogue.State
	var scoring time.Duration
	for attempt := 1; ; attempt++ {
		stepped := time.Now()
		t, st = dialogue.Step(sc, s.State, raw)
		scoring = time.Since(stepped)
		if t.Text == "" {
			return nil // nothing but invisible characters
		}
		err := b.store.SaveTurn(ctx, s.ID, t, st)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrStale) || attempt == staleRetries {
			return b.failed(ctx, a, s.Conv, "saving your reply", err)
		}
		b.log.Warn("session changed meanwhile; playing the turn again", "session", s.ID, "turn", t.Number, "err", err)
		fresh, err := b.reload(ctx, s)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrStale) {
			return a.Send(ctx, s.Conv, Message{Kind: KindNotice, Private: true,
				Text: "This interview was ended meanwhile (in another window or by your trainer), so your reply was not said. Say *start " + sc.ID + "* to begin a new one."})
		}
		if err != nil {
			return b.failed(ctx, a, s.Conv, "saving your reply", err)
		}
		*s = *fresh
		if s.State.Ended {
			return a.Send(ctx, s.Conv, Message{Kind: KindNotice, Text: fmt.Sprintf("%s has ended the interview. Say *end* for your debrief, or *restart* to try again.", sc.Character)})
		}
	}
	s.State = st
	b.log.Info("turn", "session", s.ID, "turn", t.Number, "label", t.Assessment.Label, "phase", t.Assessment.Phase, "trust", t.TrustAfter)
	if t.Cut {
		_ = a.Send(ctx, s.Conv, Message{Kind: KindNotice, Private: true,
			Text: fmt.Sprintf("Your reply was longer than %d characters; %s heard the first %d.", dialogue.MaxReplyRunes, sc.Character, dialogue.MaxReplyRunes)})
	}
	turn := t
	meter := meterOf(sc, t.TrustAfter, &turn)
	if err := a.Send(ctx, s.Conv, Message{Kind: KindCharacter, Speaker: sc.Character, Text: t.Reply, Turn: &turn, Disclosed: st.Disclosed, Meter: meter}); err != nil {
		return err
	}
	b.observer.TurnPlayed(TurnTiming{Platform: s.Conv.Platform, Took: time.Since(arrived), Scoring: scoring})
	if t.Assessment.Coached() {
		// Blaming and shaming are coached. Coach on/off wins; otherwise fading decides (fade.go).
		if m, ok := b.inlineCoaching(ctx, s, t); ok {
			m.Meter = meter
			if !t.Ended && b.UndoRefused(ctx, s) == "" {
				m.Buttons = append(m.Buttons, Button{Label: "Undo", Action: "undo"})
			}
			b.sendPrivate(ctx, a, s.Conv, m)
		}
	}
	if t.Ended {
		return b.end(ctx, a, s, sc)
	}
	return nil
}

// staleRetries is how many times a write that lost a compare-and-set
// (ErrStale: another process wrote the session meanwhile) is redone on
// the session as stored now.
const staleRetries = 3

// reload reads session s again as stored now. It is ErrNotFound if the
// conversation has no open session any more, ErrStale if a different one
// is open there now.
func (b *Bot) reload(ctx context.Context, s *Session) (*Session, error) {
	fresh, err := b.store.OpenSession(ctx, s.Conv)
	if err != nil {
		return nil, err
	}
	if fresh.ID != s.ID {
		return nil, fmt.Errorf("session %d replaced by %d: %w", s.ID, fresh.ID, ErrStale)
	}
	return fresh, nil
}

// retryStale runs f on s, and while it fails with ErrStale (another
// process wrote the session since it was read) reads s again and runs f
// on the stored session, up to staleRetries times in all.
func (b *Bot) retryStale(ctx context.Context, s *Session, f func(*Session) error) error {
	for attempt := 1; ; attempt++ {
		err := f(s)
		if !errors.Is(err, ErrStale) || attempt == staleRetries {
			return err
		}
		b.log.Warn("session changed meanwhile; trying again", "session", s.ID, "err", err)
		fresh, err := b.reload(ctx, s)
		if err != nil {
			return err
		}
		*s = *fresh
	}
}

func (b *Bot) sendPrivate(ctx context.Context, a Adapter, c Conversation, m Message) {
	m.Private = true
	var err error
	if p, ok := a.(PrivateSender); ok {
		err = p.SendPrivate(ctx, c, m)
	} else {
		err = a.Send(ctx, c, m)
	}
	if err != nil {
		b.log.Warn("private message not sent", "conv", c.Key(), "kind", m.Kind, "err", err)
	}
}

// end closes session s and sends its debrief.
func (b *Bot) end(ctx context.Context, a Adapter, s *Session, sc *dialogue.Scenario) error {
	var recs []TurnRecord
	err := b.retryStale(ctx, s, func(s *Session) error {
		var err error
		if recs, err = b.store.Turns(ctx, s.ID); err != nil {
			return err
		}
		return b.store.EndSession(ctx, s.ID, s.State)
	})
	if errors.Is(err, ErrNotFound) {
		return a.Send(ctx, s.Conv, Message{Kind: KindNotice, Private: true, Text: "This interview was already ended (in another window or by your trainer)."})
	}
	if err != nil {
		return b.failed(ctx, a, s.Conv, "ending your session", err)
	}
	d := b.sessionDebrief(ctx, s, sc, recs)
	return a.Send(ctx, s.Conv, Message{Kind: KindDebrief, Text: RenderDebrief(d) + b.fadeNote(ctx, s), Debrief: &d,
		Buttons: []Button{{Label: "Practise again", Action: "start " + sc.ID}, {Label: "Review", Action: fmt.Sprintf("review %d", s.ID)}}})
}

// Debrief builds the debrief of a session without ending it.
func (b *Bot) Debrief(ctx context.Context, s *Session) (dialogue.Debrief, error) {
	sc, err := b.lib.Get(s.ScenarioID)
	if err != nil {
		return dialogue.Debrief{}, err
	}
	recs, err := b.store.Turns(ctx, s.ID)
	if err != nil {
		return dialogue.Debrief{}, err
	}
	return b.sessionDebrief(ctx, s, sc, recs), nil
}
