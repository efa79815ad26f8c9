package dialogue

// Score assesses one trainee reply spoken to someone in role. It is pure and
// safe for concurrent use.
//
// Placeholder until the rule-based scorer lands: it only cleans the text.
func Score(role Role, text string) Assessment {
	clean, _ := Clean(text)
	return Assessment{Text: clean, Role: role, Label: NonBlaming, Phase: Engagement, Question: NoQuestion}
}
