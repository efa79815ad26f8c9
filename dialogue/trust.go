package dialogue

import (
	"fmt"
	"strings"
)

// Rapport you can see (issue 14): every move of trust on a turn is kept
// with its cause, in the trainer's words, so the trust meter after a reply
// can say why it moved ("+4: asked about his behaviour").

// TrustChange is one move of trust on a turn and what caused it.
type TrustChange struct {
	Delta int    `json:"delta"`
	Cause string `json:"cause"`
}

// noteTrust records a move of trust; a move the clamp swallowed is none.
func (t *Turn) noteTrust(delta int, cause string) {
	if delta != 0 {
		t.TrustChanges = append(t.TrustChanges, TrustChange{Delta: delta, Cause: cause})
	}
}

// findingCause names what a finding did, as the trainee did it.
func (sc *Scenario) findingCause(f Finding) string {
	them := "her"
	if sc.Role == Perpetrator {
		them = "him"
	}
	quoted := func(what string) string {
		if f.Words == "" {
			return what
		}
		return fmt.Sprintf("%s “%s”", what, f.Words)
	}
	switch f.Kind {
	case PerpetratorFocus:
		return "asked about his behaviour"
	case ActsOfProtection:
		return "asked about " + them + " protective efforts"
	case ChildImpact:
		return "asked about the impact on the children"
	case BarrierQuestion:
		return "asked what gets in the way"
	case ParentEngagement:
		return "engaged him as a father"
	case Accountability:
		return "held him to account for his choices"
	case SolutionFocused:
		return "asked what would help"
	case SurvivorBlame:
		return quoted("blamed " + them + ":")
	case FailureToProtect:
		return quoted("failure-to-protect framing:")
	case Mutualizing:
		return quoted("made his violence mutual:")
	case Collusion:
		return quoted("went along with his excuses:")
	case AssumptionAsFact:
		return quoted("stated an assumption as fact:")
	case Hostile:
		return quoted("shaming words:")
	}
	return strings.ToLower(kindName(f.Kind))
}

// replyCause names why the character's answer moved trust: what the
// trainee had raised, or the blame the character reacted to.
func (sc *Scenario) replyCause(t *Turn, delta int) string {
	if t.Reaction != "" {
		return fmt.Sprintf("%s reacted to %s", sc.Character, strings.ToLower(kindName(t.Reaction)))
	}
	id := t.Intent
	if t.FollowUp != "" {
		id = t.FollowUp
	}
	if j, ok := sc.index.byID[id]; ok && id != "" {
		in := sc.Intents[j]
		if in.Topic != "" {
			if delta > 0 {
				return fmt.Sprintf("%s opened up on “%s”", sc.Character, in.Topic)
			}
			return fmt.Sprintf("%s bristled at “%s”", sc.Character, in.Topic)
		}
		if delta > 0 {
			return fmt.Sprintf("%s took your %s well", sc.Character, strings.ReplaceAll(in.ID, "_", " "))
		}
		return fmt.Sprintf("%s took your %s badly", sc.Character, strings.ReplaceAll(in.ID, "_", " "))
	}
	if delta > 0 {
		return sc.Character + " warmed to you"
	}
	return sc.Character + " cooled"
}
