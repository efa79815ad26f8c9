package bot

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pivotcoach/pivot/dialogue"
)

// GroupReport is a group exercise's figures: the room's aggregate and one
// row per trainee.
type GroupReport struct {
	Group     Group  `json:"group"`
	Title     string `json:"title"`
	Character string `json:"character"`
	Trainees  int    `json:"trainees"`
	// Active trainees have at least one scored reply.
	Active     int     `json:"active"`
	Turns      int     `json:"turns"`
	NonBlaming int     `json:"non_blaming"`
	Share      float64 `json:"non_blaming_share"`
	// MeanShare is the mean over active trainees of their own share.
	MeanShare float64 `json:"mean_trainee_share"`
	KeyTotal  int     `json:"key_total"`
	// MeanKeyReached is the mean over trainees of key disclosures reached.
	MeanKeyReached float64           `json:"mean_key_reached"`
	Phases         []PhaseCount      `json:"phases"`
	Skipped        []PhaseCount      `json:"phases_skipped"`
	Findings       []FindingCount    `json:"blaming_findings"`
	Disclosures    []DisclosureCount `json:"disclosures"`
	Members        []MemberRow       `json:"members"`
}

// PhaseCount is how many trainees reached (or skipped) a phase.
type PhaseCount struct {
	Phase    dialogue.Phase `json:"phase"`
	Trainees int            `json:"trainees"`
}

// FindingCount is one kind of blaming finding across the room: how often,
// in how many trainees' interviews, the most common wording and a rewrite.
type FindingCount struct {
	Kind     dialogue.FindingKind `json:"kind"`
	Count    int                  `json:"count"`
	Trainees int                  `json:"trainees"`
	Words    string               `json:"words"`
	Rewrite  string               `json:"rewrite"`
}

// DisclosureCount is how many trainees reached a disclosure.
type DisclosureCount struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Key      bool   `json:"key"`
	Trainees int    `json:"trainees"`
}

// MemberRow is one session's figures.
type MemberRow struct {
	User string `json:"user"`
	// Name is the user's display name where the adapter could look it
	// up (NameResolver); empty otherwise.
	Name        string           `json:"name,omitempty"`
	Platform    string           `json:"platform"`
	SessionID   int64            `json:"session"`
	GroupID     int64            `json:"group,omitempty"`
	Scenario    string           `json:"scenario"`
	Status      SessionStatus    `json:"status"`
	StartedAt   time.Time        `json:"started_at"`
	Turns       int              `json:"turns"`
	NonBlaming  int              `json:"non_blaming"`
	Share       float64          `json:"non_blaming_share"`
	Phases      []dialogue.Phase `json:"phases"`
	KeyReached  int              `json:"key_reached"`
	KeyTotal    int              `json:"key_total"`
	Disclosures []string         `json:"disclosures"`
}

func memberRow(s SessionSummary) MemberRow {
	r := MemberRow{User: s.Conv.User, Platform: s.Conv.Platform, SessionID: s.ID, GroupID: s.GroupID, Scenario: s.ScenarioID,
		Status: s.Status, StartedAt: s.StartedAt, Turns: s.Turns, NonBlaming: s.NonBlaming, Phases: s.PhasesSeen,
		KeyReached: s.KeyReached, KeyTotal: s.KeyTotal, Disclosures: s.Disclosures}
	if s.Turns > 0 {
		r.Share = float64(s.NonBlaming) / float64(s.Turns)
	}
	return r
}

// withKeys fills KeyReached and KeyTotal from the scenarios.
func (b *Bot) withKeys(rows []SessionSummary) {
	for i := range rows {
		sc, err := b.lib.Get(rows[i].ScenarioID)
		if err != nil {
			continue
		}
		rows[i].KeyTotal, rows[i].KeyReached = len(sc.KeyDisclosures()), len(sc.KeyReached(rows[i].State))
	}
}

func (b *Bot) groupReport(ctx context.Context, g *Group) (*GroupReport, error) {
	rows, err := b.store.Sessions(ctx, SessionFilter{GroupID: g.ID})
	if err != nil {
		return nil, err
	}
	b.withKeys(rows)
	// By trainee, then oldest first.
	slices.Reverse(rows)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Conv.User < rows[j].Conv.User })
	r := &GroupReport{Group: *g, Title: g.ScenarioID, Character: g.ScenarioID}
	sc, scErr := b.lib.Get(g.ScenarioID)
	if scErr == nil {
		r.Title, r.Character, r.KeyTotal = sc.Title, sc.Character, len(sc.KeyDisclosures())
	}
	type agg struct {
		count    int
		trainees map[string]bool
		words    map[string]int
		rewrite  map[string]string
	}
	findings := map[dialogue.FindingKind]*agg{}
	phases := map[dialogue.Phase]map[string]bool{}
	disclosed := map[string]map[string]bool{}
	trainees := map[string]bool{}
	keySum, shareSum := 0, 0.0
	activeUsers := map[string]bool{}
	for _, s := range rows {
		m := memberRow(s)
		r.Members = append(r.Members, m)
		trainees[m.User] = true
		r.Turns += m.Turns
		r.NonBlaming += m.NonBlaming
		keySum += m.KeyReached
		if m.Turns > 0 {
			shareSum += m.Share
			r.Active++
			activeUsers[m.User] = true
		}
		for _, p := range m.Phases {
			if phases[p] == nil {
				phases[p] = map[string]bool{}
			}
			phases[p][m.User] = true
		}
		for _, d := range m.Disclosures {
			if disclosed[d] == nil {
				disclosed[d] = map[string]bool{}
			}
			disclosed[d][m.User] = true
		}
		recs, err := b.store.Turns(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			for _, f := range rec.Turn.Assessment.BlamingFindings() {
				a := findings[f.Kind]
				if a == nil {
					a = &agg{trainees: map[string]bool{}, words: map[string]int{}, rewrite: map[string]string{}}
					findings[f.Kind] = a
				}
				a.count++
				a.trainees[m.User] = true
				w := strings.ToLower(strings.TrimSpace(f.Words))
				a.words[w]++
				if f.Rewrite != "" && a.rewrite[w] == "" {
					a.rewrite[w] = f.Rewrite
				}
			}
		}
	}
	r.Trainees = len(trainees)
	if r.Turns > 0 {
		r.Share = float64(r.NonBlaming) / float64(r.Turns)
	}
	if r.Active > 0 {
		r.MeanShare = shareSum / float64(r.Active)
	}
	if len(rows) > 0 {
		r.MeanKeyReached = float64(keySum) / float64(len(rows))
	}
	for _, p := range dialogue.Phases {
		n := len(phases[p])
		r.Phases = append(r.Phases, PhaseCount{Phase: p, Trainees: n})
		// Skipped: active trainees who never reached the phase.
		skipped := 0
		for u := range activeUsers {
			if !phases[p][u] {
				skipped++
			}
		}
		if skipped > 0 {
			r.Skipped = append(r.Skipped, PhaseCount{Phase: p, Trainees: skipped})
		}
	}
	sort.SliceStable(r.Skipped, func(i, j int) bool { return r.Skipped[i].Trainees > r.Skipped[j].Trainees })
	for k, a := range findings {
		fc := FindingCount{Kind: k, Count: a.count, Trainees: len(a.trainees)}
		best := -1
		for w, n := range a.words {
			if n > best || (n == best && w < fc.Words) {
				best, fc.Words = n, w
			}
		}
		fc.Rewrite = a.rewrite[fc.Words]
		if fc.Rewrite == "" {
			for _, rw := range a.rewrite {
				if rw != "" && (fc.Rewrite == "" || rw < fc.Rewrite) {
					fc.Rewrite = rw
				}
			}
		}
		r.Findings = append(r.Findings, fc)
	}
	sort.Slice(r.Findings, func(i, j int) bool {
		if r.Findings[i].Count != r.Findings[j].Count {
			return r.Findings[i].Count > r.Findings[j].Count
		}
		return r.Findings[i].Kind < r.Findings[j].Kind
	})
	if scErr == nil {
		for _, d := range sc.Disclosures {
			r.Disclosures = append(r.Disclosures, DisclosureCount{ID: d.ID, Title: d.Title, Key: d.Key, Trainees: len(disclosed[d.ID])})
		}
	}
	return r, nil
}

func pct(x float64) string { return fmt.Sprintf("%.0f%%", x*100) }

func phaseList(ps []dialogue.Phase) string {
	if len(ps) == 0 {
		return "none"
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = dialogue.PhaseName(p)
	}
	return strings.Join(names, ", ")
}

// RenderGroupStatus is the trainer's live roll-up, in chat text.
func RenderGroupStatus(r *GroupReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Group exercise %d: %s* (%s, started %s)\n", r.Group.ID, r.Title, r.Group.Status, r.Group.StartedAt.Format("15:04"))
	fmt.Fprintf(&b, "%d joined, %d replying. %d replies, %s non-blaming.\n", r.Trainees, r.Active, r.Turns, pct(r.Share))
	b.WriteString("Phases reached: ")
	var ps []string
	for _, p := range r.Phases {
		ps = append(ps, fmt.Sprintf("%s %d", dialogue.PhaseName(p.Phase), p.Trainees))
	}
	b.WriteString(strings.Join(ps, ", ") + ".\n")
	if r.KeyTotal > 0 {
		fmt.Fprintf(&b, "Key disclosures reached: %.1f of %d on average.\n", r.MeanKeyReached, r.KeyTotal)
	}
	b.WriteString(RenderMemberTable(r))
	return b.String()
}

// Label is how a member is named in chat: the display name, else the id.
func (m MemberRow) Label() string {
	if m.Name != "" {
		return Sanitize(m.Name, 80)
	}
	return m.User
}

// RenderMemberTable is the per-trainee table, in chat text.
func RenderMemberTable(r *GroupReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Trainees in group exercise %d:*\n", r.Group.ID)
	if len(r.Members) == 0 {
		b.WriteString("Nobody has joined yet.")
		return b.String()
	}
	for _, m := range r.Members {
		status := ""
		if m.Status == SessionOpen {
			status = " (still open)"
		}
		fmt.Fprintf(&b, "• %s%s — %d replies, %s non-blaming, phases %d of 4, key disclosures %d of %d\n",
			m.Label(), status, m.Turns, pct(m.Share), len(m.Phases), m.KeyReached, m.KeyTotal)
	}
	return strings.TrimRight(b.String(), "\n")
}

// RenderGroupDebrief is the debrief for the room, in chat text. Names
// appear only when names is true.
func RenderGroupDebrief(r *GroupReport, names bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Group debrief: exercise %d, %s*\n", r.Group.ID, r.Title)
	if r.Active == 0 {
		fmt.Fprintf(&b, "%s joined; no replies were scored.", Plural(r.Trainees, "trainee"))
		return b.String()
	}
	fmt.Fprintf(&b, "%d trainees, %d replies: %s non-blaming (the average trainee: %s).\n", r.Active, r.Turns, pct(r.Share), pct(r.MeanShare))
	if r.KeyTotal > 0 {
		fmt.Fprintf(&b, "Key disclosures reached: %.1f of %d on average.\n", r.MeanKeyReached, r.KeyTotal)
	}
	if len(r.Findings) > 0 {
		b.WriteString("\n*Most common blaming findings, and what to say instead:*\n")
		for i, f := range r.Findings {
			if i == 5 {
				break
			}
			fmt.Fprintf(&b, "• %s — %s, in %s, e.g. “%s”", dialogue.KindName(f.Kind), Plural(f.Count, "time"), Plural(f.Trainees, "interview"), f.Words)
			if f.Rewrite != "" {
				fmt.Fprintf(&b, "\n  %s", dialogue.TryText(f.Rewrite))
			}
			b.WriteString("\n")
		}
	} else {
		b.WriteString("\nNo blaming findings in the room. \n")
	}
	if len(r.Skipped) > 0 {
		b.WriteString("\n*Phases most often skipped:* ")
		var ps []string
		for _, p := range r.Skipped {
			ps = append(ps, fmt.Sprintf("%s (%d of %d)", dialogue.PhaseName(p.Phase), p.Trainees, r.Active))
		}
		b.WriteString(strings.Join(ps, ", ") + "\n")
	}
	learned, unreached := 0, 0
	for _, d := range r.Disclosures {
		if d.Trainees == 0 {
			if d.Key {
				unreached++
			}
			continue
		}
		if learned == 0 {
			b.WriteString("\n*What the room learned:*\n")
		}
		learned++
		key := ""
		if d.Key {
			key = " (key)"
		}
		fmt.Fprintf(&b, "• %s%s — %d of %d\n", d.Title, key, d.Trainees, r.Active)
	}
	if unreached > 0 {
		fmt.Fprintf(&b, "Key disclosures nobody reached: %d.\n", unreached)
	}
	if names {
		b.WriteString("\n" + RenderMemberTable(r))
	}
	return strings.TrimRight(b.String(), "\n")
}

// Markdown renders the group report for course records.
func (r *GroupReport) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Group exercise %d: %s\n\n", r.Group.ID, r.Title)
	fmt.Fprintf(&b, "- Character: %s (scenario `%s`)\n", r.Character, r.Group.ScenarioID)
	fmt.Fprintf(&b, "- Trainer: %s (%s)\n", r.Group.Trainer, r.Group.Platform)
	fmt.Fprintf(&b, "- Started: %s", r.Group.StartedAt.Format("2006-01-02 15:04 MST"))
	if !r.Group.EndedAt.IsZero() {
		fmt.Fprintf(&b, "; ended: %s", r.Group.EndedAt.Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintf(&b, " (%s)\n", r.Group.Status)
	fmt.Fprintf(&b, "- Trainees: %d joined, %d replied\n", r.Trainees, r.Active)
	fmt.Fprintf(&b, "- Replies: %d, non-blaming %d (%s); mean per trainee %s\n", r.Turns, r.NonBlaming, pct(r.Share), pct(r.MeanShare))
	if r.KeyTotal > 0 {
		fmt.Fprintf(&b, "- Key disclosures reached: %.1f of %d on average\n", r.MeanKeyReached, r.KeyTotal)
	}
	b.WriteString("\n## Phases\n\n| phase | trainees reached | trainees skipped |\n|---|---:|---:|\n")
	for _, p := range r.Phases {
		skipped := 0
		for _, s := range r.Skipped {
			if s.Phase == p.Phase {
				skipped = s.Trainees
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %d |\n", dialogue.PhaseName(p.Phase), p.Trainees, skipped)
	}
	b.WriteString("\n## Blaming findings\n\n")
	if len(r.Findings) == 0 {
		b.WriteString("None.\n")
	} else {
		b.WriteString("| kind | count | interviews | most common words | rewrite |\n|---|---:|---:|---|---|\n")
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "| %s | %d | %d | %s | %s |\n", dialogue.KindName(f.Kind), f.Count, f.Trainees, mdCell(f.Words), mdCell(f.Rewrite))
		}
	}
	if len(r.Disclosures) > 0 {
		b.WriteString("\n## Disclosures\n\n| disclosure | key | trainees reached |\n|---|---|---:|\n")
		for _, d := range r.Disclosures {
			key := ""
			if d.Key {
				key = "yes"
			}
			fmt.Fprintf(&b, "| %s | %s | %d |\n", mdCell(d.Title), key, d.Trainees)
		}
	}
	b.WriteString("\n## Trainees\n\n")
	writeMemberMarkdown(&b, r.Members, false)
	return b.String()
}

func writeMemberMarkdown(b *strings.Builder, rows []MemberRow, scenario bool) {
	if len(rows) == 0 {
		b.WriteString("No sessions.\n")
		return
	}
	if scenario {
		b.WriteString("| started | scenario | group | status | replies | non-blaming | phases | key disclosures |\n|---|---|---|---|---:|---:|---|---:|\n")
	} else {
		b.WriteString("| trainee | status | replies | non-blaming | phases | key disclosures |\n|---|---|---:|---:|---|---:|\n")
	}
	for _, m := range rows {
		if scenario {
			group := ""
			if m.GroupID != 0 {
				group = strconv.FormatInt(m.GroupID, 10)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %d | %s | %s | %d of %d |\n", m.StartedAt.Format("2006-01-02 15:04"), m.Scenario, group, m.Status,
				m.Turns, pct(m.Share), phaseList(m.Phases), m.KeyReached, m.KeyTotal)
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %d | %s | %s | %d of %d |\n", mdCell(m.User), m.Status, m.Turns, pct(m.Share), phaseList(m.Phases), m.KeyReached, m.KeyTotal)
	}
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// csvHeader is the header of every CSV report: one row per session.
var csvHeader = []string{"group", "platform", "user", "session", "scenario", "status", "started", "replies", "non_blaming", "non_blaming_share", "phases", "key_reached", "key_total", "disclosures"}

func writeCSV(w io.Writer, rows []MemberRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, m := range rows {
		phases := make([]string, len(m.Phases))
		for i, p := range m.Phases {
			phases[i] = string(p)
		}
		group := ""
		if m.GroupID != 0 {
			group = strconv.FormatInt(m.GroupID, 10)
		}
		if err := cw.Write([]string{group, m.Platform, m.User, strconv.FormatInt(m.SessionID, 10), m.Scenario, string(m.Status),
			m.StartedAt.UTC().Format(time.RFC3339), strconv.Itoa(m.Turns), strconv.Itoa(m.NonBlaming), strconv.FormatFloat(m.Share, 'f', 3, 64),
			strings.Join(phases, " "), strconv.Itoa(m.KeyReached), strconv.Itoa(m.KeyTotal), strings.Join(m.Disclosures, " ")}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSV writes the group's per-trainee rows.
func (r *GroupReport) CSV(w io.Writer) error { return writeCSV(w, r.Members) }

// UserReport is a trainee's sessions over time.
type UserReport struct {
	Platform string      `json:"platform"`
	User     string      `json:"user"`
	Since    time.Time   `json:"since,omitzero"`
	Sessions []MemberRow `json:"sessions"`
	Trend    string      `json:"trend,omitempty"`
	Coaching string      `json:"coaching,omitempty"`
}

// UserReport reports user's sessions on platform since a time (zero: all),
// limited to groups if any are given.
func (b *Bot) UserReport(ctx context.Context, platform, user string, since time.Time, groups []int64) (*UserReport, error) {
	rows, err := b.store.Sessions(ctx, SessionFilter{Platform: platform, User: user, Since: since})
	if err != nil {
		return nil, err
	}
	if groups != nil {
		rows = slices.DeleteFunc(rows, func(s SessionSummary) bool { return !slices.Contains(groups, s.GroupID) })
	}
	b.withKeys(rows)
	r := &UserReport{Platform: platform, User: user, Since: since, Trend: strings.TrimSpace(Trend(rows))}
	for _, s := range rows {
		r.Sessions = append(r.Sessions, memberRow(s))
	}
	if groups == nil {
		r.Coaching = b.coachingOutlook(ctx, platform, user)
	}
	return r, nil
}

// coachingOutlook says how much inline coaching the user's next session
// would give.
func (b *Bot) coachingOutlook(ctx context.Context, platform, user string) string {
	if _, ok := b.store.(CoachingStore); !ok {
		return ""
	}
	c := b.decideCoaching(ctx, &Session{Conv: Conversation{Platform: platform, User: user}}, nil)
	s := fmt.Sprintf("Inline coaching in your next session: %s.", c.Level)
	if c.Level > FadeFull {
		s += fmt.Sprintf(" (Your last %d sessions were %.0f%%+ non-blaming.)", FadeWindow, threshold(c.Level)*100)
	}
	return s
}

// Markdown renders the trainee's report.
func (r *UserReport) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Practice sessions: %s (%s)\n\n", r.User, r.Platform)
	if !r.Since.IsZero() {
		fmt.Fprintf(&b, "Since %s.\n\n", r.Since.Format("2006-01-02"))
	}
	writeMemberMarkdown(&b, r.Sessions, true)
	if r.Trend != "" {
		fmt.Fprintf(&b, "\n%s\n", r.Trend)
	}
	if r.Coaching != "" {
		fmt.Fprintf(&b, "\n%s\n", r.Coaching)
	}
	return b.String()
}

// CSV writes one row per session.
func (r *UserReport) CSV(w io.Writer) error { return writeCSV(w, r.Sessions) }

// WriteReport writes a *GroupReport or *UserReport (or a list of them) in
// format md, csv or json.
func WriteReport(w io.Writer, format string, reports ...interface {
	Markdown() string
	CSV(io.Writer) error
}) error {
	switch format {
	case "md", "markdown", "":
		for i, r := range reports {
			if i > 0 {
				io.WriteString(w, "\n")
			}
			if _, err := io.WriteString(w, r.Markdown()); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		var rows []MemberRow
		for _, r := range reports {
			switch r := r.(type) {
			case *GroupReport:
				rows = append(rows, r.Members...)
			case *UserReport:
				rows = append(rows, r.Sessions...)
			}
		}
		return writeCSV(w, rows)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if len(reports) == 1 {
			return enc.Encode(reports[0])
		}
		return enc.Encode(reports)
	}
	return fmt.Errorf("unknown report format %q (want md, csv or json)", format)
}
