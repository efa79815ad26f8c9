package slack_test

// Tests of what Slack enforces and users notice, run through the real
// slack-go client against slackfake, which refuses posts where the bot is
// not a member, hides ephemeral messages addressed to threads Slack would
// not show them in, and limits each response_url to 30 minutes and 5 uses.

import (
	"context"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/adapters/slack"
	"github.com/pivotcoach/pivot/adapters/slack/slackfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/sqlite"
)

// shownTo matches a message user would see (ephemeral or not) containing text.
func shownTo(user, contains string) func(slackfake.Post) bool {
	return func(p slackfake.Post) bool {
		return p.Shown && (!p.Ephemeral || p.User == user) && strings.Contains(p.Text+p.BlocksText(), contains)
	}
}

// viaResponseURL matches an ephemeral response_url answer to user in channel.
func viaResponseURL(channel, user, contains string) func(slackfake.Post) bool {
	return func(p slackfake.Post) bool {
		return p.Method == "response_url" && p.Channel == channel && p.User == user && p.Ephemeral && p.Shown &&
			strings.Contains(p.Text+p.BlocksText(), contains)
	}
}

// startWithTrainers runs the adapter over a database where trainers are
// recorded (pivot trainer add).
func startWithTrainers(t *testing.T, fake *slackfake.Server, trainers ...string) *harness {
	t.Helper()
	path := dbFile(t)
	pre, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range trainers {
		if err := pre.AddTrainer(context.Background(), bot.TrainerID{Platform: "slack", User: u}); err != nil {
			t.Fatal(err)
		}
	}
	pre.Close()
	return start(t, fake, path)
}

// Defect 1: slash commands work in any conversation, but the bot can post
// only where it is a member. In a channel it is not in, a DM between two
// people and a group DM every answer (notices included) comes through the
// command's response_url, and an interview opens in the bot's own DM.
func TestSlashCommandWhereBotIsNotAMember(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	const (
		elsewhere = "C0ELSEWHERE"     // a channel the bot was never added to
		peerDM    = "D0ALICEBOB"      // alice's DM with bob
		groupDM   = "G0ALICEBOBCAROL" // a group DM
	)
	fake.Outside(elsewhere, peerDM, groupDM)
	h := start(t, fake, dbFile(t))

	h.slash(elsewhere, alice, "help")
	h.waitPosts("help through the response_url", 1, viaResponseURL(elsewhere, alice, "start SCENARIO"))

	h.slash(groupDM, alice, "end")
	h.waitPosts("the no-interview notice through the response_url", 1, viaResponseURL(groupDM, alice, "There is no interview open here"))

	h.slash(peerDM, alice, "start jennifer")
	h.waitPosts("the notice that the interview moved", 1, viaResponseURL(peerDM, alice, "direct messages"))
	// The interview is in the bot's own DM with alice, which conversations.open gave.
	dm := ""
	h.waitUntil("the opening line in the bot's DM", func() bool {
		for _, p := range fake.Posts() {
			if strings.HasPrefix(p.Channel, "D0000") && strings.HasPrefix(p.Text, "*Jennifer:*") {
				dm = p.Channel
				return true
			}
		}
		return false
	})
	h.say(dm, alice, "", "Can you tell me a bit about how things are at home?")
	h.waitPosts("a reply in the DM", 2, character(dm, ""))
	for _, p := range fake.Posts() {
		if p.Method != "response_url" && (p.Channel == elsewhere || p.Channel == peerDM || p.Channel == groupDM) {
			t.Errorf("a post was accepted where the bot is not a member: %+v", p)
		}
	}
	t.Logf("transcript as the fake saw it:\n%s", transcript(fake.Posts()))
}

// Defect 3: answers to buttons are shown. The trainer's Status and End
// buttons sit on an ephemeral message, and Join's notices come from a card
// with no replies; an ephemeral answer in either's "thread" is never shown.
func TestButtonAnswersAreShown(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := startWithTrainers(t, fake, "UTRAIN")
	h.slash("C1", "UTRAIN", "group start jennifer")
	card := h.waitPosts("the exercise card", 1, func(p slackfake.Post) bool {
		return p.Channel == "C1" && !p.Ephemeral && strings.Contains(p.Text, "Group exercise 1")
	})[0]
	note := h.waitPosts("the trainer's note", 1, ephemeralTo("C1", "", "UTRAIN", "You started group exercise 1"))[0]
	if !strings.Contains(note.BlocksText(), "group status 1") {
		t.Fatalf("the trainer's note has no Status button: %s", note.BlocksText())
	}

	h.push("interactive", fake.BlockActionOn(note, "UTRAIN", slack.ActionPrefix+"0", "group status 1"))
	h.waitPosts("the status table, shown", 1, shownTo("UTRAIN", "Trainees in group exercise 1"))

	h.push("interactive", fake.BlockActionOn(card, "U1", slack.ActionPrefix+"0", "group join 1"))
	h.waitPosts("U1's opening line", 1, func(p slackfake.Post) bool { return p.Channel == "C1" && strings.HasPrefix(p.Text, "*Jennifer:*") })
	h.push("interactive", fake.BlockActionOn(card, "U1", slack.ActionPrefix+"0", "group join 1"))
	h.waitPosts("the already-joined notice, shown", 1, shownTo("U1", "already joined"))

	h.push("interactive", fake.BlockActionOn(note, "UTRAIN", slack.ActionPrefix+"1", "group end 1"))
	h.waitPosts("the trainer's table after End, shown", 2, shownTo("UTRAIN", "Trainees in group exercise 1"))
	h.push("interactive", fake.BlockActionOn(card, "U2", slack.ActionPrefix+"0", "group join 1"))
	h.waitPosts("the has-ended notice, shown", 1, shownTo("U2", "has ended"))

	for _, p := range fake.Posts() {
		if !p.Shown {
			t.Errorf("a post no one would see: %+v", p)
		}
	}
}

// Defect 4: /pivot start X where an interview is open refuses before
// posting anything: no second brief, no stray buttons acting on the old
// session.
func TestStartWithInterviewOpenRefusesFirst(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))
	const dm = "D0ALICE"
	h.slash(dm, alice, "start jennifer")
	h.waitPosts("the opening line", 1, character(dm, ""))
	h.slash(dm, alice, "start brian")
	h.waitPosts("the refusal", 1, ephemeralTo(dm, "", alice, "already have an interview with Jennifer"))
	briefs := filter(fake.Posts(), func(p slackfake.Post) bool {
		return len(p.BlocksOfType("actions")) > 0 && strings.Contains(p.Text, "Say *hint*")
	})
	if len(briefs) != 1 {
		t.Errorf("%d briefs with buttons posted, want 1 (Jennifer's)\n%s", len(briefs), transcript(fake.Posts()))
	}
}

// Defect 5: group numbers are sequential, so a group is joined only from
// its own workspace and channel, never by number from elsewhere.
func TestGroupJoinOnlyFromItsChannel(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := startWithTrainers(t, fake, "UTRAIN")
	h.slash("C1", "UTRAIN", "group start jennifer")
	card := h.waitPosts("the exercise card", 1, func(p slackfake.Post) bool { return p.Channel == "C1" && strings.Contains(p.Text, "Group exercise 1") })[0]

	h.slash("C2", "U9", "join 1")
	h.waitPosts("the refusal in C2", 1, ephemeralTo("C2", "", "U9", "no group exercise 1 in this channel"))
	h.slash("D0U9", "U9", "join 1")
	h.waitPosts("the refusal in a DM", 1, ephemeralTo("D0U9", "", "U9", "no group exercise 1"))
	h.slash("C1", "U8", "join 1")
	h.waitPosts("U8's opening line", 1, func(p slackfake.Post) bool { return p.Channel == "C1" && strings.HasPrefix(p.Text, "*Jennifer:*") })

	// The card's join code works from a direct message in the workspace.
	i := strings.Index(card.Text, "join 1-")
	if i < 0 {
		t.Fatalf("the card shows no join code: %q", card.Text)
	}
	code := strings.TrimRight(strings.Fields(card.Text[i+len("join "):])[0], "*,")
	h.slash("D0U7", "U7", "join "+code)
	h.waitPosts("U7's opening line in the DM", 1, character("D0U7", ""))

	members, err := h.db.Sessions(context.Background(), bot.SessionFilter{GroupID: 1})
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, m := range members {
		who = append(who, m.Conv.User)
	}
	if got := strings.Join(who, ","); got != "U7,U8" && got != "U8,U7" {
		t.Errorf("group 1 members = %s, want U7 and U8 (from the channel, and with the code)", got)
	}
}

// Defect 7: a report with names:on shows display names (users.info, asked
// once per trainee), not user ids.
func TestReportNamesAreDisplayNames(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	fake.SetUser(slackfake.User{ID: "U1", Name: "uma", RealName: "Uma Okafor", DisplayName: "Uma O"})
	fake.SetUser(slackfake.User{ID: "U2", Name: "vic", RealName: "Victor Lind"})
	h := startWithTrainers(t, fake, "UTRAIN")
	h.slash("C1", "UTRAIN", "group start jennifer")
	h.waitPosts("the exercise card", 1, func(p slackfake.Post) bool { return p.Channel == "C1" && strings.Contains(p.Text, "Group exercise 1") })
	threads := map[string]string{}
	for _, u := range []string{"U1", "U2"} {
		before := len(fake.Posts())
		h.slash("C1", u, "join 1")
		h.waitUntil(u+"'s thread", func() bool {
			for _, p := range fake.Posts()[before:] {
				if p.Channel == "C1" && strings.HasPrefix(p.Text, "*Jennifer:*") {
					threads[u] = p.ThreadTS
					return true
				}
			}
			return false
		})
		h.say("C1", u, threads[u], "Can you tell me a bit about how things are at home?")
		h.waitPosts(u+"'s reply", 2, character("C1", threads[u]))
	}
	h.slash("C1", "UTRAIN", "group status")
	status := h.waitPosts("the status table", 1, ephemeralTo("C1", "", "UTRAIN", "Trainees in group exercise 1"))[0]
	h.slash("C1", "UTRAIN", "group end names:on")
	room := h.waitPosts("the room debrief", 1, func(p slackfake.Post) bool {
		return p.Channel == "C1" && !p.Ephemeral && strings.Contains(p.Text, "Group debrief")
	})[0]
	for _, text := range []string{status.Text, room.Text} {
		if !strings.Contains(text, "Uma O") || !strings.Contains(text, "Victor Lind") {
			t.Errorf("report does not name the trainees:\n%s", text)
		}
		if strings.Contains(text, "• U1") || strings.Contains(text, "• U2") {
			t.Errorf("report shows user ids:\n%s", text)
		}
	}
	if n := fake.UserInfoCalls("U1"); n != 1 {
		t.Errorf("users.info asked %d times for U1, want 1 (cached)", n)
	}
}

// Unrelated chatter in a channel the bot is in is not logged at info
// (who said something where is the trainees' business).
func TestChatterNotLoggedAtInfo(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	h := start(t, fake, dbFile(t))
	const chatter = "U0CHATTER"
	h.say(channel, chatter, "", "lunch anyone?")
	// The same trainee queue: once help is answered, the chatter was handled.
	h.slash(channel, chatter, "help")
	h.waitPosts("help", 1, ephemeralTo(channel, "", chatter, "start SCENARIO"))
	if logs := h.logs.String(); strings.Contains(logs, "kind=message") {
		t.Errorf("a channel message was logged at info:\n%s", logs)
	}
}
