package score

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

type kindCase struct {
	role Role
	text string
	want FindingKind // "" means: no blaming finding, label non_blaming
}

// Each kind has sentences that must trigger it and hard negatives that
// share its words but must not. None of these are dev-set lines.
var kindCases = map[string][]kindCase{
	"survivor_blame": {
		{Survivor, "Why haven't you gone to your sister's with the kids?", SurvivorBlame},
		{Survivor, "why didnt u tell the school", SurvivorBlame},
		{Survivor, "What did you do to make Marek so jealous?", SurvivorBlame},
		{Survivor, "Couldn't you have got the baby out of the room first?", SurvivorBlame},
		{Survivor, "You knew what Ian was like before you had Keira with him.", SurvivorBlame},
		{Survivor, "Why do you keep taking him back?", SurvivorBlame},
		{Survivor, "He's calmer when you don't question him about money.", SurvivorBlame},
		// hard negatives
		{Survivor, "Has Ian ever stopped you from leaving the flat?", ""},
		{Survivor, "Why do you think Ian drinks before he gets violent?", ""},
		{Survivor, "How much does Ian usually drink before he gets violent?", ""},
		{Survivor, "Why did you decide to go to the refuge? That took courage.", ""},
		{Survivor, "What have you done to keep Keira safe when he's been drinking?", ""},
		{Survivor, "What would help you choose what happens next?", ""},
	},
	"failure_to_protect": {
		{Survivor, "Keeping Keira safe is your responsibility now.", FailureToProtect},
		{Survivor, "You're putting Marek before your own daughter.", FailureToProtect},
		{Survivor, "You must get him out of the house this week.", FailureToProtect},
		{Survivor, "Unless you end it with him, we'll start care proceedings.", FailureToProtect},
		// hard negatives
		{Survivor, "Stopping his violence is not your responsibility.", ""},
		{Survivor, "You don't have to decide anything today.", ""},
		{Survivor, "What would you need so that Keira's routine stays the same if you move?", ""},
	},
	"mutualizing": {
		{Survivor, "How often do you and Marek argue in front of Keira?", Mutualizing},
		{Survivor, "I'm here about the domestic on Sunday.", Mutualizing},
		{Survivor, "It sounds like a very toxic relationship.", Mutualizing},
		{Survivor, "Both of you need to calm down for Keira's sake.", Mutualizing},
		{Perpetrator, "Your rows with Anya have to stop.", Mutualizing},
		{Perpetrator, "I'd like you and Anya to try some couples counselling.", Mutualizing},
		// hard negatives
		{Survivor, "Both of the girls were upstairs. What did they hear?", ""},
		{Survivor, "It sounds like you've been fighting for Keira every day.", ""},
		{Survivor, "This stays between you and me unless a child is at risk.", ""},
		{Survivor, "He has threatened you three nights in a row. What happened last night?", ""},
	},
	"collusion": {
		{Perpetrator, "She knows how to push your buttons, doesn't she?", Collusion},
		{Perpetrator, "The drink made you do it, really.", Collusion},
		{Perpetrator, "Anyone would snap after a week like that.", Collusion},
		{Perpetrator, "I can understand you losing it when she kept on about money.", Collusion},
		{Survivor, "He's under a lot of pressure at work, so it's no wonder he lashes out.", Collusion},
		// hard negatives
		{Perpetrator, "Drink might make it harder, but hitting Anya was your choice.", ""},
		{Perpetrator, "Whatever she said, what did you do next?", ""},
		{Perpetrator, "The drinking doesn't explain you taking her bank card.", ""},
	},
	"assumption_as_fact": {
		{Survivor, "You're in denial about how scared Keira is.", AssumptionAsFact},
		{Survivor, "I think you're minimising what he did.", AssumptionAsFact},
		{Survivor, "You're still covering for him.", AssumptionAsFact},
		// hard negatives
		{Survivor, "You don't have to tell me anything you're not ready to.", ""},
		{Survivor, "You're protecting Keira as best you can.", ""},
	},
}

func TestKinds(t *testing.T) {
	for name, cases := range kindCases {
		for _, c := range cases {
			a := Default().Score(c.role, c.text)
			if c.want == "" {
				if a.Blaming() {
					t.Errorf("%s negative (%s) %q: got blaming %+v", name, c.role, c.text, a.BlamingFindings())
				}
				continue
			}
			if !a.Blaming() || !a.Has(c.want) {
				t.Errorf("%s (%s) %q: want %s, got label %s findings %+v", name, c.role, c.text, c.want, a.Label, a.Findings)
			}
		}
	}
}

func TestCreditKinds(t *testing.T) {
	cases := []struct {
		role Role
		text string
		want FindingKind
	}{
		{Survivor, "I'm worried that Ian's threats are frightening Keira.", PerpetratorFocus},
		{Survivor, "What have you done to protect Keira when he starts drinking?", ActsOfProtection},
		{Survivor, "How was Keira affected when he smashed the door?", ChildImpact},
		{Survivor, "Has Ian ever stopped you taking Keira to the doctor?", BarrierQuestion},
		{Survivor, "On a scale of 0 to 10, how safe does the flat feel tonight?", SolutionFocused},
		{Perpetrator, "What kind of dad do you want Keira to remember?", ParentEngagement},
		{Perpetrator, "Where was Keira when you pushed Anya?", Accountability},
		{Perpetrator, "Why did you hit her?", Accountability},
	}
	for _, c := range cases {
		a := Default().Score(c.role, c.text)
		if a.Blaming() || !a.Has(c.want) {
			t.Errorf("(%s) %q: want non_blaming with %s, got %s %+v", c.role, c.text, c.want, a.Label, a.Findings)
		}
	}
}

func TestHostileIsNotBlaming(t *testing.T) {
	for _, s := range []string{"You're a monster.", "Abusers like you never change.", "Scum like you shouldn't see their kids."} {
		a := Default().Score(Perpetrator, s)
		if !a.Has(Hostile) || a.Blaming() {
			t.Errorf("%q: want hostile, non_blaming; got %s %+v", s, a.Label, a.Findings)
		}
	}
	// the same word to the survivor is not scored as hostility to him
	if a := Default().Score(Survivor, "He sounds like a monster when he drinks."); a.Has(Hostile) {
		t.Errorf("hostile scored in a survivor interview: %+v", a.Findings)
	}
}

func TestRoleAware(t *testing.T) {
	// accountability to him, not survivor blame
	if a := Default().Score(Perpetrator, "Why did you hit her?"); a.Blaming() {
		t.Errorf("perpetrator: 'why did you hit her' scored blaming: %+v", a.Findings)
	}
	// mutualizing applies to both
	for _, r := range []Role{Survivor, Perpetrator} {
		if a := Default().Score(r, "What were your fights with Anya about?"); !a.Has(Mutualizing) {
			t.Errorf("%s: want mutualizing, got %+v", r, a.Findings)
		}
	}
	// "why didn't you leave" blames her, but to him it is about his leaving
	if a := Default().Score(Survivor, "Why didn't you leave?"); !a.Has(SurvivorBlame) {
		t.Errorf("survivor: want survivor_blame, got %+v", a.Findings)
	}
	if a := Default().Score(Perpetrator, "Why didn't you leave the room when you felt angry?"); a.Has(SurvivorBlame) {
		t.Errorf("perpetrator: survivor_blame applied to him: %+v", a.Findings)
	}
}

func TestFindingsExplainThemselves(t *testing.T) {
	texts := []string{
		"Why didn't you call the police?  You two need to sort it out.",
		"It's great you went to DASAT, but you're in denial about the kids.",
		"Sounds like she wound you up.",
	}
	for _, s := range texts {
		for _, role := range []Role{Survivor, Perpetrator} {
			a := Default().Score(role, s)
			for _, f := range a.Findings {
				if f.Span[0] < 0 || f.Span[1] > len(a.Text) || f.Span[0] >= f.Span[1] {
					t.Fatalf("%q: bad span %v", s, f.Span)
				}
				if a.Text[f.Span[0]:f.Span[1]] != f.Words {
					t.Errorf("%q: words %q are not the text at %v (%q)", s, f.Words, f.Span, a.Text[f.Span[0]:f.Span[1]])
				}
				if f.Why == "" {
					t.Errorf("%q: %s finding without why", s, f.Kind)
				}
				if f.Kind.Blaming() && f.Rewrite == "" {
					t.Errorf("%q: blaming %s finding without rewrite", s, f.Kind)
				}
				if f.Kind.Positive() && f.Rewrite != "" {
					t.Errorf("%q: credit %s finding has a rewrite", s, f.Kind)
				}
			}
		}
	}
}

func TestPhase(t *testing.T) {
	cases := []struct {
		role Role
		text string
		want Phase
	}{
		{Survivor, "Hi Anya, I'm Lee from children's services. Is it safe to talk?", Engagement},
		{Survivor, "What happened after Ian came home on Friday?", Worries},
		{Survivor, "It's great that you got Keira to nursery every day, but you need to stop letting him in.", WorkingWell},
		{Survivor, "When are things a bit calmer at home?", WorkingWell},
		{Survivor, "How do you cope on the bad days?", WorkingWell},
		{Survivor, "On a scale of 0 to 10, how safe do you feel?", NextSteps},
		{Survivor, "Can we meet again on Monday?", NextSteps},
		{Perpetrator, "What are you going to do this week so Keira isn't scared?", NextSteps},
	}
	for _, c := range cases {
		if a := Default().Score(c.role, c.text); a.Phase != c.want {
			t.Errorf("(%s) %q: phase %s, want %s", c.role, c.text, a.Phase, c.want)
		}
	}
}

func TestQuestionType(t *testing.T) {
	cases := []struct {
		text string
		want QuestionType
	}{
		{"What happened next?", OpenQuestion},
		{"How did Keira react?", OpenQuestion},
		{"Tell me about Friday night.", OpenQuestion},
		{"Can you describe what he did?", OpenQuestion},
		{"Walk me through the evening.", OpenQuestion},
		{"Did he hit you?", ClosedQuestion},
		{"Is now okay?", ClosedQuestion},
		{"Were the kids upstairs or downstairs?", ClosedQuestion},
		{"Where was Keira?", ClosedQuestion},
		{"You called the police, didn't you?", ClosedQuestion},
		{"Anya, would you like an interpreter?", ClosedQuestion},
		{"has he ever threatened you", ClosedQuestion},
		{"what helps when he starts shouting", OpenQuestion},
		{"Thanks for coming in today.", NoQuestion},
		{"I'm worried about Keira.", NoQuestion},
	}
	for _, c := range cases {
		if a := Default().Score(Survivor, c.text); a.Question != c.want {
			t.Errorf("%q: question %s, want %s", c.text, a.Question, c.want)
		}
	}
}

func TestScoreEdgeCases(t *testing.T) {
	for _, s := range []string{"", "   ", "?", "!!!", "\x00\xff", strings.Repeat("why ", 2000), "é ü ñ 漢字 🙂"} {
		a := Default().Score(Survivor, s)
		if a.Findings == nil || !a.Phase.Valid() || (a.Label != Blaming && a.Label != NonBlaming) {
			t.Errorf("%q: bad assessment %+v", s, a)
		}
	}
	if a := Default().Score(Role("nobody"), "Why didn't you leave?"); a.Role != Survivor {
		t.Errorf("invalid role not defaulted to survivor: %s", a.Role)
	}
}

func TestScoreDeterministicAndConcurrent(t *testing.T) {
	// a long reply between short ones: each scan reuses pooled memory a
	// longer reply filled, and nothing of it may leak into the next
	texts := []string{"Why didn't you leave?", "What did the boys see when you hit her? Brian, you know you pushed her. I'm not blaming you, Sarah, but why do you keep letting him back in when the kids are scared and you promised social services you would protect them?", "You two need to stop fighting.", "Hi, is now a good time?"}
	want := make([]Assessment, len(texts))
	for i, s := range texts {
		want[i] = Default().Score(Survivor, s)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				for i, s := range texts {
					a := Default().Score(Survivor, s)
					if !reflect.DeepEqual(a, want[i]) {
						t.Errorf("%q: not deterministic: %+v, want %+v", s, a, want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestEmbeddedRulesLoad(t *testing.T) {
	rules, _ := Default().ready()
	if rules == nil || len(rules.rules) < 20 || len(rules.cues) == 0 {
		t.Fatalf("embedded rules look empty: %d rules", len(rules.rules))
	}
	kinds := map[FindingKind]bool{}
	for _, r := range rules.rules {
		kinds[r.kind] = true
	}
	for _, k := range append(append([]FindingKind{}, BlamingKinds...), append(PositiveKinds, Hostile)...) {
		if !kinds[k] {
			t.Errorf("no rule for kind %s", k)
		}
	}
}

func TestBadRulesFailLoudly(t *testing.T) {
	base := "concepts:\n  names: [ann]\n  not_names: [i]\n  neg: [not]\n"
	good := base + "rules:\n  - id: a\n    kind: mutualizing\n    roles: [survivor]\n    patterns: [\"(=you =two)\"]\n    why: W.\n    rewrite: R.\n"
	if _, err := loadRules(fstest.MapFS{"rules/a.yaml": {Data: []byte(good)}}); err != nil {
		t.Fatalf("good rules rejected: %v", err)
	}
	bad := map[string]string{
		"yaml syntax":      base + "rules: [\n",
		"unknown field":    base + "rules:\n  - id: a\n    kind: mutualizing\n    roles: [survivor]\n    patterns: [\"(=you =two)\"]\n    why: W.\n    rewrite: R.\n    colour: red\n",
		"unknown kind":     base + "rules:\n  - id: a\n    kind: rude\n    roles: [survivor]\n    patterns: [\"(=you =two)\"]\n    why: W.\n    rewrite: R.\n",
		"no rewrite":       base + "rules:\n  - id: a\n    kind: mutualizing\n    roles: [survivor]\n    patterns: [\"(=you =two)\"]\n    why: W.\n",
		"no why":           base + "rules:\n  - id: a\n    kind: mutualizing\n    roles: [survivor]\n    patterns: [\"(=you =two)\"]\n    rewrite: R.\n",
		"unknown concept":  base + "rules:\n  - id: a\n    kind: mutualizing\n    roles: [survivor]\n    patterns: [\"(~nothing =here)\"]\n    why: W.\n    rewrite: R.\n",
		"contraction":      base + "rules:\n  - id: a\n    kind: mutualizing\n    roles: [survivor]\n    patterns: [\"(=why =didn't =you)\"]\n    why: W.\n    rewrite: R.\n",
		"british spelling": base + "rules:\n  - id: a\n    kind: mutualizing\n    roles: [survivor]\n    patterns: [\"(=his =behaviour)\"]\n    why: W.\n    rewrite: R.\n",
		"bad role":         base + "rules:\n  - id: a\n    kind: mutualizing\n    roles: [judge]\n    patterns: [\"(=you =two)\"]\n    why: W.\n    rewrite: R.\n",
		"gap at end":       base + "rules:\n  - id: a\n    kind: mutualizing\n    roles: [survivor]\n    patterns: [\"(=you =two *)\"]\n    why: W.\n    rewrite: R.\n",
		"duplicate id":     base + "rules:\n  - id: a\n    kind: mutualizing\n    roles: [survivor]\n    patterns: [\"(=you =two)\"]\n    why: W.\n    rewrite: R.\n  - id: a\n    kind: mutualizing\n    roles: [survivor]\n    patterns: [\"(=you =both)\"]\n    why: W.\n    rewrite: R.\n",
		"credit rewrite":   base + "rules:\n  - id: a\n    kind: child_impact\n    roles: [survivor]\n    patterns: [\"(=the =kids)\"]\n    why: W.\n    rewrite: R.\n",
		"bad phase":        base + "phases:\n  - phase: lunch\n    weight: 1\n    patterns: [\"(=sandwich)\"]\n",
		"missing concepts": "rules: []\n",
		"no files":         "",
	}
	for name, data := range bad {
		fsys := fstest.MapFS{"rules/a.yaml": {Data: []byte(data)}}
		if name == "no files" {
			fsys = fstest.MapFS{"rules/readme.txt": {Data: []byte("x")}}
		}
		if _, err := loadRules(fsys); err == nil {
			t.Errorf("%s: bad rules file accepted", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

func BenchmarkScore(b *testing.B) {
	var texts []Labelled
	ex, err := readLabelledFile(devPath)
	if err != nil {
		b.Logf("dev set %s not available (%v); using %s", devPath, err, ownPath)
		ex, err = readLabelledFile(ownPath)
		if err != nil {
			b.Skipf("no labelled lines to benchmark with: %v", err)
		}
	}
	texts = ex
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ex := texts[i%len(texts)]
		Default().Score(ex.Role, ex.Text)
	}
}

// BenchmarkScorerFirstUse is what the first scored reply of a process
// pays: compiling the rules and loading the model (nothing is done at
// start-up).
func BenchmarkScorerFirstUse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := New().Ready(); err != nil {
			b.Fatal(err)
		}
	}
}
