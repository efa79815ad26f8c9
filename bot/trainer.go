package bot

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// TrainerID names a trainer: a platform user id, on one platform or (with
// Platform "") on any.
type TrainerID struct {
	Platform string `json:"platform,omitempty"`
	User     string `json:"user"`
}

func (t TrainerID) String() string {
	if t.Platform == "" {
		return t.User
	}
	return t.Platform + ":" + t.User
}

// Matches reports whether the id names user on platform.
func (t TrainerID) Matches(platform, user string) bool {
	return t.User == user && (t.Platform == "" || strings.EqualFold(t.Platform, platform))
}

// ParseTrainerID reads "U123" (any platform) or "slack:U123" (Slack only).
// The part before a colon is taken as a platform only if it is a plain
// word, so ids that contain colons for other reasons survive.
func ParseTrainerID(s string) TrainerID {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ':'); i > 0 && i < len(s)-1 {
		p := s[:i]
		word := true
		for _, r := range p {
			if !unicode.IsLetter(r) && r != '-' && r != '_' {
				word = false
				break
			}
		}
		if word {
			return TrainerID{Platform: strings.ToLower(p), User: s[i+1:]}
		}
	}
	return TrainerID{User: s}
}

// ParseTrainers reads a list of trainer ids separated by commas and/or
// white space, as in PIVOT_TRAINERS="U123, slack:U456 discord:789".
func ParseTrainers(list string) []TrainerID {
	var out []TrainerID
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		if id := ParseTrainerID(f); id.User != "" {
			out = append(out, id)
		}
	}
	return out
}

// TrainerStore keeps the trainers named with `pivot trainer add`. A store
// that does not implement it leaves trainers to configuration.
type TrainerStore interface {
	// AddTrainer records a trainer; adding one twice is not an error.
	AddTrainer(ctx context.Context, id TrainerID) error
	// RemoveTrainer forgets a trainer and reports whether it was there.
	RemoveTrainer(ctx context.Context, id TrainerID) (bool, error)
	// Trainers lists the recorded trainers.
	Trainers(ctx context.Context) ([]TrainerID, error)
	// IsTrainer reports whether user on platform is recorded as a trainer
	// on that platform or on any.
	IsTrainer(ctx context.Context, platform, user string) (bool, error)
}

// WithTrainers names the trainers (from PIVOT_TRAINERS): each argument is
// one id or a list, in the forms ParseTrainers reads.
func WithTrainers(ids ...string) Option {
	return func(b *Bot) {
		for _, s := range ids {
			b.trainers = append(b.trainers, ParseTrainers(s)...)
		}
	}
}

// IsTrainer reports whether user on platform may run group exercises and
// read their reports: named by WithTrainers, or recorded in the store.
func (b *Bot) IsTrainer(ctx context.Context, platform, user string) (bool, error) {
	if user == "" {
		return false, nil
	}
	for _, t := range b.trainers {
		if t.Matches(platform, user) {
			return true, nil
		}
	}
	if ts, ok := b.store.(TrainerStore); ok {
		return ts.IsTrainer(ctx, platform, user)
	}
	return false, nil
}

// requireTrainer answers a trainer command from someone who is not a
// trainer with a polite refusal, and reports whether to go on.
func (b *Bot) requireTrainer(ctx context.Context, a Adapter, c Conversation, what string) (bool, error) {
	ok, err := b.IsTrainer(ctx, c.Platform, c.User)
	if err != nil {
		return false, b.failed(ctx, a, c, "checking who runs exercises", err)
	}
	if !ok {
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf(
			"Sorry, only trainers can %s. If you are running this course, ask whoever set up Pivot to add you as a trainer. You can always practise on your own: say *start jennifer*.", what)})
	}
	return ok, nil
}
