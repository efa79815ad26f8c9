package bot

import (
	"fmt"
	"strings"

	"github.com/pivotcoach/pivot/dialogue"
)

// renderStrengths writes the session's best moves, quoted, with why each
// worked and what it unlocked (issue 14).
func renderStrengths(b *strings.Builder, d dialogue.Debrief) {
	if len(d.Strengths) == 0 {
		return
	}
	b.WriteString("\n*What worked:*\n")
	for _, s := range d.Strengths {
		fmt.Fprintf(b, "• Turn %d: “%s”\n", s.Turn, Sanitize(s.Text, 200))
		for _, f := range s.Credit {
			fmt.Fprintf(b, "  %s: %s\n", dialogue.KindName(f.Kind), f.Why)
		}
		if len(s.Credit) == 0 {
			kind := "A specific"
			if s.Open {
				kind = "An open"
			}
			fmt.Fprintf(b, "  %s question on the right topic, asked once %s trusted you enough to answer it.\n", kind, d.Character)
		}
		if len(s.Unlocked) > 0 {
			fmt.Fprintf(b, "  %s then told you: %s.\n", d.Character, strings.Join(s.Unlocked, "; "))
		}
	}
}

// renderGaps writes the key disclosures not reached, each with a question
// that would have opened it.
func renderGaps(b *strings.Builder, d dialogue.Debrief) {
	if len(d.Gaps) == 0 {
		return
	}
	fmt.Fprintf(b, "\n*Still unknown* (%s of %d):\n", Plural(len(d.Gaps), "key disclosure"), d.KeyTotal)
	for _, g := range d.Gaps {
		fmt.Fprintf(b, "• %s\n", g.Title)
		if g.Question != "" {
			fmt.Fprintf(b, "  A question that opens it: “%s”\n", g.Question)
		}
	}
}

// renderComponents writes the Safe & Together critical components table:
// covered well, touched or missed, each with the turn that earned it or a
// question that would have.
func renderComponents(b *strings.Builder, d dialogue.Debrief) {
	if len(d.Components) == 0 {
		return
	}
	b.WriteString("\n*Safe & Together critical components:*\n")
	for _, c := range d.Components {
		switch c.Coverage {
		case dialogue.CoveredWell:
			fmt.Fprintf(b, "• Covered well — %s: turn %d, “%s”\n", c.Name, c.Turn, Sanitize(c.Text, 120))
		case dialogue.Touched:
			fmt.Fprintf(b, "• Touched — %s: turn %d, “%s”", c.Name, c.Turn, Sanitize(c.Text, 120))
			if c.Question != "" {
				fmt.Fprintf(b, ". To go further: “%s”", c.Question)
			}
			b.WriteString("\n")
		default:
			fmt.Fprintf(b, "• Missed — %s", c.Name)
			if c.Question != "" {
				fmt.Fprintf(b, ". A question that would have opened it: “%s”", c.Question)
			}
			b.WriteString("\n")
		}
	}
}

// renderRedos writes the turns taken back (undo): how many, and for each
// turn redone the wording tried and the one kept.
func renderRedos(b *strings.Builder, d dialogue.Debrief) {
	if d.Undos == 0 {
		return
	}
	fmt.Fprintf(b, "\n*Tried again:* you took back %s.\n", Plural(d.Undos, "turn"))
	for _, r := range d.Redone {
		for i, v := range r.Tried {
			first := "first"
			if i > 0 {
				first = "then"
			}
			fmt.Fprintf(b, "• Turn %d, %s: “%s” (%s)\n", r.Turn, first, Sanitize(v.Text, 200), versionNote(v))
		}
		if r.Kept != nil {
			fmt.Fprintf(b, "  Kept: “%s” (%s)\n", Sanitize(r.Kept.Text, 200), versionNote(*r.Kept))
		}
	}
}

// DebriefPart is one teaching part of a debrief — a title and its lines —
// for adapters that lay a debrief out their own way (Slack blocks,
// Discord embeds) rather than sending RenderDebrief's text.
type DebriefPart struct {
	Title string
	Body  string
}

// DebriefParts are the debrief's teaching parts, in RenderDebrief's order:
// the critical components table, why the interview ended, what worked,
// what was tried again, and what is still unknown.
func DebriefParts(d dialogue.Debrief) []DebriefPart {
	var parts []DebriefPart
	// title "": the rendering's first line is its title.
	add := func(title string, render func(*strings.Builder, dialogue.Debrief)) {
		var b strings.Builder
		render(&b, d)
		body := strings.TrimSpace(b.String())
		if body == "" {
			return
		}
		if title == "" {
			title, body, _ = strings.Cut(body, "\n")
			title = strings.TrimSuffix(strings.ReplaceAll(title, "*", ""), ":")
		}
		parts = append(parts, DebriefPart{Title: title, Body: body})
	}
	add("", renderComponents)
	add("Why the interview ended", renderEnded)
	add("", renderStrengths)
	add("Tried again", renderRedos)
	add("", renderGaps)
	return parts
}

// renderEnded says why the character ended the interview and quotes the
// turns that cost the most trust.
func renderEnded(b *strings.Builder, d dialogue.Debrief) {
	if !d.EndedEarly {
		return
	}
	why := "trust fell too far"
	if d.EndReason != "" {
		why = d.EndReason
	}
	fmt.Fprintf(b, "%s ended the interview: %s.\n", d.Character, why)
	for _, c := range d.CostlyTurns {
		fmt.Fprintf(b, "• Turn %d cost %d trust: “%s”\n", c.Turn, -c.Delta, Sanitize(c.Text, 200))
	}
}
