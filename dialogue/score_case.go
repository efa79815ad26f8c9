package dialogue

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CaseFacts are the facts of a scenario's case that change a rewrite: the
// other adult's name (him, to a survivor; her, to a perpetrator), the
// children's names, and whether the parents have already separated.
type CaseFacts struct {
	Partner   string   `yaml:"partner"`
	Children  []string `yaml:"children"`
	Separated bool     `yaml:"separated"`
}

// ScoreReply is Score for this scenario's role, with rewrites that speak
// to the case: to the role in front of the trainee, with the case's names,
// and (for a survivor who has separated) not about whether she might
// leave. The label, phase and findings are Score's; only rewrites change.
func (sc *Scenario) ScoreReply(text string) Assessment {
	a := Score(sc.Role, text)
	f := sc.CaseFacts()
	for i := range a.Findings {
		if k := a.Findings[i].Kind; a.Findings[i].Rewrite != "" && (k.Blaming() || k == Hostile) {
			a.Findings[i].Rewrite = f.personalise(sc.Role, a.Findings[i].Rewrite)
		}
	}
	return a
}

// CaseFacts are the scenario's facts: its `facts:` block where it has
// one, else read from the scenario itself: the partner from the family id
// ("magda-and-tomasz"), the children from the names in the brief that the
// scenario's kids (or boys) concept lists, and separation from the title
// or brief ("separated").
func (sc *Scenario) CaseFacts() CaseFacts {
	if sc.Facts != nil {
		return *sc.Facts
	}
	var f CaseFacts
	me := strings.ToLower(sc.Character)
	for _, n := range strings.Split(sc.Family, "-and-") {
		if n = strings.TrimSpace(n); n != "" && n != me && !strings.Contains(n, "-") {
			f.Partner = titleWord(n)
		}
	}
	brief := sc.Brief
	type at struct {
		name string
		pos  int
	}
	var found []at
	seen := map[string]bool{}
	for _, key := range []string{"kids", "boys", "children", "girls"} {
		for _, w := range sc.Concepts[key] {
			if strings.Contains(w, " ") || notChildName[w] || seen[w] {
				continue
			}
			seen[w] = true
			name := titleWord(w)
			if pos := nameIndex(brief, name); pos >= 0 {
				found = append(found, at{name, pos})
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].pos < found[j].pos })
	for _, c := range found {
		f.Children = append(f.Children, c.name)
	}
	low := strings.ToLower(sc.Title + " " + brief)
	f.Separated = strings.Contains(low, "separated") || strings.Contains(low, "separation")
	return f
}

var notChildName = map[string]bool{"kids": true, "children": true, "boys": true, "boy": true, "sons": true, "son": true,
	"lads": true, "weans": true, "bairns": true, "girls": true, "girl": true, "daughters": true, "daughter": true, "child": true, "kid": true}

func titleWord(w string) string {
	r, n := utf8.DecodeRuneInString(w)
	return string(unicode.ToUpper(r)) + w[n:]
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
func (f CaseFacts) personalise(role Role, rw string) string {
	if role == Survivor && f.Separated && reLeave.MatchString(rw) {
		if alt := embeddedRules().alt[rw]; alt.separated != "" {
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

// nameIndex is where name first stands as a word in s, not straight after
// "(" (an alternative spelling: "Zosia (Zofia, 9)"); -1 if nowhere.
func nameIndex(s, name string) int {
	for from := 0; ; {
		i := strings.Index(s[from:], name)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(name)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (i == 0 || (!unicode.IsLetter(before) && before != '(')) && (end == len(s) || !unicode.IsLetter(after)) {
			return i
		}
		from = end
	}
}
