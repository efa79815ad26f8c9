package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pivotcoach/pivot/dialogue"
)

// Renderings are plain text with *bold* and "•" bullets: readable as is in
// a terminal, and close enough to Slack's and Discord's markup that their
// adapters send it unchanged. Adapters escape what trainees typed.

// Plural writes "1 turn", "2 turns".
func Plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Sanitize cleans text a user typed before it is echoed back in a notice,
// and shortens it to at most n runes.
func Sanitize(s string, n int) string {
	s, _ = dialogue.Clean(s)
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = string(r[:n]) + "…"
	}
	return s
}

// RenderBrief is the trainee's brief: who they are, why they are there,
// what the case file says, and what to practise.
func RenderBrief(sc *dialogue.Scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s*\n%s\n", sc.Title, strings.TrimSpace(sc.Brief))
	if len(sc.Objectives) > 0 {
		b.WriteString("\n*What to practise:*\n")
		for _, o := range sc.Objectives {
			fmt.Fprintf(&b, "• %s\n", o)
		}
	}
	fmt.Fprintf(&b, "\nYou are speaking to %s. Say *hint* for a question worth asking, *end* for your debrief.", sc.Character)
	return b.String()
}

// RenderCoaching is the inline feedback after a blaming or shaming reply:
// what blamed or shamed, why, and a wording to try.
func RenderCoaching(t dialogue.Turn) string {
	var b strings.Builder
	switch {
	case t.Assessment.Blaming() && t.Assessment.Has(dialogue.Hostile):
		b.WriteString("Coaching: that reply was *blaming*, and it used *shaming language*.")
	case t.Assessment.Blaming():
		b.WriteString("Coaching: that reply was *blaming*.")
	default:
		b.WriteString("Coaching: that reply used *shaming language*. It is not blaming, but it makes him defend himself instead of looking at what he did.")
	}
	for _, f := range t.Assessment.CoachedFindings() {
		fmt.Fprintf(&b, "\n• %s — “%s”: %s", dialogue.KindName(f.Kind), f.Words, f.Why)
		if f.Rewrite != "" {
			fmt.Fprintf(&b, "\n  %s", dialogue.TryText(f.Rewrite))
		}
	}
	// Trust is not repeated here: the trust meter, with each move's
	// cause, goes with the reply and with this message (Message.Meter).
	return b.String()
}

// RenderDebrief is the whole debrief as text.
func RenderDebrief(d dialogue.Debrief) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Debrief: your interview with %s*\n", d.Character)
	if d.Turns == 0 {
		b.WriteString("No replies were scored in this session.\n")
		renderRedos(&b, d) // every turn taken back: still worth seeing
		return strings.TrimRight(b.String(), "\n")
	}
	fmt.Fprintf(&b, "Non-blaming replies: %d of %d (%.0f%%). Open questions: %.0f%%.\n", d.NonBlaming, d.Turns, d.NonBlamingShare*100, d.OpenShare*100)
	if d.Shaming > 0 {
		fmt.Fprintf(&b, "Shaming language: %d of %d replies (coached on its own; not counted as blaming).\n", d.Shaming, d.Turns)
	}
	fmt.Fprintf(&b, "Key disclosures reached: %d of %d.\n", d.KeyReached, d.KeyTotal)
	renderComponents(&b, d)
	renderEnded(&b, d)
	renderStrengths(&b, d)
	renderRedos(&b, d)
	if len(d.Blaming) > 0 {
		b.WriteString("\n*Blaming replies and what to say instead:*\n")
		for _, f := range d.Blaming {
			fmt.Fprintf(&b, "• Turn %d, %s — “%s”: %s\n  %s\n", f.Turn, dialogue.KindName(f.Kind), f.Words, f.Why, dialogue.TryText(f.Rewrite))
		}
	}
	if len(d.ShamingFindings) > 0 {
		b.WriteString("\n*Shaming language and what to say instead:*\n")
		for _, f := range d.ShamingFindings {
			fmt.Fprintf(&b, "• Turn %d, shaming language — “%s”: %s\n  %s\n", f.Turn, f.Words, f.Why, dialogue.TryText(f.Rewrite))
		}
	}
	fmt.Fprintf(&b, "\n*Phases:* %s\n", PhaseTimeline(d.Timeline))
	if len(d.Skipped) > 0 {
		fmt.Fprintf(&b, "Not reached: %s.\n", PhaseList(d.Skipped))
	}
	for _, n := range d.OutOfOrd {
		fmt.Fprintf(&b, "Order: %s.\n", n)
	}
	if len(d.Reached) > 0 {
		b.WriteString("\n*What you learned:*\n")
		for _, r := range d.Reached {
			fmt.Fprintf(&b, "• %s\n", r.Title)
		}
	}
	if len(d.Gaps) > 0 {
		renderGaps(&b, d)
	} else if n := countKey(d.Missed); n > 0 {
		fmt.Fprintf(&b, "Still unknown: %s.\n", Plural(n, "key disclosure"))
	}
	trust := make([]string, len(d.Trust))
	for i, v := range d.Trust {
		trust[i] = fmt.Sprint(v)
	}
	fmt.Fprintf(&b, "\n*Trust over the session:* %s\n", strings.Join(trust, " → "))
	b.WriteString("\n*Try next time:*\n")
	for _, s := range d.Suggestions {
		fmt.Fprintf(&b, "• %s\n", s)
	}
	return strings.TrimRight(b.String(), "\n")
}

func countKey(ds []dialogue.DisclosureState) int {
	n := 0
	for _, d := range ds {
		if d.Key {
			n++
		}
	}
	return n
}

// PhaseTimeline writes a session's phases in the trainer's words, with
// runs folded: "engagement → worries ×3 → what is working well".
func PhaseTimeline(timeline []dialogue.Phase) string {
	var out []string
	for i := 0; i < len(timeline); {
		j := i
		for j < len(timeline) && timeline[j] == timeline[i] {
			j++
		}
		name := dialogue.PhaseName(timeline[i])
		if j-i > 1 {
			name = fmt.Sprintf("%s ×%d", name, j-i)
		}
		out = append(out, name)
		i = j
	}
	return strings.Join(out, " → ")
}

// PhaseList names phases in the trainer's words, comma separated.
func PhaseList(phases []dialogue.Phase) string {
	names := make([]string, len(phases))
	for i, p := range phases {
		names[i] = dialogue.PhaseName(p)
	}
	return strings.Join(names, ", ")
}

// RenderHistory lists past sessions with their headline figures and the
// trend in non-blaming share.
func RenderHistory(rows []SessionSummary) string {
	if len(rows) == 0 {
		return "You have no practice sessions yet. Say *start jennifer* to begin."
	}
	var b strings.Builder
	b.WriteString("*Your practice sessions* (newest first):\n")
	for _, r := range rows {
		share := 0.0
		if r.Turns > 0 {
			share = float64(r.NonBlaming) / float64(r.Turns) * 100
		}
		status := ""
		if r.Status == SessionOpen {
			status = " (open)"
		}
		fmt.Fprintf(&b, "• #%d %s %s%s — %s, %.0f%% non-blaming, %d of %d key disclosures, phases: %d of 4\n",
			r.ID, r.StartedAt.Format("2006-01-02 15:04"), r.ScenarioID, status, Plural(r.Turns, "turn"), share, r.KeyReached, r.KeyTotal, len(r.PhasesSeen))
	}
	if t := Trend(rows); t != "" {
		b.WriteString(t)
	}
	if n := shortSessions(rows); n > 0 {
		fmt.Fprintf(&b, "%s under %d turns %s left out of the trend.\n", Plural(n, "session"), MinTrendTurns, isAre(n))
	}
	return strings.TrimRight(b.String(), "\n")
}

// MinTrendTurns is the fewest turns a session needs to count in the
// progress trend: an empty, one- or two-turn session (a false start, an
// attempt abandoned with /restart) says nothing about progress.
const MinTrendTurns = 3

func shortSessions(rows []SessionSummary) int {
	n := 0
	for _, r := range rows {
		if r.Turns < MinTrendTurns {
			n++
		}
	}
	return n
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// Trend compares the newest half of sessions with the older half. Sessions
// under MinTrendTurns turns are left out.
func Trend(rows []SessionSummary) string {
	var shares []float64 // oldest first
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].Turns >= MinTrendTurns {
			shares = append(shares, float64(rows[i].NonBlaming)/float64(rows[i].Turns))
		}
	}
	if len(shares) < 2 {
		return ""
	}
	half := len(shares) / 2
	avg := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	older, newer := avg(shares[:half]), avg(shares[half:])
	switch {
	case newer > older+0.05:
		return fmt.Sprintf("Trend: improving — %.0f%% non-blaming recently, up from %.0f%%.\n", newer*100, older*100)
	case newer < older-0.05:
		return fmt.Sprintf("Trend: slipping — %.0f%% non-blaming recently, down from %.0f%%.\n", newer*100, older*100)
	}
	return fmt.Sprintf("Trend: steady at about %.0f%% non-blaming.\n", newer*100)
}
