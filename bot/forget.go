package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ForgetStore deletes a trainee's data and old transcripts.
type ForgetStore interface {
	// ForgetUser deletes every session of user on platform, with its
	// turns, and returns how many sessions went.
	ForgetUser(ctx context.Context, platform, user string) (int, error)
}

// RetentionStore purges old transcripts, keeping their figures only in
// aggregate, unattributed (by scenario and day, with no user ids).
type RetentionStore interface {
	// PurgeKeepingAggregates folds the figures of sessions that ended
	// before t into the aggregates, then deletes those sessions and their
	// turns, in one transaction. It returns how many sessions went.
	PurgeKeepingAggregates(ctx context.Context, t time.Time) (int, error)
}

// ForgetRequestStore keeps pending "forget me" requests where every
// process sharing the store sees them (PostgreSQL), so the confirmation
// may reach another instance than the request did. Without it the bot
// keeps them in memory (one process per store, as with SQLite).
type ForgetRequestStore interface {
	// AskForget records that the conversation with key asked at t.
	AskForget(ctx context.Context, convKey string, at time.Time) error
	// ForgetAskedAt returns when it asked, if a request is pending.
	ForgetAskedAt(ctx context.Context, convKey string) (time.Time, bool, error)
	// ClearForgetRequest drops the request (there may be none).
	ClearForgetRequest(ctx context.Context, convKey string) error
}

// ForgetConfirmWindow is how long "forget me confirm" may follow
// "forget me".
const ForgetConfirmWindow = 10 * time.Minute

// forget runs "forget me" (asks) and "forget me confirm" (deletes).
func (b *Bot) forget(ctx context.Context, a Adapter, c Conversation, args []string) error {
	words := strings.ToLower(strings.Join(args, " "))
	if words != "me" && words != "me confirm" {
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: "Say *forget me* to delete your practice transcripts and scores."})
		return nil
	}
	fs, ok := b.store.(ForgetStore)
	if !ok {
		return b.failed(ctx, a, c, "deleting your data", errors.New("this store cannot forget users"))
	}
	key := c.Key()
	now := b.now()
	asked, pending, err := b.forgetAskedAt(ctx, key)
	if err != nil {
		return b.failed(ctx, a, c, "deleting your data", err)
	}
	if pending && now.Sub(asked) > ForgetConfirmWindow {
		pending = false
	}
	if words == "me" || !pending {
		rows, err := b.store.Sessions(ctx, SessionFilter{Platform: c.Platform, User: c.User})
		if err != nil {
			return b.failed(ctx, a, c, "counting your sessions", err)
		}
		if err := b.askForget(ctx, key, now); err != nil {
			return b.failed(ctx, a, c, "noting your request", err)
		}
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf(
			"This deletes all %d of your practice sessions here, with their transcripts and scores, including any open interview. It cannot be undone. To go ahead, say *forget me confirm* here within %d minutes.",
			len(rows), int(ForgetConfirmWindow/time.Minute)),
			Buttons: []Button{{Label: "Forget me", Action: "forget me confirm"}}})
		return nil
	}
	if err := b.clearForget(ctx, key); err != nil {
		return b.failed(ctx, a, c, "deleting your data", err)
	}
	n, err := fs.ForgetUser(ctx, c.Platform, c.User)
	if err != nil {
		return b.failed(ctx, a, c, "deleting your data", err)
	}
	b.log.Info("user forgotten", "platform", c.Platform, "sessions", n)
	b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf(
		"Done: %s deleted, with their transcripts and scores. Pivot keeps nothing more about your practice here.", Plural(n, "session"))})
	return nil
}

// forgetAskedAt, askForget and clearForget keep the pending "forget me"
// requests in the store if it can (ForgetRequestStore), else in memory.
func (b *Bot) forgetAskedAt(ctx context.Context, key string) (time.Time, bool, error) {
	if rs, ok := b.store.(ForgetRequestStore); ok {
		return rs.ForgetAskedAt(ctx, key)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.forgetAsked[key]
	return t, ok, nil
}

func (b *Bot) askForget(ctx context.Context, key string, at time.Time) error {
	if rs, ok := b.store.(ForgetRequestStore); ok {
		return rs.AskForget(ctx, key, at)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.forgetAsked == nil {
		b.forgetAsked = map[string]time.Time{}
	}
	b.forgetAsked[key] = at
	return nil
}

func (b *Bot) clearForget(ctx context.Context, key string) error {
	if rs, ok := b.store.(ForgetRequestStore); ok {
		return rs.ClearForgetRequest(ctx, key)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.forgetAsked, key)
	return nil
}

// WithRetention keeps transcripts for days days (PIVOT_RETENTION_DAYS);
// 0 keeps them for ever. RunRetention applies it.
func WithRetention(days int) Option { return func(b *Bot) { b.retention = days } }

// Purge applies the retention period once: sessions that ended more than
// the period ago are deleted, their figures kept only in aggregate. It
// returns how many sessions went (0 with no retention set).
func (b *Bot) Purge(ctx context.Context) (int, error) {
	if b.retention <= 0 {
		return 0, nil
	}
	rs, ok := b.store.(RetentionStore)
	if !ok {
		return 0, errors.New("this store cannot purge old transcripts")
	}
	cutoff := b.now().Add(-time.Duration(b.retention) * 24 * time.Hour)
	n, err := rs.PurgeKeepingAggregates(ctx, cutoff)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		b.log.Info("retention: old transcripts purged", "sessions", n, "days", b.retention)
	}
	return n, nil
}

// RunRetention purges now, then daily until ctx is done, in the
// background. Chat adapters' commands call it at start-up. The first
// purge's error is returned; later ones are logged.
func (b *Bot) RunRetention(ctx context.Context) error {
	if b.retention <= 0 {
		return nil
	}
	_, err := b.Purge(ctx)
	go func() {
		t := time.NewTicker(24 * time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := b.Purge(ctx); err != nil {
					b.log.Error("retention: purge failed", "err", err)
				}
			}
		}
	}()
	return err
}
