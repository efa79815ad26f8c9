package pattern

import (
	"fmt"
	"strconv"
	"strings"
)

// FromRuleSyntax converts a pattern written in the scoring rules' former
// syntax to this language, so rule files can be moved over mechanically
// (docs/patterns.md, "Writing rules in the old rule syntax"). In that
// syntax a pattern was words in order within one sentence; a plain word
// was exact, word+ any form, a|b alternatives, a_b a phrase, ..N a gap,
// and a leading ^ anchored it. The result means the same: "you ..4
// put|putting up+" becomes "(=you *4 [=put =putting] up)".
func FromRuleSyntax(old string) (string, error) {
	fields := strings.Fields(old)
	anchor := len(fields) > 0 && fields[0] == "^"
	if anchor {
		fields = fields[1:]
	}
	if len(fields) == 0 {
		return "", fmt.Errorf("empty pattern %q", old)
	}
	out := make([]string, 0, len(fields)+1)
	if anchor {
		out = append(out, "^")
	}
	for _, f := range fields {
		switch {
		case f == "..":
			out = append(out, "*")
			continue
		case strings.HasPrefix(f, ".."):
			n, err := strconv.Atoi(f[2:])
			if err != nil {
				return "", fmt.Errorf("pattern %q: bad gap %q", old, f)
			}
			out = append(out, "*"+strconv.Itoa(n))
			continue
		}
		e, err := fromRuleElement(f)
		if err != nil {
			return "", fmt.Errorf("pattern %q: %v", old, err)
		}
		out = append(out, e)
	}
	return "(" + strings.Join(out, " ") + ")", nil
}

// FromRuleMember converts one member of a concept in the rules' former
// syntax ("leave+", "did", "no_one", "@name", "~kids") to a member in this
// language ("leave", "=did", "=no =one", "@name", "~kids").
func FromRuleMember(old string) (string, error) {
	if strings.Contains(old, "_") && !strings.HasPrefix(old, "~") {
		return exactWords(old), nil
	}
	return fromRuleAlt(old)
}

func fromRuleElement(f string) (string, error) {
	neg := strings.HasPrefix(f, "!")
	if neg {
		f = f[1:]
	}
	opt := len(f) > 1 && strings.HasSuffix(f, "?")
	if opt {
		f = f[:len(f)-1]
	}
	// single words (and concepts) first, then phrases: the order the old
	// matcher tried them in
	var singles, phrases []string
	for _, alt := range strings.Split(f, "|") {
		if strings.Contains(alt, "_") && !strings.HasPrefix(alt, "~") {
			phrases = append(phrases, "("+exactWords(alt)+")")
			continue
		}
		a, err := fromRuleAlt(alt)
		if err != nil {
			return "", err
		}
		singles = append(singles, a)
	}
	alts := append(singles, phrases...)
	e := alts[0]
	if len(alts) > 1 {
		e = "[" + strings.Join(alts, " ") + "]"
	}
	if opt {
		e += "?"
	}
	if neg {
		e = "!" + e
	}
	return e, nil
}

func fromRuleAlt(alt string) (string, error) {
	switch {
	case alt == "":
		return "", fmt.Errorf("empty alternative")
	case alt == "@name", strings.HasPrefix(alt, "~"), strings.HasSuffix(alt, "*"):
		return alt, nil
	case strings.HasSuffix(alt, "+"):
		return strings.TrimSuffix(alt, "+"), nil
	}
	return "=" + alt, nil
}

// exactWords turns a_b_c into "=a =b =c".
func exactWords(phrase string) string {
	words := strings.Split(phrase, "_")
	for i, w := range words {
		words[i] = "=" + w
	}
	return strings.Join(words, " ")
}
