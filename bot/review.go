package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
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
	Trainee   string        `json:"trainee"`
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
	// TrustChanges are the moves of trust on the turn with their causes.
	TrustChanges []dialogue.TrustChange `json:"trust_changes,omitempty"`
	// TakenBack are the wordings of this turn said and then undone, in
	// order; the turn above is the version kept.
	TakenBack []dialogue.TurnVersion `json:"taken_back,omitempty"`
	// Unlocked are the disclosures reached on the turn.
	Unlocked []dialogue.DisclosureState `json:"unlocked"`
	Ended    bool                       `json:"ended,omitempty"`
	At       time.Time                  `json:"at"`
}

// Review builds the annotated transcript of session id (0: the viewer's
// newest) for viewer on platform. A trainee may open their own sessions, a
// trainer also any session of a member of a group exercise they run; any
// other session is ErrNotFound, so a refusal does not tell whether it
// exists.
func (b *Bot) Review(ctx context.Context, platform, viewer string, id int64) (*Review, error) {
	s, err := b.reviewable(ctx, platform, viewer, id)
	if err != nil {
		return nil, err
	}
	return b.review(ctx, s)
}

// ReviewTrainee builds the annotated transcript of trainee's newest
// session in a group exercise that viewer runs (their own newest session
// if trainee is viewer). Otherwise it is ErrNotFound.
func (b *Bot) ReviewTrainee(ctx context.Context, platform, viewer, trainee string) (*Review, error) {
	if trainee == viewer {
		return b.Review(ctx, platform, viewer, 0)
	}
	rows, err := b.membersSessions(ctx, platform, viewer)
	if err != nil {
		return nil, err
	}
	var newest *Session
	for i := range rows {
		if rows[i].Conv.User == trainee && (newest == nil || rows[i].StartedAt.After(newest.StartedAt)) {
			newest = &rows[i].Session
		}
	}
	if newest == nil {
		return nil, ErrNotFound
	}
	return b.review(ctx, newest)
}

// reviewable finds session id (0: the newest) among the viewer's own
// sessions, then among the sessions of the groups the viewer runs.
func (b *Bot) reviewable(ctx context.Context, platform, viewer string, id int64) (*Session, error) {
	f := SessionFilter{Platform: platform, User: viewer}
	if id == 0 {
		f.Limit = 1
	}
	rows, err := b.store.Sessions(ctx, f)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if id == 0 || rows[i].ID == id {
			return &rows[i].Session, nil
		}
	}
	if id == 0 {
		return nil, ErrNotFound
	}
	members, err := b.membersSessions(ctx, platform, viewer)
	if err != nil {
		return nil, err
	}
	for i := range members {
		if members[i].ID == id {
			return &members[i].Session, nil
		}
	}
	return nil, ErrNotFound
}

// membersSessions lists the sessions of the group exercises viewer runs on
// platform; none if viewer is not a trainer.
func (b *Bot) membersSessions(ctx context.Context, platform, viewer string) ([]SessionSummary, error) {
	trainer, err := b.IsTrainer(ctx, platform, viewer)
	if err != nil || !trainer {
		return nil, err
	}
	gs, ok := b.store.(GroupStore)
	if !ok {
		return nil, nil
	}
	groups, err := gs.Groups(ctx, GroupFilter{Platform: platform, Trainer: viewer})
	if err != nil {
		return nil, err
	}
	var out []SessionSummary
	for _, g := range groups {
		rows, err := b.store.Sessions(ctx, SessionFilter{GroupID: g.ID})
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// review annotates session s's stored turns, with the versions of each
// turn taken back (undo) where the store keeps them.
func (b *Bot) review(ctx context.Context, s *Session) (*Review, error) {
	recs, err := b.store.Turns(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	tried := map[int][]dialogue.TurnVersion{}
	if us, ok := b.store.(UndoStore); ok {
		undone, err := us.UndoneTurns(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		var kept, taken []dialogue.Turn
		for _, r := range recs {
			kept = append(kept, r.Turn)
		}
		for _, r := range undone {
			taken = append(taken, r.Turn)
		}
		var d dialogue.Debrief
		dialogue.AddUndone(&d, kept, taken)
		for _, r := range d.Redone {
			tried[r.Turn] = r.Tried
		}
	}
	r := &Review{SessionID: s.ID, Scenario: s.ScenarioID, Character: s.ScenarioID, Trainee: s.Conv.User, Status: s.Status, StartedAt: s.StartedAt, Turns: []ReviewTurn{}}
	sc, _ := b.lib.Get(s.ScenarioID)
	if sc != nil {
		r.Character = sc.Character
	}
	for _, rec := range recs {
		t := rec.Turn
		rt := ReviewTurn{Turn: t.Number, Text: t.Text, Reply: t.Reply, Intent: t.Intent, Label: t.Assessment.Label,
			Phase: t.Assessment.Phase, Question: string(t.Assessment.Question), Findings: t.Assessment.Findings,
			TrustBefore: t.TrustBefore, TrustAfter: t.TrustAfter, TrustChanges: t.TrustChanges, Ended: t.Ended, At: rec.At,
			Unlocked: []dialogue.DisclosureState{}, TakenBack: tried[t.Number]}
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
			t.TrustBefore, t.TrustAfter, t.trustMoves())
		for _, v := range t.TakenBack {
			fmt.Fprintf(&b, "  Taken back: “%s” (%s)\n", Sanitize(v.Text, 4000), versionNote(v))
		}
		fmt.Fprintf(&b, "  You: %s\n  %s: %s\n", Sanitize(t.Text, 4000), r.Character, t.Reply)
		for _, f := range t.Findings {
			fmt.Fprintf(&b, "  %s — “%s”: %s\n", dialogue.KindName(f.Kind), f.Words, f.Why)
			if f.Rewrite != "" {
				fmt.Fprintf(&b, "    %s\n", dialogue.TryText(f.Rewrite))
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
			t.TrustBefore, t.TrustAfter, mdCell(t.trustMoves()))
		for _, v := range t.TakenBack {
			fmt.Fprintf(&b, "> ~~%s~~ (taken back: %s)\n>\n", mdCell(Sanitize(v.Text, 4000)), mdCell(versionNote(v)))
		}
		fmt.Fprintf(&b, "> **You:** %s\n>\n> **%s:** %s\n", mdCell(Sanitize(t.Text, 4000)), mdCell(r.Character), mdCell(t.Reply))
		if len(t.Findings) > 0 || len(t.Unlocked) > 0 || t.Ended {
			b.WriteString("\n")
		}
		for _, f := range t.Findings {
			fmt.Fprintf(&b, "- **%s** — “%s”: %s", dialogue.KindName(f.Kind), mdCell(f.Words), f.Why)
			if f.Rewrite != "" {
				fmt.Fprintf(&b, " %s", mdCell(dialogue.TryText(f.Rewrite)))
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

// trustMoves is the turn's net move of trust and, where known, each move
// with its cause: "-15: blamed her: “Why haven't you left”".
func (t ReviewTurn) trustMoves() string {
	if len(t.TrustChanges) == 0 {
		return signed(t.TrustAfter - t.TrustBefore)
	}
	return Meter{Changes: t.TrustChanges}.Causes()
}

// versionNote says how a wording taken back landed.
func versionNote(v dialogue.TurnVersion) string {
	note := labelName(v.Label) + ", trust " + signed(v.TrustDelta)
	if len(v.Findings) > 0 {
		note += ": " + strings.Join(v.Findings, ", ")
	}
	return note
}

// reviewCommand runs "review [SESSION|TRAINEE]": the asker's newest
// session, a session by number, or a trainee's newest session (trainers,
// for members of their group exercises). A refusal says what can be
// reviewed instead.
func (b *Bot) reviewCommand(ctx context.Context, a Adapter, c Conversation, args []string) error {
	var r *Review
	var err error
	what := "your last session"
	switch {
	case len(args) == 0:
		r, err = b.Review(ctx, c.Platform, c.User, 0)
	default:
		arg := strings.TrimPrefix(args[0], "#")
		if id, perr := strconv.ParseInt(arg, 10, 64); perr == nil && id > 0 && len(arg) < 10 {
			what = fmt.Sprintf("session %d", id)
			r, err = b.Review(ctx, c.Platform, c.User, id)
		} else {
			trainee := mentionedUser(args[0])
			what = "a session of " + Sanitize(trainee, 40)
			r, err = b.ReviewTrainee(ctx, c.Platform, c.User, trainee)
		}
	}
	if errors.Is(err, ErrNotFound) {
		trainer, _ := b.IsTrainer(ctx, c.Platform, c.User)
		text := fmt.Sprintf("You cannot review %s: you can review your own sessions (say *history* to list them).", what)
		if len(args) == 0 {
			text = "You have no practice sessions to review yet. Say *start jennifer* to begin one."
		} else if trainer {
			text = fmt.Sprintf("You cannot review %s: trainers can review their own sessions and those of the members of group exercises they run.", what)
		}
		b.sendPrivate(ctx, a, c, Message{Kind: KindNotice, Text: text})
		return nil
	}
	if err != nil {
		return b.failed(ctx, a, c, "reading the session to review", err)
	}
	b.sendPrivate(ctx, a, c, Message{Kind: KindReport, Text: r.Text()})
	return nil
}

// mentionedUser is the user id in a chat mention (Slack "<@U123|sam>",
// Discord "<@123>" or "<@!123>"), or the word as given.
func mentionedUser(s string) string {
	if strings.HasPrefix(s, "<@") && strings.HasSuffix(s, ">") {
		s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "<@"), "!"), ">")
		s, _, _ = strings.Cut(s, "|")
	}
	return strings.TrimPrefix(s, "@")
}
