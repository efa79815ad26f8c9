package score

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pivotcoach/pivot/dialogue/pattern"
	"github.com/pivotcoach/pivot/dialogue/text"
)

// assess runs the rules over a cleaned reply: the findings, the label,
// the phase by the rules' votes and the question type, plus the scan the
// learned layer reads its features from.
func (rs *ruleSet) assess(role Role, clean string) (Assessment, *scanState) {
	a := Assessment{Text: clean, Role: role, Label: NonBlaming, Phase: Worries, Question: NoQuestion}
	sc := rs.scan(role, clean)
	sc.findings = sc.dropSetAside(sc.findings, role)
	if role == Perpetrator {
		for i, f := range sc.findings {
			if alt := rs.alt[f.Rewrite]; alt.perp != "" {
				sc.findings[i].Rewrite = alt.perp
			}
		}
	}
	a.Findings = sc.findings
	for _, f := range a.Findings {
		if f.Kind.Blaming() {
			a.Label = Blaming
			break
		}
	}
	if a.Label == Blaming {
		a.Findings = withoutCredit(a.Findings)
	}
	if a.Findings == nil {
		a.Findings = []Finding{}
	}
	if a.Label != Blaming {
		for k, w := range sc.creditVotes {
			sc.votes[k] += w
		}
	}
	a.Phase = sc.phase()
	a.Question = sc.question()
	return a, sc
}

// withoutCredit drops the credit findings (in place): a reply that
// credits and then blames is a blaming reply.
func withoutCredit(fs []Finding) []Finding {
	kept := fs[:0]
	for _, f := range fs {
		if !f.Kind.Positive() {
			kept = append(kept, f)
		}
	}
	return kept
}

// scanToken is one word of the reply as the rules see it: the word's
// vocabulary ids, where it stands and whether it is a name.
type scanToken struct {
	norm       string
	wordID     int32 // id of the normalised word; -1 if no rule uses it
	stemID     int32 // id of "+stem"; -1 if no rule uses it
	start, end int
	sentence   int32
	name       bool
	// extraIDs are the ids of the "*prefix" entries the word starts
	// with, and "@name" when it is a name.
	extraIDs [maxExtraIDs]int32
	nExtra   uint8
	// flags are the word lists the word is in, and known and prefixes
	// its lexicon entry's (lexicon.go).
	flags    wordFlags
	known    bool
	prefixes []int32
}

const maxExtraIDs = 6

type sentence struct {
	from, to int // token range [from, to)
	question bool
}

// scanState is one reply as the rules read it, and what they found.
type scanState struct {
	text     string
	raw      []text.Token
	toks     []scanToken
	sents    []sentence
	findings []Finding
	votes    [4]int
	// setAside counts the blaming findings dropped as words the trainee
	// reported, quoted or negated (dropSetAside).
	setAside int
	// creditVotes are the phase votes of credit rules, counted only when
	// the reply is not blaming.
	creditVotes [4]int
	// scratch is the pooled memory st lives in, until release.
	scratch *matchScratch
}

func (s *scanState) phase() Phase {
	best, bestScore := phaseIndex(Worries), 0
	// ties go to the earlier phase in this order: the more specific moves
	// (next steps, working well, engagement) over worries, the default.
	for _, k := range []int{3, 2, 0, 1} {
		if s.votes[k] > bestScore {
			best, bestScore = k, s.votes[k]
		}
	}
	return Phases[best]
}

// scan tokenises clean, runs every rule and phase cue for role over it and
// returns the findings (in text order) and phase votes.
func (rs *ruleSet) scan(role Role, clean string) *scanState {
	// the scan's working memory comes from a pool and goes back with
	// release: allocating it for every reply made the garbage collector,
	// which then walks the compiled rules, much of the cost of scoring
	scratch := rs.matchers.Get().(*matchScratch)
	st := &scratch.st
	scratch.raw = text.AppendTokens(scratch.raw[:0], clean)
	*st = scanState{text: clean, raw: scratch.raw, toks: st.toks[:0], sents: st.sents[:0], scratch: scratch}
	st.tokens(rs)
	st.splitSentences()
	st.markNamesAndPrefixes(rs)
	run := rs.newRun(st, role)
	for i := range st.toks {
		run.tryAt(i)
	}
	st.findings = dedupe(st.findings)
	return st
}

// newRun prepares a pass of role's rules over st: the reply's present
// ids, the cleared per-reply verdicts and the matcher over its tokens.
func (rs *ruleSet) newRun(st *scanState, role Role) *ruleRun {
	scratch := st.scratch
	index := &rs.index[0]
	if role != Survivor {
		index = &rs.index[1]
	}
	run := &scratch.run
	*run = ruleRun{rs: rs, st: st, index: index,
		present:  cleared(scratch.present, (rs.nVocab+63)/64),
		verdict:  cleared(scratch.verdict, rs.nPatterns),
		ruleDone: cleared(scratch.ruleDone, len(rs.rules)),
		cueDone:  cleared(scratch.cueDone, rs.nCuePatterns),
	}
	scratch.present, scratch.verdict, scratch.ruleDone, scratch.cueDone = run.present, run.verdict, run.ruleDone, run.cueDone
	run.markPresent()
	scratch.toks = st.appendPatternTokens(scratch.toks[:0])
	scratch.budget.Reset(pattern.DefaultBudget)
	scratch.matcher.Reset(scratch.toks, scratch.budget)
	run.matcher = &scratch.matcher
	return run
}

// release hands st's working memory back to the pool; st must not be
// used afterwards. The findings and text it gave out stay valid: they are
// never reused.
func (rs *ruleSet) release(st *scanState) {
	if sc := st.scratch; sc != nil {
		st.scratch, st.findings, st.raw = nil, nil, nil
		rs.matchers.Put(sc)
	}
}

// tokens gives each word its vocabulary ids and its sentence number.
func (st *scanState) tokens(rs *ruleSet) {
	raw := st.raw
	// every token is written whole below: no need to clear them first
	st.toks = slices.Grow(st.toks[:0], len(raw))[:len(raw)]
	sent := int32(0)
	prevEnd := 0
	for i, t := range raw {
		if i > 0 && t.Start != raw[i-1].Start && breaksSentence(st.text[prevEnd:t.Start]) && st.toks[i-1].flags&honorificWord == 0 {
			sent++
		}
		w := rs.lookup(t.Norm)
		stemID := w.stemOfForm
		if !w.known && t.Stem != t.Norm {
			stemID = rs.lookup(t.Stem).stem
		}
		st.toks[i] = scanToken{norm: t.Norm, wordID: w.exact, stemID: stemID, flags: w.flags, known: w.known, prefixes: w.prefixes, start: t.Start, end: t.End, sentence: sent}
		// a word in any form also matches a word whose spelling is the
		// pattern word's stem
		if t.Norm != t.Stem && w.stem >= 0 {
			st.toks[i].addExtra(w.stem)
		}
		prevEnd = t.End
	}
}

// splitSentences groups the tokens by sentence and notes which sentences
// end in a question mark.
func (st *scanState) splitSentences() {
	for i := 0; i < len(st.toks); {
		j := i
		for j < len(st.toks) && st.toks[j].sentence == st.toks[i].sentence {
			j++
		}
		tail := st.text[st.toks[j-1].end:]
		if j < len(st.toks) {
			tail = st.text[st.toks[j-1].end:st.toks[j].start]
		}
		st.sents = append(st.sents, sentence{from: i, to: j, question: strings.ContainsRune(tail, '?')})
		i = j
	}
}

// markNamesAndPrefixes adds "@name" to names and the id of every listed
// prefix a word starts with, for the pattern index and the pre-check.
func (st *scanState) markNamesAndPrefixes(rs *ruleSet) {
	for i := range st.toks {
		t := &st.toks[i]
		t.name = rs.isName(st, i)
		if t.name {
			t.addExtra(rs.nameID)
		}
		prefixes := t.prefixes
		if !t.known {
			prefixes = rs.appendPrefixIDs(st.scratch.prefixes[:0], t.norm)
			st.scratch.prefixes = prefixes
		}
		for _, id := range prefixes {
			t.addExtra(id)
		}
	}
}

// appendPatternTokens appends the reply as the pattern matcher reads it:
// the scorer's own sentences and names.
func (st *scanState) appendPatternTokens(out []pattern.Token) []pattern.Token {
	for i, t := range st.toks {
		out = append(out, pattern.Token{Norm: t.norm, Stem: st.raw[i].Stem, Name: t.name, SentenceStart: i == 0 || t.sentence != st.toks[i-1].sentence})
	}
	return out
}

// matchScratch is a pattern matcher and its memory, reused from reply to
// reply (the memo grows to the largest pattern once, not on every reply).
type matchScratch struct {
	matcher pattern.Matcher
	budget  *pattern.Budget
	toks    []pattern.Token
	// st, its words and the sets below are the scan's, kept between
	// replies.
	st       scanState
	raw      []text.Token
	present  []uint64
	verdict  []verdict
	ruleDone []bool
	cueDone  []bool
	// prefixes holds the prefix ids of a word not in the lexicon.
	prefixes []int32
	// run is the pass of the rules over st (newRun).
	run ruleRun
	// hashes, slots and rows are the learned layer's (Model.sums).
	hashes      []uint64
	slots, rows []int32
}

// ruleRun is one pass of the rules over a reply: which rules and cues have
// already fired, and the quick pre-check of each pattern's required words.
type ruleRun struct {
	rs      *ruleSet
	st      *scanState
	matcher *pattern.Matcher
	index   *idLists
	// present has a bit for every id some word of the reply carries.
	present []uint64
	// verdict is the pre-check's verdict on each pattern for this reply.
	verdict  []verdict
	ruleDone []bool
	cueDone  []bool
}

// markPresent sets a bit in present for every id a word carries, and
// marks unchecked each pattern keyed by one of them: only those can pass
// the pre-check.
func (r *ruleRun) markPresent() {
	mark := func(id int32) {
		if id < 0 {
			return
		}
		w, bit := id>>6, uint64(1)<<(uint(id)&63)
		if r.present[w]&bit != 0 {
			return
		}
		r.present[w] |= bit
		// the patterns keyed by this word are worth a pre-check
		for _, p := range r.rs.keyed.of(id) {
			r.verdict[p] = unchecked
		}
	}
	for i := range r.st.toks {
		t := &r.st.toks[i]
		mark(t.wordID)
		mark(t.stemID)
		for k := uint8(0); k < t.nExtra; k++ {
			mark(t.extraIDs[k])
		}
	}
}

// verdict is the pre-check's verdict on a pattern for one reply. A
// pattern none of whose key words (ruleSet.keyed) the reply has is ruled
// out without a look at it: most are.
type verdict uint8

const (
	ruledOut  verdict = iota // the reply lacks a word it needs
	unchecked                // the reply has one of its key words
	mayMatch                 // the reply has a word for all it needs
)

// cleared is buf resliced to n and zeroed when it has room, else a new
// slice.
func cleared[T any](buf []T, n int) []T {
	if n <= cap(buf) {
		buf = buf[:n]
		clear(buf)
		return buf
	}
	return make([]T, n)
}

// mayHold is the pre-check of an unless or not_after pattern.
func (r *ruleRun) mayHold(g *guardPattern) bool { return r.holds(g.check) }

// holds reports whether the reply has a word for every filter of a
// pre-check.
func (r *ruleRun) holds(check []checkWord) bool {
	hit := false
	for _, w := range check {
		if r.present[w.word]&w.bits != 0 {
			hit = true
		}
		if w.last {
			if !hit {
				return false
			}
			hit = false
		}
	}
	return true
}

// tryAt tries every pattern indexed under one of token i's ids.
func (r *ruleRun) tryAt(i int) {
	t := &r.st.toks[i]
	n := r.index.len()
	if t.wordID >= 0 && int(t.wordID) < n {
		r.tryAll(r.index.of(t.wordID), i)
	}
	if t.stemID >= 0 && t.stemID != t.wordID && int(t.stemID) < n {
		r.tryAll(r.index.of(t.stemID), i)
	}
	for k := uint8(0); k < t.nExtra; k++ {
		r.tryAll(r.index.of(t.extraIDs[k]), i)
	}
}

// tryAll tries each of refs at token i. Most are ruled out for the
// whole reply before the scan starts (markPresent) or by the pre-check
// after their first try, and are passed over here at the cost of one
// load.
func (r *ruleRun) tryAll(ids []int32, i int) {
	for _, id := range ids {
		switch r.verdict[id] {
		case ruledOut:
			continue
		case unchecked:
			if !r.passes(&r.rs.refs[id]) {
				r.verdict[id] = ruledOut
				continue
			}
			r.verdict[id] = mayMatch
		}
		r.try(&r.rs.refs[id], i)
	}
}

// passes is the pre-check of a pattern the reply has a key word of.
func (r *ruleRun) passes(ref *patternRef) bool {
	if ref.quickWord >= 0 && r.present[ref.quickWord]&ref.quickBits == 0 {
		return false
	}
	return r.holds(ref.check)
}

func (r *ruleRun) try(ref *patternRef, i int) {
	if ref.owner >= 0 {
		r.tryRule(int(ref.owner), ref.pattern, i)
	} else {
		r.tryCue(int(-ref.owner-1), ref.pattern, i)
	}
}

// tryRule records rule ru's finding if pattern p matches at token i and
// nothing (not_after, unless) rules it out; the pre-check has passed.
func (r *ruleRun) tryRule(ru int, p *rulePattern, i int) {
	// the index holds only the role's rules, so the role needs no check
	if r.ruleDone[ru] {
		return
	}
	if !r.fits(p, i) {
		return
	}
	st, rule := r.st, r.rs.rules[ru]
	res, ok := r.matcher.At(p.p, i)
	if !ok || (rule.notAfter != nil && r.mayHold(rule.notAfter) && r.matcher.Before(rule.notAfter.p, i, 3)) {
		return
	}
	r.ruleDone[ru] = true
	for k := range rule.unless {
		if u := &rule.unless[k]; r.mayHold(u) {
			if _, ok := r.matcher.Find(u.p); ok {
				return
			}
		}
	}
	from, to := st.toks[i].start, st.toks[res.End-1].end
	st.findings = append(st.findings, Finding{Kind: rule.kind, Span: [2]int{from, to}, Words: st.text[from:to], Why: rule.why, Rewrite: rule.rewrite, Grave: rule.grave})
	// credit rules vote for a phase only on a reply that stays
	// non-blaming (added up once the label is known).
	v := &st.votes
	if rule.kind.Positive() {
		v = &st.creditVotes
	}
	for k, w := range rule.phase {
		v[k] += w
	}
}

// tryCue adds phase cue c's vote if pattern p matches at token i; the
// pre-check has passed.
func (r *ruleRun) tryCue(c int, p *rulePattern, i int) {
	if r.cueDone[p.cueID] {
		return
	}
	st, cue := r.st, r.rs.cues[c]
	if cue.first && st.toks[i].sentence != 0 || !r.fits(p, i) {
		return
	}
	if _, ok := r.matcher.At(p.p, i); ok {
		r.cueDone[p.cueID] = true
		st.votes[cue.phase] += cue.weight
	}
}

// fits reports whether the words after token i can be p's next one-word
// words (rulePattern.next): the k-th must be word i+1+k, in i's
// sentence, and carry an id of its filter. About one try in five fails
// here, on the scan's own tokens, without the matcher and its walk
// through the pattern's program.
func (r *ruleRun) fits(p *rulePattern, i int) bool {
	toks := r.st.toks
	j := i + 1
	hit := false
	for _, w := range p.nextCheck {
		if j >= len(toks) || toks[j].sentence != toks[i].sentence {
			return false
		}
		if !hit && toks[j].carries(w.word, w.bits) {
			hit = true
		}
		if w.last {
			if !hit {
				return false
			}
			hit = false
			j++
		}
	}
	return true
}

// carries reports whether t has an id among those bits of word w of a
// set of ids (checkWord).
func (t *scanToken) carries(w int32, bits uint64) bool {
	has := func(id int32) bool { return id >= 0 && id>>6 == w && bits&(1<<(id&63)) != 0 }
	if has(t.wordID) || has(t.stemID) {
		return true
	}
	for k := uint8(0); k < t.nExtra; k++ {
		if has(t.extraIDs[k]) {
			return true
		}
	}
	return false
}

func (t *scanToken) addExtra(id int32) {
	if t.nExtra < maxExtraIDs {
		t.extraIDs[t.nExtra] = id
		t.nExtra++
	}
}

// dedupe orders findings by position and drops a finding of the same kind
// overlapping one already kept.
func dedupe(fs []Finding) []Finding {
	if len(fs) < 2 {
		return fs
	}
	slices.SortStableFunc(fs, func(a, b Finding) int { return cmp.Compare(a.Span[0], b.Span[0]) })
	out := fs[:0]
	for _, f := range fs {
		dup := false
		for _, g := range out {
			if g.Kind == f.Kind && f.Span[0] < g.Span[1] && g.Span[0] < f.Span[1] {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, f)
		}
	}
	return out
}

// honorifics are titles that end in a full stop that does not end the
// sentence ("Mr. Okafor"), so the name after them stays mid-sentence.
var honorifics = []string{"mr", "mrs", "ms", "dr", "mx", "prof", "rev"}

// breaksSentence reports whether the text between two words ends a
// sentence: a full stop, question or exclamation mark, semicolon, colon
// or ellipsis. It reads the bytes itself: nearly every gap is a space,
// which strings.ContainsAny would take the long way round (its set holds
// a letter that is not ASCII).
func breaksSentence(gap string) bool {
	for i := 0; i < len(gap); i++ {
		switch gap[i] {
		case '.', '?', '!', ';', ':':
			return true
		case "…"[0]:
			if strings.HasPrefix(gap[i:], "…") {
				return true
			}
		}
	}
	return false
}

// breaksClause reports whether the text between two words starts a new
// clause: a comma, semicolon, colon or dash.
func breaksClause(gap string) bool {
	for i := 0; i < len(gap); i++ {
		switch gap[i] {
		case ',', ';', ':':
			return true
		case '-':
			if i > 0 && i+1 < len(gap) && gap[i-1] == ' ' && gap[i+1] == ' ' {
				return true
			}
		case "—"[0]:
			if strings.HasPrefix(gap[i:], "—") {
				return true
			}
		}
	}
	return false
}

// isName reports whether token i is a person's name: a word from the names
// list, or a capitalised word that is not at the start of a sentence (or is,
// but is followed by a comma or a possessive) and is not a known common
// capitalised word or an acronym.
func (rs *ruleSet) isName(st *scanState, i int) bool {
	t := &st.toks[i]
	clean := st.text
	if t.flags&listedName != 0 {
		return true
	}
	word := clean[t.start:t.end]
	r, _ := utf8.DecodeRuneInString(word)
	if !unicode.IsUpper(r) || len(word) < 2 {
		return false
	}
	if upperAlready(word) { // DASAT, DWP, I
		return false
	}
	if t.flags&notName != 0 {
		return false
	}
	switch t.norm {
	case "i", "you", "he", "she", "we", "they", "it":
		return false
	}
	s := st.sents[t.sentence]
	if s.from != i {
		return true
	}
	// sentence-initial: "Aisha, ..." or "Brian's ..."
	rest := clean[t.end:]
	return strings.HasPrefix(rest, ",") || strings.Contains(word, "'") || strings.Contains(word, "’")
}

// upperAlready reports whether upper-casing word would leave it as it
// is (strings.ToUpper(word) == word, without building the copy).
func upperAlready(word string) bool {
	for _, r := range word {
		if unicode.ToUpper(r) != r {
			return false
		}
	}
	return true
}

// question classifies the reply as forensic-interview training does. A
// sentence is a question when it ends in "?" or opens with a question word
// or an auxiliary (chat often drops the "?"). Open: what/how/why, or an
// invitation (tell me, describe, explain, walk me through). Closed: yes/no
// (an auxiliary first), either/or, a single-fact wh-question (who, where,
// when, which), or a statement with a tag or a "?". Any open question makes
// the reply open.
func (s *scanState) question() QuestionType {
	q := NoQuestion
	for _, sn := range s.sents {
		switch k := s.sentenceQuestion(sn); k {
		case OpenQuestion:
			return OpenQuestion
		case ClosedQuestion:
			q = ClosedQuestion
		}
	}
	return q
}

// sentenceQuestion classifies one sentence, skipping a leading address or
// discourse word ("Aisha, would you…", "So what…", "And how…").
func (s *scanState) sentenceQuestion(sn sentence) QuestionType {
	i := s.lead(sn)
	if i >= sn.to {
		if sn.question {
			return ClosedQuestion
		}
		return NoQuestion
	}
	lead := s.toks[i].flags
	// "Can you tell me…", "Could you describe…", "I'd like you to tell me…"
	for j := i; j < sn.to && j < i+6; j++ {
		if s.toks[j].flags&inviteVerb != 0 {
			if s.toks[j].norm == "talk" || s.toks[j].norm == "share" {
				// "talk me through", "share with me" invitations only
				if j+1 < sn.to && (s.toks[j+1].norm == "me" || s.toks[j+1].norm == "with") {
					return OpenQuestion
				}
				continue
			}
			if s.toks[j].norm == "walk" && !(j+2 < sn.to && s.toks[j+1].norm == "me" && s.toks[j+2].norm == "through") {
				continue
			}
			if s.toks[j].norm == "tell" && !(j+1 < sn.to && (s.toks[j+1].norm == "me" || s.toks[j+1].norm == "us")) {
				continue
			}
			if j == i || s.toks[i].flags&auxLead != 0 || (j > i && (s.toks[j-1].norm == "to" || s.toks[j-1].norm == "please")) {
				return OpenQuestion
			}
		}
	}
	// "When he has been drinking, how do you keep her safe?": a clause
	// set off by a comma, then an open question word, is an open question
	// whatever the sentence's first word.
	if sn.question && lead&openLead == 0 && s.openAfterComma(i, sn) {
		return OpenQuestion
	}
	switch {
	case lead&openLead != 0:
		if sn.question || i+1 < sn.to {
			return OpenQuestion
		}
	case lead&factLead != 0:
		if sn.question || (i+1 < sn.to && s.toks[i+1].flags&auxLead != 0) {
			return ClosedQuestion
		}
	case lead&auxLead != 0:
		// "Is there…", "Did you…", "Would you rather X or Y"
		if sn.question || (i+1 < sn.to && s.toks[i+1].flags&questionSubject != 0) {
			return ClosedQuestion
		}
	}
	if sn.question {
		// a statement with "?": a tag question or a check
		return ClosedQuestion
	}
	return NoQuestion
}

// openAfterComma reports an open question word straight after a comma
// ("…, and what helped?", "When he drinks, how do you…").
func (s *scanState) openAfterComma(i int, sn sentence) bool {
	for j := i + 1; j < sn.to; j++ {
		if s.toks[j].flags&openLead == 0 || s.toks[j-1].norm == "what" {
			continue
		}
		// allow one joining word between the comma and the question word
		k := j - 1
		if k > i && (s.toks[k].norm == "and" || s.toks[k].norm == "but" || s.toks[k].norm == "so") {
			k--
		}
		if strings.Contains(s.between(k, k+1), ",") {
			return true
		}
	}
	return false
}

// between is the text between tokens i and j: "" for the parts of one
// expanded contraction ("don't" is "do" and "not" over the same span).
func (s *scanState) between(i, j int) string {
	if s.toks[i].end > s.toks[j].start {
		return ""
	}
	return s.text[s.toks[i].end:s.toks[j].start]
}

// dropSetAside removes blaming findings on words the trainee does not
// stand behind (setAside).
func (s *scanState) dropSetAside(fs []Finding, role Role) []Finding {
	if len(fs) == 0 {
		return fs
	}
	out := fs[:0]
	for _, f := range fs {
		if f.Kind.Blaming() && s.isSetAside(f, role) {
			s.setAside++
			continue
		}
		out = append(out, f)
	}
	return out
}

// isSetAside reports whether a blaming finding is on words the trainee
// reports or quotes in order to set them aside, or negates:
//
//   - reported: the finding follows a reporting verb or a record in its
//     sentence ("He says you push his buttons", "The referral says 'mum
//     failed to protect'", "Some workers would ask why you didn't leave"),
//     or sits in quotation marks, and the reply then turns away from it —
//     by a contrast ("…, but what he does is his choice", "I don't agree",
//     "the wrong question"), by a statement of the trainee's own that
//     negates ("I don't see it that way"), or by a later sentence that
//     earns credit ("What did you choose to do next?"). A later question
//     without credit adopts the frame: "The police said it was a domestic
//     dispute. What was the row about?" stays blaming.
//   - negated: the trainee's own statement negates it before it starts
//     ("I'm not asking why you didn't protect them", "Nothing you've told
//     me suggests you caused this", "that's not 'both of you fighting'").
//
// The words are not the trainee's framing.
func (s *scanState) isSetAside(f Finding, role Role) bool {
	first := s.tokenAt(f.Span[0])
	if first < 0 {
		return false
	}
	// to him, negating his responsibility is the collusion itself
	// ("nobody's saying this is all on you")
	if !(f.Kind == Collusion && role == Perpetrator) && s.negatedBefore(first) {
		return true
	}
	if !s.framed(first) && !s.quoted(first, f.Span[0]) {
		return false
	}
	return s.turnsAway(first, f.Span[1])
}

// tokenAt is the first token starting at or after byte offset at, -1 if none.
func (s *scanState) tokenAt(at int) int {
	for i := range s.toks {
		if s.toks[i].start >= at {
			return i
		}
	}
	return -1
}

// framed reports a reporting verb or a record before token first in its
// sentence.
//
// Not in a question ("Did you say something that set him off?"), not the
// trainee's own report ("I'll write up that…", "I have to ask why…"), and
// not when a contrast comes between ("You keep saying it's not that bad,
// but deep down you know…": what follows "but" is the trainee's).
func (s *scanState) framed(first int) bool {
	sn := s.sents[s.toks[first].sentence]
	if s.opensQuestion(sn) {
		return false
	}
	framed := false
	for j := sn.from; j < first; j++ {
		f := s.toks[j].flags
		switch {
		case f&contrastWord != 0:
			framed = false
		case f&reportNoun != 0:
			framed = true
		case f&reportVerb != 0:
			framed = !s.trainees(j)
		}
	}
	return framed
}

// lead is a sentence's first token past an address or discourse words
// ("Aisha, would you…", "So what…"); sn.to if there is none.
func (s *scanState) lead(sn sentence) int {
	i := sn.from
	for i < sn.to && (s.toks[i].name || s.toks[i].flags&fillerWord != 0) {
		i++
	}
	return i
}

// opensQuestion reports whether a sentence opens as a question, with a
// question word or an auxiliary past fillers and names ("Did you say…",
// "So why…"); a statement that ends in a question ("The log says both of
// you were involved, but can you talk me through…?") does not.
func (s *scanState) opensQuestion(sn sentence) bool {
	i := s.lead(sn)
	if i >= sn.to {
		return false
	}
	return s.toks[i].flags&(openLead|factLead|auxLead) != 0
}

// trainees reports whether the verb at token j has the trainee as its
// subject (past auxiliaries): "I'll write", "I have to ask", "we'll say".
func (s *scanState) trainees(j int) bool {
	sent := s.toks[j].sentence
	k := j - 1
	for k >= 0 && s.toks[k].sentence == sent && (s.toks[k].flags&(auxiliaryWord|hedgeWord) != 0 || s.toks[k].norm == "to") {
		k--
	}
	return k >= 0 && s.toks[k].sentence == sent && (s.toks[k].norm == "i" || s.toks[k].norm == "we")
}

// quoted reports whether byte offset at lies inside quotation marks opened
// in token first's sentence: a quote mark after a space or the start and
// before a letter opens; one after a letter closes ("don't" neither).
func (s *scanState) quoted(first, at int) bool {
	from := s.toks[s.sents[s.toks[first].sentence].from].start
	open := false
	for i, r := range s.text[:at] {
		if i < from-1 || !isQuoteMark(r) {
			continue
		}
		before, _ := utf8.DecodeLastRuneInString(s.text[:i])
		after, _ := utf8.DecodeRuneInString(s.text[i+utf8.RuneLen(r):])
		switch {
		case (i == 0 || !unicode.IsLetter(before)) && unicode.IsLetter(after):
			open = true
		case unicode.IsLetter(before) || unicode.IsPunct(before):
			open = false
		}
	}
	return open
}

func isQuoteMark(r rune) bool {
	switch r {
	case '\'', '"', '‘', '’', '“', '”':
		return true
	}
	return false
}

// turnsAway reports whether the reply, after byte offset end, turns away
// from what token first's sentence reported: a contrast word, a negated
// statement of the trainee's own, or a later sentence that earns credit.
func (s *scanState) turnsAway(first, end int) bool {
	for j := first; j < len(s.toks); j++ {
		t := s.toks[j]
		if t.start < end {
			continue
		}
		later := t.sentence != s.toks[first].sentence
		if t.flags&contrastWord != 0 || later && t.flags&laterContrastWord != 0 {
			return true
		}
		if t.norm == "not" && !s.sents[t.sentence].question && s.negationSubject(j) && !s.judges(s.afterHedges(j)) && s.disowns(j) {
			return true
		}
		if later && s.creditIn(t.sentence) {
			return true
		}
	}
	return false
}

// negatedBefore reports whether token first lies in the scope of the
// trainee's own negation: within ten words after a "not" whose subject is
// the trainee or the situation ("I'm not asking…", "it isn't…"), or after
// "nothing", "none", "nobody"; in a statement, in the same clause, with no
// contrast between.
func (s *scanState) negatedBefore(first int) bool {
	sn := s.sents[s.toks[first].sentence]
	if s.sentenceQuestion(sn) != NoQuestion {
		return false
	}
	for j := first - 1; j >= sn.from && j >= first-10; j-- {
		n := s.toks[j].norm
		if breaksClause(s.between(j, j+1)) {
			// a new clause: "Nothing about this is okay, and you need
			// to stop letting him back" is not negated
			return false
		}
		switch {
		case n == "but" || n == "though" || n == "however" || n == "yet":
			return false
		case s.toks[j].flags&negationHead != 0 && s.opensClause(j):
			return true
		case n == "not" && s.ownNegation(j):
			return true
		}
	}
	return false
}

// opensClause reports whether token j opens its sentence or a clause (after
// a comma, a dash or a joining word), past fillers and names.
func (s *scanState) opensClause(j int) bool {
	sn := s.sents[s.toks[j].sentence]
	k := j - 1
	for k >= sn.from && (s.toks[k].flags&fillerWord != 0 || s.toks[k].name) {
		k--
	}
	if k < sn.from {
		return true
	}
	return breaksClause(s.between(k, k+1))
}

// disowns reports whether the trainee's "not" at token j says the framing
// is not theirs: "that's not…"/"it isn't…", or "I" with a disowning verb.
func (s *scanState) disowns(j int) bool {
	k := j + 1
	for k < len(s.toks) && s.toks[k].flags&hedgeWord != 0 {
		k++
	}
	if k < len(s.toks) && s.toks[k].flags&disowningVerb != 0 {
		return true
	}
	b := s.beforeAuxiliaries(j)
	return b >= 0 && s.toks[b].norm != "i" && s.toks[b].norm != "we"
}

// beforeAuxiliaries is the token before j, past auxiliaries, in j's
// sentence: the subject of "that's not", "I'm not"; -1 if none.
func (s *scanState) beforeAuxiliaries(j int) int {
	sent := s.toks[j].sentence
	k := j - 1
	for k >= 0 && s.toks[k].sentence == sent && s.toks[k].flags&auxiliaryWord != 0 {
		k--
	}
	if k < 0 || s.toks[k].sentence != sent {
		return -1
	}
	return k
}

// ownNegation reports whether the "not" at token j is the trainee's own
// statement: its subject (past auxiliaries) is "I", "that", "it"… and no
// opinion verb follows ("I don't think you…" keeps the blame), or it
// denies an equation ("…isn't the same as…", "doesn't make it mutual").
func (s *scanState) ownNegation(j int) bool {
	sent := s.toks[j].sentence
	n := j + 1
	for n < len(s.toks) && s.toks[n].flags&hedgeWord != 0 {
		n++
	}
	if n < len(s.toks) && s.toks[n].sentence == sent {
		next := s.toks[n].norm
		if s.toks[n].flags&(opinionVerb|judgementWord) != 0 {
			return false
		}
		if next == "the" && n+1 < len(s.toks) && s.toks[n+1].norm == "same" || next == "make" || next == "mean" || next == "makes" {
			return true
		}
	}
	return s.negationSubject(j)
}

// negationSubject reports whether the "not" at token j has the trainee or
// the situation as its subject ("I'm not", "that's not", "it isn't").
func (s *scanState) negationSubject(j int) bool {
	k := s.beforeAuxiliaries(j)
	return k >= 0 && s.toks[k].flags&negationSubjectWord != 0
}

// afterHedges is the token after the "not" at token j, past hedges ("not
// quite", "not really"); -1 at the end of its sentence.
func (s *scanState) afterHedges(j int) int {
	n := j + 1
	for n < len(s.toks) && s.toks[n].flags&hedgeWord != 0 {
		n++
	}
	if n >= len(s.toks) || s.toks[n].sentence != s.toks[j].sentence {
		return -1
	}
	return n
}

// judges reports whether token n (-1: none) is a judgement (judgements).
func (s *scanState) judges(n int) bool {
	return n >= 0 && s.toks[n].flags&judgementWord != 0
}

// creditIn reports whether a credit finding starts in sentence sn.
func (s *scanState) creditIn(sn int32) bool {
	for _, f := range s.findings {
		if !f.Kind.Positive() {
			continue
		}
		for i := s.sents[sn].from; i < s.sents[sn].to; i++ {
			if s.toks[i].start == f.Span[0] {
				return true
			}
		}
	}
	return false
}
