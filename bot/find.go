package bot

import (
	"context"
	"errors"
	"strings"
)

// SessionCommand reports whether a command acts on an open session (end,
// hint, coach, restart), so an adapter receiving it from outside the
// session's thread should look for the session with FindSession.
func SessionCommand(text string) bool {
	f := strings.Fields(strings.ToLower(text))
	if len(f) > 0 && f[0] == "pivot" {
		f = f[1:]
	}
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "end", "stop", "quit", "hint", "coach", "restart":
		return true
	}
	return false
}

// FindSession finds the conversation of c's open session when a session
// command came from outside the session's thread (Slack: slash commands
// cannot be typed in threads; Discord: /pivot typed in the parent
// channel). It returns c itself if c has an open session, else the one
// open session of the same user in the same workspace for which under
// reports true (the session lives under c's channel). n counts the
// sessions found; when it is more than one, c is returned unchanged and
// the adapter should ask which.
func (b *Bot) FindSession(ctx context.Context, c Conversation, under func(Conversation) bool) (Conversation, int, error) {
	if _, err := b.store.OpenSession(ctx, c); err == nil {
		return c, 1, nil
	} else if !errors.Is(err, ErrNotFound) {
		return c, 0, err
	}
	open, err := b.store.ListOpenSessions(ctx, c.Platform)
	if err != nil {
		return c, 0, err
	}
	var found []Conversation
	for _, s := range open {
		if s.Conv.Workspace == c.Workspace && s.Conv.User == c.User && under(s.Conv) {
			found = append(found, s.Conv)
		}
	}
	if len(found) == 1 {
		return found[0], 1, nil
	}
	return c, len(found), nil
}
