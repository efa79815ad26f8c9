package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pivotcoach/pivot/dialogue"
)

// Review is a session's annotated transcript: every stored turn with its
// label, findings, phase, trust change and what it unlocked (pivot
// review).
type Review struct {
	SessionID int64         `json:"session"`
	Scenario  string        `json:"scenario"`
	Character string        `json:"character"`
	Status    SessionStatus `json:"status"`
	StartedAt time.Time     `json:"started_at"`
	Turns     []ReviewTurn  `json:"turns"`
}

// ReviewTurn is one stored turn, annotated.
type ReviewTurn struct {
	Turn        int                `json:"turn"`
	Text        string             `json:"text"`
	Reply       string             `json:"reply"`
	Intent      string             `json:"intent,omitempty"`
	Label       dialogue.Label     `json:"label"`
	Phase       dialogue.Phase     `json:"phase"`
	Question    string             `json:"question"`
	Findings    []dialogue.Finding `json:"findings"`
	TrustBefore int                `json:"trust_before"`
	TrustAfter  int                `json:"trust_after"`
	// Unlocked are the disclosures reached on the turn.
	Unlocked []dialogue.DisclosureState `json:"unlocked"`
	Ended    bool                       `json:"ended,omitempty"`
	At       time.Time                  `json:"at"`
}

// Review builds the annotated transcript of one of user's sessions on
// platform: session id, or the newest if id is 0. Only the user's own
// sessions can be reviewed; any other id is ErrNotFound.
func (b *Bot) Review(ctx context.Context, platform, user string, id int64) (*Review, error) {
	f := SessionFilter{Platform: platform, User: user}
	if id == 0 {
		f.Limit = 1
	}
	rows, err := b.store.Sessions(ctx, f)
	if err != nil {
		return nil, err
	}
	var s *Session
	for i := range rows {
		if id == 0 || rows[i].ID == id {
			s = &rows[i].Session
			break
		}
	}
	if s == nil {
		return nil, ErrNotFound
	}
	recs, err := b.store.Turns(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	r := &Review{SessionID: s.ID, Scenario: s.ScenarioID, Character: s.ScenarioID, Status: s.Status, StartedAt: s.StartedAt, Turns: []ReviewTurn{}}
	sc, _ := b.lib.Get(s.ScenarioID)
	if sc != nil {
		r.Character = sc.Character
	}
	for _, rec := range recs {
		t := rec.Turn
		rt := ReviewTurn{Turn: t.Number, Text: t.Text, Reply: t.Reply, Intent: t.Intent, Label: t.Assessment.Label,
			Phase: t.Assessment.Phase, Question: string(t.Assessment.Question), Findings: t.Assessment.Findings,
			TrustBefore: t.TrustBefore, TrustAfter: t.TrustAfter, Ended: t.Ended, At: rec.At, Unlocked: []dialogue.DisclosureState{}}
		if rt.Findings == nil {
			rt.Findings = []dialogue.Finding{}
		}
		for _, d := range t.Disclosed {
			ds := dialogue.DisclosureState{ID: d, Title: d}
			if sc != nil {
				if x, ok := sc.Disclosure(d); ok {
					ds.Title, ds.Key = x.Title, x.Key
				}
			}
			rt.Unlocked = append(rt.Unlocked, ds)
		}
		r.Turns = append(r.Turns, rt)
	}
	return r, nil
}

func signed(n int) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

func labelName(l dialogue.Label) string {
	if l == dialogue.Blaming {
		return "blaming"
	}
	return "non-blaming"
}

// Text is the review as plain text.
func (r *Review) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Session %d: your interview with %s (%s, %s, %s)\n", r.SessionID, r.Character, r.Scenario,
		r.StartedAt.Local().Format("2006-01-02 15:04"), Plural(len(r.Turns), "turn"))
	for _, t := range r.Turns {
		fmt.Fprintf(&b, "\nTurn %d · %s · %s · trust %d → %d (%s)\n", t.Turn, dialogue.PhaseName(t.Phase), labelName(t.Label),
			t.TrustBefore, t.TrustAfter, signed(t.TrustAfter-t.TrustBefore))
		fmt.Fprintf(&b, "  You: %s\n  %s: %s\n", Sanitize(t.Text, 4000), r.Character, t.Reply)
		for _, f := range t.Findings {
			fmt.Fprintf(&b, "  %s — “%s”: %s\n", dialogue.KindName(f.Kind), f.Words, f.Why)
			if f.Rewrite != "" {
				fmt.Fprintf(&b, "    Try: “%s”\n", f.Rewrite)
			}
		}
		for _, u := range t.Unlocked {
			fmt.Fprintf(&b, "  Unlocked: %s\n", u.Title)
		}
		if t.Ended {
			fmt.Fprintf(&b, "  %s ended the interview here.\n", r.Character)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// Markdown is the review as Markdown, for a trainer's notes.
func (r *Review) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Session %d: interview with %s\n\n%s, started %s, %s.\n", r.SessionID, mdCell(r.Character), mdCell(r.Scenario),
		r.StartedAt.Local().Format("2006-01-02 15:04"), Plural(len(r.Turns), "turn"))
	for _, t := range r.Turns {
		fmt.Fprintf(&b, "\n## Turn %d — %s, %s, trust %d → %d (%s)\n\n", t.Turn, dialogue.PhaseName(t.Phase), labelName(t.Label),
			t.TrustBefore, t.TrustAfter, signed(t.TrustAfter-t.TrustBefore))
		fmt.Fprintf(&b, "> **You:** %s\n>\n> **%s:** %s\n", mdCell(Sanitize(t.Text, 4000)), mdCell(r.Character), mdCell(t.Reply))
		if len(t.Findings) > 0 || len(t.Unlocked) > 0 || t.Ended {
			b.WriteString("\n")
		}
		for _, f := range t.Findings {
			fmt.Fprintf(&b, "- **%s** — “%s”: %s", dialogue.KindName(f.Kind), mdCell(f.Words), f.Why)
			if f.Rewrite != "" {
				fmt.Fprintf(&b, " Try: “%s”", mdCell(f.Rewrite))
			}
			b.WriteString("\n")
		}
		for _, u := range t.Unlocked {
			fmt.Fprintf(&b, "- Unlocked: %s\n", mdCell(u.Title))
		}
		if t.Ended {
			fmt.Fprintf(&b, "- %s ended the interview here.\n", mdCell(r.Character))
		}
	}
	return b.String()
}

// WriteReview writes r as text, md or json.
func WriteReview(w io.Writer, r *Review, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "md", "markdown":
		_, err := io.WriteString(w, r.Markdown())
		return err
	case "", "text":
		_, err := fmt.Fprintln(w, r.Text())
		return err
	}
	return fmt.Errorf("unknown format %q: say text, md or json", format)
}
