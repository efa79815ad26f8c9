package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// Block Kit limits (https://api.slack.com/reference/block-kit).
const (
	maxBlocks       = 50   // blocks in one message
	maxSectionText  = 3000 // characters in a section's text
	maxFieldText    = 2000 // characters in one section field
	maxHeaderText   = 150  // characters in a header block
	maxButtonText   = 75   // characters in a button label
	maxButtonValue  = 2000 // characters in a button value
	maxActionsElems = 25   // elements in one actions block
	maxFallbackText = 3000 // the notification text sent beside blocks
	maxPlainText    = 3900 // a message without blocks (Slack advises < 4000)
)

// Escape makes text safe to send as Slack mrkdwn or message text: the
// three characters Slack reserves for its own markup (&, <, >) become
// entities, so nothing a trainee typed can become a mention (<!channel>,
// <@U123>), a link or broken markup. Messages are never sent with
// link_names, so a plain "@channel" stays plain text.
func Escape(s string) string {
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// unescape undoes Slack's escaping of incoming message text, so the engine
// sees what the trainee typed. Mention and link markup (<@U…>, <!here>)
// is left as it came: it is escaped again on the way out.
func unescape(s string) string {
	return unescaper.Replace(s)
}

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// truncate shortens s to at most n runes, ending in "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// fitsEscaped reports whether escaped text fits a Slack limit of n
// characters (entities count as several, as Slack counts them).
func fitsEscaped(s string, n int) bool { return utf8.RuneCountInString(s) <= n }

// mrkdwn is an escaped text object.
func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

// plain is an escaped plain_text object of at most n characters (Slack
// counts the entities).
func plain(s string, n int) *slack.TextBlockObject {
	for cut := n; ; cut-- {
		e := Escape(truncate(s, cut))
		if fitsEscaped(e, n) || cut <= 1 {
			return slack.NewTextBlockObject(slack.PlainTextType, e, false, false)
		}
	}
}

// sections packs already-escaped lines into as few section blocks as the
// 3000-character limit allows, splitting a line that is too long on its own.
func sections(lines []string) []slack.Block {
	var out []slack.Block
	var cur strings.Builder
	flush := func() {
		if strings.TrimSpace(cur.String()) != "" {
			out = append(out, slack.NewSectionBlock(mrkdwn(strings.TrimRight(cur.String(), "\n")), nil, nil))
		}
		cur.Reset()
	}
	for _, line := range lines {
		for !fitsEscaped(line, maxSectionText) {
			flush()
			head, rest := splitRunes(line, maxSectionText)
			out = append(out, slack.NewSectionBlock(mrkdwn(head), nil, nil))
			line = rest
		}
		if cur.Len() > 0 && !fitsEscaped(cur.String()+line, maxSectionText) {
			flush()
		}
		cur.WriteString(line)
		cur.WriteString("\n")
	}
	flush()
	return out
}

// splitRunes cuts s after n runes, never inside an entity (&amp; …).
func splitRunes(s string, n int) (string, string) {
	r := []rune(s)
	cut := n
	for i := cut - 1; i >= 0 && i > cut-6; i-- {
		if r[i] == ';' {
			break
		}
		if r[i] == '&' {
			if i > 0 {
				cut = i
			}
			break
		}
	}
	return string(r[:cut]), string(r[cut:])
}

// textLines escapes text and splits it into lines.
func textLines(text string) []string {
	return strings.Split(Escape(text), "\n")
}

// actions turns buttons into actions blocks (25 buttons each). A
// button's value is the bot command it runs.
func actions(buttons []bot.Button) []slack.Block {
	var out []slack.Block
	for start := 0; start < len(buttons); start += maxActionsElems {
		end := min(start+maxActionsElems, len(buttons))
		var elems []slack.BlockElement
		for i, b := range buttons[start:end] {
			elems = append(elems, button(start+i, b))
		}
		out = append(out, slack.NewActionBlock(fmt.Sprintf("pivot_actions_%d", start/maxActionsElems), elems...))
	}
	return out
}

// ActionPrefix starts the action_id of every Pivot button.
const ActionPrefix = "pivot_"

func button(i int, b bot.Button) *slack.ButtonBlockElement {
	btn := slack.NewButtonBlockElement(fmt.Sprintf("%s%d", ActionPrefix, i), truncate(b.Action, maxButtonValue), plain(b.Label, maxButtonText))
	switch strings.Fields(b.Action + " x")[0] {
	case "start":
		btn.Style = slack.StylePrimary
	}
	return btn
}

// limit keeps a message within 50 blocks: trailing action blocks are kept,
// and a note replaces what was cut from the middle.
func limit(blocks []slack.Block) []slack.Block {
	if len(blocks) <= maxBlocks {
		return blocks
	}
	var tail []slack.Block
	for len(blocks) > 0 && blocks[len(blocks)-1].BlockType() == slack.MBTAction {
		tail = append([]slack.Block{blocks[len(blocks)-1]}, tail...)
		blocks = blocks[:len(blocks)-1]
	}
	keep := maxBlocks - len(tail) - 1
	cut := len(blocks) - keep
	out := append([]slack.Block{}, blocks[:keep]...)
	out = append(out, slack.NewContextBlock("pivot_cut", mrkdwn(fmt.Sprintf("(%d more part(s) left out: Slack shows at most %d blocks.)", cut, maxBlocks))))
	return append(out, tail...)
}

// render turns a bot message into Slack message text and, where the kind
// calls for it, Block Kit blocks. All text is escaped.
func render(m bot.Message) (text string, blocks []slack.Block) {
	body := m.Text
	if m.Kind == bot.KindCharacter && m.Speaker != "" {
		body = "*" + m.Speaker + ":* " + m.Text
	}
	text = Escape(body)
	switch {
	case m.Kind == bot.KindDebrief && m.Debrief != nil:
		blocks = debriefBlocks(*m.Debrief, m.Buttons)
	case m.Kind == bot.KindList && len(m.Scenarios) > 0:
		blocks = pickerBlocks(m.Scenarios)
	case len(m.Buttons) > 0:
		blocks = append(sections(textLines(body)), actions(m.Buttons)...)
	}
	if m.Meter != nil && (m.Kind == bot.KindCharacter || m.Kind == bot.KindCoaching) {
		// The trust meter as a context line under the reply or the
		// coaching, above any buttons.
		if blocks == nil {
			blocks = sections(textLines(body))
		}
		meter := slack.NewContextBlock("pivot_trust", mrkdwn(Escape(truncate(m.Meter.Text(), maxSectionText))))
		n := len(blocks)
		if len(m.Buttons) > 0 {
			n--
		}
		blocks = append(blocks[:n], append([]slack.Block{meter}, blocks[n:]...)...)
	}
	if blocks != nil {
		return truncate(text, maxFallbackText), limit(blocks)
	}
	return text, nil
}

// splitText cuts escaped text into messages of at most n characters, on
// line or word boundaries (bot.Split) and never inside an entity.
func splitText(text string, n int) []string {
	if fitsEscaped(text, n) {
		return []string{text}
	}
	raw := unescape(text)
	var out []string
	for _, part := range bot.Split(raw, n) {
		e := Escape(part)
		if fitsEscaped(e, n) {
			out = append(out, e)
			continue
		}
		// Entities made it longer: cut this part finer.
		for _, p := range bot.Split(part, n/5) {
			out = append(out, Escape(p))
		}
	}
	return out
}

// pickerBlocks is the scenario picker: one section per scenario with a
// Start button beside it.
func pickerBlocks(infos []bot.ScenarioInfo) []slack.Block {
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn("*Scenarios* — pick one to start an interview in its own thread:"), nil, nil)}
	room := maxBlocks - 2
	for i, s := range infos {
		if i == room && len(infos) > room {
			blocks = append(blocks, slack.NewContextBlock("pivot_more", mrkdwn(Escape(fmt.Sprintf("…and %d more: say start ID.", len(infos)-room)))))
			break
		}
		line := Escape(fmt.Sprintf("*%s* — %s (%s): %s", s.ID, s.Character, s.Role, s.Title))
		acc := slack.NewAccessory(button(i, bot.Button{Label: "Start " + s.Character, Action: "start " + s.ID}))
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(truncate(line, maxSectionText)), nil, acc, slack.SectionBlockOptionBlockID(fmt.Sprintf("pivot_pick_%d", i))))
	}
	return blocks
}

// debriefBlocks lays the debrief out as Block Kit sections.
func debriefBlocks(d dialogue.Debrief, buttons []bot.Button) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Debrief: your interview with "+d.Character, maxHeaderText))}
	if d.Turns == 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("No replies were scored in this session."), nil, nil))
		return append(blocks, actions(buttons)...)
	}
	trust := make([]string, len(d.Trust))
	for i, v := range d.Trust {
		trust[i] = fmt.Sprint(v)
	}
	fields := []*slack.TextBlockObject{
		mrkdwn(fmt.Sprintf("*Non-blaming replies*\n%d of %d (%.0f%%)", d.NonBlaming, d.Turns, d.NonBlamingShare*100)),
		mrkdwn(fmt.Sprintf("*Open questions*\n%.0f%%", d.OpenShare*100)),
		mrkdwn(fmt.Sprintf("*Key disclosures reached*\n%d of %d", d.KeyReached, d.KeyTotal)),
		mrkdwn(truncate("*Trust over the session*\n"+strings.Join(trust, " → "), maxFieldText)),
	}
	if d.Shaming > 0 {
		fields = append(fields, mrkdwn(fmt.Sprintf("*Shaming language*\n%d of %d replies", d.Shaming, d.Turns)))
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, fields, nil))
	// The parts that teach: the components table first, why it ended,
	// what worked, what was tried again, what is still unknown.
	for _, part := range bot.DebriefParts(d) {
		lines := []string{Escape("*" + part.Title + ":*")}
		lines = append(lines, textLines(part.Body)...)
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, sections(lines)...)
	}
	if len(d.Blaming) > 0 {
		lines := []string{"*Blaming replies and what to say instead:*"}
		for _, f := range d.Blaming {
			line := fmt.Sprintf("• Turn %d, %s — “%s”: %s", f.Turn, dialogue.KindName(f.Kind), f.Words, f.Why)
			if f.Rewrite != "" {
				line += "\n   " + dialogue.TryText(f.Rewrite)
			}
			lines = append(lines, Escape(line))
		}
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, sections(lines)...)
	}
	if len(d.ShamingFindings) > 0 {
		lines := []string{"*Shaming language and what to say instead:*"}
		for _, f := range d.ShamingFindings {
			line := fmt.Sprintf("• Turn %d — “%s”: %s", f.Turn, f.Words, f.Why)
			if f.Rewrite != "" {
				line += "\n   " + dialogue.TryText(f.Rewrite)
			}
			lines = append(lines, Escape(line))
		}
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, sections(lines)...)
	}
	phase := []string{Escape("*Phases:* " + bot.PhaseTimeline(d.Timeline))}
	if len(d.Skipped) > 0 {
		phase = append(phase, Escape("Not reached: "+bot.PhaseList(d.Skipped)+"."))
	}
	for _, n := range d.OutOfOrd {
		phase = append(phase, Escape("Order: "+n+"."))
	}
	blocks = append(blocks, slack.NewDividerBlock())
	blocks = append(blocks, sections(phase)...)
	if len(d.Reached) > 0 || len(d.Missed) > 0 {
		lines := []string{"*What you learned:*"}
		for _, r := range d.Reached {
			lines = append(lines, Escape("• "+r.Title))
		}
		if len(d.Reached) == 0 {
			lines = append(lines, "• nothing yet")
		}
		missed := 0
		for _, m := range d.Missed {
			if m.Key {
				missed++
			}
		}
		if missed > 0 {
			lines = append(lines, fmt.Sprintf("Still unknown: %d key disclosure(s).", missed))
		}
		blocks = append(blocks, sections(lines)...)
	}
	if len(d.Suggestions) > 0 {
		lines := []string{"*Try next time:*"}
		for _, s := range d.Suggestions {
			lines = append(lines, Escape("• "+s))
		}
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, sections(lines)...)
	}
	return append(blocks, actions(buttons)...)
}
