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

// SendPrivate shows m to the conversation's user only, where Discord
// allows it: as an ephemeral follow-up to the interaction being answered,
// else to the user's latest interaction in that channel if its token is
// still good (for 15 minutes, so coaching after a typed reply stays
// private once the trainee has used a button or command in the thread).
// Otherwise it is posted in the channel: a session's private thread or
// DM, which only the trainee sees.
func (a *Adapter) SendPrivate(ctx context.Context, to bot.Conversation, m bot.Message) error {
	m.Private = true
	if p := interactionFrom(ctx); p != nil && p.user == to.User {
		if p.ackErr == nil {
			return a.followup(ctx, p, m)
		}
	} else if p := a.recentInteraction(to.User, to.Channel); p != nil {
		err := a.followup(ctx, p, m)
		if err == nil {
			return nil
		}
		a.log.Warn("discord ephemeral follow-up failed; posting in the channel", "conv", to.Key(), "err", redact(err))
	}
	if to.Workspace != "" && !a.isWatched(to.Channel) {
		// Never post a trainee's private message in an open channel.
		return errors.New("discord: no way to send a private message here")
	}
	return a.post(ctx, to.Channel, m)
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

func (a *Adapter) isWatched(channel string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.watched[channel]
}

func (a *Adapter) watch(channel string) {
	a.mu.Lock()
	a.watched[channel] = true
	a.mu.Unlock()
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

// StartThread gives a session its own thread: a private thread in the
// channel (public with Config.PublicThreads, or if a private one cannot
// be made) with the trainee added, the brief as its first message. In a
// DM, or in a thread already, the session stays where it is.
func (a *Adapter) StartThread(ctx context.Context, in bot.Conversation, first bot.Message) (bot.Conversation, error) {
	if in.Workspace == "" {
		return in, a.post(ctx, in.Channel, first)
	}
	isThread, err := a.isThread(ctx, in.Channel)
	if err != nil {
		return in, err
	}
	if isThread {
		a.watch(in.Channel)
		return in, a.post(ctx, in.Channel, first)
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
	th, err := a.s.ThreadStartComplex(in.Channel, &discordgo.ThreadStart{Name: name, AutoArchiveDuration: 1440, Type: typ}, discordgo.WithContext(ctx))
	if err != nil && typ == discordgo.ChannelTypeGuildPrivateThread {
		a.log.Warn("discord private thread not created; trying a public one", "channel", in.Channel, "err", redact(err))
		th, err = a.s.ThreadStartComplex(in.Channel, &discordgo.ThreadStart{Name: name, AutoArchiveDuration: 1440, Type: discordgo.ChannelTypeGuildPublicThread}, discordgo.WithContext(ctx))
	}
	if err != nil {
		return in, fmt.Errorf("creating a thread: %w", redact(err))
	}
	a.mu.Lock()
	a.threads[th.ID] = true
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
		who := first.Speaker
		if who == "" {
			who = "the character"
		}
		p.setNote(fmt.Sprintf("Your interview with %s is open in <#%s>.", who, th.ID))
	}
	a.log.Info("discord session thread created", "parent", in.Channel, "thread", th.ID, "user", in.User)
	return out, nil
}

// isThread reports whether a guild channel is a thread, asking Discord
// once per channel.
func (a *Adapter) isThread(ctx context.Context, channel string) (bool, error) {
	a.mu.Lock()
	v, ok := a.threads[channel]
	a.mu.Unlock()
	if ok {
		return v, nil
	}
	ch, err := a.s.Channel(channel, discordgo.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("looking up channel %s: %w", channel, redact(err))
	}
	a.mu.Lock()
	a.threads[channel] = ch.IsThread()
	a.mu.Unlock()
	return ch.IsThread(), nil
}
