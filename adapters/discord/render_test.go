package discord

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/pivotcoach/pivot/adapters/discord/discordfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

func TestRenderSplitsLongText(t *testing.T) {
	var b strings.Builder
	for i := 0; bot.Width(b.String()) < 5000; i++ {
		fmt.Fprintf(&b, "line %d: %s\n", i, strings.Repeat("ä", i%50))
	}
	m := bot.Message{Kind: bot.KindNotice, Text: b.String(), Buttons: []bot.Button{{Label: "End", Action: "end"}, {Label: "Hint", Action: "hint"}}}
	parts := render(m)
	if len(parts) < 3 {
		t.Fatalf("got %d parts, want at least 3", len(parts))
	}
	var joined strings.Builder
	for i, p := range parts {
		if n := bot.Width(p.content); n > maxContent || strings.TrimSpace(p.content) == "" {
			t.Errorf("part %d has %d characters", i, n)
		}
		if !strings.HasSuffix(p.content, "\n") && i < len(parts)-1 {
			t.Errorf("part %d does not end on a line boundary", i)
		}
		if (len(p.components) > 0) != (i == len(parts)-1) {
			t.Errorf("part %d: buttons must be on the last part only", i)
		}
		joined.WriteString(p.content)
	}
	if joined.String() != m.Text {
		t.Errorf("text lost in splitting")
	}
	row := parts[len(parts)-1].components[0].(discordgo.ActionsRow)
	if b := row.Components[0].(discordgo.Button); b.CustomID != "end" || b.Style != discordgo.DangerButton {
		t.Errorf("end button = %+v", b)
	}
}

func TestRenderCharacterNamesSpeaker(t *testing.T) {
	parts := render(bot.Message{Kind: bot.KindCharacter, Speaker: "Jennifer", Text: "Come in."})
	if len(parts) != 1 || parts[0].content != "**Jennifer:** Come in." {
		t.Errorf("got %+v", parts)
	}
}

func TestButtonsWithinLimits(t *testing.T) {
	var bs []bot.Button
	for i := 0; i < 40; i++ {
		bs = append(bs, bot.Button{Label: strings.Repeat("x", 100), Action: fmt.Sprintf("start s%d", i)})
	}
	bs = append(bs, bot.Button{Label: "too long", Action: strings.Repeat("a", 101)})
	rows := buttons(bs)
	if len(rows) != maxRows {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		row := r.(discordgo.ActionsRow)
		if len(row.Components) > maxRowButtons {
			t.Errorf("%d buttons in a row", len(row.Components))
		}
		for _, c := range row.Components {
			b := c.(discordgo.Button)
			if bot.Width(b.Label) > maxButtonLabel || len(b.CustomID) > maxCustomID {
				t.Errorf("button %q/%q over the limits", b.Label, b.CustomID)
			}
		}
	}
}

// longDebrief is a debrief far over every embed limit.
func longDebrief() *dialogue.Debrief {
	d := &dialogue.Debrief{Scenario: "jennifer", Character: "Jennifer", Turns: 80, NonBlaming: 20, NonBlamingShare: 0.25, OpenShare: 0.4,
		KeyReached: 1, KeyTotal: 4, EndedEarly: true}
	for i := 1; i <= 60; i++ {
		d.Blaming = append(d.Blaming, dialogue.DebriefFinding{Turn: i, Finding: dialogue.Finding{
			Kind:    "survivor_blame",
			Words:   fmt.Sprintf("@everyone why_haven't *you* left him %d ", i) + strings.Repeat("😀", 30),
			Why:     strings.Repeat("It puts the responsibility for the violence on her rather than on him. ", 4+i%20),
			Rewrite: "What would help you and the boys feel safer?",
		}})
		d.Timeline = append(d.Timeline, dialogue.Phase(fmt.Sprintf("phase%d", i%3)))
		d.Trust = append(d.Trust, 50-i%7)
	}
	for i := 0; i < 40; i++ {
		d.Suggestions = append(d.Suggestions, strings.Repeat("Ask an open question about what she already does to keep the boys safe. ", 3))
		d.Reached = append(d.Reached, dialogue.DisclosureState{ID: fmt.Sprint(i), Title: strings.Repeat("A disclosure with a long title ", 5)})
	}
	return d
}

func TestDebriefEmbedsKeepLimitsAndLoseNothing(t *testing.T) {
	d := longDebrief()
	msgs := debriefEmbeds(d)
	if len(msgs) < 3 {
		t.Fatalf("a huge debrief fits %d messages; the test is not testing the split", len(msgs))
	}
	var all strings.Builder
	fields := 0
	for i, embeds := range msgs {
		if err := discordfake.CheckEmbeds(embeds); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
		for _, e := range embeds {
			all.WriteString(e.Description)
			for _, f := range e.Fields {
				fields++
				all.WriteString(f.Value)
			}
		}
	}
	if msgs[0][0].Title != "Debrief: your interview with Jennifer" {
		t.Errorf("first embed title %q", msgs[0][0].Title)
	}
	text := all.String()
	for _, f := range d.Blaming {
		if !strings.Contains(text, fmt.Sprintf("left him %d ", f.Turn)) {
			t.Errorf("finding of turn %d lost", f.Turn)
		}
	}
	// Long values continue in further fields rather than being cut.
	if want := strings.Count(text, "What would help you and the boys feel safer?"); want != 60 {
		t.Errorf("%d rewrites survived, want 60", want)
	}
	if strings.Count(text, "Ask an open question") != 120 {
		t.Errorf("suggestions lost: %d", strings.Count(text, "Ask an open question"))
	}
	// Trainee words are escaped so they cannot become markup.
	if !strings.Contains(text, `why\_haven't \*you\*`) {
		t.Errorf("trainee words not escaped")
	}
	if !strings.Contains(text, "Jennifer ended the interview") {
		t.Errorf("ended-early note lost")
	}
}

func TestDebriefWithoutTurns(t *testing.T) {
	msgs := debriefEmbeds(&dialogue.Debrief{Character: "Jennifer"})
	if len(msgs) != 1 || len(msgs[0]) != 1 || !strings.Contains(msgs[0][0].Description, "No replies") {
		t.Errorf("got %+v", msgs)
	}
}

func TestRedactHidesInteractionTokens(t *testing.T) {
	err := &url.Error{Op: "Post", URL: "https://discord.com/api/v9/webhooks/123/aW50ZXJhY3Rpb24tdG9rZW4?wait=true", Err: errors.New("connection refused")}
	got := redact(err).Error()
	if strings.Contains(got, "aW50ZXJhY3Rpb24tdG9rZW4") || !strings.Contains(got, "/webhooks/123/<token>") {
		t.Errorf("redact = %q", got)
	}
	if !errors.Is(redact(err), err.Err) {
		t.Errorf("redact loses the wrapped error")
	}
	cb := errors.New(`Post "https://discord.com/api/v9/interactions/55/secret-tok/callback": EOF`)
	if got := redact(cb).Error(); strings.Contains(got, "secret-tok") {
		t.Errorf("redact = %q", got)
	}
}

// The Discord debrief has every part that teaches, components first.
func TestDiscordDebriefHasTheTeachingParts(t *testing.T) {
	d := dialogue.Debrief{Character: "Jennifer", Turns: 3, NonBlaming: 2, Trust: []int{38, 42, 8}, KeyTotal: 10,
		Components: []dialogue.ComponentScore{{ID: "pattern", Name: "The perpetrator's pattern of coercive control", Coverage: dialogue.Missed, Question: "How does the money work in your house?"}},
		EndedEarly: true, EndReason: "a single grave line at turn 3",
		CostlyTurns: []dialogue.CostlyTurn{{Turn: 3, Text: "We will take the boys", Delta: -30}},
		Undos:       1, Redone: []dialogue.Redo{{Turn: 2, Tried: []dialogue.TurnVersion{{Text: "Why haven't you left him?", Label: dialogue.Blaming, TrustDelta: -15}}}},
		Suggestions: []string{"x"}}
	var names []string
	var values strings.Builder
	for _, msg := range debriefEmbeds(&d) {
		for _, e := range msg {
			for _, f := range e.Fields {
				names = append(names, f.Name)
				values.WriteString(f.Value + "\n")
			}
		}
	}
	if len(names) == 0 || names[0] != "Safe & Together critical components" {
		t.Errorf("fields = %q; want the components table first", names)
	}
	for _, want := range []string{"How does the money work in your house?", "Turn 3 cost 30 trust", "Why haven't you left him?"} {
		if !strings.Contains(values.String(), want) {
			t.Errorf("Discord debrief lacks %q", want)
		}
	}
}
