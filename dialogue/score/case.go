package score

import (
	"regexp"
	"strings"
)

// CaseFacts are the facts of a scenario's case that change a rewrite
// (Scorer.ScoreCase): the
// other adult's name (him, to a survivor; her, to a perpetrator), the
// children's names, and whether the parents have already separated.
type CaseFacts struct {
	Partner   string   `yaml:"partner"`
	Children  []string `yaml:"children"`
	Separated bool     `yaml:"separated"`
}

var (
	reHe       = regexp.MustCompile(`\b(he|him)\b`)
	reHis      = regexp.MustCompile(`\bhis\b`)
	reShe      = regexp.MustCompile(`\bshe\b`)
	reChildren = regexp.MustCompile(`\bthe (children|boys|kids)\b`)
	reLeave    = regexp.MustCompile(`\b(leave|leaving|left him)\b`)
)

// separatedRewrite replaces a rewrite about leaving for a survivor who has
// already left.
const separatedRewrite = "What has he done since you separated, at handovers, by message or through the children, that worries you? What has helped you keep the children safe?"

// personalise fits a rewrite to the case: a survivor who has separated is
// not asked about leaving; the first "he"/"him"/"his" (to her) or "she"
// (to him) becomes the partner's name, and "the children" their names.
func (f CaseFacts) personalise(rs *ruleSet, role Role, rw string) string {
	if role == Survivor && f.Separated && reLeave.MatchString(rw) {
		if alt := rs.alt[rw]; alt.separated != "" {
			rw = alt.separated
		} else {
			rw = separatedRewrite
		}
	}
	if f.Partner != "" {
		switch role {
		case Survivor:
			rw = replaceFirstQuoted(rw, reHe, reHis, f.Partner)
		case Perpetrator:
			rw = replaceFirstQuoted(rw, reShe, nil, f.Partner)
		}
	}
	if len(f.Children) > 0 {
		names := f.Children[0]
		if n := len(f.Children); n > 1 {
			names = strings.Join(f.Children[:n-1], ", ") + " and " + f.Children[n-1]
		}
		done := false
		rw = reChildren.ReplaceAllStringFunc(rw, func(m string) string {
			if done {
				return m
			}
			done = true
			return names
		})
	}
	return rw
}

// replaceFirstQuoted puts name for the first pronoun matching re (or its
// possessive, matching pos) in rw.
func replaceFirstQuoted(rw string, re, pos *regexp.Regexp, name string) string {
	first, isPos := re.FindStringIndex(rw), false
	if pos != nil {
		if p := pos.FindStringIndex(rw); p != nil && (first == nil || p[0] < first[0]) {
			first, isPos = p, true
		}
	}
	if first == nil {
		return rw
	}
	repl := name
	if isPos {
		repl = name + "'s"
	}
	// keep a capital at the start of a sentence ("He" never matches the
	// lower-case patterns, so the name is capitalised already)
	return rw[:first[0]] + repl + rw[first[1]:]
}
