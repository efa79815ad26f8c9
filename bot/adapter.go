package bot

import (
	"context"
	"errors"

	"github.com/pivotcoach/pivot/dialogue"
)

// Adapter is what the bot needs from a chat platform: a way to say
// something in a conversation. Everything else is optional (below), as in
// go-joe/joe, so the terminal needs only this.
type Adapter interface {
	Send(ctx context.Context, to Conversation, m Message) error
}

// ThreadStarter is an adapter that can give a session its own thread: it
// posts first in the conversation and returns the conversation moved into
// the new thread (Slack: the message's ts; Discord: a new thread channel).
type ThreadStarter interface {
	StartThread(ctx context.Context, in Conversation, first Message) (Conversation, error)
}

// PrivateSender is an adapter that can show a message to one user only
// (Slack's ephemeral messages, Discord's ephemeral follow-ups). Without it
// private messages are sent normally.
type PrivateSender interface {
	SendPrivate(ctx context.Context, to Conversation, m Message) error
}

// MessageKind says what a message is, so adapters can present each kind
// their platform's way.
type MessageKind string

const (
	KindBrief     MessageKind = "brief"     // the trainee's brief at the start
	KindCharacter MessageKind = "character" // the character speaking
	KindCoaching  MessageKind = "coaching"  // inline feedback after a blaming reply
	KindDebrief   MessageKind = "debrief"   // the end-of-session debrief
	KindNotice    MessageKind = "notice"    // the bot's own short messages
	KindList      MessageKind = "list"      // the scenario list
	KindHistory   MessageKind = "history"   // the trainee's past sessions
	KindHint      MessageKind = "hint"      // a question worth asking next
)

// Message is one thing the bot says. Text is always a complete plain-text
// rendering (with *bold* and bullet lines at most), so an adapter that
// knows nothing of a kind can still send it; the typed fields let richer
// adapters do better.
type Message struct {
	Kind    MessageKind
	Speaker string
	Text    string
	// Private: only the conversation's user should see it.
	Private bool
	Buttons []Button
	// Turn is set on character messages: the turn that produced them.
	Turn *dialogue.Turn
	// Disclosed is set with Turn: every disclosure reached so far.
	Disclosed []string
	// Meter is the trust meter, set on character messages and on
	// coaching: trust now and each move on the turn with its cause.
	Meter *Meter
	// Debrief is set on debrief messages.
	Debrief *dialogue.Debrief
	// Scenarios is set on list messages.
	Scenarios []ScenarioInfo
	// History is set on history messages.
	History []SessionSummary
}

// Button is an action a user can take with one click. Action is a bot
// command, the same words a user could type ("end", "hint", "start brian").
type Button struct {
	Label  string
	Action string
}

// ScenarioInfo describes one scenario for lists and pickers.
type ScenarioInfo struct {
	ID        string
	Character string
	Role      dialogue.Role
	Title     string
	Origin    string
}

// NameResolver is an adapter that can look up a user's display name on
// its platform (reports with names:on). Adapters should cache: a report
// asks once per trainee.
type NameResolver interface {
	DisplayName(ctx context.Context, c Conversation) (string, error)
}

// ErrToldUser wraps an adapter error that the adapter has already
// explained to the user (for example: no private place for an interview
// here, and what to do instead). The bot sends no notice of its own.
var ErrToldUser = errors.New("the user has been told")
