package score

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// The examples of issue 13: each scores as the rubric says.
func TestIssue13Examples(t *testing.T) {
	for _, c := range []struct {
		role Role
		text string
		want Label
		kind FindingKind // a finding the reply must carry ("" none)
	}{
		{Survivor, "Could we put together a plan for if it kicks off again, who you'd call, where the boys would go?", NonBlaming, ""},
		{Survivor, "To be fair, you did change the time without asking him.", Blaming, ""},
		{Perpetrator, "Dads get a raw deal in the courts, I know.", Blaming, Collusion},
		{Perpetrator, "Grabbing someone's arm isn't really violence though, is it.", Blaming, Collusion},
		{Perpetrator, "I know in some cultures men are a bit more traditional about this kind of thing.", Blaming, Collusion},
		{Survivor, "did u evr think abt how ur choices efect the kids", Blaming, ""},
		{Perpetrator, "Are you an abuser, Brian?", NonBlaming, Hostile},
		{Perpetrator, "Men like you never change, do you.", NonBlaming, Hostile},
		{Perpetrator, "I'll be back in touch next week with the Caring Dads details, and we'll get another time in the diary.", NonBlaming, ""},
		{Survivor, "You've been going to DASAT, haven't you? How are you getting on with your worker there?", NonBlaming, ""},
		{Perpetrator, "James's disability money goes into your account, is that right? What's it used for?", NonBlaming, ""},
		{Perpetrator, "Could James's money go to Jennifer from now on?", NonBlaming, ""},
		{Perpetrator, "What happens if Jennifer goes out with her friends on a Saturday?", NonBlaming, ""},
		{Perpetrator, "How's contact working at the moment? Is there a court order, or is it just arranged between the two of you?", NonBlaming, ""},
	} {
		a := Default().Score(c.role, c.text)
		if a.Label != c.want || (c.kind != "" && !a.Has(c.kind)) {
			t.Errorf("%s %q: %s %+v, want %s with %q", c.role, c.text, a.Label, a.Findings, c.want, c.kind)
		}
	}
}

// Skilled lines from the fresh_* interview scripts (never trained on; the
// tune_* ones are training negatives) stay non-blaming: at most 5 of the
// 990 are flagged (4 today with the booster's hidden layer, 7 with
// round 13's logistic booster, 24 before issue 13).
func TestSkilledInterviewLinesNotBlamed(t *testing.T) {
	f, err := os.Open("testdata/skilled_fresh_interviews.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, flagged := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ex struct {
			Text string `json:"text"`
			Role Role   `json:"role"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			t.Fatal(err)
		}
		n++
		if a := Default().Score(ex.Role, ex.Text); a.Blaming() {
			flagged++
			t.Logf("flagged (%s): %q %+v", ex.Role, ex.Text, a.BlamingFindings())
		}
	}
	if n < 900 || flagged > 5 {
		t.Errorf("%d of %d skilled lines scored blaming (at most 5)", flagged, n)
	}
}
