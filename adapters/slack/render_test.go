package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"<!channel>":              "&lt;!channel&gt;",
		"<!here> and <@U123>":     "&lt;!here&gt; and &lt;@U123&gt;",
		"Tom & Jerry":             "Tom &amp; Jerry",
		"&lt;already&gt;":         "&amp;lt;already&amp;gt;",
		"*bold* • plain @channel": "*bold* • plain @channel",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	// What Slack sends is unescaped before the engine sees it, and escaped
	// again on the way out: a round trip is the identity.
	for _, s := range []string{"a &amp; b &lt;!channel&gt;", "plain"} {
		if got := Escape(unescape(s)); got != s {
			t.Errorf("round trip of %q = %q", s, got)
		}
	}
}

// bigDebrief has far more findings than fit one message.
func bigDebrief(findings int, words string) dialogue.Debrief {
	d := dialogue.Debrief{Character: "Jennifer <!here>", Turns: findings, Trust: []int{50}, KeyTotal: 10,
		Suggestions: []string{"Ask what would help <@U1>."}}
	for i := range findings {
		d.Blaming = append(d.Blaming, dialogue.DebriefFinding{Turn: i + 1, Finding: dialogue.Finding{
			Kind: "survivor_blame", Words: words, Why: strings.Repeat("It puts the responsibility on her. ", 4), Rewrite: "What has he done to stop you leaving?"}})
		d.Timeline = append(d.Timeline, dialogue.Phase("engagement"))
		d.Trust = append(d.Trust, 50-i%40)
	}
	return d
}

func checkLimits(t *testing.T, blocks []slack.Block) string {
	t.Helper()
	if len(blocks) > maxBlocks {
		t.Errorf("%d blocks, limit %d", len(blocks), maxBlocks)
	}
	// Decoded text, as Slack reads it (json.Marshal writes < as \u003c).
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(blocks); err != nil {
		t.Fatal(err)
	}
	raw := buf.String()
	for _, b := range blocks {
		if s, ok := b.(*slack.SectionBlock); ok {
			if s.Text != nil && utf8.RuneCountInString(s.Text.Text) > maxSectionText {
				t.Errorf("section text %d characters", utf8.RuneCountInString(s.Text.Text))
			}
			for _, f := range s.Fields {
				if utf8.RuneCountInString(f.Text) > maxFieldText {
					t.Errorf("field text %d characters", utf8.RuneCountInString(f.Text))
				}
			}
		}
	}
	return string(raw)
}

func TestDebriefBlocksRespectLimits(t *testing.T) {
	for _, n := range []int{1, 30, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			d := bigDebrief(n, "why haven't you left him <!channel>")
			text, blocks := render(bot.Message{Kind: bot.KindDebrief, Text: "Debrief <!channel>", Debrief: &d,
				Buttons: []bot.Button{{Label: "Practise again", Action: "start jennifer"}}})
			raw := checkLimits(t, blocks)
			for _, bad := range []string{"<!channel>", "<!here>", "<@U1>"} {
				if strings.Contains(raw, bad) || strings.Contains(text, bad) {
					t.Errorf("%s reaches Slack unescaped", bad)
				}
			}
			if !strings.Contains(raw, "&lt;!channel&gt;") {
				t.Error("the trainee's words are missing from the debrief")
			}
			last := blocks[len(blocks)-1]
			if last.BlockType() != slack.MBTAction || !strings.Contains(raw, `"value":"start jennifer"`) {
				t.Error("the Practise again button was lost")
			}
			if n == 1000 && !strings.Contains(raw, "left out") {
				t.Error("a cut debrief should say so")
			}
		})
	}
}

func TestLongSectionSplit(t *testing.T) {
	long := strings.Repeat("a&b ", 2000) // 8000 characters, 16000 escaped
	blocks := sections(textLines(long))
	if len(blocks) != 6 {
		t.Fatalf("%d sections for 16000 characters, want 6", len(blocks))
	}
	var joined strings.Builder
	for _, b := range blocks {
		s := b.(*slack.SectionBlock).Text.Text
		if utf8.RuneCountInString(s) > maxSectionText {
			t.Fatalf("section of %d characters", utf8.RuneCountInString(s))
		}
		if strings.HasSuffix(s, "&") || strings.HasSuffix(s, "&am") || strings.HasPrefix(s, "p;") || strings.HasPrefix(s, "mp;") {
			t.Fatalf("an entity was cut: …%q", s[len(s)-5:])
		}
		joined.WriteString(s)
	}
	if joined.String() != Escape(long) {
		t.Error("splitting lost or changed text")
	}
}

func TestPickerAndButtons(t *testing.T) {
	var infos []bot.ScenarioInfo
	for i := range 80 {
		infos = append(infos, bot.ScenarioInfo{ID: fmt.Sprintf("s%d", i), Character: "C <b>", Title: "T"})
	}
	_, blocks := render(bot.Message{Kind: bot.KindList, Text: "list", Scenarios: infos})
	raw := checkLimits(t, blocks)
	if !strings.Contains(raw, `"value":"start s0"`) || !strings.Contains(raw, "more: say start ID") {
		t.Errorf("picker: %s", raw[:200])
	}
	var buttons []bot.Button
	for i := range 30 {
		buttons = append(buttons, bot.Button{Label: strings.Repeat("x", 100), Action: fmt.Sprintf("start s%d", i)})
	}
	_, blocks = render(bot.Message{Kind: bot.KindNotice, Text: "pick", Buttons: buttons})
	checkLimits(t, blocks)
	ids := map[string]bool{}
	for _, b := range blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			if len(a.Elements.ElementSet) > maxActionsElems {
				t.Errorf("%d elements in one actions block", len(a.Elements.ElementSet))
			}
			for _, e := range a.Elements.ElementSet {
				btn := e.(*slack.ButtonBlockElement)
				if ids[btn.ActionID] {
					t.Errorf("duplicate action_id %s", btn.ActionID)
				}
				ids[btn.ActionID] = true
				if utf8.RuneCountInString(btn.Text.Text) > maxButtonText {
					t.Errorf("button label of %d characters", utf8.RuneCountInString(btn.Text.Text))
				}
			}
		}
	}
	if len(ids) != 30 {
		t.Errorf("%d buttons, want 30", len(ids))
	}
	// A character line names the speaker; plain messages have no blocks.
	text, blocks := render(bot.Message{Kind: bot.KindCharacter, Speaker: "Jennifer", Text: "Hi <there>"})
	if text != "*Jennifer:* Hi &lt;there&gt;" || blocks != nil {
		t.Errorf("character line = %q, %v", text, blocks)
	}
}

func TestSplitText(t *testing.T) {
	long := strings.Repeat("Tom & Jerry <ran> away.\n", 400) // ~10000 characters escaped
	parts := splitText(Escape(long), maxPlainText)
	if len(parts) < 3 {
		t.Fatalf("%d parts", len(parts))
	}
	var joined strings.Builder
	for _, p := range parts {
		if !fitsEscaped(p, maxPlainText) {
			t.Errorf("part of %d characters", utf8.RuneCountInString(p))
		}
		joined.WriteString(unescape(p))
	}
	if strings.ReplaceAll(joined.String(), "\n", "") != strings.ReplaceAll(long, "\n", "") {
		t.Error("splitting changed the text")
	}
	if got := splitText("short &amp;", maxPlainText); len(got) != 1 || got[0] != "short &amp;" {
		t.Errorf("short text split: %q", got)
	}
}

// The trust meter shows under the character's reply and the coaching,
// above the coaching's Undo button, each move with its cause, escaped.
func TestTrustMeterUnderReplyAndCoaching(t *testing.T) {
	meter := &bot.Meter{Trust: 27, Min: 0, Max: 100, Changes: []dialogue.TrustChange{{Delta: -15, Cause: "blamed her: “<!here> why”"}}}
	for _, m := range []bot.Message{
		{Kind: bot.KindCharacter, Speaker: "Jennifer", Text: "You sound just like him.", Meter: meter},
		{Kind: bot.KindCoaching, Text: "Coaching: that reply was *blaming*.", Meter: meter, Buttons: []bot.Button{{Label: "Undo", Action: "undo"}}},
	} {
		_, blocks := render(m)
		raw, _ := json.Marshal(blocks)
		got := string(raw)
		if !strings.Contains(got, "trust ▮▮▮▯▯▯▯▯▯▯ 27 (-15: blamed her: “\\u0026lt;!here\\u0026gt; why”)") {
			t.Errorf("%s: no escaped trust meter in %s", m.Kind, got)
		}
		if len(m.Buttons) > 0 {
			if _, ok := blocks[len(blocks)-1].(*slack.ActionBlock); !ok || !strings.Contains(got, `"value":"undo"`) && !strings.Contains(got, "undo") {
				t.Errorf("coaching blocks end with %T, want the Undo button: %s", blocks[len(blocks)-1], got)
			}
		}
	}
}

// teachingDebrief has every teaching part: components, why it ended,
// strengths, a redone turn and a gap.
func teachingDebrief() dialogue.Debrief {
	return dialogue.Debrief{Character: "Jennifer", Turns: 3, NonBlaming: 2, Trust: []int{38, 42, 8}, KeyTotal: 10,
		Components: []dialogue.ComponentScore{{ID: "pattern", Name: "The perpetrator's pattern of coercive control", Coverage: dialogue.Missed, Question: "How does the money work in your house?"}},
		EndedEarly: true, EndReason: "a single grave line at turn 3",
		CostlyTurns: []dialogue.CostlyTurn{{Turn: 3, Text: "We will take the boys", Delta: -30}},
		Strengths:   []dialogue.Strength{{Turn: 1, Text: "Is it safe to talk?", Open: false}},
		Undos:       1, Redone: []dialogue.Redo{{Turn: 2, Tried: []dialogue.TurnVersion{{Text: "Why haven't you left him?", Label: dialogue.Blaming, TrustDelta: -15}}}},
		Gaps:        []dialogue.Gap{{ID: "money_control", Title: "Brian controls the money", Question: "How does the money work in your house?"}},
		Suggestions: []string{"x"}}
}

// The Slack debrief leads with the components table and has every part
// that teaches.
func TestSlackDebriefHasTheTeachingParts(t *testing.T) {
	_, blocks := render(bot.Message{Kind: bot.KindDebrief, Text: "x", Debrief: ptr(teachingDebrief())})
	raw, _ := json.Marshal(blocks)
	got := string(raw)
	for _, want := range []string{"Safe \\u0026amp; Together critical components", "How does the money work in your house?",
		"a single grave line at turn 3", "Turn 3 cost 30 trust", "What worked", "Is it safe to talk?", "you took back 1 turn",
		"Why haven't you left him?", "Still unknown", "Brian controls the money"} {
		if !strings.Contains(got, want) {
			t.Errorf("Slack debrief lacks %q", want)
		}
	}
	if c, p := strings.Index(got, "critical components"), strings.Index(got, "Phases"); c < 0 || p < c {
		t.Errorf("the components table should come before the phases")
	}
}

func ptr[T any](v T) *T { return &v }
