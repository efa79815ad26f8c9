package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

// command runs a bot command ("start jennifer", "hint", …). The words are
// the same on every platform: typed after /pivot, after a slash in the
// terminal, in a direct message, or carried by a button.
func (b *Bot) command(ctx context.Context, a Adapter, c Conversation, line string) error {
	fields := strings.Fields(line)
	if len(fields) > 0 && strings.EqualFold(fields[0], "pivot") {
		fields = fields[1:]
	}
	if len(fields) == 0 {
		return a.Send(ctx, c, Message{Kind: KindNotice, Private: true, Text: HelpText})
	}
	name, args := strings.ToLower(fields[0]), fields[1:]
	switch name {
	case "help", "?":
		return a.Send(ctx, c, Message{Kind: KindNotice, Private: true, Text: HelpText})
	case "list", "scenarios":
		return b.list(ctx, a, c)
	case "start", "practice", "practise":
		if len(args) == 0 {
			return b.list(ctx, a, c)
		}
		var opts []StartOption
		if len(args) > 1 {
			d := dialogue.Difficulty(strings.ToLower(args[1]))
			if !d.Valid() {
				return a.Send(ctx, c, Message{Kind: KindNotice, Private: true,
					Text: fmt.Sprintf("%q is not a difficulty. Say start %s gentle, start %s standard or start %s hard.", Sanitize(args[1], 20), Sanitize(args[0], 20), Sanitize(args[0], 20), Sanitize(args[0], 20))})
			}
			opts = append(opts, WithDifficulty(d))
		}
		_, err := b.Start(ctx, a, c, args[0], opts...)
		return err
	case "end", "stop", "quit":
		return b.End(ctx, a, c)
	case "hint":
		return b.hint(ctx, a, c)
	case "coach":
		return b.coach(ctx, a, c, args)
	case "restart":
		return b.restart(ctx, a, c)
	case "undo":
		return b.undo(ctx, a, c)
	case "review":
		return b.reviewCommand(ctx, a, c, args)
	case "history":
		return b.history(ctx, a, c)
	case "group":
		return b.group(ctx, a, c, args)
	case "join":
		return b.groupJoin(ctx, a, c, args)
	case "forget":
		return b.forget(ctx, a, c, args)
	}
	return a.Send(ctx, c, Message{Kind: KindNotice, Private: true,
		Text: fmt.Sprintf("I don't know the command %q. %s", Sanitize(fields[0], 40), shortHelp)})
}

const shortHelp = "Commands: start SCENARIO, list, hint, undo, coach on|off, restart, end, history, review, join, forget me, help."

// HelpText explains the commands in every platform's terms.
const HelpText = `*Pivot* — practise non-blaming domestic-violence interviews.
• *start SCENARIO* [gentle|standard|hard] — begin an interview (try *start jennifer*, or *start jennifer gentle* to learn, *hard* for assessment)
• *list* — the scenarios you can practise
• *hint* — a question worth asking next
• *undo* — take back your last reply and say it another way (your debrief shows both)
• *coach on* / *coach off* — inline feedback after a blaming reply (on by default; off for an exam-style run)
• *restart* — start the same interview again
• *end* — finish and get your debrief
• *history* — your past sessions and how they went
• *review* [SESSION] — a session turn by turn: label, findings, phase, trust and what it unlocked (trainers: any session of their groups, or *review @trainee*)
• *join ID* — join a group exercise (or press its *Join* button)
• *forget me* — delete your transcripts and scores (asks you to confirm)
Trainers: *group start SCENARIO*, *group status*, *group end* [names:on] — say *group* for more.
While a session is open, everything else you write is said to the character.`

// ScenarioInfos describes the library's scenarios.
func ScenarioInfos(lib *scenarios.Library) []ScenarioInfo {
	var out []ScenarioInfo
	for _, e := range lib.Entries() {
		out = append(out, ScenarioInfo{ID: e.Scenario.ID, Character: e.Scenario.Character, Role: e.Scenario.Role, Title: e.Scenario.Title, Origin: e.Origin})
	}
	return out
}

func (b *Bot) list(ctx context.Context, a Adapter, c Conversation) error {
	infos := ScenarioInfos(b.lib)
	var sb strings.Builder
	sb.WriteString("*Scenarios* (say *start ID*):\n")
	var buttons []Button
	for _, s := range infos {
		fmt.Fprintf(&sb, "• *%s* — %s (%s): %s\n", s.ID, s.Character, s.Role, s.Title)
		buttons = append(buttons, Button{Label: "Start " + s.Character, Action: "start " + s.ID})
	}
	return a.Send(ctx, c, Message{Kind: KindList, Private: true, Text: strings.TrimRight(sb.String(), "\n"), Scenarios: infos, Buttons: buttons})
}

// Start begins a session of scenario id in conversation c: the brief, then
// the character's opening line. Where the adapter can, the session gets a
// thread of its own, and the returned session lives there.
func (b *Bot) Start(ctx context.Context, a Adapter, c Conversation, id string, opts ...StartOption) (*Session, error) {
	var cfg startConfig
	for _, o := range opts {
		o(&cfg)
	}
	return b.start(ctx, a, c, id, nil, cfg)
}

// StartOption changes how a session starts.
type StartOption func(*startConfig)

type startConfig struct {
	difficulty dialogue.Difficulty
}

// WithDifficulty starts the session at a difficulty: gentle lets a new
// trainee recover from mistakes, hard is for assessment.
func WithDifficulty(d dialogue.Difficulty) StartOption {
	return func(c *startConfig) { c.difficulty = d }
}

// start begins a session, as a member of group g if not nil: the group's
// seed, and the group's coaching setting.
func (b *Bot) start(ctx context.Context, a Adapter, c Conversation, id string, g *Group, cfg startConfig) (*Session, error) {
	sc, err := b.lib.Get(id)
	if err != nil {
		var unknown *scenarios.UnknownScenarioError
		if errors.As(err, &unknown) {
			return nil, a.Send(ctx, c, Message{Kind: KindNotice, Private: true,
				Text: fmt.Sprintf("There is no scenario %q. The scenarios are: %s.", Sanitize(id, 40), strings.Join(unknown.Known, ", "))})
		}
		return nil, err
	}
	brief := Message{Kind: KindBrief, Speaker: sc.Character, Text: RenderBrief(sc),
		Buttons: []Button{{Label: "Hint", Action: "hint"}, {Label: "End", Action: "end"}}}
	// Check before posting anything: where an interview is already open
	// (a direct message, a session's thread) a second brief and its
	// buttons would act on the old session.
	if refused, err := b.alreadyOpen(ctx, a, c); refused || err != nil {
		return nil, err
	}
	target := c
	ts, threads := a.(ThreadStarter)
	if threads && c.Thread == "" {
		// The brief opens the session's own thread.
		if target, err = ts.StartThread(ctx, c, brief); err != nil {
			if errors.Is(err, ErrToldUser) {
				b.log.Info("session not started", "conv", c.Key(), "err", err)
				return nil, nil
			}
			return nil, b.failed(ctx, a, c, "opening a thread for your session", err)
		}
	}
	unlock, err := b.lock(ctx, target.Key())
	if err != nil {
		return nil, b.failed(ctx, a, target, "starting your session", err)
	}
	defer unlock()
	if refused, err := b.alreadyOpen(ctx, a, target); refused || err != nil {
		return nil, err
	}
	s := &Session{Conv: target, ScenarioID: sc.ID, Coach: true, Status: SessionOpen}
	seed := int64(0)
	if g != nil {
		s.GroupID, seed = g.ID, g.Seed
	} else {
		seed = b.seed(target, sc.ID)
	}
	s.State = dialogue.NewState(sc, seed, dialogue.WithDifficulty(cfg.difficulty))
	coaching := b.decideCoaching(ctx, s, g)
	s.Coach = coaching.Mode != CoachOff
	if err := b.store.CreateSession(ctx, s); err != nil {
		return nil, b.failed(ctx, a, c, "starting your session", err)
	}
	if cs, ok := b.store.(CoachingStore); ok {
		if err := cs.SetCoaching(ctx, s.ID, coaching); err != nil {
			b.log.Warn("saving coaching setting", "session", s.ID, "err", err)
		}
	}
	b.log.Info("session started", "session", s.ID, "scenario", sc.ID, "conv", target.Key())
	if !threads || c.Thread != "" {
		if err := a.Send(ctx, target, brief); err != nil {
			return s, err
		}
	}
	if err := a.Send(ctx, target, Message{Kind: KindCharacter, Speaker: sc.Character, Text: sc.Opening}); err != nil {
		return s, err
	}
	if coaching.Mode == CoachAuto && coaching.Note != "" {
		b.sendPrivate(ctx, a, target, Message{Kind: KindNotice, Text: coaching.Note})
	}
	return s, nil
}

// alreadyOpen tells the user, and reports true, when c has an open session.
func (b *Bot) alreadyOpen(ctx context.Context, a Adapter, c Conversation) (bool, error) {
	old, err := b.store.OpenSession(ctx, c)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, b.failed(ctx, a, c, "checking for an open session", err)
	}
	who := old.ScenarioID
	if oldSc, _ := b.lib.Get(old.ScenarioID); oldSc != nil {
		who = oldSc.Character
	}
	return true, a.Send(ctx, c, Message{Kind: KindNotice, Private: true,
		Text: fmt.Sprintf("You already have an interview with %s open here. Say *end* to finish it, or *restart* to begin again.", who)})
}

// Resume re-opens the conversation's open session: a reminder of where the
// trainee was and the character's last line.
func (b *Bot) Resume(ctx context.Context, a Adapter, c Conversation) (*Session, error) {
	s, err := b.store.OpenSession(ctx, c)
	if err != nil {
		return nil, err
	}
	sc, err := b.lib.Get(s.ScenarioID)
	if err != nil {
		return nil, err
	}
	recs, err := b.store.Turns(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	last := sc.Opening
	if n := len(recs); n > 0 {
		last = recs[n-1].Turn.Reply
	}
	if err := a.Send(ctx, c, Message{Kind: KindNotice, Text: fmt.Sprintf("Resuming your interview with %s after %s.", sc.Character, Plural(len(recs), "turn"))}); err != nil {
		return s, err
	}
	return s, a.Send(ctx, c, Message{Kind: KindCharacter, Speaker: sc.Character, Text: last})
}

// Abandon ends the conversation's open session without a debrief (the
// trainee chose to start afresh). Its turns stay in history.
func (b *Bot) Abandon(ctx context.Context, c Conversation) error {
	unlock, err := b.lock(ctx, c.Key())
	if err != nil {
		return err
	}
	defer unlock()
	s, err := b.store.OpenSession(ctx, c)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	err = b.retryStale(ctx, s, func(s *Session) error { return b.store.EndSession(ctx, s.ID, s.State) })
	if errors.Is(err, ErrNotFound) {
		return nil // ended meanwhile
	}
	return err
}

// End finishes the conversation's session and sends the debrief.
func (b *Bot) End(ctx context.Context, a Adapter, c Conversation) error {
	return b.withSession(ctx, a, c, func(s *Session, sc *dialogue.Scenario) error {
		return b.end(ctx, a, s, sc)
	})
}

// withSession runs f on the conversation's open session under its lock.
func (b *Bot) withSession(ctx context.Context, a Adapter, c Conversation, f func(*Session, *dialogue.Scenario) error) error {
	unlock, err := b.lock(ctx, c.Key())
	if err != nil {
		return b.failed(ctx, a, c, "loading your session", err)
	}
	defer unlock()
	s, err := b.store.OpenSession(ctx, c)
	if errors.Is(err, ErrNotFound) {
		return a.Send(ctx, c, Message{Kind: KindNotice, Private: true, Text: "There is no interview open here. Say *start jennifer* to begin one."})
	}
	if err != nil {
		return b.failed(ctx, a, c, "finding your session", err)
	}
	sc, err := b.lib.Get(s.ScenarioID)
	if err != nil {
		return b.failed(ctx, a, c, "finding this session's scenario", err)
	}
	return f(s, sc)
}

func (b *Bot) hint(ctx context.Context, a Adapter, c Conversation) error {
	return b.withSession(ctx, a, c, func(s *Session, sc *dialogue.Scenario) error {
		var phase dialogue.Phase
		var h string
		// Read-modify-write as a compare-and-set on the session's version:
		// a turn saved meanwhile by another process is kept, and the hint
		// is worked out again on it.
		err := b.retryStale(ctx, s, func(s *Session) error {
			var st dialogue.State
			phase, h, st = dialogue.Hint(sc, s.State)
			if h == "" {
				return nil
			}
			s.State = st
			return b.store.UpdateSession(ctx, s)
		})
		if err != nil {
			return b.failed(ctx, a, c, "saving your hint", err)
		}
		if h == "" {
			return a.Send(ctx, c, Message{Kind: KindHint, Private: true, Text: "No hints are written for this scenario."})
		}
		b.sendPrivate(ctx, a, c, Message{Kind: KindHint, Text: fmt.Sprintf("Hint (%s): %s", dialogue.PhaseName(phase), h)})
		return nil
	})
}

func (b *Bot) coach(ctx context.Context, a Adapter, c Conversation, args []string) error {
	return b.withSession(ctx, a, c, func(s *Session, sc *dialogue.Scenario) error {
		switch {
		case len(args) == 1 && (strings.EqualFold(args[0], "on") || strings.EqualFold(args[0], "off")):
			// An explicit on or off wins over fading.
			if err := b.setCoachMode(ctx, s, CoachMode(strings.ToLower(args[0]))); err != nil {
				return b.failed(ctx, a, c, "saving your coaching setting", err)
			}
		default:
			state := "on"
			if !s.Coach {
				state = "off"
			}
			return a.Send(ctx, c, Message{Kind: KindNotice, Private: true, Text: "Coaching is " + state + ". Say *coach on* or *coach off*."})
		}
		on := s.Coach
		if err := b.retryStale(ctx, s, func(s *Session) error {
			s.Coach = on
			return b.store.UpdateSession(ctx, s)
		}); err != nil {
			return b.failed(ctx, a, c, "saving your coaching setting", err)
		}
		text := "Coaching is on: you will see feedback after a blaming reply."
		if !s.Coach {
			text = "Coaching is off: feedback comes in the debrief only."
		}
		return a.Send(ctx, c, Message{Kind: KindNotice, Private: true, Text: text})
	})
}

func (b *Bot) restart(ctx context.Context, a Adapter, c Conversation) error {
	var id string
	var difficulty dialogue.Difficulty
	var turns int
	err := b.withSession(ctx, a, c, func(s *Session, sc *dialogue.Scenario) error {
		id, difficulty, turns = sc.ID, s.State.Difficulty, s.State.Turn
		return b.retryStale(ctx, s, func(s *Session) error { return b.store.EndSession(ctx, s.ID, s.State) })
	})
	if err != nil || id == "" {
		return err
	}
	if turns > 0 {
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: restartNote(turns)})
	}
	_, err = b.Start(ctx, a, c, id, WithDifficulty(difficulty))
	return err
}

// restartNote says what becomes of the attempt a restart leaves behind.
func restartNote(turns int) string {
	if turns < MinTrendTurns {
		return fmt.Sprintf("Your earlier attempt (%s) stays in your history; under %d turns, it is left out of your progress trend.", Plural(turns, "turn"), MinTrendTurns)
	}
	return fmt.Sprintf("Your earlier attempt (%s) stays in your history and counts in your progress trend.", Plural(turns, "turn"))
}

func (b *Bot) history(ctx context.Context, a Adapter, c Conversation) error {
	rows, err := b.History(ctx, c.Platform, c.User, 20)
	if err != nil {
		return b.failed(ctx, a, c, "reading your history", err)
	}
	return a.Send(ctx, c, Message{Kind: KindHistory, Private: true, Text: RenderHistory(rows), History: rows})
}

// History lists a user's sessions, newest first, with key disclosures
// counted against each scenario.
func (b *Bot) History(ctx context.Context, platform, user string, limit int) ([]SessionSummary, error) {
	rows, err := b.store.Sessions(ctx, SessionFilter{Platform: platform, User: user, Limit: limit})
	if err != nil {
		return nil, err
	}
	b.withKeys(rows)
	return rows, nil
}
