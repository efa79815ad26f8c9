package score

import "testing"

// Words a trainee reports, quotes or negates in order to set them aside are
// not the trainee's framing; the same words adopted, or negated only to
// blame in another way, still are.
func TestSetAside(t *testing.T) {
	for _, c := range []struct {
		role Role
		text string
		want Label
	}{
		// quoted from a record, then disowned
		{Survivor, "The referral says 'mum failed to protect'. I don't agree: you got the kids out the back door.", NonBlaming},
		{Survivor, "The police log calls it a 'domestic dispute'. I'd rather hear from you what he actually did.", NonBlaming},
		{Survivor, "His mum's version is 'a bit of a barney between the two of them'. I'd rather hear what he did that night.", NonBlaming},
		{Survivor, "The referral says you failed to protect them. I don't see it that way.", NonBlaming},
		{Survivor, "Everyone keeps asking you why you didn't leave. I want to ask something else: what did he do to stop you?", NonBlaming},
		// the trainee's own negation
		{Survivor, "I'm not asking why you didn't leave. I'm asking what he did that made it so hard.", NonBlaming},
		{Survivor, "Nothing you've told me suggests you caused this.", NonBlaming},
		{Survivor, "I'm not saying it was a domestic. I'm asking what he did to you that night.", NonBlaming},
		// adopted, or negated only to blame
		{Survivor, "The police said it was a domestic dispute. What was the row about?", Blaming},
		{Survivor, "Your mum says you keep letting him back. Why is that?", Blaming},
		{Survivor, "I don't think you should have stayed with him.", Blaming},
		{Survivor, "It's not safe for the kids while you keep letting him back in.", Blaming},
		{Survivor, "I'm not judging you, but why didn't you leave?", Blaming},
		{Survivor, "Nothing about this is okay, and you need to stop letting him back.", Blaming},
		{Survivor, "Don't let him back in or the kids will be removed.", Blaming},
		{Perpetrator, "I know work's been hard, so nobody's saying this is all on you.", Blaming},
	} {
		if a := Default().Score(c.role, c.text); a.Label != c.want {
			t.Errorf("%s %q: %s %+v, want %s", c.role, c.text, a.Label, a.Findings, c.want)
		}
	}
}
