package dialogue

// Undone turns in the debrief (issue 14): how many turns were taken back,
// and for each turn redone, what was tried and what was kept. The figures,
// components and strengths of a debrief count only the kept turns.

// Redo is one turn the trainee took back: the versions tried and undone,
// in order, and the version kept (nil if the turn was taken back and the
// session ended before another was said).
type Redo struct {
	Turn  int           `json:"turn"`
	Tried []TurnVersion `json:"tried"`
	Kept  *TurnVersion  `json:"kept,omitempty"`
}

// TurnVersion is one wording of a turn and how it landed.
type TurnVersion struct {
	Text       string `json:"text"`
	Label      Label  `json:"label"`
	TrustDelta int    `json:"trust_delta"`
	// Findings names the kinds found on the turn, in the trainer's words.
	Findings []string `json:"findings,omitempty"`
	Reply    string   `json:"reply"`
}

func versionOf(t Turn) TurnVersion {
	v := TurnVersion{Text: t.Text, Label: t.Assessment.Label, TrustDelta: t.TrustAfter - t.TrustBefore, Reply: t.Reply}
	seen := map[FindingKind]bool{}
	for _, f := range t.Assessment.Findings {
		if !seen[f.Kind] {
			seen[f.Kind] = true
			v.Findings = append(v.Findings, kindName(f.Kind))
		}
	}
	return v
}

// AddUndone adds the undone turns of a session (in the order they were
// undone) to its debrief: the count, and each redone turn with its
// versions. kept are the session's kept turns, as given to MakeDebrief.
func AddUndone(d *Debrief, kept, undone []Turn) {
	d.Undos = len(undone)
	if len(undone) == 0 {
		return
	}
	index := map[int]int{} // turn number → its place in d.Redone
	for _, u := range undone {
		i, ok := index[u.Number]
		if !ok {
			i = len(d.Redone)
			index[u.Number] = i
			d.Redone = append(d.Redone, Redo{Turn: u.Number})
		}
		d.Redone[i].Tried = append(d.Redone[i].Tried, versionOf(u))
	}
	for _, t := range kept {
		if i, ok := index[t.Number]; ok {
			v := versionOf(t)
			d.Redone[i].Kept = &v
		}
	}
}
