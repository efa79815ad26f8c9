package dialogue

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pivotcoach/pivot/dialogue/pattern"
)

// Problem codes found by validation, beyond those found while loading
// (load.go) and by the scenario tests (PV601). Each is documented, with an
// example, in docs/validation-codes.md. Codes are stable: a code is never
// reused for a different problem.
const (
	CodeDuplicateScenario = "PV203" // two files in one folder use the same scenario id

	CodeNeverFires       = "PV401" // a reply can never be said
	CodeUnreachable      = "PV402" // a disclosure can never be reached
	CodeSilentBand       = "PV403" // an intent has no reply in some trust band or phase
	CodeNoSecondAsk      = "PV406" // asked twice, an intent can only repeat a line word for word
	CodeFallbackGap      = "PV404" // no fallback for some trust band or phase
	CodeHintGap          = "PV405" // a phase with intents but no hints
	CodeExampleNoMatch   = "PV501" // an example does not match its own intent
	CodeExampleOutranked = "PV502" // an example matches another intent as well or better
	CodeNotExampleMatch  = "PV503" // a not_example matches its intent
	CodeNoExamples       = "PV504" // an intent has no examples

	CodeDeadEnd      = "PV701" // --explore: a walk ended or got stuck early
	CodeMissingMove  = "PV801" // a shared interview move has no reply in this scenario
	CodeFallbackLoop = "PV702" // --explore: three fallbacks in a row
	CodeNeverReached = "PV703" // --explore: a disclosure no walk reached
)

// ValidateFile loads a scenario file and, if it loads, validates it. It
// returns the scenario (nil if it did not load) and every problem found,
// sorted by line.
func ValidateFile(data []byte, source string, opts ...LoadOption) (*Scenario, []Problem) {
	sc, err := LoadScenario(data, source, opts...)
	if err != nil {
		if se, ok := err.(*ScenarioError); ok {
			return nil, se.Problems
		}
		return nil, []Problem{{Source: source, Pos: Position{1, 1}, Code: CodeSyntax, Msg: err.Error()}}
	}
	return sc, Validate(sc)
}

// Validate checks a loaded scenario beyond what loading checks: replies
// that can never be said, disclosures that can never be reached, trust
// bands and phases where an intent or the fallbacks have nothing to say,
// phases without hints, each intent's examples and not_examples, and
// finally the scenario's own tests. Every check is sound: it reports only
// what provably cannot happen (or, for examples, what the matcher does).
func Validate(sc *Scenario) []Problem {
	probs := Lint(sc)
	probs = append(probs, RunTests(sc)...)
	sortProblems(probs)
	return probs
}

// Lint is Validate without running the scenario's tests.
func Lint(sc *Scenario) []Problem {
	if sc.index == nil {
		if probs := check(sc); len(probs) > 0 {
			return probs
		}
	}
	a := analyse(sc)
	probs := a.problems()
	probs = append(probs, checkExamples(sc)...)
	probs = append(probs, checkMoves(sc)...)
	probs = append(probs, checkSecondAsk(sc)...)
	probs = append(probs, checkComponents(sc)...)
	sortProblems(probs)
	return probs
}

// checkSecondAsk names intents a trainee cannot ask twice without the
// character repeating herself word for word: in some trust band only one
// reply can answer and none is an again: line ("Like I said…").
func checkSecondAsk(sc *Scenario) []Problem {
	var probs []Problem
	for i, in := range sc.Intents {
		var thin []string
		for _, b := range sc.Trust.Bands {
			n, again := 0, false
			for _, r := range in.Replies {
				if !replyFitsBand(r, b) {
					continue
				}
				if r.Again {
					again = true
				} else if !r.Once {
					n++
				}
			}
			if n > 0 && n < 2 && !again {
				thin = append(thin, b.Name)
			}
		}
		if len(thin) > 0 {
			probs = append(probs, Problem{Source: sc.Source, Pos: sc.Pos.At("intents." + strconv.Itoa(i)), Code: CodeNoSecondAsk,
				Msg: fmt.Sprintf("intent %q has one reply in trust %s %s and no again: reply, so asked twice the character repeats it word for word; add a variant with again: true (\"Like I said, …\")",
					in.ID, plural(len(thin), "band", "bands"), strings.Join(thin, ", "))})
		}
	}
	return probs
}

// replyFitsBand reports whether r's trust conditions allow band b.
func replyFitsBand(r Reply, b Band) bool {
	c := r.When
	if len(c.Bands) > 0 && !slices.Contains(c.Bands, b.Name) {
		return false
	}
	if c.MinTrust != nil && *c.MinTrust > b.To {
		return false
	}
	if c.MaxTrust != nil && *c.MaxTrust < b.From {
		return false
	}
	return true
}

// checkMoves names each shared interview move the scenario has no reply
// for: a trainee who greets, thanks or asks "and then?" would otherwise
// get a fallback in this scenario alone.
func checkMoves(sc *Scenario) []Problem {
	if sc.moves == nil {
		return nil
	}
	answered := map[string]bool{}
	for _, in := range sc.Intents {
		answered[in.Move] = true
	}
	var missing []string
	for _, mv := range sc.moves.Moves {
		if !answered[mv.ID] {
			missing = append(missing, mv.ID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	example := missing[0]
	probs := []Problem{{Source: sc.Source, Pos: sc.Pos.At("intents"), Code: CodeMissingMove,
		Msg: fmt.Sprintf("no reply for %d shared %s: %s; add an intent for each, such as {id: %s, move: %s, replies: [...]} (docs/scenario-format.md, Shared interview moves)",
			len(missing), plural(len(missing), "move", "moves"), strings.Join(missing, ", "), example, example)}}
	return probs
}

// span is an inclusive range of trust values.
type span struct{ lo, hi int }

func (s span) empty() bool { return s.lo > s.hi }

func (s span) meet(t span) span { return span{max(s.lo, t.lo), min(s.hi, t.hi)} }

// spans is a set of trust values as disjoint ranges.
type spans []span

func (ss spans) empty() bool { return len(ss) == 0 }

func (ss spans) meets(t span) bool {
	for _, s := range ss {
		if !s.meet(t).empty() {
			return true
		}
	}
	return false
}

// replyRef is one reply in one list, with where it is written.
type replyRef struct {
	list  int    // index into analysis.lists
	path  string // position path: intents.3.replies.1, fallbacks.0, ...
	desc  string // how messages name it
	r     *Reply
	trust spans // trust values at which its when can hold
	dead  string
}

type replyList struct {
	path     string // position of the owner: intents.3, fallbacks, reactions.x
	name     string // intent id, "fallbacks", ...
	intent   int    // index of the intent, or -1
	shutdown bool
	refs     []*replyRef
}

type analysis struct {
	sc    *Scenario
	reach span // trust values a session can reach
	live  span // trust values at which anything but shutdown is said
	down  span // trust values at which shutdown is said
	// why explains reach when it is narrower than min..max.
	why     string
	lists   []*replyList
	all     []*replyRef
	reached map[string]bool
	implies map[string]map[string]bool
}

func analyse(sc *Scenario) *analysis {
	a := &analysis{sc: sc}
	t := sc.Trust
	up, down := false, false
	for _, k := range append(append(append([]FindingKind(nil), BlamingKinds...), PositiveKinds...), Hostile) {
		if e := sc.Effect(k); e > 0 {
			up = true
		} else if e < 0 {
			down = true
		}
	}
	a.reach = span{t.Min, t.Max}
	addList := func(path, name string, intent int, shutdown bool, rs []Reply, item func(j int) string, noun string) {
		l := &replyList{path: path, name: name, intent: intent, shutdown: shutdown}
		for j := range rs {
			r := &rs[j]
			if r.Trust > 0 {
				up = true
			} else if r.Trust < 0 {
				down = true
			}
			id := r.ID
			if id == "" {
				id = "#" + strconv.Itoa(j+1)
			}
			l.refs = append(l.refs, &replyRef{list: len(a.lists), path: item(j), r: r, desc: fmt.Sprintf("%s %s", noun, id)})
		}
		a.lists = append(a.lists, l)
		a.all = append(a.all, l.refs...)
	}
	for i := range sc.Intents {
		in := &sc.Intents[i]
		p := "intents." + strconv.Itoa(i)
		addList(p, in.ID, i, false, in.Replies, func(j int) string { return p + ".replies." + strconv.Itoa(j) }, "reply")
		for _, ref := range a.lists[len(a.lists)-1].refs {
			ref.desc += " (intent " + in.ID + ")"
		}
	}
	kinds := make([]string, 0, len(sc.Reactions))
	for k := range sc.Reactions {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		p := "reactions." + k
		addList(p, p, -1, false, sc.Reactions[FindingKind(k)], func(j int) string { return p + "." + strconv.Itoa(j) }, "reaction to "+k)
	}
	for _, l := range []struct {
		name string
		rs   []Reply
		noun string
	}{{"fallbacks", sc.Fallbacks, "fallback"}, {"clarify", sc.Clarify, "clarify reply"}, {"shutdown", sc.Shutdown, "shutdown reply"}} {
		name := l.name
		addList(name, name, -1, name == "shutdown", l.rs, func(j int) string { return name + "." + strconv.Itoa(j) }, l.noun)
	}

	// Trust only moves by finding effects and reply trust: if nothing
	// raises it, it never rises above its start (and likewise down).
	var why []string
	if !up {
		a.reach.hi = t.Start
		why = append(why, fmt.Sprintf("nothing raises trust above its start (%d)", t.Start))
	}
	if !down {
		a.reach.lo = t.Start
		why = append(why, fmt.Sprintf("nothing lowers trust below its start (%d)", t.Start))
	}
	a.why = strings.Join(why, "; ")
	a.live, a.down = a.reach, span{1, 0}
	if t.EndBelow > 0 {
		// Below end_below the interview goes on until a sustained pattern
		// of blame ends it, and a single grave line ends it at any trust:
		// shutdown lines can be said anywhere trust can be.
		a.down = a.reach
	}
	for _, l := range a.lists {
		for _, ref := range l.refs {
			rng := a.live
			if l.shutdown {
				rng = a.down
			}
			ref.trust = a.trustSet(ref.r.When, rng)
		}
	}
	a.settle()
	return a
}

// trustSet is the set of trust values in rng at which c's trust parts hold.
func (a *analysis) trustSet(c Condition, rng span) spans {
	if c.MinTrust != nil {
		rng.lo = max(rng.lo, *c.MinTrust)
	}
	if c.MaxTrust != nil {
		rng.hi = min(rng.hi, *c.MaxTrust)
	}
	if rng.empty() {
		return nil
	}
	if len(c.Bands) == 0 {
		return spans{rng}
	}
	var out spans
	for _, b := range a.sc.Trust.Bands {
		if slices.Contains(c.Bands, b.Name) {
			if s := rng.meet(span{b.From, b.To}); !s.empty() {
				out = append(out, s)
			}
		}
	}
	return out
}

// settle decides which replies can never fire and which disclosures can
// be reached, to a fixed point: a reply that needs an unreachable
// disclosure cannot fire, and a disclosure only such replies reveal
// cannot be reached.
func (a *analysis) settle() {
	for _, ref := range a.all {
		ref.dead = a.staticDead(ref)
	}
	// No reply is shadowed by a more specific one any more: the engine
	// says a line not yet said before one already said, so every
	// eligible reply has its turn.
	for {
		a.reached = map[string]bool{}
		for changed := true; changed; {
			changed = false
			for _, ref := range a.all {
				if ref.dead != "" || !a.allReached(ref.r.When.Disclosed) {
					continue
				}
				for _, d := range ref.r.Discloses {
					if !a.reached[d] {
						a.reached[d], changed = true, true
					}
				}
			}
		}
		a.computeImplies()
		more := false
		for _, ref := range a.all {
			if ref.dead != "" {
				continue
			}
			c := ref.r.When
			for _, d := range c.Disclosed {
				if !a.reached[d] {
					ref.dead = fmt.Sprintf("it needs %q disclosed, and no reply that can be said discloses it", d)
					break
				}
				for _, nd := range c.NotDisclosed {
					if a.implies[d][nd] {
						ref.dead = fmt.Sprintf("it needs %q disclosed and %q not yet disclosed, but %q is only ever disclosed once %q is", d, nd, d, nd)
						break
					}
				}
				if ref.dead != "" {
					break
				}
			}
			if ref.dead != "" {
				more = true
			}
		}
		if !more {
			return
		}
	}
}

func (a *analysis) allReached(ids []string) bool {
	for _, d := range ids {
		if !a.reached[d] {
			return false
		}
	}
	return true
}

// computeImplies finds, for each disclosure d, the disclosures that are
// always already revealed (or revealed at the same time) whenever d is:
// the greatest fixed point of "every reply that can reveal d needs, or
// itself reveals, or needs something that implies, e".
func (a *analysis) computeImplies() {
	ids := make([]string, 0, len(a.sc.Disclosures))
	for _, d := range a.sc.Disclosures {
		ids = append(ids, d.ID)
	}
	imp := map[string]map[string]bool{}
	for _, d := range ids {
		imp[d] = map[string]bool{}
		for _, e := range ids {
			imp[d][e] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, d := range ids {
			for _, e := range ids {
				if !imp[d][e] || e == d {
					continue
				}
				for _, ref := range a.all {
					if ref.dead != "" || !slices.Contains(ref.r.Discloses, d) {
						continue
					}
					c := ref.r.When
					ok := slices.Contains(ref.r.Discloses, e) || slices.Contains(c.Disclosed, e)
					for _, p := range c.Disclosed {
						if ok {
							break
						}
						ok = imp[p][e]
					}
					if !ok {
						imp[d][e], changed = false, true
						break
					}
				}
			}
		}
	}
	for _, d := range ids {
		delete(imp[d], d)
	}
	a.implies = imp
}

// describeTrust names a condition's trust parts for a message.
func (a *analysis) describeTrust(c Condition) string {
	var parts []string
	if len(c.Bands) > 0 {
		var bs []string
		for _, name := range c.Bands {
			for _, b := range a.sc.Trust.Bands {
				if b.Name == name {
					bs = append(bs, fmt.Sprintf("%s (%d..%d)", b.Name, b.From, b.To))
				}
			}
		}
		parts = append(parts, "bands "+strings.Join(bs, ", "))
	}
	if c.MinTrust != nil {
		parts = append(parts, "min_trust "+strconv.Itoa(*c.MinTrust))
	}
	if c.MaxTrust != nil {
		parts = append(parts, "max_trust "+strconv.Itoa(*c.MaxTrust))
	}
	return strings.Join(parts, ", ")
}

func (a *analysis) staticDead(ref *replyRef) string {
	c := ref.r.When
	t := a.sc.Trust
	l := a.lists[ref.list]
	if l.shutdown && a.down.empty() {
		if t.EndBelow == 0 {
			return "trust.end_below is 0, so the character never ends the interview on low trust"
		}
		return fmt.Sprintf("trust never falls below trust.end_below (%d): %s", t.EndBelow, a.why)
	}
	if c.MinTrust != nil && c.MaxTrust != nil && *c.MinTrust > *c.MaxTrust {
		return fmt.Sprintf("min_trust %d is above max_trust %d", *c.MinTrust, *c.MaxTrust)
	}
	if ref.trust.empty() {
		rng := a.live
		if l.shutdown {
			rng = a.down
		}
		var where []string
		if a.why != "" {
			where = append(where, a.why)
		}
		msg := fmt.Sprintf("its trust condition (%s) never holds: trust stays within %d..%d", a.describeTrust(c), rng.lo, rng.hi)
		if rng.empty() {
			msg = fmt.Sprintf("its trust condition (%s) never holds", a.describeTrust(c))
		}
		if len(where) > 0 {
			msg += " (" + strings.Join(where, "; ") + ")"
		}
		return msg
	}
	for _, d := range c.Disclosed {
		if slices.Contains(c.NotDisclosed, d) {
			return fmt.Sprintf("it needs %q both disclosed and not disclosed", d)
		}
	}
	return ""
}

func (a *analysis) problems() []Problem {
	sc := a.sc
	var probs []Problem
	add := func(path, code, format string, args ...any) {
		probs = append(probs, Problem{Source: sc.Source, Pos: sc.Pos.At(path), Code: code, Msg: fmt.Sprintf(format, args...)})
	}
	for _, ref := range a.all {
		if ref.dead != "" {
			add(ref.path, CodeNeverFires, "%s can never be said: %s", ref.desc, ref.dead)
		}
	}
	for i, d := range sc.Disclosures {
		if a.reached[d.ID] {
			continue
		}
		var lines []string
		for _, ref := range a.all {
			if slices.Contains(ref.r.Discloses, d.ID) {
				lines = append(lines, strconv.Itoa(sc.Pos.At(ref.path).Line))
			}
		}
		if len(lines) == 0 {
			add("disclosures."+strconv.Itoa(i), CodeUnreachable, "disclosure %q is never reached: no reply discloses it", d.ID)
		} else {
			add("disclosures."+strconv.Itoa(i), CodeUnreachable, "disclosure %q is never reached: every reply that discloses it can never be said (line %s)", d.ID, strings.Join(lines, ", "))
		}
	}

	bands := a.liveBands()
	for _, l := range a.lists {
		if l.intent < 0 && l.name != "fallbacks" {
			continue
		}
		missing := a.coverage(l, bands)
		if missing == "" {
			continue
		}
		if l.intent >= 0 {
			add(l.path, CodeSilentBand, "intent %q has no reply %s: asked then, %s says nothing to it (another intent or a fallback answers)", l.name, missing, sc.Character)
		} else if len(l.refs) > 0 {
			add(l.path, CodeFallbackGap, "no fallback can be said %s: the character would answer \"…\"", missing)
		}
	}

	count := map[Phase]int{}
	for _, in := range sc.Intents {
		count[in.Phase]++
	}
	for _, p := range Phases {
		if count[p] > 0 && len(sc.Hints[p]) == 0 {
			path := "hints"
			if _, ok := sc.Pos["hints"]; !ok {
				path = "intents"
			}
			add(path, CodeHintGap, "no hints for phase %s, where %d %s: /hint there offers a hint from another phase", p, count[p], plural(count[p], "intent belongs", "intents belong"))
		}
	}
	return probs
}

// liveBands are the trust bands a session can be in while the character
// is still talking, cut to the trust that can be reached.
func (a *analysis) liveBands() []Band {
	var out []Band
	for _, b := range a.sc.Trust.Bands {
		if s := a.live.meet(span{b.From, b.To}); !s.empty() {
			out = append(out, Band{Name: b.Name, From: s.lo, To: s.hi})
		}
	}
	return out
}

// coverage names the trust bands (and, where replies are limited to some
// phases, the phases) in which no reply of l can hold, ignoring what has
// been disclosed or visited; "" when every band and phase is covered.
func (a *analysis) coverage(l *replyList, bands []Band) string {
	var gaps []string
	for _, b := range bands {
		var missing []string
		for _, p := range Phases {
			ok := false
			for _, ref := range l.refs {
				if ref.dead != "" || !ref.trust.meets(span{b.From, b.To}) {
					continue
				}
				if len(ref.r.When.Phases) == 0 || slices.Contains(ref.r.When.Phases, p) {
					ok = true
					break
				}
			}
			if !ok {
				missing = append(missing, string(p))
			}
		}
		switch {
		case len(missing) == len(Phases):
			gaps = append(gaps, fmt.Sprintf("%s (%d..%d)", b.Name, b.From, b.To))
		case len(missing) > 0:
			gaps = append(gaps, fmt.Sprintf("%s (%d..%d) when the trainee's line is in phase %s", b.Name, b.From, b.To, strings.Join(missing, ", ")))
		}
	}
	if len(gaps) == 0 {
		return ""
	}
	return "in trust band " + strings.Join(gaps, "; in trust band ")
}

// checkExamples is ChatScript's :verify, for the combined reader: each
// example must be read as its own intent, sure enough to answer, and no
// other intent may be read as strongly; no not_example may be read as
// its intent.
func checkExamples(sc *Scenario) []Problem {
	var probs []Problem
	add := func(path, code, format string, args ...any) {
		probs = append(probs, Problem{Source: sc.Source, Pos: sc.Pos.At(path), Code: code, Msg: fmt.Sprintf(format, args...)})
	}
	for i, in := range sc.Intents {
		ip := "intents." + strconv.Itoa(i)
		if len(in.Examples) == 0 && in.Move == "" {
			add(ip, CodeNoExamples, "intent %q has no examples: add wordings a trainee might use, so the matcher learns it and pivot validate can check it", in.ID)
		}
		for n, ex := range in.Examples {
			path := ip + ".examples." + strconv.Itoa(n)
			rd := sc.ReadLine(ex)
			switch {
			case rd.Intent == "":
				add(path, CodeExampleNoMatch, "example %q of intent %q is not understood (best reading %.2f, below %.2f)", ex, in.ID, rd.Confidence, ConfirmAbove)
			case rd.Intent != in.ID:
				add(path, CodeExampleOutranked, "example %q of intent %q is read as intent %q (%.2f by %s)", ex, in.ID, rd.Intent, rd.Confidence, rd.How)
			case rd.Tied != "":
				add(path, CodeExampleOutranked, "example %q of intent %q ties with intent %q (%.2f)", ex, in.ID, rd.Tied, rd.Confidence)
			case rd.Confirm:
				add(path, CodeExampleNoMatch, "example %q of intent %q is read as it, but only at %.2f: the character would ask, not answer (add more examples like it)", ex, in.ID, rd.Confidence)
			}
		}
		for n, ex := range in.NotExamples {
			path := ip + ".not_examples." + strconv.Itoa(n)
			// Even a guess the character would only ask about is a
			// misreading of a line the author says is not this intent.
			if rd := sc.ReadLine(ex); rd.Intent == in.ID {
				how := "read as"
				if rd.Confirm {
					how = "guessed as (the character would ask about it)"
				}
				add(path, CodeNotExampleMatch, "not_example %q is %s intent %q (%.2f by %s)", ex, how, in.ID, rd.Confidence, rd.How)
			}
		}
	}
	return probs
}

// LineReading is how the engine reads a line from a fresh session.
type LineReading struct {
	Intent     string
	Confidence float64
	How        string
	Pattern    string
	// Confirm: the character would ask about Intent, not answer it.
	Confirm bool
	// Tied names an intent read as strongly that nothing separates.
	Tied string
}

// ReadLine reads text as the engine would at the start of a session,
// before reactions and replies: for validation, tracing and tests.
func (sc *Scenario) ReadLine(text string) LineReading {
	if sc.index == nil {
		return LineReading{}
	}
	clean, _ := Clean(text)
	rd := sc.read(Tokenize(clean), sc.Scorer().Score(sc.Role, clean).Phase)
	out := LineReading{Confidence: rd.confidence, How: rd.how, Pattern: rd.pattern, Confirm: rd.confirm}
	if rd.intent >= 0 {
		out.Intent = sc.Intents[rd.intent].ID
	}
	if rd.tiedWith >= 0 {
		out.Tied = sc.Intents[rd.tiedWith].ID
	}
	return out
}

// IntentMatch is one intent matching a line, as the engine ranks it.
type IntentMatch struct {
	Intent  string
	Score   float64
	Pattern string
}

// RankIntents returns the intents whose patterns match text, most specific
// first, exactly as Step ranks them (before reactions, ties and replies).
func (sc *Scenario) RankIntents(text string) []IntentMatch {
	if sc.index == nil {
		return nil
	}
	clean, _ := Clean(text)
	var out []IntentMatch
	for _, c := range sc.rank(Tokenize(clean), pattern.NewBudget(turnPatternSteps)) {
		out = append(out, IntentMatch{Intent: sc.Intents[c.intent].ID, Score: c.score, Pattern: c.pattern})
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
