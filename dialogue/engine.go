package dialogue

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"

	"github.com/pivotcoach/pivot/dialogue/pattern"
)

// State is everything the engine remembers between turns. It is a plain
// value (JSON-serialisable) so the bot can store it after every turn and a
// session survives a restart.
type State struct {
	Scenario string `json:"scenario"`
	Seed     int64  `json:"seed"`
	Turn     int    `json:"turn"`
	Trust    int    `json:"trust"`
	// Disclosed lists disclosure ids in the order they were reached.
	Disclosed []string `json:"disclosed"`
	// Phases is the phase of each trainee turn: the timeline.
	Phases []Phase `json:"phases"`
	// LastUsed maps a reply key to the turn it was last said.
	LastUsed map[string]int `json:"last_used"`
	// Spent lists once-only replies already said.
	Spent []string `json:"spent"`
	// Hints counts hints given, so each /hint offers a new one.
	Hints int `json:"hints"`
	// Topic is the intent last answered on a topic of substance, so a
	// follow-up ("and then?") is read against it.
	Topic string `json:"topic,omitempty"`
	// Pending is the intent the character asked about ("The money, you
	// mean?"); a yes on the next turn answers it.
	Pending string `json:"pending,omitempty"`
	// Difficulty is gentle, standard ("") or hard.
	Difficulty Difficulty `json:"difficulty,omitempty"`
	// Asked counts how often each intent has been answered, so a second
	// ask gets "Like I said…" rather than the same line.
	Asked map[string]int `json:"asked,omitempty"`
	// Committed lists commitments made, in order; LastCommit is the turn
	// of the last one.
	Committed  []string `json:"committed,omitempty"`
	LastCommit int      `json:"last_commit,omitempty"`
	// Held counts skilled turns holding a perpetrator to account, net of
	// setbacks; it decides his stage.
	Held int `json:"held,omitempty"`
	// Blamed lists the turns with a blaming or shaming line.
	Blamed []int `json:"blamed,omitempty"`
	// EndReason says why the character ended the interview; EndGrave,
	// that a single grave line ended it.
	EndReason string `json:"end_reason,omitempty"`
	EndGrave  bool   `json:"end_grave,omitempty"`
	Ended     bool   `json:"ended"`
}

// NewState starts a session of sc. The seed decides any choice between
// equally good replies, so the same seed and lines replay exactly.
func NewState(sc *Scenario, seed int64, opts ...StateOption) State {
	st := State{Scenario: sc.ID, Seed: seed, LastUsed: map[string]int{}}
	for _, o := range opts {
		o(&st)
	}
	st.Trust = sc.clamp(sc.Trust.Start + st.Difficulty.rules().startShift)
	return st
}

// clone copies the state so Step never changes its caller's value.
func (s State) clone() State {
	c := s
	c.Disclosed = slices.Clone(s.Disclosed)
	c.Phases = slices.Clone(s.Phases)
	c.Spent = slices.Clone(s.Spent)
	c.LastUsed = make(map[string]int, len(s.LastUsed))
	for k, v := range s.LastUsed {
		c.LastUsed[k] = v
	}
	c.Asked = make(map[string]int, len(s.Asked))
	for k, v := range s.Asked {
		c.Asked[k] = v
	}
	c.Committed = slices.Clone(s.Committed)
	c.Blamed = slices.Clone(s.Blamed)
	return c
}

// HasDisclosed reports whether disclosure id has been reached.
func (s State) HasDisclosed(id string) bool { return slices.Contains(s.Disclosed, id) }

// Visited reports whether the trainee has worked in phase p.
func (s State) Visited(p Phase) bool { return slices.Contains(s.Phases, p) }

// Turn is what happened on one trainee turn: the scorer's assessment, the
// character's answer, and the trace of every decision in trainer language.
type Turn struct {
	Number int    `json:"turn"`
	Text   string `json:"text"`
	// Cut is true when the trainee's text was longer than MaxReplyRunes.
	Cut        bool       `json:"cut,omitempty"`
	Assessment Assessment `json:"assessment"`
	Intent     string     `json:"intent"`
	// Fallback: no intent matched (or none could answer) and the character
	// gave an in-character fallback.
	Fallback bool `json:"fallback"`
	// Clarify: two intents tied and the character asked which was meant.
	Clarify bool `json:"clarify,omitempty"`
	// Confirm: the character was not sure what was asked and asked about
	// her best guess instead of answering.
	Confirm bool `json:"confirm,omitempty"`
	// Confidence is how sure the engine was of the intent it read (0..1).
	Confidence float64 `json:"confidence,omitempty"`
	// FollowUp names the earlier topic a follow-up was read against.
	FollowUp string `json:"follow_up,omitempty"`
	// Committed lists commitments the character made this turn.
	Committed []string `json:"committed,omitempty"`
	// Stage is a perpetrator's accountability stage after the turn.
	Stage Stage `json:"stage,omitempty"`
	// EndReason says why the character ended the interview this turn.
	EndReason string `json:"end_reason,omitempty"`
	// Reaction names the finding kind the character reacted to, if any.
	Reaction    FindingKind `json:"reaction,omitempty"`
	ReplyID     string      `json:"reply_id"`
	Reply       string      `json:"reply"`
	TrustBefore int         `json:"trust_before"`
	TrustAfter  int         `json:"trust_after"`
	// TrustChanges are the moves of trust on the turn, each with its
	// cause in the trainer's words, for the trust meter.
	TrustChanges []TrustChange `json:"trust_changes,omitempty"`
	// Disclosed lists what this turn revealed.
	Disclosed []string `json:"disclosed"`
	Ended     bool     `json:"ended"`
	Trace     []string `json:"trace"`
}

// Step plays one trainee turn. It is pure: the same scenario, state and
// text always give the same result, and the input state is not changed.
func Step(sc *Scenario, st State, text string) (Turn, State) {
	st = st.clone()
	clean, cut := Clean(text)
	st.Turn++
	t := Turn{Number: st.Turn, Text: clean, Cut: cut, TrustBefore: st.Trust}
	tracef := func(format string, a ...any) { t.Trace = append(t.Trace, fmt.Sprintf(format, a...)) }
	if st.Ended {
		t.TrustAfter = st.Trust
		t.Ended = true
		tracef("the interview had already ended")
		return t, st
	}

	a := sc.ScoreReply(clean) // Score, with rewrites fitted to the case (score_case.go)
	t.Assessment = a
	st.Phases = compactPhases(append(st.Phases, a.Phase))

	// Tone: every finding moves trust once per kind.
	seen := map[FindingKind]bool{}
	for _, f := range a.Findings {
		if seen[f.Kind] {
			continue
		}
		seen[f.Kind] = true
		if d := sc.effect(st, f.Kind); d != 0 {
			before := st.Trust
			st.Trust = sc.clamp(st.Trust + d)
			t.noteTrust(st.Trust-before, sc.findingCause(f))
			tracef("trust %d → %d at turn %d: %q — %s", before, st.Trust, st.Turn, f.Words, f.Kind)
		}
	}
	if a.Blaming() || a.Has(Hostile) {
		st.Blamed = append(st.Blamed, st.Turn)
	}

	if why, grave := sc.endReason(st, a); why != "" {
		st.EndGrave = grave
		tracef("%s ends the interview: %s", sc.Character, why)
		r, key, ok := sc.pick(st, "shutdown", sc.Shutdown, a.Phase)
		if !ok {
			r = Reply{Text: sc.Character + " stands up. \"I think we're done here.\""}
		}
		sc.say(&t, &st, key, r)
		st.Ended, t.Ended = true, true
		st.EndReason, t.EndReason = why, why
		t.TrustAfter = st.Trust
		return t, st
	}

	// A blamed character answers the blame, not the question.
	if k, ok := sc.reactionKind(a); ok {
		if r, key, ok := sc.pick(st, "reactions."+string(k), sc.Reactions[k], a.Phase); ok {
			t.Reaction = k
			tracef("%s reacts to %s instead of answering", sc.Character, k)
			if note := sc.hold(&st, a, "", ""); note != "" {
				tracef("%s", note)
			}
			t.Stage = sc.Stage(st)
			sc.say(&t, &st, key, r)
			t.TrustAfter, t.Ended = st.Trust, st.Ended
			return t, st
		}
	}

	toks := Tokenize(clean)
	if t2, st2, ok := sc.answerPending(t, st, toks, a.Phase); ok {
		return t2, st2
	}
	st.Pending = ""
	rd := sc.read(toks, a.Phase)
	t.Confidence = rd.confidence
	if rd.patternsCut {
		tracef("pattern matching stopped at the turn's budget of %d steps; the patterns not tried count as not matching", turnPatternSteps)
	}
	if rd.intent >= 0 && rd.tiedWith >= 0 {
		a0, a1 := sc.Intents[rd.intent], sc.Intents[rd.tiedWith]
		if r, rkey, ok := sc.pick(st, "clarify", sc.Clarify, a.Phase); ok {
			r.Text = strings.NewReplacer("{a}", topic(a0), "{b}", topic(a1)).Replace(r.Text)
			t.Clarify = true
			tracef("intents %s and %s read equally (%.2f): asked which was meant", a0.ID, a1.ID, rd.confidence)
			sc.say(&t, &st, rkey, r)
			t.TrustAfter, t.Ended = st.Trust, st.Ended
			return t, st
		}
	}
	if rd.intent >= 0 && rd.confirm {
		return sc.askAbout(t, st, rd, a.Phase)
	}
	if rd.intent >= 0 {
		if t2, st2, ok := sc.answer(t, st, rd, a.Phase); ok {
			return t2, st2
		}
	} else {
		tracef("understood nothing sure enough (best %.2f)", rd.confidence)
	}

	t.Fallback = true
	r, key, ok := sc.pick(st, "fallbacks", sc.Fallbacks, a.Phase)
	if !ok {
		r = Reply{Text: "…"}
	}
	tracef("no intent matched: fallback for %s, trust %s", a.Phase, sc.BandOf(st.Trust))
	sc.say(&t, &st, key, r)
	t.TrustAfter, t.Ended = st.Trust, st.Ended
	return t, st
}

func topic(in Intent) string {
	if in.Topic != "" {
		return in.Topic
	}
	return strings.ReplaceAll(in.ID, "_", " ")
}

// reactionKind chooses which finding the character reacts to: the first
// blaming finding with a reaction, else hostility.
func (sc *Scenario) reactionKind(a Assessment) (FindingKind, bool) {
	for _, f := range a.Findings {
		if f.Kind.Blaming() && len(sc.Reactions[f.Kind]) > 0 {
			return f.Kind, true
		}
	}
	if a.Blaming() {
		// blamed, but this kind has no reaction of its own: use any
		for _, k := range BlamingKinds {
			if len(sc.Reactions[k]) > 0 {
				return k, true
			}
		}
	}
	if a.Has(Hostile) && len(sc.Reactions[Hostile]) > 0 {
		return Hostile, true
	}
	return "", false
}

// say records a chosen reply and applies what it changes.
func (sc *Scenario) say(t *Turn, st *State, key string, r Reply) {
	t.ReplyID = key
	t.Reply = r.Text
	st.LastUsed[key] = st.Turn
	if r.Once {
		st.Spent = append(st.Spent, key)
	}
	for _, d := range r.Discloses {
		if !st.HasDisclosed(d) {
			st.Disclosed = append(st.Disclosed, d)
			t.Disclosed = append(t.Disclosed, d)
			if dd, ok := sc.Disclosure(d); ok {
				t.Trace = append(t.Trace, fmt.Sprintf("disclosed %s: %s", d, dd.Title))
			}
		}
	}
	if r.Trust != 0 {
		before := st.Trust
		st.Trust = sc.clamp(st.Trust + r.Trust)
		t.noteTrust(st.Trust-before, sc.replyCause(t, r.Trust))
		t.Trace = append(t.Trace, fmt.Sprintf("trust %d → %d: reply %s", before, st.Trust, key))
	}
	if r.Ends {
		st.Ended = true
		t.Trace = append(t.Trace, "the character ends the interview")
	}
	for _, id := range r.Commits {
		st.Committed = append(st.Committed, id)
		st.LastCommit = st.Turn
		t.Committed = append(t.Committed, id)
		t.Trace = append(t.Trace, fmt.Sprintf("committed to %s", id))
	}
	t.Trace = append(t.Trace, fmt.Sprintf("reply %s", key))
}

func (sc *Scenario) clamp(v int) int {
	return max(sc.Trust.Min, min(sc.Trust.Max, v))
}

type candidate struct {
	intent  int
	score   float64
	pattern string
	// end is where the match ends in the reply: a later end means the
	// trainee raised this topic last.
	end int
}

// rank returns matching intents, most specific first. Equal scores keep no
// file-order meaning: ties are broken by the caller, not silently here.
// Every step of matching is charged to budget (the turn's); once it is
// spent no further pattern matches, and budget.Err says so.
func (sc *Scenario) rank(toks []Token, budget *pattern.Budget) []candidate {
	var out []candidate
	m := pattern.NewMatcher(patternLine(toks), budget)
	for i, pats := range sc.index.patterns {
		best := candidate{intent: i, score: -1}
		for _, p := range pats {
			if r, ok := m.Find(p); ok && r.Weight > best.score {
				best.score, best.pattern, best.end = r.Weight, p.Source(), r.End
			}
		}
		if best.score >= 0 {
			out = append(out, best)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}

// Eligible reports whether r may be said now.
func (sc *Scenario) Eligible(st State, r Reply, key string, phase Phase) bool {
	if r.Once && slices.Contains(st.Spent, key) {
		return false
	}
	c := r.When
	if len(c.Bands) > 0 && !slices.Contains(c.Bands, sc.BandOf(st.Trust)) {
		return false
	}
	if c.MinTrust != nil && st.Trust < *c.MinTrust {
		return false
	}
	if c.MaxTrust != nil && st.Trust > *c.MaxTrust {
		return false
	}
	for _, d := range c.Disclosed {
		if !st.HasDisclosed(d) {
			return false
		}
	}
	for _, d := range c.NotDisclosed {
		if st.HasDisclosed(d) {
			return false
		}
	}
	for _, p := range c.Visited {
		if !st.Visited(p) {
			return false
		}
	}
	if len(c.Phases) > 0 && !slices.Contains(c.Phases, phase) {
		return false
	}
	for _, id := range c.Committed {
		if !slices.Contains(st.Committed, id) {
			return false
		}
	}
	for _, id := range c.NotCommitted {
		if slices.Contains(st.Committed, id) {
			return false
		}
	}
	if len(c.Stage) > 0 && !slices.Contains(c.Stage, sc.Stage(st)) {
		return false
	}
	if c.Grave != nil && *c.Grave != st.EndGrave {
		return false
	}
	// Commitments come one at a time, earned: never one already made,
	// never two turns running.
	for _, id := range r.Commits {
		if slices.Contains(st.Committed, id) || (st.LastCommit > 0 && st.Turn-st.LastCommit < 2) {
			return false
		}
	}
	return true
}

// pick chooses among the eligible replies: the most specific condition
// first, then the narrowest list of trust bands, then a reply that
// discloses something new, then the least
// recently used; any remaining tie is decided by the session seed, so runs
// replay exactly.
func (sc *Scenario) pick(st State, prefix string, rs []Reply, phase Phase) (Reply, string, bool) {
	return sc.pickWhere(st, prefix, rs, phase, nil)
}

// pickWhere is pick among the replies keep accepts (all, if keep is nil).
func (sc *Scenario) pickWhere(st State, prefix string, rs []Reply, phase Phase, keep func(key string, r Reply) bool) (Reply, string, bool) {
	best, bestKey := -1, ""
	var bestRank [6]int
	answeredBefore := false
	for i, r := range rs {
		if _, said := st.LastUsed[replyKey(prefix, i, r)]; said && !r.Again {
			answeredBefore = true
		}
	}
	for i, r := range rs {
		key := replyKey(prefix, i, r)
		if !sc.Eligible(st, r, key, phase) || (r.Again && !answeredBefore) || (keep != nil && !keep(key, r)) {
			continue
		}
		// A line not yet said comes first, then a "like I said" line,
		// and a line said before only when there is nothing else: no
		// reply is repeated word for word while another can be said.
		_, said := st.LastUsed[key]
		fresh := 2
		switch {
		case r.Again:
			fresh = 1
		case said:
			fresh = 0
		}
		news := 0
		for _, d := range r.Discloses {
			if !st.HasDisclosed(d) {
				news = 1
			}
		}
		last, used := st.LastUsed[key]
		if !used {
			last = -1
		}
		bands := len(r.When.Bands)
		if bands == 0 {
			bands = len(sc.Trust.Bands)
		}
		rank := [6]int{fresh, r.When.Specificity(), -bands, news, -last, int(seeded(st.Seed, st.Turn, key) & 0xffff)}
		if best < 0 || greater(rank, bestRank) {
			best, bestKey, bestRank = i, key, rank
		}
	}
	if best < 0 {
		return Reply{}, "", false
	}
	return rs[best], bestKey, true
}

func replyKey(prefix string, i int, r Reply) string {
	if r.ID != "" {
		return prefix + "." + r.ID
	}
	return fmt.Sprintf("%s.%d", prefix, i)
}

func greater(a, b [6]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

func seeded(seed int64, turn int, key string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%s", seed, turn, key)
	return h.Sum64()
}

// Hint offers a question worth asking next, from the phase a good interview
// would open next, and the state with the hint counted.
func Hint(sc *Scenario, st State) (Phase, string, State) {
	st = st.clone()
	phase := NextSteps
	for _, p := range []Phase{Engagement, Worries, WorkingWell} {
		if !st.Visited(p) {
			phase = p
			break
		}
	}
	hints := sc.Hints[phase]
	if len(hints) == 0 {
		for _, p := range Phases {
			if len(sc.Hints[p]) > 0 {
				phase, hints = p, sc.Hints[p]
				break
			}
		}
	}
	if len(hints) == 0 {
		return phase, "", st
	}
	h := hints[st.Hints%len(hints)]
	st.Hints++
	return phase, h, st
}

// maxPhaseHistory bounds the phase timeline kept in the state, so a session
// of thousands of turns does not grow the stored state without limit. The
// debrief's timeline comes from the stored turns, not from here; the state
// needs only which phases were visited and the recent ones.
const maxPhaseHistory = 256

// compactPhases keeps the first turn of each phase (so Visited still holds)
// and the most recent turns, once the timeline passes maxPhaseHistory.
func compactPhases(ps []Phase) []Phase {
	if len(ps) <= maxPhaseHistory {
		return ps
	}
	out := make([]Phase, 0, maxPhaseHistory)
	for _, p := range Phases {
		if slices.Contains(ps, p) {
			out = append(out, p)
		}
	}
	return append(out, ps[len(ps)-(maxPhaseHistory-len(out)):]...)
}
