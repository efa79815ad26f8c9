package dialogue

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// The scorer's rules live in YAML under rules/ so trainers can read them
// (docs/scoring.md). They are compiled once, at init, into token-level
// matchers; a bad rules file panics at init so every test fails loudly.

//go:embed rules/*.yaml
var rulesFS embed.FS

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
	pats     []*tpat
	unless   []*tpat
	notAfter *telem
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
	pats     []*tpat
}

// ruleSet is everything compiled from rules/.
type ruleSet struct {
	vocab    map[string]int32
	concepts map[string][]string
	rules    []*rule
	cues     []*phaseCue
	// index maps a word id to the patterns whose first element can match
	// a token with that id; loose holds patterns that must be tried at
	// every position.
	// index holds, per interview role (0 survivor, 1 perpetrator), the
	// patterns whose first element can match a word, by word id.
	index [2][][]patRef
	// prefixes maps each "word*" prefix to its id; a token also carries
	// the ids of the prefixes it starts with (and nameID if it is a name),
	// so every element test is a bitset lookup.
	prefixes map[string]int32
	// buckets holds the prefixes by their first byte.
	buckets [256][]prefixEntry
	nameID  int32
	names   bitset
	// stopCaps are capitalised words that are not names.
	stopCaps bitset
	nVocab   int
	nCuePats int
	nPats    int
	// alt maps a rule's rewrite to its variants for the perpetrator and
	// for a separated survivor (rewrite_perpetrator, rewrite_separated).
	alt map[string]rewriteAlt
}

type rewriteAlt struct{ perp, separated string }

// patRef points at one pattern of a rule (owner >= 0) or of a phase cue
// (owner < 0 encodes cue -owner-1).
type patRef struct {
	owner int32
	pat   *tpat
}

// embeddedRules are the compiled rules/*.yaml, compiled on first use so
// that commands which never score a reply do not pay for it; a broken
// rules file still panics on the first Score and fails every scoring test.
var embeddedRules = sync.OnceValue(mustLoadRules)

func mustLoadRules() *ruleSet {
	rs, err := loadRules(rulesFS)
	if err != nil {
		panic("dialogue: scoring rules: " + err.Error())
	}
	return rs
}

// loadRules reads and compiles every rules/*.yaml in fsys. It is strict:
// unknown fields, unknown kinds, roles, phases or concepts, empty why or
// a blaming rule without a rewrite are all errors.
func loadRules(fsys fs.FS) (*ruleSet, error) {
	paths, err := fs.Glob(fsys, "rules/*.yaml")
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no rules/*.yaml files")
	}
	sort.Strings(paths)
	var files []ruleFile
	concepts := map[string][]string{}
	for _, p := range paths {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		var f ruleFile
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		for name, words := range f.Concepts {
			if _, dup := concepts[name]; dup {
				return nil, fmt.Errorf("%s: concept %q declared twice", p, name)
			}
			if len(words) == 0 {
				return nil, fmt.Errorf("%s: concept %q is empty", p, name)
			}
			concepts[name] = words
		}
		files = append(files, f)
	}
	for _, need := range []string{"names", "not_names", "neg"} {
		if _, ok := concepts[need]; !ok {
			return nil, fmt.Errorf("concept %q is required", need)
		}
	}
	c := &compiler{rs: &ruleSet{vocab: map[string]int32{}, concepts: concepts}, index: map[int32][]patRef{}}
	ids := map[string]bool{}
	for fi, f := range files {
		where := paths[fi]
		for i, s := range f.Rules {
			at := fmt.Sprintf("%s: rule %d (%s)", where, i+1, s.ID)
			if len(s.Extra) > 0 {
				return nil, fmt.Errorf("%s: unknown field %q", at, firstKey(s.Extra))
			}
			if s.ID == "" {
				return nil, fmt.Errorf("%s: missing id", at)
			}
			if ids[s.ID] {
				return nil, fmt.Errorf("%s: duplicate id", at)
			}
			ids[s.ID] = true
			if !s.Kind.Valid() {
				return nil, fmt.Errorf("%s: unknown kind %q", at, s.Kind)
			}
			if strings.TrimSpace(s.Why) == "" {
				return nil, fmt.Errorf("%s: missing why", at)
			}
			if s.Kind.Blaming() && strings.TrimSpace(s.Rewrite) == "" {
				return nil, fmt.Errorf("%s: a %s rule needs a rewrite", at, s.Kind)
			}
			if !s.Kind.Blaming() && s.Rewrite != "" && s.Kind.Positive() {
				return nil, fmt.Errorf("%s: credit findings have no rewrite", at)
			}
			if len(s.Patterns) == 0 {
				return nil, fmt.Errorf("%s: no patterns", at)
			}
			r := &rule{id: s.ID, kind: s.Kind, why: strings.TrimSpace(s.Why), rewrite: strings.TrimSpace(s.Rewrite), grave: s.Grave, order: len(c.rs.rules)}
			if (s.RewritePerpetrator != "" || s.RewriteSeparated != "") && !s.Kind.Blaming() {
				return nil, fmt.Errorf("%s: rewrite variants are for blaming rules", at)
			}
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
			if len(s.Roles) == 0 {
				return nil, fmt.Errorf("%s: roles is required (survivor, perpetrator or both)", at)
			}
			for _, role := range s.Roles {
				switch role {
				case Survivor:
					r.survivor = true
				case Perpetrator:
					r.perp = true
				default:
					return nil, fmt.Errorf("%s: unknown role %q", at, role)
				}
			}
			for ph, w := range s.Phase {
				k := phaseIndex(ph)
				if k < 0 {
					return nil, fmt.Errorf("%s: unknown phase %q", at, ph)
				}
				r.phase[k] = w
			}
			for _, src := range s.Patterns {
				p, err := c.compile(src)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", at, err)
				}
				r.pats = append(r.pats, p)
				c.addIndex(patRef{owner: int32(len(c.rs.rules)), pat: p})
			}
			for _, src := range s.Unless {
				p, err := c.compile(src)
				if err != nil {
					return nil, fmt.Errorf("%s: unless: %v", at, err)
				}
				r.unless = append(r.unless, p)
			}
			if len(s.NotAfter) > 0 {
				e, err := c.elem(strings.Join(s.NotAfter, "|"))
				if err != nil {
					return nil, fmt.Errorf("%s: not_after: %v", at, err)
				}
				r.notAfter = &e
			}
			c.rs.rules = append(c.rs.rules, r)
		}
		for i, s := range f.Phases {
			at := fmt.Sprintf("%s: phase cue %d", where, i+1)
			if len(s.Extra) > 0 {
				return nil, fmt.Errorf("%s: unknown field %q", at, firstKey(s.Extra))
			}
			k := phaseIndex(s.Phase)
			if k < 0 {
				return nil, fmt.Errorf("%s: unknown phase %q", at, s.Phase)
			}
			if s.Weight == 0 {
				return nil, fmt.Errorf("%s: weight is required", at)
			}
			cue := &phaseCue{phase: k, weight: s.Weight, first: s.First}
			if len(s.Roles) == 0 {
				cue.survivor, cue.perp = true, true
			}
			for _, role := range s.Roles {
				switch role {
				case Survivor:
					cue.survivor = true
				case Perpetrator:
					cue.perp = true
				default:
					return nil, fmt.Errorf("%s: unknown role %q", at, role)
				}
			}
			for _, src := range s.Patterns {
				p, err := c.compile(src)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", at, err)
				}
				p.cueID = c.rs.nCuePats
				c.rs.nCuePats++
				cue.pats = append(cue.pats, p)
				c.addIndex(patRef{owner: int32(-len(c.rs.cues) - 1), pat: p})
			}
			c.rs.cues = append(c.rs.cues, cue)
		}
	}
	for _, w := range concepts["names"] {
		c.rs.names.add(c.id(strings.ToLower(w)))
	}
	for _, w := range concepts["not_names"] {
		c.rs.stopCaps.add(c.id(strings.ToLower(w)))
	}
	c.rs.nameID = c.id("@name")
	pres := make([]string, 0, len(c.rs.prefixes))
	for pre := range c.rs.prefixes {
		pres = append(pres, pre)
	}
	sort.Strings(pres)
	for _, pre := range pres {
		if len(pre) < 2 {
			return nil, fmt.Errorf("prefix %q*: a prefix needs at least two letters", pre)
		}
		k := pre[0]
		c.rs.buckets[k] = append(c.rs.buckets[k], prefixEntry{pre, c.rs.prefixes[pre]})
	}
	for i, p := range c.pats {
		p.id = i
		p.prepare()
	}
	c.rs.nPats = len(c.pats)
	for role := range c.rs.index {
		c.rs.index[role] = make([][]patRef, len(c.rs.vocab))
	}
	for id, refs := range c.index {
		for _, ref := range refs {
			var surv, perp bool
			if ref.owner >= 0 {
				r := c.rs.rules[ref.owner]
				surv, perp = r.survivor, r.perp
			} else {
				cue := c.rs.cues[-ref.owner-1]
				surv, perp = cue.survivor, cue.perp
			}
			if surv {
				c.rs.index[0][id] = append(c.rs.index[0][id], ref)
			}
			if perp {
				c.rs.index[1][id] = append(c.rs.index[1][id], ref)
			}
		}
	}
	c.rs.nVocab = len(c.rs.vocab)
	return c.rs, nil
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

// A tpat is a compiled token pattern: a run of elements matched left to
// right within one sentence.
type tpat struct {
	// need holds, for each required element after the first, the words
	// it can match: a reply without any of them cannot match.
	need   []filter
	id     int // index among all patterns
	cueID  int // index among phase-cue patterns, each counted once a reply
	src    string
	elems  []telem
	anchor bool // must start at the first word of a sentence
}

type elemType uint8

const (
	eWord elemType = iota
	eGap
	eNot // the next word must not match (consumes nothing)
)

// telem is one element. A word element matches a token when any of the
// token's ids (its normalised form, "+stem", "*prefix" for each listed
// prefix it starts with, "@name" for names) is in set, or when one of the
// phrases starts at the token.
type telem struct {
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
	rs    *ruleSet
	pats  []*tpat
	index map[int32][]patRef
}

type prefixEntry struct {
	pre string
	id  int32
}

// prepare lists, for the quick pre-check, the non-zero words of each
// required element's set (phrase first words included).
func (p *tpat) prepare() {
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
func (c *compiler) compile(src string) (*tpat, error) {
	p := &tpat{src: src}
	c.pats = append(c.pats, p)
	fields := strings.Fields(src)
	if len(fields) > 0 && fields[0] == "^" {
		p.anchor = true
		fields = fields[1:]
	}
	for _, f := range fields {
		switch {
		case f == "..":
			p.elems = append(p.elems, telem{typ: eGap, gap: 3})
			continue
		case strings.HasPrefix(f, "..") && len(f) > 2:
			n, err := strconv.Atoi(f[2:])
			if err != nil || n < 1 || n > 12 {
				return nil, fmt.Errorf("pattern %q: bad gap %q (use .. or ..N with N from 1 to 12)", src, f)
			}
			p.elems = append(p.elems, telem{typ: eGap, gap: n})
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

func (c *compiler) elem(f string) (telem, error) {
	e := telem{typ: eWord}
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

func (c *compiler) addAlt(e *telem, alt string, depth int) error {
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
		pre := strings.ToLower(strings.TrimSuffix(alt, "*"))
		if pre == "" || strings.ContainsAny(pre, " *") {
			return fmt.Errorf("bad prefix %q", alt)
		}
		id := c.id("*" + pre)
		e.set.add(id)
		if c.rs.prefixes == nil {
			c.rs.prefixes = map[string]int32{}
		}
		c.rs.prefixes[pre] = id
	case strings.Contains(alt, "_"):
		var ph []int32
		for _, w := range strings.Split(strings.ToLower(alt), "_") {
			if err := oneWord(w); err != nil {
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
		if err := oneWord(w); err != nil {
			return err
		}
		e.set.add(c.id("+" + Stem(w)))
	default:
		w := strings.ToLower(alt)
		if err := oneWord(w); err != nil {
			return err
		}
		e.set.add(c.id(w))
	}
	return nil
}

func oneWord(w string) error {
	toks := Tokenize(w)
	if len(toks) != 1 || toks[0].Norm != w {
		return fmt.Errorf("%q is not one normalised word (write contractions in full: \"did not\", and US spelling)", w)
	}
	return nil
}

func (c *compiler) addIndex(r patRef) {
	first := r.pat.elems[0]
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
