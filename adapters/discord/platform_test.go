package discord

// Tests of what Discord enforces and users notice, through the real
// discordgo client against discordfake, which refuses private threads
// without the Create Private Threads permission (50013), in announcement
// channels and inside threads (50024), refuses DMs to users who block
// them (50007), and lets interaction tokens lapse (50027).

import (
	"context"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/adapters/discord/discordfake"
	"github.com/pivotcoach/pivot/bot"
)

// noPublicThreads fails if the fake holds any public thread.
func noPublicThreads(t *testing.T, f *discordfake.Server, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if c, ok := f.ChannelInfo(id); ok && c.Type == discordfake.PublicThread {
			t.Errorf("channel %s is a public thread", id)
		}
	}
	for _, r := range f.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/threads") && strings.Contains(r.Body, `"type":11`) {
			t.Errorf("a public thread was requested: %s", r)
		}
	}
}

// waitDM waits for a message in the bot's DM with user containing text.
func (h *harness) waitDM(user, contains string) discordfake.Message {
	h.t.Helper()
	return h.waitMessage("a DM to "+user+" with "+contains, func(m discordfake.Message) bool {
		dm, ok := h.fake.DMChannel(user)
		return ok && m.ChannelID == dm && m.Via == "channel" && strings.Contains(m.Content, contains)
	})
}

// Defect 2: where a private thread cannot be made, the interview never
// becomes public: it opens in the trainee's DM with the bot and the
// trainee is told why. Where no DM can be sent either, the trainee is told
// and nothing is posted.
func TestNoSilentFallbackToPublicThread(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fake
	const (
		announcements = "300000000000000010"
		publicThread  = "300000000000000011"
	)
	f.AddChannel(discordfake.Channel{ID: announcements, Type: discordfake.Announcement, GuildID: guildID, Name: "news"})
	f.AddChannel(discordfake.Channel{ID: publicThread, Type: discordfake.PublicThread, GuildID: guildID, ParentID: channelID, Name: "chat"})
	f.DenyPrivateThreads(channelID)

	for i, where := range []string{channelID, announcements, publicThread} {
		u := trainee(5+i, where)
		e := h.dispatch(f.SlashCommand(u, "start", "scenario", "jennifer"))
		note := h.waitMessage("the start command's answer", func(m discordfake.Message) bool {
			return m.Interaction == e.ID && m.Via == "original"
		})
		if !strings.Contains(note.Content, "direct messages") {
			t.Errorf("in %s the trainee was told %q, want where the interview went", where, note.Content)
		}
		if where == channelID && !strings.Contains(note.Content, "Create Private Threads") {
			t.Errorf("the notice %q does not name the missing permission", note.Content)
		}
		h.waitDM(u.User, "**Jennifer:**")
		dm, _ := f.DMChannel(u.User)
		h.dispatch(f.UserMessage(discordfake.Who{Channel: dm, User: u.User, Username: u.Username}, "Can you tell me a bit about how things are at home?"))
		h.waitIdle()
		if n := len(h.messagesIn(dm)); n < 3 {
			t.Errorf("the DM interview has %d messages, want brief, opening and a reply", n)
		}
		if got := h.messagesIn(where); len(got) != 0 {
			t.Errorf("%d messages posted in %s, which others can read", len(got), where)
		}
	}

	// No private thread, no DM: told, and no session.
	u := trainee(8, channelID)
	f.BlockDMs(u.User)
	e := h.dispatch(f.SlashCommand(u, "start", "scenario", "jennifer"))
	note := h.waitMessage("the refusal", func(m discordfake.Message) bool { return m.Interaction == e.ID && m.Via == "original" })
	if !strings.Contains(note.Content, "haven't started") {
		t.Errorf("the trainee was told %q", note.Content)
	}
	h.waitIdle()
	if open, _ := h.store.ListOpenSessions(context.Background(), Platform); len(open) != 3 {
		t.Errorf("%d open sessions, want 3 (none for the trainee with nowhere private)", len(open))
	}
	noPublicThreads(t, f)
}

// Defect 2, continued: once the interaction token has lapsed, private
// messages (here the history asked for in the thread) go to the
// trainee's DM, not into a thread others can read (public threads, by
// the admin's choice).
func TestPrivateMessagesStayPrivateAfterTokenLapses(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.PublicThreads = true })
	f := h.fake
	u := trainee(1, channelID)
	thread := h.startSession(u)
	ut := trainee(1, thread)
	brief := h.messagesIn(thread)[0]
	click := h.dispatch(f.ButtonClick(ut, "hint", brief.ID))
	h.waitMessage("the hint", func(m discordfake.Message) bool { return m.Interaction == click.ID && m.Via == "followup" })
	h.waitIdle()
	f.ExpireInteractions()
	before := len(h.messagesIn(thread))
	h.dispatch(f.UserMessage(ut, "history"))
	h.waitDM(u.User, "")
	h.waitIdle()
	if got := h.messagesIn(thread)[before:]; len(got) != 0 {
		t.Errorf("a private message was posted in the public thread: %q", got[0].Content)
	}
}

// Defect 6: a mention outside a session is answered (privately: in the
// DM), not ignored.
func TestMentionOutsideSessionIsAnswered(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fake
	u := trainee(1, channelID)
	h.dispatch(f.UserMessage(u, "<@"+f.BotID+"> help"))
	h.waitDM(u.User, "start SCENARIO")
	if got := h.messagesIn(channelID); len(got) != 0 {
		t.Errorf("the help was posted in the channel: %q", got[0].Content)
	}
}

// Defect 6: /pivot hint and /pivot end typed in the parent channel act on
// the trainee's session in its thread.
func TestSessionCommandFromParentChannel(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fake
	u := trainee(1, channelID)
	thread := h.startSession(u)
	hint := h.dispatch(f.SlashCommand(u, "hint"))
	m := h.waitMessage("the hint", func(m discordfake.Message) bool { return m.Interaction == hint.ID && m.Via == "followup" })
	if !m.Ephemeral() || !strings.HasPrefix(m.Content, "Hint (") {
		t.Errorf("hint from the parent channel = %+v", m)
	}
	end := h.dispatch(f.SlashCommand(u, "end"))
	h.waitMessage("the debrief in the thread", func(m discordfake.Message) bool { return m.ChannelID == thread && len(m.Embeds) > 0 })
	note := h.waitMessage("end's answer", func(m discordfake.Message) bool { return m.Interaction == end.ID && m.Via == "original" })
	if !strings.Contains(note.Content, "<#"+thread+">") {
		t.Errorf("end from the parent channel answered %q, want a pointer to the thread", note.Content)
	}
	if _, err := h.store.OpenSession(context.Background(), bot.Conversation{Platform: Platform, Workspace: guildID, Channel: thread, User: u.User}); err == nil {
		t.Error("the session is still open")
	}
}

// Defect 6: a click is acknowledged without a message of its own (no
// extra ephemeral "Done."); the private thread is not invitable.
func TestClicksLeaveNoDoneAndThreadsNotInvitable(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fake
	u := trainee(1, channelID)
	thread := h.startSession(u)
	if c, _ := f.ChannelInfo(thread); c.Type != discordfake.PrivateThread || c.Invitable {
		t.Errorf("session thread = %+v, want a private thread trainees cannot invite others to", c)
	}
	brief := h.messagesIn(thread)[len(h.messagesIn(thread))-2]
	click := h.dispatch(f.ButtonClick(trainee(1, thread), "end", brief.ID))
	h.waitMessage("the debrief", func(m discordfake.Message) bool { return m.ChannelID == thread && len(m.Embeds) > 0 })
	h.waitIdle()
	if cb := h.callback(click.ID); cb.Type != 6 {
		t.Errorf("the End click was acknowledged with type %d, want 6 (deferred update, no message)", cb.Type)
	}
	for _, m := range f.Messages() {
		if m.Interaction == click.ID {
			t.Errorf("the End click left a message of its own: %q", m.Content)
		}
	}
}

// Defect 7: names:on shows server nicknames / display names, looked up
// once per trainee.
func TestReportNamesAreDisplayNames(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fake
	trainer := trainee(9, channelID)
	if err := h.store.AddTrainer(context.Background(), bot.TrainerID{Platform: Platform, User: trainer.User}); err != nil {
		t.Fatal(err)
	}
	u1, u2 := trainee(1, channelID), trainee(2, channelID)
	f.SetMember(discordfake.Member{Guild: guildID, User: u1.User, Username: "uma", GlobalName: "Uma Okafor", Nick: "Uma (ward 3)"})
	f.SetMember(discordfake.Member{Guild: guildID, User: u2.User, Username: "vic", GlobalName: "Victor Lind"})
	h.dispatch(f.SlashCommand(trainer, "group", "what", "start jennifer"))
	h.waitMessage("the card", func(m discordfake.Message) bool {
		return m.ChannelID == channelID && strings.Contains(m.Content, "Group exercise 1")
	})
	for _, u := range []discordfake.Who{u1, u2} {
		e := h.dispatch(f.SlashCommand(u, "join", "exercise", "1"))
		note := h.waitMessage("the join answer", func(m discordfake.Message) bool { return m.Interaction == e.ID && m.Via == "original" })
		thread := note.Content[strings.Index(note.Content, "<#")+2 : strings.Index(note.Content, ">")]
		start := len(h.messagesIn(thread))
		h.dispatch(f.UserMessage(discordfake.Who{Guild: guildID, Channel: thread, User: u.User}, "Can you tell me a bit about how things are at home?"))
		h.waitMessage("a reply", func(discordfake.Message) bool { return len(h.messagesIn(thread)) > start })
	}
	h.waitIdle()
	h.dispatch(f.SlashCommand(trainer, "group", "what", "status"))
	h.dispatch(f.SlashCommand(trainer, "group", "what", "end names:on"))
	room := h.waitMessage("the room debrief", func(m discordfake.Message) bool {
		return m.ChannelID == channelID && m.Via == "channel" && strings.Contains(m.Content, "Group debrief")
	})
	h.waitIdle()
	var text string
	for _, m := range h.messagesIn(channelID) {
		if strings.Contains(m.Content, "Trainees in group exercise") || m.ID == room.ID {
			text += m.Content
		}
	}
	if !strings.Contains(text, "Uma (ward 3)") || !strings.Contains(text, "Victor Lind") {
		t.Errorf("the room debrief does not name the trainees:\n%s", text)
	}
	if strings.Contains(text, u1.User) || strings.Contains(text, u2.User) {
		t.Errorf("the room debrief shows user ids:\n%s", text)
	}
	if n := f.MemberCalls(u1.User); n != 1 {
		t.Errorf("member looked up %d times, want 1 (cached)", n)
	}
}
