package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/pivotcoach/pivot/bot"
)

// Discord's message limits.
const (
	maxContent     = 2000 // characters in a message's content
	maxButtonLabel = 80
	maxCustomID    = 100
	maxRows        = 5 // action rows in a message
	maxRowButtons  = 5
)

// noMentions is allowed mentions none: set on every message, so nothing a
// trainee typed (echoed in coaching and debriefs) can ping @everyone, a
// role or a user.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// part is one Discord message's worth of a bot message.
type part struct {
	content    string
	embeds     []*discordgo.MessageEmbed
	components []discordgo.MessageComponent
}

// render turns a bot message into Discord messages within the limits:
// text split on line boundaries, a debrief as embeds, buttons on the last.
func render(m bot.Message) []part {
	var parts []part
	if m.Kind == bot.KindDebrief && m.Debrief != nil {
		for _, embeds := range debriefEmbeds(m.Debrief) {
			parts = append(parts, part{embeds: embeds})
		}
	} else {
		text := m.Text
		if m.Kind == bot.KindCharacter && m.Speaker != "" {
			text = "**" + m.Speaker + ":** " + text
		}
		if m.Meter != nil && (m.Kind == bot.KindCharacter || m.Kind == bot.KindCoaching) {
			// The trust meter as Discord's small subtext line under the reply.
			text += "\n-# " + escapeMarkdown(m.Meter.Text())
		}
		for _, p := range bot.Split(text, maxContent) {
			if strings.TrimSpace(p) != "" {
				parts = append(parts, part{content: p})
			}
		}
	}
	if rows := buttons(m.Buttons); len(rows) > 0 && len(parts) > 0 {
		parts[len(parts)-1].components = rows
	}
	return parts
}

// buttons lays out bot buttons in action rows; each custom_id is the bot
// command the button runs ("end", "hint", "start jennifer").
func buttons(bs []bot.Button) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	var row discordgo.ActionsRow
	for _, b := range bs {
		if b.Action == "" || len(b.Action) > maxCustomID {
			continue
		}
		if len(row.Components) == maxRowButtons {
			rows = append(rows, row)
			row = discordgo.ActionsRow{}
		}
		if len(rows) == maxRows {
			break
		}
		style := discordgo.SecondaryButton
		switch {
		case b.Action == "end":
			style = discordgo.DangerButton
		case strings.HasPrefix(b.Action, "start "):
			style = discordgo.PrimaryButton
		}
		row.Components = append(row.Components, discordgo.Button{Label: truncate(b.Label, maxButtonLabel), Style: style, CustomID: b.Action})
	}
	if len(row.Components) > 0 && len(rows) < maxRows {
		rows = append(rows, row)
	}
	return rows
}

// truncate shortens s to at most n characters (as bot.Split counts them),
// ending in "…" when cut.
func truncate(s string, n int) string {
	if bot.Width(s) <= n {
		return s
	}
	var b strings.Builder
	w := 0
	for _, r := range s {
		rw := bot.Width(string(r))
		if w+rw > n-1 {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	return b.String() + "…"
}

// Send posts m in the conversation's channel; a private message goes as
// SendPrivate does.
func (a *Adapter) Send(ctx context.Context, to bot.Conversation, m bot.Message) error {
	if m.Private {
		return a.SendPrivate(ctx, to, m)
	}
	return a.post(ctx, to.Channel, m)
}

// SendPrivate shows m to the conversation's user only. In order: an
// ephemeral follow-up to the interaction being answered; else to the
// user's latest interaction in that channel while its token is good (15
// minutes), so coaching after a typed reply stays ephemeral; else, in a
// private place only the trainee reads (the session's private thread or
// the DM it lives in); else in the trainee's DM with the bot. It is never
// posted where others can read it: with nowhere private to go it returns
// an error.
func (a *Adapter) SendPrivate(ctx context.Context, to bot.Conversation, m bot.Message) error {
	m.Private = true
	if p := interactionFrom(ctx); p != nil && p.user == to.User && p.ackErr == nil {
		err := a.followup(ctx, p, m)
		if err == nil {
			return nil
		}
		a.log.Warn("discord ephemeral follow-up failed", "conv", to.Key(), "err", redact(err))
	} else if p := a.recentInteraction(to.User, to.Channel); p != nil {
		err := a.followup(ctx, p, m)
		if err == nil {
			return nil
		}
		a.forget(to.User, to.Channel)
		a.log.Info("discord ephemeral follow-up failed; looking for a private place", "conv", to.Key(), "err", redact(err))
	}
	if k, err := a.kind(ctx, to.Channel, to.Workspace); err == nil && k.private() {
		return a.post(ctx, to.Channel, m)
	}
	// A public channel or thread: never post a trainee's private message
	// there; their DM with the bot is private.
	dm, err := a.openDM(ctx, to.User)
	if err == nil && dm != to.Channel {
		if to.Workspace != "" && (m.Kind == bot.KindCoaching || m.Kind == bot.KindHint) {
			m.Text = fmt.Sprintf("(About your interview in <#%s>.)\n%s", to.Channel, m.Text)
		}
		if err = a.post(ctx, dm, m); err == nil {
			return nil
		}
	}
	return fmt.Errorf("discord: no private way to reach the user: %w", err)
}

func (a *Adapter) recentInteraction(user, channel string) *pending {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.recent[user+"/"+channel]
	if p == nil || time.Since(p.at) > followupWindow {
		return nil
	}
	return p
}

func (a *Adapter) forget(user, channel string) {
	a.mu.Lock()
	delete(a.recent, user+"/"+channel)
	a.mu.Unlock()
}

func (a *Adapter) watch(channel string) {
	a.mu.Lock()
	a.watched[channel] = true
	a.mu.Unlock()
}

// openDM returns the bot's DM channel with user (cached), and watches it.
func (a *Adapter) openDM(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	dm, ok := a.dms[user]
	a.mu.Unlock()
	if ok {
		return dm, nil
	}
	ch, err := a.s.UserChannelCreate(user, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("opening a DM: %w", redact(err))
	}
	a.mu.Lock()
	a.dms[user] = ch.ID
	a.kinds[ch.ID] = channelKind{typ: discordgo.ChannelTypeDM}
	a.mu.Unlock()
	return ch.ID, nil
}

// post sends m as channel messages.
func (a *Adapter) post(ctx context.Context, channel string, m bot.Message) error {
	for _, p := range render(m) {
		_, err := a.s.ChannelMessageSendComplex(channel, &discordgo.MessageSend{
			Content: p.content, Embeds: p.embeds, Components: p.components, AllowedMentions: noMentions(),
		}, discordgo.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("posting a %s message: %w", m.Kind, redact(err))
		}
	}
	a.log.Debug("discord message posted", "channel", channel, "kind", m.Kind)
	return nil
}

// followup sends m as ephemeral follow-ups to interaction p.
func (a *Adapter) followup(ctx context.Context, p *pending, m bot.Message) error {
	for _, part := range render(m) {
		_, err := a.s.FollowupMessageCreate(p.i, true, &discordgo.WebhookParams{
			Content: part.content, Embeds: part.embeds, Components: part.components,
			Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
		}, discordgo.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("sending a %s follow-up: %w", m.Kind, redact(err))
		}
		p.mu.Lock()
		p.answered = true
		p.mu.Unlock()
	}
	return nil
}

// StartThread gives a session a private place of its own: a private
// thread in the channel (not invitable, with the trainee added; public
// only with Config.PublicThreads), the brief as its first message. In a
// DM, or in a private thread already, the session stays where it is.
//
// It never falls back to a public thread on its own: where a private one
// cannot be made (no Create Private Threads permission, an announcement
// channel, a public thread or forum post) the session opens in the
// trainee's DM with the bot, and the trainee is told why. If that fails
// too, the trainee is told what to do and no session starts.
func (a *Adapter) StartThread(ctx context.Context, in bot.Conversation, first bot.Message) (bot.Conversation, error) {
	if in.Workspace == "" {
		return in, a.post(ctx, in.Channel, first)
	}
	k, err := a.kind(ctx, in.Channel, in.Workspace)
	if err != nil {
		return in, err
	}
	if k.private() || (k.thread() && a.cfg.PublicThreads) {
		a.watch(in.Channel)
		return in, a.post(ctx, in.Channel, first)
	}
	if k.thread() {
		return a.startInDM(ctx, in, first, "this is a public thread, which everyone in the channel can read")
	}
	name := "Practice interview"
	if first.Speaker != "" {
		name = "Interview with " + first.Speaker
	}
	name = truncate(name, 100)
	typ := discordgo.ChannelTypeGuildPrivateThread
	if a.cfg.PublicThreads {
		typ = discordgo.ChannelTypeGuildPublicThread
	}
	th, err := a.s.ThreadStartComplex(in.Channel, &discordgo.ThreadStart{Name: name, AutoArchiveDuration: 1440, Type: typ, Invitable: false}, discordgo.WithContext(ctx))
	if err != nil && typ == discordgo.ChannelTypeGuildPrivateThread {
		a.log.Warn("discord private thread not created; using a DM", "channel", in.Channel, "err", redact(err))
		why := "I can't open a private thread in this channel"
		var rest *discordgo.RESTError
		if errors.As(err, &rest) && rest.Message != nil && rest.Message.Code == discordgo.ErrCodeMissingPermissions {
			why += " (I need the Create Private Threads permission here)"
		}
		return a.startInDM(ctx, in, first, why)
	}
	if err != nil {
		return in, fmt.Errorf("creating a thread: %w", redact(err))
	}
	a.mu.Lock()
	a.kinds[th.ID] = channelKind{typ: th.Type, parent: in.Channel}
	a.watched[th.ID] = true
	a.mu.Unlock()
	if err := a.s.ThreadMemberAdd(th.ID, in.User, discordgo.WithContext(ctx)); err != nil {
		return in, fmt.Errorf("adding the trainee to the thread: %w", redact(err))
	}
	out := in
	out.Channel = th.ID
	if err := a.post(ctx, th.ID, first); err != nil {
		return out, err
	}
	if p := interactionFrom(ctx); p != nil {
		// Said when the event is done, so the session is stored
		// before the trainee follows the link.
		p.setNote(fmt.Sprintf("Your interview with %s is open in <#%s>.", speaker(first), th.ID))
	}
	a.log.Info("discord session thread created", "parent", in.Channel, "thread", th.ID, "user", in.User)
	return out, nil
}

func speaker(m bot.Message) string {
	if m.Speaker == "" {
		return "the character"
	}
	return m.Speaker
}

// startInDM opens the session in the trainee's DM with the bot, because
// no private thread can be had where they asked; the trainee is told why.
func (a *Adapter) startInDM(ctx context.Context, in bot.Conversation, first bot.Message, why string) (bot.Conversation, error) {
	dm, err := a.openDM(ctx, in.User)
	if err == nil {
		out := bot.Conversation{Platform: in.Platform, Channel: dm, User: in.User}
		if err = a.post(ctx, dm, first); err == nil {
			a.watch(dm)
			a.tell(ctx, in, fmt.Sprintf("%s, and practice interviews are private, so your interview with %s is in your direct messages with me instead.", why, speaker(first)))
			a.log.Info("discord session moved to a DM", "channel", in.Channel)
			return out, nil
		}
	}
	a.tell(ctx, in, fmt.Sprintf("%s, and practice interviews are private, so I haven't started one here. I couldn't send you a direct message either: "+
		"allow direct messages from server members (Privacy Settings) and try again, or ask an admin to let me create private threads in this channel.", why))
	return in, fmt.Errorf("discord: nowhere private for the session: %w: %w", redact(err), bot.ErrToldUser)
}

// tell gives the user a short notice: ephemerally as the interaction's
// answer, else in their DM with the bot.
func (a *Adapter) tell(ctx context.Context, to bot.Conversation, text string) {
	if p := interactionFrom(ctx); p != nil && p.user == to.User && p.ackErr == nil {
		p.setNote(text)
		return
	}
	if dm, err := a.openDM(ctx, to.User); err == nil && a.post(ctx, dm, bot.Message{Kind: bot.KindNotice, Text: text}) == nil {
		return
	}
	a.log.Warn("discord: could not tell the user why their request failed", "channel", to.Channel)
}

// kind returns a channel's type and parent, asking Discord once per
// channel. Conversations without a workspace are DMs.
func (a *Adapter) kind(ctx context.Context, channel, workspace string) (channelKind, error) {
	if workspace == "" {
		return channelKind{typ: discordgo.ChannelTypeDM}, nil
	}
	a.mu.Lock()
	k, ok := a.kinds[channel]
	a.mu.Unlock()
	if ok {
		return k, nil
	}
	ch, err := a.s.Channel(channel, discordgo.WithContext(ctx))
	if err != nil {
		return channelKind{}, fmt.Errorf("looking up channel %s: %w", channel, redact(err))
	}
	k = channelKind{typ: ch.Type, parent: ch.ParentID}
	a.mu.Lock()
	a.kinds[channel] = k
	a.mu.Unlock()
	return k, nil
}

// parentOf is a thread's parent channel ("" if unknown or not a thread).
func (a *Adapter) parentOf(ctx context.Context, channel string) string {
	k, err := a.kind(ctx, channel, "guild")
	if err != nil || !k.thread() {
		return ""
	}
	return k.parent
}

// DisplayName is a user's name as the server shows it: their server
// nickname, else their display name, else their username (cached).
func (a *Adapter) DisplayName(ctx context.Context, c bot.Conversation) (string, error) {
	key := c.Workspace + "/" + c.User
	a.mu.Lock()
	name, ok := a.names[key]
	a.mu.Unlock()
	if ok {
		return name, nil
	}
	var u *discordgo.User
	if c.Workspace != "" {
		m, err := a.s.GuildMember(c.Workspace, c.User, discordgo.WithContext(ctx))
		if err != nil {
			return "", fmt.Errorf("looking up a server member: %w", redact(err))
		}
		name, u = m.Nick, m.User
	} else {
		var err error
		if u, err = a.s.User(c.User, discordgo.WithContext(ctx)); err != nil {
			return "", fmt.Errorf("looking up a user: %w", redact(err))
		}
	}
	if name == "" && u != nil {
		name = u.DisplayName()
	}
	if name == "" {
		name = c.User
	}
	a.mu.Lock()
	a.names[key] = name
	a.mu.Unlock()
	return name, nil
}
