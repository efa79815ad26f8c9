package dialogue_test

import (
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

// Rewrites speak to the case: the role in front of the trainee, the
// case's names, and no question about leaving for a survivor who has
// separated.
func TestRewritesFitTheCase(t *testing.T) {
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	get := func(id string) *dialogue.Scenario {
		sc, err := lib.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	magda, tomasz, jennifer := get("magda"), get("tomasz"), get("jennifer")
	f := magda.CaseFacts()
	if f.Partner != "Tomasz" || !f.Separated || strings.Join(f.Children, ",") != "Zosia,Kuba" {
		t.Errorf("magda facts %+v", f)
	}
	if f := jennifer.CaseFacts(); f.Partner != "Brian" || f.Separated || len(f.Children) != 3 {
		t.Errorf("jennifer facts %+v", f)
	}
	for _, c := range []struct {
		sc   *dialogue.Scenario
		text string
		bad  []string
		want []string
	}{
		{magda, "Why haven't you left him?", []string{"leave", "leaving"}, []string{"separated"}},
		{magda, "Why do you keep going back to him?", []string{"might leave"}, nil},
		{tomasz, "You two need to stop fighting.", []string{"threw the plate", "on Friday", "When he", "what he did"}, []string{"you"}},
		{tomasz, "The domestic between you and Magda worries me.", []string{"on Friday", "he did to you"}, nil},
		{jennifer, "You two need to stop fighting.", []string{"threw the plate", "on Friday"}, []string{"Brian"}},
		{tomasz, "Are you an abuser, Tomasz?", nil, []string{"Zosia and Kuba"}},
	} {
		a := c.sc.ScoreReply(c.text)
		if !a.Coached() {
			t.Errorf("%s: %q not coached", c.sc.ID, c.text)
			continue
		}
		for _, fd := range a.CoachedFindings() {
			for _, b := range c.bad {
				if strings.Contains(fd.Rewrite, b) {
					t.Errorf("%s: %q: rewrite %q has %q", c.sc.ID, c.text, fd.Rewrite, b)
				}
			}
			for _, w := range c.want {
				if !strings.Contains(fd.Rewrite, w) {
					t.Errorf("%s: %q: rewrite %q lacks %q", c.sc.ID, c.text, fd.Rewrite, w)
				}
			}
		}
	}
}
