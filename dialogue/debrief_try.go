package dialogue

import (
	"fmt"
	"strings"
)

// Rewrites and hints are sometimes advice with a wording inside it ("Ask
// about her acts of protection: 'What have you done…?'"), sometimes advice
// alone ("Say what Brian did: 'when he shouted' rather than 'your
// argument'."), sometimes just the words to say. Only words to say are
// quoted as such; advice is shown as advice.

// adviceVerbs open a sentence that tells the trainee what to do rather
// than giving words to say. "Tell me…" is words to say, so tell is not
// among them.
var adviceVerbs = map[string]bool{
	"ask": true, "say": true, "talk": true, "name": true, "use": true, "describe": true,
	"introduce": true, "check": true, "explain": true, "focus": true, "acknowledge": true,
	"credit": true, "replace": true, "drop": true, "avoid": true, "hold": true, "engage": true,
	"put": true, "frame": true, "speak": true, "keep": true, "separate": true, "attribute": true,
	"reframe": true, "state": true, "move": true, "return": true, "recognise": true, "recognize": true,
	"notice": true, "open": true, "close": true, "agree": true, "offer": true, "start": true, "end": true,
}

// SayInstead splits a rewrite or hint into the words to say and the
// advice around them; either may be empty.
func SayInstead(s string) (say, advice string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	for _, open := range []string{": '", ": ‘", ": \""} {
		i := strings.Index(s, open)
		if i < 0 {
			continue
		}
		head, rest := strings.TrimSpace(s[:i]), s[i+len(open):]
		rest = strings.TrimRight(rest, ". ")
		end := map[string]string{": '": "'", ": ‘": "’", ": \"": "\""}[open]
		if !strings.HasSuffix(rest, end) {
			break
		}
		inner := strings.TrimSuffix(rest, end)
		// A second quotation inside ("'when he shouted' rather than
		// 'your argument'") makes the whole thing advice.
		if strings.Contains(inner, end+" ") || strings.Contains(inner, " "+strings.TrimSpace(open[2:])) {
			break
		}
		return capitalise(strings.TrimSpace(inner)), head
	}
	if first := strings.ToLower(strings.Trim(strings.Fields(s)[0], ",.:;")); adviceVerbs[first] {
		return "", s
	}
	return s, ""
}

// TryText is a rewrite or hint as the debrief and coaching show it: the
// words to say quoted ("Try: “What gets in the way?”"), advice first when
// there is some ("Talk about what he did. Try: “…”"), advice alone as
// advice, unquoted.
func TryText(s string) string {
	say, advice := SayInstead(s)
	advice = strings.TrimRight(advice, ".: ")
	switch {
	case say == "" && advice == "":
		return ""
	case say == "":
		return advice + "."
	case advice == "":
		return fmt.Sprintf("Try: “%s”", say)
	}
	return fmt.Sprintf("%s. Try: “%s”", advice, say)
}
