package score

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/pivotcoach/pivot/dialogue/text"
	"gopkg.in/yaml.v3"
)

// The scorer's rules live in YAML under rules/ so trainers can read them
// (docs/scoring.md). A Scorer compiles them once, on first use, into
// token-level matchers; a bad rules file is an error from Ready (and a
// panic on the first reply), so every scoring test fails loudly.

// ruleFile is the YAML shape of one file under rules/. Every file may hold
// any of the three sections; they are merged in file-name order.
type ruleFile struct {
	Concepts map[string][]string `yaml:"concepts"`
	Rules    []ruleSpec          `yaml:"rules"`
	Phases   []phaseSpec         `yaml:"phases"`
}

type ruleSpec struct {
	ID       string      `yaml:"id"`
	Kind     FindingKind `yaml:"kind"`
	Roles    []Role      `yaml:"roles"`
	Patterns []string    `yaml:"patterns"`
	Unless   []string    `yaml:"unless"`
	NotAfter []string    `yaml:"not_after"`
	Why      string      `yaml:"why"`
	Rewrite  string      `yaml:"rewrite"`
	// RewritePerpetrator replaces Rewrite when the trainee is speaking to
	// the perpetrator (a rule for both roles); RewriteSeparated replaces
	// it for a survivor who has already separated from him.
	RewritePerpetrator string         `yaml:"rewrite_perpetrator"`
	RewriteSeparated   string         `yaml:"rewrite_separated"`
	Grave              bool           `yaml:"grave"`
	Phase              map[Phase]int  `yaml:"phase"`
	Examples           []string       `yaml:"examples"`
	Extra              map[string]any `yaml:",inline"`
}

type phaseSpec struct {
	Phase    Phase          `yaml:"phase"`
	Weight   int            `yaml:"weight"`
	Roles    []Role         `yaml:"roles"`
	First    bool           `yaml:"first"`
	Patterns []string       `yaml:"patterns"`
	Extra    map[string]any `yaml:",inline"`
}

// rule is a compiled rule.
type rule struct {
	id       string
	kind     FindingKind
	survivor bool
	perp     bool
	patterns []*tokenPattern
	unless   []*tokenPattern
	notAfter *patternElem
	why      string
	rewrite  string
	grave    bool
	phase    [4]int
	order    int
}

type phaseCue struct {
	phase    int
	weight   int
	survivor bool
	perp     bool
	first    bool
	patterns []*tokenPattern
}

// ruleSet is everything compiled from rules/.
type ruleSet struct {
	vocab    map[string]int32
	concepts map[string][]string
	rules    []*rule
	cues     []*phaseCue
	// index holds, per interview role (0 survivor, 1 perpetrator), the
	// patterns whose first element can match a word, by word id.
	index [2][][]patternRef
	// prefixes maps each "word*" prefix to its id; a token also carries
	// the ids of the prefixes it starts with (and nameID if it is a name),
	// so every element test is a bitset lookup.
	prefixes map[string]int32
	// prefixBuckets holds the prefixes by their first byte.
	prefixBuckets [256][]prefixEntry
	nameID        int32
	names         bitset
	// stopCaps are capitalised words that are not names.
	stopCaps     bitset
	nVocab       int
	nCuePatterns int
	nPatterns    int
	// alt maps a rule's rewrite to its variants for the perpetrator and
	// for a separated survivor (rewrite_perpetrator, rewrite_separated).
	alt map[string]rewriteAlt
}

type rewriteAlt struct{ perp, separated string }

// patternRef points at one pattern of a rule (owner >= 0) or of a phase cue
// (owner < 0 encodes cue -owner-1).
type patternRef struct {
	owner   int32
	pattern *tokenPattern
}

// loadRules reads and compiles every rules/*.yaml in fsys. It is strict:
// unknown fields, unknown kinds, roles, phases or concepts, empty why or
// a blaming rule without a rewrite are all errors.
func loadRules(fsys fs.FS) (*ruleSet, error) {
	paths, files, concepts, err := readRuleFiles(fsys)
	if err != nil {
		return nil, err
	}
	c := &compiler{rs: &ruleSet{vocab: map[string]int32{}, concepts: concepts}, index: map[int32][]patternRef{}}
	ids := map[string]bool{}
	for fi, f := range files {
		for i, spec := range f.Rules {
			at := fmt.Sprintf("%s: rule %d (%s)", paths[fi], i+1, spec.ID)
			if ids[spec.ID] && spec.ID != "" {
				return nil, fmt.Errorf("%s: duplicate id", at)
			}
			ids[spec.ID] = true
			if err := c.addRule(spec); err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
		}
		for i, spec := range f.Phases {
			if err := c.addCue(spec); err != nil {
				return nil, fmt.Errorf("%s: phase cue %d: %w", paths[fi], i+1, err)
			}
		}
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c.rs, nil
}

// readRuleFiles decodes every rules/*.yaml, in file-name order, and merges
// their concepts.
func readRuleFiles(fsys fs.FS) ([]string, []ruleFile, map[string][]string, error) {
	paths, err := fs.Glob(fsys, "rules/*.yaml")
	if err != nil {
		return nil, nil, nil, err
	}
	if len(paths) == 0 {
		return nil, nil, nil, fmt.Errorf("no rules/*.yaml files")
	}
	sort.Strings(paths)
	var files []ruleFile
	concepts := map[string][]string{}
	for _, p := range paths {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, nil, nil, err
		}
		var f ruleFile
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %v", p, err)
		}
		for name, words := range f.Concepts {
			if _, dup := concepts[name]; dup {
				return nil, nil, nil, fmt.Errorf("%s: concept %q declared twice", p, name)
			}
			if len(words) == 0 {
				return nil, nil, nil, fmt.Errorf("%s: concept %q is empty", p, name)
			}
			concepts[name] = words
		}
		files = append(files, f)
	}
	for _, need := range []string{"names", "not_names", "neg"} {
		if _, ok := concepts[need]; !ok {
			return nil, nil, nil, fmt.Errorf("concept %q is required", need)
		}
	}
	return paths, files, concepts, nil
}

// checkRule rejects a rule spec that is incomplete or contradicts itself.
func checkRule(s ruleSpec) error {
	switch {
	case len(s.Extra) > 0:
		return fmt.Errorf("unknown field %q", firstKey(s.Extra))
	case s.ID == "":
		return fmt.Errorf("missing id")
	case !s.Kind.Valid():
		return fmt.Errorf("unknown kind %q", s.Kind)
	case strings.TrimSpace(s.Why) == "":
		return fmt.Errorf("missing why")
	case s.Kind.Blaming() && strings.TrimSpace(s.Rewrite) == "":
		return fmt.Errorf("a %s rule needs a rewrite", s.Kind)
	case !s.Kind.Blaming() && s.Rewrite != "" && s.Kind.Positive():
		return fmt.Errorf("credit findings have no rewrite")
	case len(s.Patterns) == 0:
		return fmt.Errorf("no patterns")
	case (s.RewritePerpetrator != "" || s.RewriteSeparated != "") && !s.Kind.Blaming():
		return fmt.Errorf("rewrite variants are for blaming rules")
	case len(s.Roles) == 0:
		return fmt.Errorf("roles is required (survivor, perpetrator or both)")
	}
	return nil
}

// roleFlags reads a roles list; an empty list means both roles.
func roleFlags(roles []Role) (survivor, perp bool, err error) {
	if len(roles) == 0 {
		return true, true, nil
	}
	for _, role := range roles {
		switch role {
		case Survivor:
			survivor = true
		case Perpetrator:
			perp = true
		default:
			return false, false, fmt.Errorf("unknown role %q", role)
		}
	}
	return survivor, perp, nil
}

// addRule compiles one rule and indexes its patterns.
func (c *compiler) addRule(s ruleSpec) error {
	if err := checkRule(s); err != nil {
		return err
	}
	r := &rule{id: s.ID, kind: s.Kind, why: strings.TrimSpace(s.Why), rewrite: strings.TrimSpace(s.Rewrite), grave: s.Grave, order: len(c.rs.rules)}
	if s.RewritePerpetrator != "" || s.RewriteSeparated != "" {
		if c.rs.alt == nil {
			c.rs.alt = map[string]rewriteAlt{}
		}
		alt := c.rs.alt[r.rewrite]
		if v := strings.TrimSpace(s.RewritePerpetrator); v != "" {
			alt.perp = v
		}
		if v := strings.TrimSpace(s.RewriteSeparated); v != "" {
			alt.separated = v
		}
		c.rs.alt[r.rewrite] = alt
	}
	var err error
	if r.survivor, r.perp, err = roleFlags(s.Roles); err != nil {
		return err
	}
	for ph, w := range s.Phase {
		k := phaseIndex(ph)
		if k < 0 {
			return fmt.Errorf("unknown phase %q", ph)
		}
		r.phase[k] = w
	}
	for _, src := range s.Patterns {
		p, err := c.compile(src)
		if err != nil {
			return err
		}
		r.patterns = append(r.patterns, p)
		c.addIndex(patternRef{owner: int32(len(c.rs.rules)), pattern: p})
	}
	for _, src := range s.Unless {
		p, err := c.compile(src)
		if err != nil {
			return fmt.Errorf("unless: %w", err)
		}
		r.unless = append(r.unless, p)
	}
	if len(s.NotAfter) > 0 {
		e, err := c.elem(strings.Join(s.NotAfter, "|"))
		if err != nil {
			return fmt.Errorf("not_after: %w", err)
		}
		r.notAfter = &e
	}
	c.rs.rules = append(c.rs.rules, r)
	return nil
}

// addCue compiles one phase cue and indexes its patterns.
func (c *compiler) addCue(s phaseSpec) error {
	if len(s.Extra) > 0 {
		return fmt.Errorf("unknown field %q", firstKey(s.Extra))
	}
	k := phaseIndex(s.Phase)
	if k < 0 {
		return fmt.Errorf("unknown phase %q", s.Phase)
	}
	if s.Weight == 0 {
		return fmt.Errorf("weight is required")
	}
	cue := &phaseCue{phase: k, weight: s.Weight, first: s.First}
	var err error
	if cue.survivor, cue.perp, err = roleFlags(s.Roles); err != nil {
		return err
	}
	for _, src := range s.Patterns {
		p, err := c.compile(src)
		if err != nil {
			return err
		}
		p.cueID = c.rs.nCuePatterns
		c.rs.nCuePatterns++
		cue.patterns = append(cue.patterns, p)
		c.addIndex(patternRef{owner: int32(-len(c.rs.cues) - 1), pattern: p})
	}
	c.rs.cues = append(c.rs.cues, cue)
	return nil
}

// finish builds what the scan reads: the names and not-names sets, the
// prefix buckets, each pattern's pre-check and the per-role index.
func (c *compiler) finish() error {
	rs := c.rs
	for _, w := range rs.concepts["names"] {
		rs.names.add(c.id(strings.ToLower(w)))
	}
	for _, w := range rs.concepts["not_names"] {
		rs.stopCaps.add(c.id(strings.ToLower(w)))
	}
	rs.nameID = c.id("@name")
	prefixes := make([]string, 0, len(rs.prefixes))
	for prefix := range rs.prefixes {
		prefixes = append(prefixes, prefix)
	}
	sort.Strings(prefixes)
	for _, prefix := range prefixes {
		if len(prefix) < 2 {
			return fmt.Errorf("prefix %q*: a prefix needs at least two letters", prefix)
		}
		k := prefix[0]
		rs.prefixBuckets[k] = append(rs.prefixBuckets[k], prefixEntry{prefix, rs.prefixes[prefix]})
	}
	for i, p := range c.patterns {
		p.id = i
		p.prepare()
	}
	rs.nPatterns = len(c.patterns)
	for role := range rs.index {
		rs.index[role] = make([][]patternRef, len(rs.vocab))
	}
	for id, refs := range c.index {
		for _, ref := range refs {
			var surv, perp bool
			if ref.owner >= 0 {
				r := rs.rules[ref.owner]
				surv, perp = r.survivor, r.perp
			} else {
				cue := rs.cues[-ref.owner-1]
				surv, perp = cue.survivor, cue.perp
			}
			if surv {
				rs.index[0][id] = append(rs.index[0][id], ref)
			}
			if perp {
				rs.index[1][id] = append(rs.index[1][id], ref)
			}
		}
	}
	rs.nVocab = len(rs.vocab)
	return nil
}

func firstKey(m map[string]any) string {
	for k := range m {
		return k
	}
	return ""
}

func phaseIndex(p Phase) int {
	for i, q := range Phases {
		if p == q {
			return i
		}
	}
	return -1
}

// A tokenPattern is a compiled token pattern: a run of elements matched left to
// right within one sentence.
type tokenPattern struct {
	// need holds, for each required element after the first, the words
	// it can match: a reply without any of them cannot match.
	need   []filter
	id     int // index among all patterns
	cueID  int // index among phase-cue patterns, each counted once a reply
	src    string
	elems  []patternElem
	anchor bool // must start at the first word of a sentence
}

type elemType uint8

const (
	eWord elemType = iota
	eGap
	eNot // the next word must not match (consumes nothing)
)

// patternElem is one element. A word element matches a token when any of the
// token's ids (its normalised form, "+stem", "*prefix" for each listed
// prefix it starts with, "@name" for names) is in set, or when one of the
// phrases starts at the token.
type patternElem struct {
	typ     elemType
	set     bitset
	phrases [][]int32 // multi-word alternatives (written a_b_c), by word id
	opt     bool
	gap     int
}

type bitset []uint64

// filter is a sparse bitset: the non-zero words only.
type filter []filterWord

type filterWord struct {
	w int32
	x uint64
}

// hits reports whether f shares a bit with present.
func (f filter) hits(present []uint64) bool {
	for _, fw := range f {
		if int(fw.w) < len(present) && present[fw.w]&fw.x != 0 {
			return true
		}
	}
	return false
}

func (b bitset) has(i int32) bool {
	if i < 0 {
		return false
	}
	w := int(i >> 6)
	return w < len(b) && b[w]&(1<<(uint(i)&63)) != 0
}

func (b *bitset) add(i int32) {
	w := int(i >> 6)
	for len(*b) <= w {
		*b = append(*b, 0)
	}
	(*b)[w] |= 1 << (uint(i) & 63)
}

type compiler struct {
	rs       *ruleSet
	patterns []*tokenPattern
	index    map[int32][]patternRef
	// checked remembers oneWord's verdicts
	checked map[string]error
}

type prefixEntry struct {
	prefix string
	id     int32
}

// prepare lists, for the quick pre-check, the non-zero words of each
// required element's set (phrase first words included).
func (p *tokenPattern) prepare() {
	for i := 1; i < len(p.elems); i++ {
		e := &p.elems[i]
		if e.typ != eWord || e.opt {
			continue
		}
		var b bitset
		b = append(b, e.set...)
		for _, ph := range e.phrases {
			b.add(ph[0])
		}
		var f filter
		for w, x := range b {
			if x != 0 {
				f = append(f, filterWord{int32(w), x})
			}
		}
		p.need = append(p.need, f)
	}
}

func (c *compiler) id(w string) int32 {
	if id, ok := c.rs.vocab[w]; ok {
		return id
	}
	id := int32(len(c.rs.vocab))
	c.rs.vocab[w] = id
	return id
}

// compile parses one pattern:
//
//	word      the word, as normalised (contractions expanded, US spelling)
//	word+     any word with the same stem (leave+ matches left, leaving)
//	word*     any word starting with "word"
//	a|b|c     any one of the alternatives
//	a_b       the words "a b" in a row, as one alternative (into_care)
//	~concept  any word of the concept
//	@name     a person's name
//	x?        x is optional
//	!x        the next word is not x (consumes nothing)
//	..  ..N   skip up to 3 (or N) words, never past the end of a sentence
//	^         (first) the pattern starts a sentence
func (c *compiler) compile(src string) (*tokenPattern, error) {
	p := &tokenPattern{src: src}
	c.patterns = append(c.patterns, p)
	fields := strings.Fields(src)
	if len(fields) > 0 && fields[0] == "^" {
		p.anchor = true
		fields = fields[1:]
	}
	for _, f := range fields {
		switch {
		case f == "..":
			p.elems = append(p.elems, patternElem{typ: eGap, gap: 3})
			continue
		case strings.HasPrefix(f, "..") && len(f) > 2:
			n, err := strconv.Atoi(f[2:])
			if err != nil || n < 1 || n > 12 {
				return nil, fmt.Errorf("pattern %q: bad gap %q (use .. or ..N with N from 1 to 12)", src, f)
			}
			p.elems = append(p.elems, patternElem{typ: eGap, gap: n})
			continue
		}
		neg := strings.HasPrefix(f, "!")
		if neg {
			f = f[1:]
		}
		e, err := c.elem(f)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %v", src, err)
		}
		if neg {
			if e.opt {
				return nil, fmt.Errorf("pattern %q: !x cannot also be optional", src)
			}
			e.typ = eNot
		}
		p.elems = append(p.elems, e)
	}
	if len(p.elems) == 0 {
		return nil, fmt.Errorf("empty pattern")
	}
	first, last := p.elems[0], p.elems[len(p.elems)-1]
	if first.typ != eWord || first.opt || last.typ == eGap || last.opt {
		return nil, fmt.Errorf("pattern %q must start and end with a required word", src)
	}
	return p, nil
}

func (c *compiler) elem(f string) (patternElem, error) {
	e := patternElem{typ: eWord}
	if strings.HasSuffix(f, "?") && len(f) > 1 {
		e.opt = true
		f = f[:len(f)-1]
	}
	for _, alt := range strings.Split(f, "|") {
		if err := c.addAlt(&e, alt, 0); err != nil {
			return e, err
		}
	}
	return e, nil
}

func (c *compiler) addAlt(e *patternElem, alt string, depth int) error {
	switch {
	case alt == "":
		return fmt.Errorf("empty alternative")
	case alt == "@name":
		e.set.add(c.id("@name"))
	case strings.HasPrefix(alt, "~"):
		words, ok := c.rs.concepts[alt[1:]]
		if !ok {
			return fmt.Errorf("unknown concept %s (declare it under concepts:)", alt)
		}
		if depth > 4 {
			return fmt.Errorf("concept %s nests too deeply", alt)
		}
		for _, w := range words {
			if err := c.addAlt(e, w, depth+1); err != nil {
				return fmt.Errorf("in %s: %v", alt, err)
			}
		}
	case strings.HasSuffix(alt, "*"):
		prefix := strings.ToLower(strings.TrimSuffix(alt, "*"))
		if prefix == "" || strings.ContainsAny(prefix, " *") {
			return fmt.Errorf("bad prefix %q", alt)
		}
		id := c.id("*" + prefix)
		e.set.add(id)
		if c.rs.prefixes == nil {
			c.rs.prefixes = map[string]int32{}
		}
		c.rs.prefixes[prefix] = id
	case strings.Contains(alt, "_"):
		var ph []int32
		for _, w := range strings.Split(strings.ToLower(alt), "_") {
			if err := c.oneWord(w); err != nil {
				return fmt.Errorf("in phrase %q: %v", alt, err)
			}
			ph = append(ph, c.id(w))
		}
		if len(ph) < 2 {
			return fmt.Errorf("bad phrase %q", alt)
		}
		e.phrases = append(e.phrases, ph)
	case strings.HasSuffix(alt, "+"):
		w := strings.ToLower(strings.TrimSuffix(alt, "+"))
		if err := c.oneWord(w); err != nil {
			return err
		}
		e.set.add(c.id("+" + text.Stem(w)))
	default:
		w := strings.ToLower(alt)
		if err := c.oneWord(w); err != nil {
			return err
		}
		e.set.add(c.id(w))
	}
	return nil
}

// oneWord checks that w is one normalised word. Concepts are expanded at
// every use, so the same word comes up many times: the answer is kept.
func (c *compiler) oneWord(w string) error {
	if err, seen := c.checked[w]; seen {
		return err
	}
	err := checkOneWord(w)
	if c.checked == nil {
		c.checked = map[string]error{}
	}
	c.checked[w] = err
	return err
}

func checkOneWord(w string) error {
	toks := text.Tokenize(w)
	if len(toks) != 1 || toks[0].Norm != w {
		return fmt.Errorf("%q is not one normalised word (write contractions in full: \"did not\", and US spelling)", w)
	}
	return nil
}

func (c *compiler) addIndex(r patternRef) {
	first := r.pattern.elems[0]
	seen := map[int32]bool{}
	first.set.each(func(id int32) {
		seen[id] = true
		c.index[id] = append(c.index[id], r)
	})
	for _, ph := range first.phrases {
		if !seen[ph[0]] {
			seen[ph[0]] = true
			c.index[ph[0]] = append(c.index[ph[0]], r)
		}
	}
}

func (b bitset) each(f func(int32)) {
	for w, x := range b {
		for x != 0 {
			i := trailingZeros(x)
			f(int32(w*64 + i))
			x &= x - 1
		}
	}
}

func trailingZeros(x uint64) int {
	n := 0
	for x&1 == 0 {
		x >>= 1
		n++
	}
	return n
}
