package dialogue

import (
	"fmt"
	"strconv"
	"sync"
	"unicode"

	"github.com/pivotcoach/pivot/dialogue/pattern"
)

// compiledIdx is what loading precomputes so a turn costs no parsing.
type compiledIdx struct {
	concepts conceptIndex
	// patterns[i] are the compiled patterns of Intents[i].
	patterns [][]*pattern.Pattern
	// byID maps an intent id to its index in Intents.
	byID map[string]int
	// The learned matcher is trained on first use, once.
	trainOnce sync.Once
	matcher   *Matcher
	// learned[i]: the matcher has example wordings for Intents[i].
	learnedOnce sync.Once
	learned     []bool
	// classes[i]: the matcher's class for Intents[i] (intentClasses).
	classOnce sync.Once
	classes   []int
}

// defaultBands apply when a scenario names none.
var defaultBands = []Band{
	{Name: "guarded", From: 0, To: 34},
	{Name: "open", From: 35, To: 69},
	{Name: "trusting", From: 70, To: 100},
}

// check fills defaults, checks that every reference resolves, and compiles
// the patterns. It returns every problem it finds.
func check(sc *Scenario) []Problem {
	var probs []Problem
	add := func(path, code, format string, a ...any) {
		probs = append(probs, Problem{Source: sc.Source, Pos: sc.Pos.At(path), Code: code, Msg: fmt.Sprintf(format, a...)})
	}

	if sc.Format != FormatVersion {
		add("format", CodeFormat, "format is %d; this version of Pivot reads format: %d", sc.Format, FormatVersion)
	}
	for _, req := range []struct{ path, val string }{
		{"id", sc.ID}, {"title", sc.Title}, {"character", sc.Character},
		{"brief", sc.Brief}, {"opening", sc.Opening},
	} {
		if req.val == "" {
			add(req.path, CodeMissing, "%s: is required", req.path)
		}
	}
	if !sc.Role.Valid() {
		add("role", CodeBadValue, "role is %q; it must be survivor or perpetrator (whom the trainee is speaking to)", sc.Role)
	}

	// Trust: defaults, then bands covering min..max without gaps.
	t := &sc.Trust
	if t.Max == 0 && t.Min == 0 {
		t.Max = 100
	}
	if len(t.Bands) == 0 {
		t.Bands = append([]Band(nil), defaultBands...)
	}
	if t.Start < t.Min || t.Start > t.Max {
		add("trust.start", CodeBadValue, "trust start %d is outside min..max (%d..%d)", t.Start, t.Min, t.Max)
	}
	next := t.Min
	bandNames := map[string]bool{}
	for i, b := range t.Bands {
		path := "trust.bands." + strconv.Itoa(i)
		if b.Name == "" {
			add(path, CodeMissing, "a trust band needs a name")
		}
		if bandNames[b.Name] {
			add(path, CodeDuplicateID, "trust band %q is declared twice", b.Name)
		}
		bandNames[b.Name] = true
		if b.From != next || b.To < b.From {
			add(path, CodeBandsInvalid, "trust band %q is %d..%d; bands must run from %d upward with no gap or overlap", b.Name, b.From, b.To, next)
		}
		next = b.To + 1
	}
	if next != t.Max+1 {
		add("trust.bands", CodeBandsInvalid, "trust bands end at %d but trust runs to %d", next-1, t.Max)
	}
	for k := range t.Effects {
		if !k.Valid() {
			add("trust.effects", CodeBadValue, "trust effect for unknown finding kind %q", k)
		}
	}

	disclosures := map[string]bool{}
	for i, d := range sc.Disclosures {
		path := "disclosures." + strconv.Itoa(i)
		if d.ID == "" {
			add(path, CodeMissing, "a disclosure needs an id")
			continue
		}
		if disclosures[d.ID] {
			add(path, CodeDuplicateID, "disclosure %q is declared twice", d.ID)
		}
		disclosures[d.ID] = true
		if d.Title == "" {
			add(path, CodeMissing, "disclosure %q needs a title (the debrief shows it)", d.ID)
		}
	}

	commitments := map[string]bool{}
	for i, c := range sc.Commitments {
		path := "commitments." + strconv.Itoa(i)
		switch {
		case c.ID == "":
			add(path, CodeMissing, "a commitment needs an id")
		case commitments[c.ID]:
			add(path, CodeDuplicateID, "commitment %q is declared twice", c.ID)
		}
		commitments[c.ID] = true
	}
	// Everything a trainee reads is printed to terminals and chats: escape
	// sequences, C0/C1 controls and bidi overrides could clear a screen or
	// disguise text, so they are refused at load.
	checkText := func(path, what, text string) {
		if r, ok := controlRune(text); ok {
			add(path, CodeControlChar, "%s holds the control character U+%04X; remove it (only ordinary text, new lines and tabs may be used)", what, r)
		}
	}
	checkText("opening", "opening", sc.Opening)
	checkText("brief", "brief", sc.Brief)
	checkText("title", "title", sc.Title)
	checkReply := func(path string, r Reply) {
		checkText(path, "a reply's text", r.Text)
		for _, id := range append(append(append([]string(nil), r.Commits...), r.When.Committed...), r.When.NotCommitted...) {
			if !commitments[id] {
				add(path, CodeUnknownRef, "refers to commitment %q, which is not declared under commitments:", id)
			}
		}
		for _, st := range r.When.Stage {
			if st != Minimising && st != Partial && st != Owning {
				add(path, CodeBadValue, "when.stage names %q; stages are minimising, partial, owning", st)
			} else if sc.Accountability == nil {
				add(path, CodeBadValue, "when.stage needs an accountability: block (the perpetrator's topics and thresholds)")
			}
		}
		if r.Text == "" {
			add(path, CodeMissing, "a reply needs text")
		}
		for _, id := range r.Discloses {
			if !disclosures[id] {
				add(path, CodeUnknownRef, "discloses %q, which is not declared under disclosures:", id)
			}
		}
		c := r.When
		for _, b := range c.Bands {
			if !bandNames[b] {
				add(path, CodeUnknownRef, "when.bands names %q, which is not a trust band", b)
			}
		}
		for _, list := range [][]string{c.Disclosed, c.NotDisclosed} {
			for _, id := range list {
				if !disclosures[id] {
					add(path, CodeUnknownRef, "when refers to disclosure %q, which is not declared", id)
				}
			}
		}
		for _, list := range [][]Phase{c.Visited, c.Phases} {
			for _, p := range list {
				if !p.Valid() {
					add(path, CodeBadValue, "when names phase %q; phases are engagement, worries, working_well, next_steps", p)
				}
			}
		}
	}
	checkReplies := func(prefix string, rs []Reply) {
		ids := map[string]bool{}
		for i, r := range rs {
			path := prefix + "." + strconv.Itoa(i)
			if r.ID != "" {
				if ids[r.ID] {
					add(path, CodeDuplicateID, "reply id %q is used twice here", r.ID)
				}
				ids[r.ID] = true
			}
			checkReply(path, r)
		}
	}

	idx := &compiledIdx{concepts: buildConcepts(sc.Concepts), byID: map[string]int{}}
	intents := map[string]bool{}
	for i, in := range sc.Intents {
		path := "intents." + strconv.Itoa(i)
		if in.ID == "" {
			add(path, CodeMissing, "an intent needs an id")
		} else if intents[in.ID] {
			add(path, CodeDuplicateID, "intent %q is declared twice", in.ID)
		}
		intents[in.ID] = true
		idx.byID[in.ID] = i
		if !in.Phase.Valid() && !(in.Phase == "" && in.Move != "") {
			// (an unknown move is reported already; its phase is unknown)
			add(path, CodeBadValue, "intent %q has phase %q; phases are engagement, worries, working_well, next_steps", in.ID, in.Phase)
		}
		if len(in.Patterns) == 0 && len(in.Examples) == 0 && in.Move == "" {
			add(path, CodeMissing, "intent %q needs examples (wordings a trainee might use) or patterns", in.ID)
		}
		if len(in.Replies) == 0 {
			add(path, CodeMissing, "intent %q needs at least one reply", in.ID)
		}
		var pats []*pattern.Pattern
		for j, src := range in.Patterns {
			p, err := CompilePattern(src, sc.Concepts)
			if err == nil {
				err = patternCost(p)
			}
			if err != nil {
				add(path+".patterns."+strconv.Itoa(j), CodeBadPattern, "%v", err)
				continue
			}
			pats = append(pats, p)
		}
		idx.patterns = append(idx.patterns, pats)
		checkReplies(path+".replies", in.Replies)
	}
	if p := sc.Accountability; p != nil {
		for _, id := range p.Topics {
			if !intents[id] {
				add("accountability", CodeUnknownRef, "accountability topic %q is not an intent", id)
			}
		}
		if p.PartialAfter < 1 || p.OwnAfter <= p.PartialAfter {
			add("accountability", CodeBadValue, "accountability needs 1 <= partial_after < own_after (got %d and %d)", p.PartialAfter, p.OwnAfter)
		}
	}
	for k, rs := range sc.Reactions {
		if !k.Blaming() && k != Hostile {
			add("reactions."+string(k), CodeBadValue, "reactions are for blaming kinds and hostile; %q is neither", k)
		}
		checkReplies("reactions."+string(k), rs)
	}
	if len(sc.Fallbacks) == 0 {
		add("fallbacks", CodeMissing, "fallbacks: needs at least one reply for when nothing matches")
	}
	checkReplies("fallbacks", sc.Fallbacks)
	checkReplies("clarify", sc.Clarify)
	checkReplies("confirm", sc.Confirm)
	checkReplies("shutdown", sc.Shutdown)
	for p := range sc.Hints {
		if !p.Valid() {
			add("hints."+string(p), CodeBadValue, "hints for unknown phase %q", p)
		}
	}
	for i, tc := range sc.Tests {
		for j, turn := range tc.Turns {
			path := "tests." + strconv.Itoa(i) + ".turns." + strconv.Itoa(j)
			e := turn.Expect
			if e.Intent != "" && !intents[e.Intent] {
				add(path, CodeUnknownRef, "test expects intent %q, which is not declared", e.Intent)
			}
			for _, id := range append(append([]string(nil), e.Disclosed...), e.NotDisclosed...) {
				if !disclosures[id] {
					add(path, CodeUnknownRef, "test expects disclosure %q, which is not declared", id)
				}
			}
		}
	}
	sc.index = idx
	return probs
}

// controlRune finds a character that has no place in text shown to a
// trainee: C0 and C1 controls other than new line and tab, and the
// invisible formatting characters (bidi overrides, zero-width joiners).
func controlRune(s string) (rune, bool) {
	for _, r := range s {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return r, true
		}
	}
	return 0, false
}
