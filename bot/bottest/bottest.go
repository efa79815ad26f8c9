// Package bottest is an in-memory adapter for testing the bot, in the
// spirit of net/http/httptest and go-joe/joe's joetest: it records every
// message the bot sends, and can open threads and send privately like a
// chat platform.
package bottest

import (
	"context"
	"fmt"
	"sync"

	"github.com/pivotcoach/pivot/bot"
)

// Sent is one message the bot sent, and where.
type Sent struct {
	To      bot.Conversation
	Message bot.Message
}

// Adapter records messages. The zero value is ready to use and behaves
// like a terminal (no threads, no private messages); set Threads or
// Private to behave like a chat platform.
type Adapter struct {
	Threads bool
	Private bool
	// Fail, when set, is returned by the next Send (then cleared).
	Fail error

	mu      sync.Mutex
	sent    []Sent
	threads int
}

// Send records m.
func (a *Adapter) Send(_ context.Context, to bot.Conversation, m bot.Message) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.Fail != nil {
		err := a.Fail
		a.Fail = nil
		return err
	}
	a.sent = append(a.sent, Sent{To: to, Message: m})
	return nil
}

// Messages returns everything sent so far.
func (a *Adapter) Messages() []Sent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Sent(nil), a.sent...)
}

// Of returns the messages of one kind sent to conversations of user.
func (a *Adapter) Of(kind bot.MessageKind, user string) []bot.Message {
	var out []bot.Message
	for _, s := range a.Messages() {
		if s.Message.Kind == kind && (user == "" || s.To.User == user) {
			out = append(out, s.Message)
		}
	}
	return out
}

// Last returns the last message sent, or a zero Sent.
func (a *Adapter) Last() Sent {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.sent) == 0 {
		return Sent{}
	}
	return a.sent[len(a.sent)-1]
}

// Reset forgets what was sent.
func (a *Adapter) Reset() {
	a.mu.Lock()
	a.sent = nil
	a.mu.Unlock()
}

// threaded adds thread support to Adapter when asked.
type threaded struct{ *Adapter }

// StartThread posts first and moves the conversation into a new thread.
func (t threaded) StartThread(ctx context.Context, in bot.Conversation, first bot.Message) (bot.Conversation, error) {
	t.mu.Lock()
	t.threads++
	ts := fmt.Sprintf("t%d", t.threads)
	t.mu.Unlock()
	c := in.InThread(ts)
	return c, t.Send(ctx, c, first)
}

type private struct{ *Adapter }

// SendPrivate records m as private.
func (p private) SendPrivate(ctx context.Context, to bot.Conversation, m bot.Message) error {
	m.Private = true
	return p.Send(ctx, to, m)
}

type threadedPrivate struct {
	threaded
	private
}

func (t threadedPrivate) Send(ctx context.Context, to bot.Conversation, m bot.Message) error {
	return t.threaded.Send(ctx, to, m)
}

// For returns the adapter as the bot should see it: with the optional
// capabilities switched on by Threads and Private.
func (a *Adapter) For() bot.Adapter {
	switch {
	case a.Threads && a.Private:
		return threadedPrivate{threaded{a}, private{a}}
	case a.Threads:
		return threaded{a}
	case a.Private:
		return private{a}
	}
	return a
}
