package discord

import (
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// Discord's embed limits (characters; counted as bot.Width does).
const (
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxFieldName        = 256
	maxFieldValue       = 1024
	maxFields           = 25   // fields in one embed
	maxEmbedsTotal      = 6000 // all embeds of one message together
	maxEmbedsPerMessage = 10
)

const debriefColour = 0x2E86AB

// field is one embed field before packing.
type field struct{ name, value string }

// debriefEmbeds renders a debrief as embeds, grouped into messages that
// each keep within Discord's limits; long sections continue in further
// fields, embeds and messages, so nothing is cut.
func debriefEmbeds(d *dialogue.Debrief) [][]*discordgo.MessageEmbed {
	title := "Debrief: your interview with " + d.Character
	var desc strings.Builder
	var fields []field
	if d.Turns == 0 {
		desc.WriteString("No replies were scored in this session.")
		return pack(title, desc.String(), nil)
	}
	fmt.Fprintf(&desc, "Non-blaming replies: **%d of %d** (%.0f%%). Open questions: %.0f%%.\n", d.NonBlaming, d.Turns, d.NonBlamingShare*100, d.OpenShare*100)
	if d.Shaming > 0 {
		fmt.Fprintf(&desc, "Shaming language: **%d of %d** replies.\n", d.Shaming, d.Turns)
	}
	fmt.Fprintf(&desc, "Key disclosures reached: **%d of %d**.", d.KeyReached, d.KeyTotal)
	for _, part := range bot.DebriefParts(*d) {
		fields = append(fields, field{part.Title, escapeMarkdown(part.Body)})
	}
	for _, f := range d.Blaming {
		v := fmt.Sprintf("“%s”: %s", escapeMarkdown(f.Words), f.Why)
		if f.Rewrite != "" {
			v += "\n" + dialogue.TryText(f.Rewrite)
		}
		fields = append(fields, field{fmt.Sprintf("Blaming — turn %d, %s", f.Turn, dialogue.KindName(f.Kind)), v})
	}
	for _, f := range d.ShamingFindings {
		v := fmt.Sprintf("“%s”: %s", escapeMarkdown(f.Words), f.Why)
		if f.Rewrite != "" {
			v += "\n" + dialogue.TryText(f.Rewrite)
		}
		fields = append(fields, field{fmt.Sprintf("Shaming language — turn %d", f.Turn), v})
	}
	var phases strings.Builder
	phases.WriteString(bot.PhaseTimeline(d.Timeline))
	if len(d.Skipped) > 0 {
		fmt.Fprintf(&phases, "\nNot reached: %s.", bot.PhaseList(d.Skipped))
	}
	for _, n := range d.OutOfOrd {
		fmt.Fprintf(&phases, "\nOrder: %s.", n)
	}
	fields = append(fields, field{"Phases", phases.String()})
	var learned strings.Builder
	for _, r := range d.Reached {
		fmt.Fprintf(&learned, "• %s\n", r.Title)
	}
	key := 0
	for _, m := range d.Missed {
		if m.Key {
			key++
		}
	}
	if key > 0 {
		fmt.Fprintf(&learned, "Still unknown: %d key disclosure(s).", key)
	}
	fields = append(fields, field{"What you learned", learned.String()})
	trust := make([]string, len(d.Trust))
	for i, v := range d.Trust {
		trust[i] = fmt.Sprint(v)
	}
	fields = append(fields, field{"Trust over the session", strings.Join(trust, " → ")})
	var next strings.Builder
	for _, s := range d.Suggestions {
		fmt.Fprintf(&next, "• %s\n", s)
	}
	fields = append(fields, field{"Try next time", next.String()})
	return pack(title, desc.String(), fields)
}

// pack lays out a title, a description and fields as embeds, and the
// embeds as messages: a description longer than an embed's continues in
// the next embed's; a field value longer than 1,024 continues in further
// fields; an embed takes at most 25 fields; a message at most 10 embeds
// and 6,000 characters across them. Empty fields are dropped.
func pack(title, desc string, fields []field) [][]*discordgo.MessageEmbed {
	title = truncate(title, maxEmbedTitle)
	var msgs [][]*discordgo.MessageEmbed
	var cur []*discordgo.MessageEmbed
	total := 0 // characters in cur
	var e *discordgo.MessageEmbed
	flush := func() {
		if len(cur) > 0 {
			msgs = append(msgs, cur)
		}
		cur, total, e = nil, 0, nil
	}
	// open starts an embed of size n, in a new message if it would not fit.
	open := func(n int) {
		if len(cur) == maxEmbedsPerMessage || total+n > maxEmbedsTotal {
			flush()
		}
		e = &discordgo.MessageEmbed{Color: debriefColour}
		cur = append(cur, e)
	}
	first := true
	for _, d := range splitNonBlank(desc, maxEmbedDescription) {
		n := bot.Width(d)
		if first {
			n += bot.Width(title)
		}
		open(n)
		e.Description = d
		if first {
			e.Title = title
			first = false
		}
		total += n
	}
	for _, f := range fields {
		name := truncate(f.name, maxFieldName-len(" (continued)"))
		for k, v := range splitNonBlank(f.value, maxFieldValue) {
			n := name
			if k > 0 {
				n += " (continued)"
			}
			size := bot.Width(n) + bot.Width(v)
			if e == nil || len(e.Fields) == maxFields || total+size > maxEmbedsTotal {
				extra := 0
				if first {
					extra = bot.Width(title)
				}
				open(size + extra)
				if first {
					e.Title = title
					total += extra
					first = false
				}
			}
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: n, Value: v})
			total += size
		}
	}
	flush()
	return msgs
}

// splitNonBlank splits s with bot.Split, trimming each part's surrounding
// blank lines and dropping parts left empty (Discord rejects blank
// descriptions and field values).
func splitNonBlank(s string, limit int) []string {
	var out []string
	for _, p := range bot.Split(strings.TrimSpace(s), limit) {
		if p = strings.Trim(p, "\n"); strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

var markdownEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, `~`, `\~`, "`", "\\`", `|`, `\|`, `>`, `\>`, `#`, `\#`)

// escapeMarkdown stops trainee words from being read as Discord markup.
func escapeMarkdown(s string) string { return markdownEscaper.Replace(s) }
