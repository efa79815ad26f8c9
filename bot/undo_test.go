package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

func stateJSON(t *testing.T, st dialogue.State) string {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func turnTexts(t *testing.T, s bot.Store, id int64) []string {
	t.Helper()
	recs, err := s.Turns(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Turn.Text)
	}
	return out
}

// Undo takes back the last turn exactly — engine state (trust,
// disclosures, phase timeline, everything) and the stored turns — keeps
// the turn taken back, and the debrief shows both versions while its
// figures, and the history's, count only the version kept.
func TestUndoRestoresStateExactlyAndTheDebriefShowsBothVersions(t *testing.T) {
	h := newGroupRig(t)
	ctx := context.Background()
	th := chanConv("U1")
	h.cmd(th, "start jennifer")
	th = h.threadOf("U1")
	h.say(th, goodLines[0])
	h.say(th, goodLines[3])
	before, err := h.store.OpenSession(ctx, th)
	if err != nil {
		t.Fatal(err)
	}
	keptTurns := turnTexts(t, h.store, before.ID)

	h.say(th, blameSurvivor)
	blamed, _ := h.store.OpenSession(ctx, th)
	if blamed.State.Trust >= before.State.Trust || len(blamed.State.Phases) == len(before.State.Phases) && blamed.State.Turn == before.State.Turn {
		t.Fatalf("the blaming line changed nothing to take back: %+v", blamed.State)
	}
	coaching := h.privateTo(bot.KindCoaching, "U1")
	if len(coaching) == 0 || !slices.Contains(coaching[len(coaching)-1].Buttons, bot.Button{Label: "Undo", Action: "undo"}) {
		t.Errorf("coaching after a blaming line has no Undo button: %+v", coaching)
	}

	h.say(th, "undo")
	after, err := h.store.OpenSession(ctx, th)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stateJSON(t, after.State), stateJSON(t, before.State); got != want {
		t.Errorf("state after undo:\n%s\nwant the state before the turn:\n%s", got, want)
	}
	if got := turnTexts(t, h.store, before.ID); !slices.Equal(got, keptTurns) {
		t.Errorf("stored turns after undo = %q, want %q", got, keptTurns)
	}
	undone, err := h.store.UndoneTurns(ctx, before.ID)
	if err != nil || len(undone) != 1 || undone[0].Turn.Text != blameSurvivor || undone[0].Turn.Number != 3 {
		t.Fatalf("undone turns = %+v, %v; want the blaming line kept as turn 3", undone, err)
	}
	if n := lastText(h.privateTo(bot.KindNotice, "U1")); !strings.Contains(n, "Turn 3 taken back") {
		t.Errorf("undo notice = %q", n)
	}

	better := "What has Brian done when you have tried to leave or get help?"
	h.say(th, better)
	h.say(th, goodLines[1])
	h.say(th, "end")
	debriefs := h.chat.Of(bot.KindDebrief, "U1")
	if len(debriefs) != 1 {
		t.Fatalf("%d debriefs", len(debriefs))
	}
	d := debriefs[0].Debrief
	if d.Turns != 4 || d.NonBlaming != 4 || len(d.Blaming) != 0 {
		t.Errorf("debrief counts %d turns, %d non-blaming, %d blaming findings; want only the 4 kept, all non-blaming", d.Turns, d.NonBlaming, len(d.Blaming))
	}
	if d.Undos != 1 || len(d.Redone) != 1 || d.Redone[0].Turn != 3 || d.Redone[0].Tried[0].Text != blameSurvivor ||
		d.Redone[0].Tried[0].Label != dialogue.Blaming || d.Redone[0].Kept == nil || d.Redone[0].Kept.Text != better {
		t.Errorf("debrief redos = %d %+v", d.Undos, d.Redone)
	}
	text := debriefs[0].Text
	for _, want := range []string{"you took back 1 turn", "“" + blameSurvivor + "” (blaming", "Kept: “" + better + "” (non-blaming"} {
		if !strings.Contains(text, want) {
			t.Errorf("debrief text lacks %q:\n%s", want, text)
		}
	}
	rows, err := h.bot.History(ctx, "test", "U1", 5)
	if err != nil || len(rows) != 1 || rows[0].Turns != 4 || rows[0].NonBlaming != 4 {
		t.Errorf("history = %+v, %v; want 4 turns, all non-blaming", rows, err)
	}
}

// Undo before any turn is refused with a reason, and changes nothing.
func TestUndoWithNothingSaid(t *testing.T) {
	h := newGroupRig(t)
	h.cmd(chanConv("U1"), "start jennifer")
	th := h.threadOf("U1")
	h.say(th, "undo")
	if n := lastText(h.privateTo(bot.KindNotice, "U1")); !strings.Contains(n, "nothing to take back") {
		t.Errorf("notice = %q", n)
	}
}

// A trainer can switch undo off for an assessed group exercise: the card
// and the joiner are told, coaching has no Undo button, and an undo is
// refused with the reason and takes nothing back.
func TestUndoOffInAnAssessedGroupExercise(t *testing.T) {
	h := newGroupRig(t)
	ctx := context.Background()
	h.cmd(chanConv("T1"), "group start jennifer no-undo")
	cards := h.chat.Of(bot.KindGroup, "T1")
	if len(cards) != 1 || !strings.Contains(cards[0].Text, "Undo is off") {
		t.Fatalf("card = %+v; want it to say undo is off", cards)
	}
	h.cmd(chanConv("U2"), "join")
	th := h.threadOf("U2")
	if n := h.privateTo(bot.KindNotice, "U2"); !slices.ContainsFunc(n, func(m bot.Message) bool { return strings.Contains(m.Text, "Undo is off") }) {
		t.Errorf("joiner not told undo is off: %+v", n)
	}
	h.say(th, goodLines[0])
	h.say(th, blameSurvivor)
	for _, m := range h.privateTo(bot.KindCoaching, "U2") {
		if slices.Contains(m.Buttons, bot.Button{Label: "Undo", Action: "undo"}) {
			t.Errorf("coaching offers Undo in a no-undo exercise")
		}
	}
	h.say(th, "undo")
	if n := lastText(h.privateTo(bot.KindNotice, "U2")); !strings.Contains(n, "Undo is off in this group exercise") {
		t.Errorf("refusal = %q", n)
	}
	s, err := h.store.OpenSession(ctx, th)
	if err != nil || s.State.Turn != 2 {
		t.Errorf("after a refused undo the session is at turn %d (%v), want 2", s.State.Turn, err)
	}
}

// Trainers open any session of their groups' members, by number or by
// trainee; trainees only their own; anyone else is refused clearly. The
// review has every stored turn.
func TestReviewAccess(t *testing.T) {
	h := newGroupRig(t)
	ctx := context.Background()
	h.cmd(chanConv("T1"), "group start jennifer")
	h.cmd(chanConv("U2"), "join")
	th := h.threadOf("U2")
	h.say(th, goodLines[0])
	h.say(th, blameMutual)
	s, err := h.store.OpenSession(ctx, th)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(s.ID)
	// "review" alone in the interview's thread is for the bot, not Jennifer.
	h.chat.Reset()
	h.say(th, "review")
	if got := lastText(h.privateTo(bot.KindReport, "U2")); !strings.Contains(got, "You: "+blameMutual) {
		t.Errorf("review said in the thread: %q", got)
	}
	if after, _ := h.store.OpenSession(ctx, th); after.State.Turn != 2 {
		t.Errorf("review was said to the character: turn %d", after.State.Turn)
	}
	for _, c := range []struct{ who, cmd string }{{"T1", "review " + id}, {"T1", "review <@U2>"}, {"U2", "review"}, {"U2", "review #" + id}} {
		h.chat.Reset()
		h.cmd(chanConv(c.who), c.cmd)
		got := lastText(h.privateTo(bot.KindReport, c.who))
		for _, line := range []string{goodLines[0], blameMutual} {
			if !strings.Contains(got, "You: "+line) {
				t.Errorf("%s %q: review lacks %q:\n%s", c.who, c.cmd, line, got)
			}
		}
	}
	for _, c := range []struct{ who, cmd, want string }{
		{"U3", "review " + id, "you can review your own sessions"},
		{"T2", "review " + id, "trainers can review their own sessions and those of the members of group exercises they run"},
		{"U3", "review <@U2>", "you can review your own sessions"},
	} {
		h.chat.Reset()
		h.cmd(chanConv(c.who), c.cmd)
		if len(h.privateTo(bot.KindReport, c.who)) != 0 {
			t.Errorf("%s %q: review shown to someone who may not see it", c.who, c.cmd)
		}
		if n := lastText(h.privateTo(bot.KindNotice, c.who)); !strings.Contains(n, c.want) {
			t.Errorf("%s %q: refusal = %q, want %q", c.who, c.cmd, n, c.want)
		}
	}
}
