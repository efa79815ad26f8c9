package pattern

import "testing"

func TestFromRuleSyntax(t *testing.T) {
	for _, c := range []struct{ old, want string }{
		{"you ..4 put|putting up+", "(=you *4 [=put =putting] up)"},
		{"^ i will|would not", "(^ =i [=will =would] =not)"},
		{"how come ~you ~aux? ~neg", "(=how =come ~you ~aux? ~neg)"},
		{"take+ ~kids ..2 into_care|away", "(take ~kids *2 [=away (=into =care)])"},
		{"what !~neg ..1 did|done", "(=what !~neg *1 [=did =done])"},
		{"tell+ @name argu*", "(tell @name argu*)"},
		{"nobody|no_one ~adv? forced", "([=nobody (=no =one)] ~adv? =forced)"},
	} {
		got, err := FromRuleSyntax(c.old)
		if err != nil || got != c.want {
			t.Errorf("FromRuleSyntax(%q) = %q, %v; want %q", c.old, got, err, c.want)
			continue
		}
		if _, err := Parse(got); err != nil {
			t.Errorf("%q converts to %q, which does not parse: %v", c.old, got, err)
		}
	}
	for _, c := range []struct{ old, want string }{
		{"leave+", "leave"}, {"did", "=did"}, {"no_one", "=no =one"}, {"@name", "@name"}, {"~kids", "~kids"}, {"argu*", "argu*"},
	} {
		if got, err := FromRuleMember(c.old); err != nil || got != c.want {
			t.Errorf("FromRuleMember(%q) = %q, %v; want %q", c.old, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "^", "a ..x b", "a || b"} {
		if got, err := FromRuleSyntax(bad); err == nil {
			t.Errorf("FromRuleSyntax(%q) = %q, want an error", bad, got)
		}
	}
}
