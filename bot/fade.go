package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/pivotcoach/pivot/dialogue"
)

// Inline coaching fades as a trainee improves. Per-turn feedback helps
// while a skill is new, but the gains partly vanish when it stops all at
// once, so it steps down one level per session, and only while the
// trainee's recent sessions stay consistently non-blaming:
//
//	full       every blaming reply gets the full note: words, why, rewrite, trust
//	brief      every blaming reply gets a short note: the kind and a rewrite
//	alternate  every other blaming reply (the 1st, 3rd, 5th…) gets the short note
//	debrief    no inline notes; everything is in the debrief
//
// docs/trainers.md gives the switch points; FadeSteps holds them.

// FadeLevel is how much inline coaching a session gives.
type FadeLevel int

const (
	FadeFull FadeLevel = iota
	FadeBrief
	FadeAlternate
	FadeDebriefOnly
)

func (l FadeLevel) String() string {
	switch l {
	case FadeFull:
		return "full"
	case FadeBrief:
		return "brief"
	case FadeAlternate:
		return "every other blaming reply"
	case FadeDebriefOnly:
		return "debrief only"
	}
	return fmt.Sprintf("level %d", int(l))
}

// CoachMode is who decides inline coaching: fading (auto), or a trainee
// or trainer who switched it on or off, which wins over fading.
type CoachMode string

const (
	CoachAuto CoachMode = "auto"
	CoachOn   CoachMode = "on"
	CoachOff  CoachMode = "off"
)

// Coaching is a session's inline-coaching setting: the mode, the fade
// level chosen when the session started, and why (for the debrief).
type Coaching struct {
	Mode  CoachMode `json:"mode"`
	Level FadeLevel `json:"level"`
	Note  string    `json:"note,omitempty"`
}

// CoachingStore keeps each session's coaching setting. Without it the bot
// falls back to Session.Coach: full coaching or none, no fading.
type CoachingStore interface {
	SetCoaching(ctx context.Context, sessionID int64, c Coaching) error
	// Coaching returns a session's setting; a session never set is
	// {Mode: auto, Level: full}.
	Coaching(ctx context.Context, sessionID int64) (Coaching, error)
}

// The switch points. A session counts towards fading when it has ended
// and has at least FadeMinTurns scored replies; the FadeWindow most
// recent such sessions are the trainee's recent record. A level is earned
// when every session in the window reached its share; the level given is
// at most one above the previous counted session's, and falls straight
// back when the record no longer earns it.
const (
	FadeWindow   = 3
	FadeMinTurns = 5
)

// FadeStep is one switch point: Level is earned when each of the last
// FadeWindow counted sessions was at least MinShare non-blaming.
type FadeStep struct {
	Level    FadeLevel
	MinShare float64
}

// FadeSteps are the switch points, lowest first.
var FadeSteps = []FadeStep{
	{FadeBrief, 0.70},
	{FadeAlternate, 0.80},
	{FadeDebriefOnly, 0.90},
}

// FadeDecision is the fade level for a new session and why.
type FadeDecision struct {
	Level FadeLevel
	// Target is the level the recent record earns; Level is lower while
	// coaching steps down one level a session.
	Target FadeLevel
	// Previous is the level of the newest counted session.
	Previous FadeLevel
	// Counted sessions (at most FadeWindow) and the lowest share among them.
	Counted int
	Lowest  float64
}

// Counts reports whether a session counts towards fading.
func Counts(s SessionSummary) bool {
	return s.Status == SessionEnded && s.Turns >= FadeMinTurns
}

// DecideFade picks the fade level for a trainee's next session from their
// sessions (newest first; those that do not count are skipped) and the
// level of their newest counted session.
func DecideFade(history []SessionSummary, previous FadeLevel) FadeDecision {
	d := FadeDecision{Previous: previous, Lowest: 1}
	for _, s := range history {
		if !Counts(s) {
			continue
		}
		share := float64(s.NonBlaming) / float64(s.Turns)
		if share < d.Lowest {
			d.Lowest = share
		}
		d.Counted++
		if d.Counted == FadeWindow {
			break
		}
	}
	if d.Counted < FadeWindow {
		d.Lowest = 0
		return d // not enough of a record yet: full coaching
	}
	for _, step := range FadeSteps {
		// A small epsilon: 9 of 10 is 90% even in floating point.
		if d.Lowest+1e-9 >= step.MinShare {
			d.Target = step.Level
		}
	}
	d.Level = min(d.Target, previous+1)
	return d
}

// threshold is the share that earns level l.
func threshold(l FadeLevel) float64 {
	for _, s := range FadeSteps {
		if s.Level == l {
			return s.MinShare
		}
	}
	return 0
}

// Note explains the decision to the trainee, or is empty at full
// coaching with nothing to explain.
func (d FadeDecision) Note() string {
	switch {
	case d.Level > FadeFull:
		s := fmt.Sprintf("Inline coaching is fading (%s) because your last %d sessions were %.0f%%+ non-blaming.",
			d.Level, FadeWindow, threshold(d.Level)*100)
		if d.Level < d.Target {
			s += " It steps down one level per session so the feedback does not stop all at once."
		}
		return s + " Say *coach on* for full feedback."
	case d.Previous > FadeFull:
		return fmt.Sprintf("Inline coaching is back to full because one of your last %d sessions was below %.0f%% non-blaming.",
			FadeWindow, threshold(FadeBrief)*100)
	}
	return ""
}

// decideCoaching chooses the coaching for a new session of c's user:
// mode from the group (trainer) if set, else auto; level from fading.
func (b *Bot) decideCoaching(ctx context.Context, s *Session, g *Group) Coaching {
	c := Coaching{Mode: CoachAuto}
	if g != nil && g.Coach != "" {
		c.Mode = g.Coach
	}
	cs, ok := b.store.(CoachingStore)
	if !ok {
		return c
	}
	hist, err := b.store.Sessions(ctx, SessionFilter{Platform: s.Conv.Platform, User: s.Conv.User, Status: SessionEnded, Limit: 50})
	if err != nil {
		b.log.Warn("fading: reading history", "err", err)
		return c
	}
	prev := FadeFull
	for _, h := range hist {
		if Counts(h) {
			if pc, err := cs.Coaching(ctx, h.ID); err == nil {
				prev = pc.Level
			}
			break
		}
	}
	d := DecideFade(hist, prev)
	c.Level, c.Note = d.Level, d.Note()
	return c
}

// coachingOf reads a session's coaching setting. Coach off on the session
// (from an older release, or a store without CoachingStore) means off.
func (b *Bot) coachingOf(ctx context.Context, s *Session) Coaching {
	c := Coaching{Mode: CoachAuto}
	if cs, ok := b.store.(CoachingStore); ok {
		got, err := cs.Coaching(ctx, s.ID)
		if err != nil {
			b.log.Warn("reading coaching setting", "session", s.ID, "err", err)
		} else {
			c = got
		}
	}
	if c.Mode == CoachAuto && !s.Coach {
		c.Mode = CoachOff
	}
	return c
}

// setCoachMode records a trainee's or trainer's coach on/off.
func (b *Bot) setCoachMode(ctx context.Context, s *Session, m CoachMode) error {
	s.Coach = m != CoachOff
	cs, ok := b.store.(CoachingStore)
	if !ok {
		return nil
	}
	c, err := cs.Coaching(ctx, s.ID)
	if err != nil {
		return err
	}
	c.Mode = m
	return cs.SetCoaching(ctx, s.ID, c)
}

// inlineCoaching decides whether blaming turn t of session s gets an
// inline note, and renders it.
func (b *Bot) inlineCoaching(ctx context.Context, s *Session, t dialogue.Turn) (Message, bool) {
	c := b.coachingOf(ctx, s)
	level := c.Level
	switch c.Mode {
	case CoachOff:
		return Message{}, false
	case CoachOn:
		level = FadeFull
	}
	switch level {
	case FadeFull:
		return Message{Kind: KindCoaching, Private: true, Text: RenderCoaching(t)}, true
	case FadeBrief:
		return Message{Kind: KindCoaching, Private: true, Text: RenderCoachingBrief(t)}, true
	case FadeAlternate:
		recs, err := b.store.Turns(ctx, s.ID)
		if err != nil {
			b.log.Warn("fading: reading turns", "session", s.ID, "err", err)
			return Message{}, false
		}
		n := 0 // coached replies so far, this one included
		for _, r := range recs {
			if r.Turn.Number <= t.Number && r.Turn.Assessment.Coached() {
				n++
			}
		}
		if n%2 == 1 {
			return Message{Kind: KindCoaching, Private: true, Text: RenderCoachingBrief(t)}, true
		}
	}
	return Message{}, false
}

// RenderCoachingBrief is the short inline note: the kind of blaming and
// a rewrite, no more.
func RenderCoachingBrief(t dialogue.Turn) string {
	var b strings.Builder
	b.WriteString("Coaching (brief):")
	for _, f := range t.Assessment.CoachedFindings() {
		fmt.Fprintf(&b, "\n• %s.", dialogue.KindName(f.Kind))
		if f.Rewrite != "" {
			fmt.Fprintf(&b, " %s", dialogue.TryText(f.Rewrite))
		}
	}
	return b.String()
}

// fadeNote is the debrief's line about inline coaching, if any.
func (b *Bot) fadeNote(ctx context.Context, s *Session) string {
	if _, ok := b.store.(CoachingStore); !ok {
		return ""
	}
	c := b.coachingOf(ctx, s)
	switch {
	case c.Mode == CoachAuto && c.Note != "":
		return "\n\n" + c.Note
	case c.Mode != CoachAuto && c.Level > FadeFull:
		return fmt.Sprintf("\n\nCoaching was switched %s for this session, which overrides fading (fading would have given: %s).", c.Mode, c.Level)
	}
	return ""
}
