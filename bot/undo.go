package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/pivotcoach/pivot/dialogue"
)

// Try that again (issue 14): "undo" takes back the session's last turn —
// engine state, trust, disclosures, phase timeline and the stored turn —
// so the trainee can say it another way. The turn taken back is kept,
// marked undone, for the debrief; figures and trends count only the
// version kept. A trainer can switch undo off for an assessed group
// exercise.

// errNothingToUndo: no turn has been said in the session yet.
var errNothingToUndo = errors.New("no turn to take back")

// undoOffText is said when undo is refused in an assessed exercise.
const undoOffText = "Undo is off in this group exercise: your trainer is assessing it, so every reply counts as said. You can still repair it in your next reply: name what you meant, or ask it another way."

// UndoRefused says why undo is not available in session s, or "" if it is.
func (b *Bot) UndoRefused(ctx context.Context, s *Session) string {
	if _, ok := b.store.(UndoStore); !ok {
		return "Undo is not available here: this store cannot take turns back."
	}
	if s.GroupID == 0 {
		return ""
	}
	gs, err := b.groups()
	if err != nil {
		return ""
	}
	g, err := gs.Group(ctx, s.GroupID)
	if err == nil && g.NoUndo {
		return undoOffText
	}
	return ""
}

func (b *Bot) undo(ctx context.Context, a Adapter, c Conversation) error {
	return b.withSession(ctx, a, c, func(s *Session, sc *dialogue.Scenario) error {
		if why := b.UndoRefused(ctx, s); why != "" {
			return a.Send(ctx, c, Message{Kind: KindNotice, Private: true, Text: why})
		}
		us := b.store.(UndoStore)
		var taken, last TurnRecord
		var kept int
		err := b.retryStale(ctx, s, func(s *Session) error {
			recs, err := b.store.Turns(ctx, s.ID)
			if err != nil {
				return err
			}
			if len(recs) == 0 || s.State.Turn == 0 {
				return errNothingToUndo
			}
			texts := make([]string, len(recs))
			for i, r := range recs {
				texts[i] = r.Turn.Text
			}
			before, err := dialogue.Rewind(sc, s.State, texts)
			if err != nil {
				return err
			}
			taken, kept = recs[len(recs)-1], len(recs)-1
			if kept > 0 {
				last = recs[kept-1]
			}
			return us.UndoTurn(ctx, s, before)
		})
		switch {
		case errors.Is(err, errNothingToUndo):
			return a.Send(ctx, c, Message{Kind: KindNotice, Private: true, Text: "There is nothing to take back yet: say your first line to " + sc.Character + "."})
		case errors.Is(err, dialogue.ErrRewind):
			b.log.Warn("undo refused", "session", s.ID, "err", err)
			return a.Send(ctx, c, Message{Kind: KindNotice, Private: true,
				Text: "That turn cannot be taken back: the scenario has changed since this interview began. Carry on, or say *restart* to begin again."})
		case err != nil:
			return b.failed(ctx, a, c, "taking back your last turn", err)
		}
		b.log.Info("turn undone", "session", s.ID, "turn", taken.Turn.Number)
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf(
			"Turn %d taken back: “%s”. Trust is back to %d. Say it another way; your debrief will show both versions.",
			taken.Turn.Number, Sanitize(taken.Turn.Text, 200), s.State.Trust)})
		line := sc.Opening
		if kept > 0 {
			line = last.Turn.Reply
		}
		return a.Send(ctx, c, Message{Kind: KindCharacter, Speaker: sc.Character, Text: line, Meter: meterOf(sc, s.State.Trust, nil)})
	})
}

// sessionDebrief builds the debrief of session s from its stored turns
// recs, with the turns taken back where the store keeps them.
func (b *Bot) sessionDebrief(ctx context.Context, s *Session, sc *dialogue.Scenario, recs []TurnRecord) dialogue.Debrief {
	turns := make([]dialogue.Turn, len(recs))
	for i, r := range recs {
		turns[i] = r.Turn
	}
	d := dialogue.MakeDebrief(sc, turns, s.State)
	if us, ok := b.store.(UndoStore); ok {
		undone, err := us.UndoneTurns(ctx, s.ID)
		if err != nil {
			b.log.Warn("reading undone turns", "session", s.ID, "err", err)
		}
		tried := make([]dialogue.Turn, len(undone))
		for i, r := range undone {
			tried[i] = r.Turn
		}
		dialogue.AddUndone(&d, turns, tried)
	}
	return d
}
