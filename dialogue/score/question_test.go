package score

import "testing"

// An open question can follow a clause: the first word alone does not
// decide it.
func TestQuestionTypeAfterALeadingClause(t *testing.T) {
	cases := map[string]QuestionType{
		"When Owen has been drinking, how do you keep Ivy out of harm's way?": OpenQuestion,
		"After he hit you, what happened?":                                    OpenQuestion,
		"Who was there, and what did the kids see?":                           OpenQuestion,
		"When is he back?":              ClosedQuestion,
		"Is he home right now?":         ClosedQuestion,
		"You called the police, right?": ClosedQuestion,
		"Thanks for seeing me today.":   NoQuestion,
	}
	for line, want := range cases {
		if got := Default().Score(Survivor, line).Question; got != want {
			t.Errorf("%q: question %s, want %s", line, got, want)
		}
	}
}
