package bot

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Group exercises: a trainer starts one in a channel, each trainee who
// joins gets a session of their own (own thread, or direct conversation)
// with the same scenario and seed, the trainer watches a roll-up, and
// ending the group ends every session, debriefs each trainee and the room.

// Message kinds for group exercises.
const (
	KindGroup  MessageKind = "group"  // the exercise card with its Join button
	KindReport MessageKind = "report" // a group roll-up, debrief or trainer table
)

// GroupStatus is where a group exercise is in its life.
type GroupStatus string

const (
	GroupOpen  GroupStatus = "open"
	GroupEnded GroupStatus = "ended"
)

// Group is a group exercise.
type Group struct {
	ID         int64     `json:"id"`
	Platform   string    `json:"platform"`
	Workspace  string    `json:"workspace,omitempty"`
	Channel    string    `json:"channel"`
	Trainer    string    `json:"trainer"`
	ScenarioID string    `json:"scenario"`
	Seed       int64     `json:"seed"`
	Coach      CoachMode `json:"coach,omitempty"` // "" or auto: fading decides
	// NoUndo switches undo off for an assessed exercise: every turn a
	// member says counts as said.
	NoUndo    bool        `json:"no_undo,omitempty"`
	Status    GroupStatus `json:"status"`
	StartedAt time.Time   `json:"started_at"`
	EndedAt   time.Time   `json:"ended_at,omitzero"`
}

// JoinableFrom reports whether a user in c may join g by its number (or
// its card's Join button): only from the workspace (Slack team, Discord
// server) and channel the exercise runs in. Numbers are sequential and
// easy to guess; elsewhere a user needs the join code on the card.
func (g *Group) JoinableFrom(c Conversation) bool {
	return g.Platform == c.Platform && g.Workspace == c.Workspace && g.Channel == c.Channel
}

// JoinableWithCode reports whether a user in c may join g with its join
// code: in the group's workspace, or in a direct message with the bot
// where the platform gives no workspace (Discord DMs). The code is shown
// only on the card, so only people who can see the channel know it.
func (g *Group) JoinableWithCode(c Conversation) bool {
	return g.Platform == c.Platform && (g.Workspace == c.Workspace || c.Workspace == "")
}

// JoinCode is the group's join code, "ID-xxxxxx": its number and six
// characters derived from its secret seed, so it cannot be guessed from
// the number.
func (g *Group) JoinCode() string {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(g.Seed))
	binary.BigEndian.PutUint64(buf[8:], uint64(g.ID))
	sum := sha256.Sum256(append([]byte("pivot group join code/"), buf[:]...))
	return fmt.Sprintf("%d-%s", g.ID, strings.ToLower(base32.StdEncoding.EncodeToString(sum[:])[:6]))
}

// parseJoinCode splits "12-abcdef" into the group number and the code.
func parseJoinCode(s string) (int64, bool) {
	num, _, ok := strings.Cut(s, "-")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	return id, err == nil && id > 0
}

// GroupFilter selects groups; zero fields do not filter.
type GroupFilter struct {
	Platform  string
	Workspace string
	Channel   string
	Trainer   string
	Status    GroupStatus
	Since     time.Time
}

// GroupStore keeps group exercises. Members are sessions with GroupID set.
type GroupStore interface {
	// CreateGroup stores a new open group and sets its ID and start time.
	CreateGroup(ctx context.Context, g *Group) error
	// Group returns a group, or an error wrapping ErrNotFound.
	Group(ctx context.Context, id int64) (*Group, error)
	// Groups lists groups matching f, newest first.
	Groups(ctx context.Context, f GroupFilter) ([]Group, error)
	// EndGroup marks a group ended (ending it again changes nothing).
	EndGroup(ctx context.Context, id int64) error
}

func (b *Bot) groups() (GroupStore, error) {
	gs, ok := b.store.(GroupStore)
	if !ok {
		return nil, errors.New("this store does not keep group exercises")
	}
	return gs, nil
}

// group runs "group start|join|status|end|coach …".
func (b *Bot) group(ctx context.Context, a Adapter, c Conversation, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = strings.ToLower(args[0]), args[1:]
	}
	switch sub {
	case "join":
		return b.groupJoin(ctx, a, c, args)
	case "start", "status", "end", "coach":
	default:
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: groupHelp})
		return nil
	}
	what := map[string]string{"start": "start a group exercise", "status": "see a group exercise's progress",
		"end": "end a group exercise", "coach": "change coaching for a group exercise"}[sub]
	if ok, err := b.requireTrainer(ctx, a, c, what); !ok || err != nil {
		return err
	}
	switch sub {
	case "start":
		return b.groupStart(ctx, a, c, args)
	case "status":
		return b.groupStatus(ctx, a, c, args)
	case "coach":
		return b.groupCoach(ctx, a, c, args)
	}
	return b.groupEnd(ctx, a, c, args)
}

const groupHelp = `*Group exercises* (trainers):
• *group start SCENARIO* [coach:on|off] [no-undo] — post an exercise card with a Join button; no-undo for an assessed exercise (every reply counts as said)
• *group status* [ID] — who joined and how it is going (only you see it)
• *group coach on|off|auto* [ID] — inline coaching for everyone in the exercise
• *group end* [ID] [names:on] — end every interview, debrief the room; names:on shows names in the channel
Trainees: press *Join* on the card, or say *join ID*.`

// GroupStart opens a group exercise of scenario id in c's channel, run by
// c's user, and posts its card. It does not check that the user is a
// trainer; the "group start" command does.
func (b *Bot) GroupStart(ctx context.Context, a Adapter, c Conversation, id string, coach CoachMode, opts ...GroupOption) (*Group, error) {
	gs, err := b.groups()
	if err != nil {
		return nil, b.failed(ctx, a, c, "starting a group exercise", err)
	}
	sc, err := b.lib.Get(id)
	if err != nil {
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf("There is no scenario %q. The scenarios are: %s.",
			Sanitize(id, 40), strings.Join(b.lib.IDs(), ", "))})
		return nil, nil
	}
	unlock, err := b.lock(ctx, "group-channel/"+c.Platform+"/"+c.Workspace+"/"+c.Channel)
	if err != nil {
		return nil, b.failed(ctx, a, c, "starting the group exercise", err)
	}
	defer unlock()
	open, err := gs.Groups(ctx, GroupFilter{Platform: c.Platform, Workspace: c.Workspace, Channel: c.Channel, Status: GroupOpen})
	if err != nil {
		return nil, b.failed(ctx, a, c, "checking for a group exercise", err)
	}
	if len(open) > 0 {
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf(
			"Group exercise %d (%s) is still open in this channel. Say *group end %d* first.", open[0].ID, open[0].ScenarioID, open[0].ID)})
		return nil, nil
	}
	g := &Group{Platform: c.Platform, Workspace: c.Workspace, Channel: c.Channel, Trainer: c.User,
		ScenarioID: sc.ID, Seed: b.seed(c, "group/"+sc.ID), Coach: coach, Status: GroupOpen}
	for _, o := range opts {
		o(g)
	}
	if err := gs.CreateGroup(ctx, g); err != nil {
		return nil, b.failed(ctx, a, c, "starting a group exercise", err)
	}
	b.log.Info("group started", "group", g.ID, "scenario", sc.ID, "channel", c.Channel)
	card := Message{Kind: KindGroup, Text: fmt.Sprintf(
		"*Group exercise %d: %s*\nEveryone interviews %s (%s). Press *Join* (or say *join %s*, also in a direct message with me) and your own interview opens, just for you; everyone gets the same character and the same replies to the same words. Your trainer ends the exercise and we debrief together.",
		g.ID, sc.Title, sc.Character, sc.Role, g.JoinCode()) + g.undoNote(),
		Buttons: []Button{{Label: "Join", Action: fmt.Sprintf("group join %d", g.ID)}}}
	channel := c
	channel.Thread = ""
	if err := a.Send(ctx, channel, card); err != nil {
		return g, err
	}
	note := fmt.Sprintf("You started group exercise %d. Say *group status* to see who joined and how it is going, *group end* to finish and debrief the room (add *names:on* to show names in the channel).", g.ID)
	if coach == CoachOn || coach == CoachOff {
		note += fmt.Sprintf(" Inline coaching is %s for everyone, whatever fading would give.", coach)
	}
	if g.NoUndo {
		note += " Undo is off: every reply a trainee says counts as said."
	}
	b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: note,
		Buttons: []Button{{Label: "Status", Action: fmt.Sprintf("group status %d", g.ID)}, {Label: "End", Action: fmt.Sprintf("group end %d", g.ID)}}})
	return g, nil
}

func (b *Bot) groupStart(ctx context.Context, a Adapter, c Conversation, args []string) error {
	var id string
	var opts []GroupOption
	coach := CoachAuto
	for _, arg := range args {
		switch strings.ToLower(arg) {
		case "no-undo", "noundo", "undo:off":
			opts = append(opts, WithoutUndo())
		case "undo:on":
		case "coach:on":
			coach = CoachOn
		case "coach:off":
			coach = CoachOff
		case "coach:auto":
			coach = CoachAuto
		default:
			if id == "" {
				id = arg
			}
		}
	}
	if id == "" {
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: "Name the scenario: *group start SCENARIO*. The scenarios are: " + strings.Join(b.lib.IDs(), ", ") + "."})
		return nil
	}
	_, err := b.GroupStart(ctx, a, c, id, coach, opts...)
	return err
}

// GroupOption changes how a group exercise runs.
type GroupOption func(*Group)

// WithoutUndo switches undo off for the exercise (an assessed exercise:
// every reply counts as said).
func WithoutUndo() GroupOption { return func(g *Group) { g.NoUndo = true } }

// undoNote tells joiners that undo is off, on the card and when they join.
func (g *Group) undoNote() string {
	if !g.NoUndo {
		return ""
	}
	return " Undo is off in this exercise: it is assessed, so every reply counts as said."
}

// findGroup picks the group an argument names, else the open group in c's
// channel, telling the user when there is none.
func (b *Bot) findGroup(ctx context.Context, a Adapter, c Conversation, args []string) (*Group, []string, error) {
	gs, err := b.groups()
	if err != nil {
		return nil, nil, b.failed(ctx, a, c, "finding the group exercise", err)
	}
	var rest []string
	var id int64
	for _, arg := range args {
		if n, err := strconv.ParseInt(arg, 10, 64); err == nil && id == 0 {
			id = n
			continue
		}
		rest = append(rest, arg)
	}
	if id != 0 {
		g, err := gs.Group(ctx, id)
		if errors.Is(err, ErrNotFound) || (err == nil && (g.Platform != c.Platform || g.Workspace != c.Workspace)) {
			b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf("There is no group exercise %d.", id)})
			return nil, rest, nil
		}
		if err != nil {
			return nil, rest, b.failed(ctx, a, c, "finding the group exercise", err)
		}
		return g, rest, nil
	}
	open, err := gs.Groups(ctx, GroupFilter{Platform: c.Platform, Workspace: c.Workspace, Channel: c.Channel, Status: GroupOpen})
	if err != nil {
		return nil, rest, b.failed(ctx, a, c, "finding the group exercise", err)
	}
	if len(open) == 0 {
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: "There is no group exercise open in this channel. Name one by its number, or say *group start SCENARIO*."})
		return nil, rest, nil
	}
	return &open[0], rest, nil
}

// ownGroup refuses a trainer acting on another trainer's group.
func (b *Bot) ownGroup(ctx context.Context, a Adapter, c Conversation, g *Group) bool {
	if g.Trainer == c.User {
		return true
	}
	b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf("Group exercise %d is run by another trainer; only they can see or end it.", g.ID)})
	return false
}

func (b *Bot) groupJoin(ctx context.Context, a Adapter, c Conversation, args []string) error {
	if len(args) > 0 {
		if id, ok := parseJoinCode(args[0]); ok {
			_, err := b.joinGroup(ctx, a, c, id, strings.ToLower(args[0]))
			return err
		}
	}
	if len(args) == 0 {
		gs, err := b.groups()
		if err != nil {
			return b.failed(ctx, a, c, "joining the group exercise", err)
		}
		open, err := gs.Groups(ctx, GroupFilter{Platform: c.Platform, Workspace: c.Workspace, Channel: c.Channel, Status: GroupOpen})
		if err != nil {
			return b.failed(ctx, a, c, "joining the group exercise", err)
		}
		if len(open) == 0 {
			b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: "There is no group exercise open in this channel to join."})
			return nil
		}
		args = []string{strconv.FormatInt(open[0].ID, 10)}
	}
	g, _, err := b.findGroup(ctx, a, c, args)
	if g == nil || err != nil {
		return err
	}
	_, err = b.GroupJoin(ctx, a, c, g.ID)
	return err
}

// GroupJoin opens c's user's session in group id: the group's scenario
// and seed, in a thread of its own where the adapter has threads. It is
// refused outside the group's channel (see JoinableFrom).
func (b *Bot) GroupJoin(ctx context.Context, a Adapter, c Conversation, id int64) (*Session, error) {
	return b.joinGroup(ctx, a, c, id, "")
}

// joinGroup is GroupJoin, with the join code the user gave ("": none).
func (b *Bot) joinGroup(ctx context.Context, a Adapter, c Conversation, id int64, code string) (*Session, error) {
	gs, err := b.groups()
	if err != nil {
		return nil, b.failed(ctx, a, c, "joining the group exercise", err)
	}
	unlock, err := b.lock(ctx, fmt.Sprintf("group/%d", id))
	if err != nil {
		return nil, b.failed(ctx, a, c, "joining the group exercise", err)
	}
	defer unlock()
	g, err := gs.Group(ctx, id)
	allowed := err == nil && g.JoinableFrom(c)
	if err == nil && code != "" {
		allowed = code == g.JoinCode() && g.JoinableWithCode(c)
	}
	if errors.Is(err, ErrNotFound) || (err == nil && !allowed) {
		// Group numbers are sequential, so they are easy to guess: an
		// exercise is joined from its own channel, where its card is, or
		// with the join code the card shows.
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf(
			"There is no group exercise %d in this channel. Press *Join* on the exercise's card, or use the join code it shows.", id)})
		return nil, nil
	}
	if err != nil {
		return nil, b.failed(ctx, a, c, "joining the group exercise", err)
	}
	if g.Status != GroupOpen {
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf("Group exercise %d has ended. You can practise on your own: say *start %s*.", g.ID, g.ScenarioID)})
		return nil, nil
	}
	mine, err := b.store.Sessions(ctx, SessionFilter{Platform: c.Platform, User: c.User, GroupID: g.ID, Status: SessionOpen})
	if err != nil {
		return nil, b.failed(ctx, a, c, "joining the group exercise", err)
	}
	if len(mine) > 0 {
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: "You have already joined this exercise: your interview is waiting in its own thread."})
		return nil, nil
	}
	// A button on the card arrives in the card's thread; the session
	// gets a thread of its own.
	c.Thread = ""
	s, err := b.start(ctx, a, c, g.ScenarioID, g, startConfig{})
	if s != nil {
		b.log.Info("group joined", "group", g.ID, "session", s.ID)
		if g.NoUndo {
			b.sendPrivate(ctx, a, s.Conv, Message{Kind: KindNotice, Text: strings.TrimSpace(g.undoNote())})
		}
	}
	return s, err
}

// GroupReport builds the roll-up of group id.
func (b *Bot) GroupReport(ctx context.Context, id int64) (*GroupReport, error) {
	gs, err := b.groups()
	if err != nil {
		return nil, err
	}
	g, err := gs.Group(ctx, id)
	if err != nil {
		return nil, err
	}
	return b.groupReport(ctx, g)
}

func (b *Bot) groupStatus(ctx context.Context, a Adapter, c Conversation, args []string) error {
	g, _, err := b.findGroup(ctx, a, c, args)
	if g == nil || err != nil {
		return err
	}
	if !b.ownGroup(ctx, a, c, g) {
		return nil
	}
	r, err := b.groupReport(ctx, g)
	if err != nil {
		return b.failed(ctx, a, c, "reading the group exercise", err)
	}
	b.nameMembers(ctx, a, r)
	b.sendPrivate(ctx, a, c, Message{Kind: KindReport, Text: RenderGroupStatus(r)})
	return nil
}

func (b *Bot) groupCoach(ctx context.Context, a Adapter, c Conversation, args []string) error {
	g, rest, err := b.findGroup(ctx, a, c, args)
	if g == nil || err != nil {
		return err
	}
	if !b.ownGroup(ctx, a, c, g) {
		return nil
	}
	var mode CoachMode
	if len(rest) == 1 {
		mode = CoachMode(strings.ToLower(rest[0]))
	}
	if mode != CoachOn && mode != CoachOff && mode != CoachAuto {
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: "Say *group coach on*, *group coach off* or *group coach auto* (fading decides)."})
		return nil
	}
	open, err := b.store.Sessions(ctx, SessionFilter{GroupID: g.ID, Status: SessionOpen})
	if err != nil {
		return b.failed(ctx, a, c, "changing coaching", err)
	}
	n := 0
	for _, m := range open {
		err := func() error {
			unlock, err := b.lock(ctx, m.Conv.Key())
			if err != nil {
				return err
			}
			defer unlock()
			s, err := b.store.OpenSession(ctx, m.Conv)
			if err != nil {
				return err
			}
			if err := b.setCoachMode(ctx, s, mode); err != nil {
				return err
			}
			on := s.Coach
			return b.retryStale(ctx, s, func(s *Session) error {
				s.Coach = on
				return b.store.UpdateSession(ctx, s)
			})
		}()
		if err != nil {
			b.log.Warn("group coach: session not changed", "session", m.ID, "err", err)
			continue
		}
		n++
	}
	b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: fmt.Sprintf("Inline coaching is now %s for the %s of group exercise %d.", mode, Plural(n, "open interview"), g.ID)})
	return nil
}

func (b *Bot) groupEnd(ctx context.Context, a Adapter, c Conversation, args []string) error {
	g, rest, err := b.findGroup(ctx, a, c, args)
	if g == nil || err != nil {
		return err
	}
	if !b.ownGroup(ctx, a, c, g) {
		return nil
	}
	names := false
	for _, r := range rest {
		switch strings.ToLower(r) {
		case "names:on", "names":
			names = true
		case "names:off":
			names = false
		}
	}
	r, err := b.GroupEnd(ctx, a, g.ID)
	if err != nil {
		return b.failed(ctx, a, c, "ending the group exercise", err)
	}
	b.nameMembers(ctx, a, r)
	channel := Conversation{Platform: g.Platform, Workspace: g.Workspace, Channel: g.Channel, User: c.User}
	if err := a.Send(ctx, channel, Message{Kind: KindReport, Text: RenderGroupDebrief(r, names)}); err != nil {
		return err
	}
	b.sendPrivate(ctx, a, c, Message{Kind: KindReport, Text: RenderMemberTable(r)})
	return nil
}

// GroupEnd ends group id: every open session in it ends and its trainee
// gets their debrief; the group is marked ended. It returns the group's
// report for the room. It does not check permissions.
func (b *Bot) GroupEnd(ctx context.Context, a Adapter, id int64) (*GroupReport, error) {
	gs, err := b.groups()
	if err != nil {
		return nil, err
	}
	unlock, err := b.lock(ctx, fmt.Sprintf("group/%d", id))
	if err != nil {
		return nil, err
	}
	defer unlock()
	g, err := gs.Group(ctx, id)
	if err != nil {
		return nil, err
	}
	open, err := b.store.Sessions(ctx, SessionFilter{GroupID: id, Status: SessionOpen})
	if err != nil {
		return nil, err
	}
	if err := gs.EndGroup(ctx, id); err != nil {
		return nil, err
	}
	var errs []error
	for _, m := range open {
		if err := b.endMember(ctx, a, m.Conv, id); err != nil {
			errs = append(errs, fmt.Errorf("session %d: %w", m.ID, err))
		}
	}
	if len(errs) > 0 {
		b.log.Warn("group end: some sessions not ended cleanly", "group", id, "err", errors.Join(errs...))
	}
	g.Status = GroupEnded
	return b.groupReport(ctx, g)
}

// endMember ends one trainee's open session of group id, if still open.
func (b *Bot) endMember(ctx context.Context, a Adapter, c Conversation, id int64) error {
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
	if s.GroupID != id {
		return nil
	}
	sc, err := b.lib.Get(s.ScenarioID)
	if err != nil {
		return err
	}
	_ = a.Send(ctx, c, Message{Kind: KindNotice, Text: "Your trainer has ended the group exercise. Here is your debrief."})
	return b.end(ctx, a, s, sc)
}

// nameMembers looks up the members' display names where the adapter can
// (NameResolver); a name it cannot find stays the platform's user id.
func (b *Bot) nameMembers(ctx context.Context, a Adapter, r *GroupReport) {
	nr, ok := a.(NameResolver)
	if !ok {
		return
	}
	for i := range r.Members {
		m := &r.Members[i]
		name, err := nr.DisplayName(ctx, Conversation{Platform: m.Platform, Workspace: r.Group.Workspace, Channel: r.Group.Channel, User: m.User})
		if err != nil {
			b.log.Warn("display name not found", "user", m.User, "err", err)
			continue
		}
		m.Name = name
	}
}
