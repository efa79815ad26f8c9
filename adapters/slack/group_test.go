package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/adapters/slack/slackfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/sqlite"
)

// A group exercise through the real slack-go client and the fake: the
// trainer starts it, two trainees press Join on the card, one practises,
// a trainee's "group end" is refused, the trainer ends it.
func TestGroupExerciseStartJoinEnd(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	path := dbFile(t)
	// The trainer is recorded in the database (pivot trainer add).
	pre, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pre.AddTrainer(context.Background(), bot.TrainerID{Platform: "slack", User: "UTRAIN"}); err != nil {
		t.Fatal(err)
	}
	pre.Close()
	h := start(t, fake, path)

	h.slash("C1", "UTRAIN", "group start jennifer")
	cards := h.waitPosts("the exercise card", 1, func(p slackfake.Post) bool {
		return p.Channel == "C1" && p.ThreadTS == "" && !p.Ephemeral && strings.Contains(p.Text, "Group exercise 1") && len(p.BlocksOfType("actions")) > 0
	})
	card := cards[0]
	if !strings.Contains(card.BlocksText(), "group join 1") {
		t.Fatalf("card has no Join button: %s", card.BlocksText())
	}

	briefs := func() []slackfake.Post {
		return filter(h.fake.Posts(), func(p slackfake.Post) bool {
			return p.Channel == "C1" && p.ThreadTS == "" && !p.Ephemeral && strings.Contains(p.Text, "Say *hint*")
		})
	}
	h.click("C1", "U1", card.TS, "", "group join 1")
	h.waitUntil("U1's session thread", func() bool { return len(briefs()) == 1 })
	h.click("C1", "U2", card.TS, "", "group join 1")
	h.waitUntil("U2's session thread", func() bool { return len(briefs()) == 2 })
	t1, t2 := briefs()[0].TS, briefs()[1].TS
	h.waitPosts("opening lines", 1, character("C1", t2))

	h.say("C1", "U1", t1, "What have you done to keep the boys safe when Brian drinks?")
	h.waitPosts("Jennifer's reply", 2, character("C1", t1))

	h.slash("C1", "U2", "group end")
	h.waitPosts("a refusal", 1, ephemeralTo("C1", "", "U2", "only trainers"))

	h.slash("C1", "UTRAIN", "group end")
	for _, th := range []string{t1, t2} {
		h.waitPosts("a debrief in "+th, 1, func(p slackfake.Post) bool {
			return p.Channel == "C1" && p.ThreadTS == th && strings.Contains(p.Text+p.BlocksText(), "Debrief")
		})
	}
	room := h.waitPosts("the group debrief", 1, func(p slackfake.Post) bool {
		return p.Channel == "C1" && p.ThreadTS == "" && !p.Ephemeral && strings.Contains(p.Text, "Group debrief")
	})
	if strings.Contains(room[0].Text, "U1") || strings.Contains(room[0].Text, "U2") {
		t.Errorf("group debrief names trainees:\n%s", room[0].Text)
	}
	h.waitPosts("the trainer's table", 1, ephemeralTo("C1", "", "UTRAIN", "Trainees in group exercise 1"))
}
