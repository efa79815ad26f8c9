package dialogue

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ScoreReply is the scenario's scorer's ScoreCase for this scenario's
// role and facts: rewrites speak to the case (the role in front of the
// trainee, the case's names, and no question about leaving for a survivor
// who has separated). The label, phase and findings are Score's.
func (sc *Scenario) ScoreReply(text string) Assessment {
	return sc.Scorer().ScoreCase(sc.Role, sc.CaseFacts(), text)
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
