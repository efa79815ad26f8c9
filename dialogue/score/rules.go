package score

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/pivotcoach/pivot/dialogue/internal/wordmap"
	"github.com/pivotcoach/pivot/dialogue/pattern"
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
	patterns []*rulePattern
	unless   []guardPattern
	notAfter *guardPattern
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
	patterns []*rulePattern
}

// ruleSet is everything compiled from rules/.
type ruleSet struct {
	// vocab numbers every key a pattern's word can be found by: "=word"
	// (exact), "+stem", "*prefix" and "@name".
	vocab    map[string]int32
	concepts map[string][]string
	rules    []*rule
	cues     []*phaseCue
	// index holds, per interview role (0 survivor, 1 perpetrator), the
	// ids of the patterns whose first element can match a word, by word
	// id; refs holds each pattern's patternRef by pattern id.
	index [2]idLists
	refs  []patternRef
	// prefixes maps each "word*" prefix to its id; a token also carries
	// the ids of the prefixes it starts with (and nameID if it is a name),
	// so the index and the pre-check can find every pattern it may start
	// or complete.
	prefixes map[string]int32
	// prefixBuckets holds the prefixes by their first byte.
	prefixBuckets [256][]prefixEntry
	nameID        int32
	// lexicon holds each word's vocabulary ids and word lists
	// (lexicon.go).
	lexicon      *wordmap.Map[lexEntry]
	nVocab       int
	nCuePatterns int
	nPatterns    int
	// checks holds every pattern's and guard's pre-check, one after
	// another (compiler.pack)
	checks []checkWord
	// keyed lists, by vocabulary id, the patterns keyed by that id: a
	// pattern's key is the rarest of its word sets (the words it can
	// start with, or one of its needs; compiler.key), so a reply with
	// none of the key's words cannot match it and its pre-check is never
	// run
	keyed idLists
	// alt maps a rule's rewrite to its variants for the perpetrator and
	// for a separated survivor (rewrite_perpetrator, rewrite_separated).
	alt map[string]rewriteAlt
	// matchers holds *matchScratch for concurrent replies.
	matchers sync.Pool
}

type rewriteAlt struct{ perp, separated string }

// patternRef is what the scan needs of one pattern of a rule (owner >=
// 0) or of a phase cue (owner < 0 encodes cue -owner-1), held by pattern
// id in one array (ruleSet.refs) and read only for the patterns a reply
// may match.
type patternRef struct {
	owner   int32
	pattern *rulePattern
	// quickWord and quickBits are the pattern's most particular required
	// word set when it lies in one 64-bit word of the reply's present
	// bits (quickWord -1: none). Most patterns checked are ruled out by
	// it, in one test of bits the scan already holds.
	quickWord int32
	quickBits uint64
	// check is the pattern's pre-check (a slice of ruleSet.checks), so
	// the scan checks it without following the pointer to the pattern
	check []checkWord
}

// loadRules reads and compiles every rules/*.yaml in fsys. It is strict:
// unknown fields, unknown kinds, roles, phases or concepts, empty why or
// a blaming rule without a rewrite are all errors.
func loadRules(fsys fs.FS) (*ruleSet, error) {
	paths, files, concepts, err := readRuleFiles(fsys)
	if err != nil {
		return nil, err
	}
	c := newCompiler(concepts)
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
		p, err := c.compilePattern(src)
		if err != nil {
			return fmt.Errorf("unless: %w", err)
		}
		r.unless = append(r.unless, c.guard(p))
	}
	if len(s.NotAfter) > 0 {
		p, err := c.compileWords(s.NotAfter)
		if err != nil {
			return fmt.Errorf("not_after: %w", err)
		}
		g := c.guard(p)
		r.notAfter = &g
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
	}
	rs.nPatterns = len(c.patterns)
	c.pack()
	c.key()
	// each role's index, packed into one array in vocabulary-id order:
	// a reply's words read it in runs rather than from lists scattered
	// over the heap
	rs.refs = make([]patternRef, len(c.patterns))
	var byID [2][][]int32
	for role := range byID {
		byID[role] = make([][]int32, len(rs.vocab))
	}
	for id, refs := range c.index {
		for _, ref := range refs {
			p := ref.pattern
			ref.quickWord = -1
			for _, f := range p.need {
				if words := c.sets[f]; len(words) == 1 {
					ref.quickWord, ref.quickBits = words[0].word, words[0].bits
					break
				}
			}
			ref.check = p.check
			rs.refs[p.id] = ref
			var surv, perp bool
			if ref.owner >= 0 {
				r := rs.rules[ref.owner]
				surv, perp = r.survivor, r.perp
			} else {
				cue := rs.cues[-ref.owner-1]
				surv, perp = cue.survivor, cue.perp
			}
			if surv {
				byID[0][id] = append(byID[0][id], int32(p.id))
			}
			if perp {
				byID[1][id] = append(byID[1][id], int32(p.id))
			}
		}
	}
	for role := range rs.index {
		rs.index[role] = packLists(byID[role])
	}
	rs.nVocab = len(rs.vocab)
	rs.buildLexicon()
	rs.matchers.New = func() any { return &matchScratch{budget: pattern.NewBudget(pattern.DefaultBudget)} }
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
