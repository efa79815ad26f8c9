package scenarios

import (
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/dialogue"
)

// The library a trainer sees: several case studies, both roles, and for each
// of the scenarios below, intents that recognise the questions they were
// written for and interviews that reward good practice.

// safetyNets are intents that exist to catch blaming or shaming lines the
// scorer misses. When the scorer does catch one of their examples, the
// character answers the blame as a reaction instead: that counts as a match.
var safetyNets = map[string]bool{"takes_excuse": true, "shamed": true, "blamed": true}

var libraryScenarios = []string{"brian", "magda", "tomasz"}

func libGet(t *testing.T, id string) *dialogue.Scenario {
	t.Helper()
	lib, err := Embedded()
	if err != nil {
		t.Fatalf("loading embedded scenarios: %v", err)
	}
	sc, err := lib.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func libTranscript(sc *dialogue.Scenario, turns []dialogue.Turn) string {
	var b strings.Builder
	for _, t := range turns {
		b.WriteString("\n  worker: " + t.Text + "\n  " + sc.Character + ": " + t.Reply)
		b.WriteString("  [" + t.Intent + " " + string(t.Reaction) + " " + strings.Join(t.Disclosed, ",") + "]")
	}
	return b.String()
}

func TestLibraryHasBothRolesAndSeveralCaseStudies(t *testing.T) {
	lib, err := Embedded()
	if err != nil {
		t.Fatalf("loading embedded scenarios: %v", err)
	}
	entries := lib.Entries()
	if len(entries) < 4 {
		t.Fatalf("want at least four embedded scenarios, got %d: %v", len(entries), lib.IDs())
	}
	roles := map[dialogue.Role]int{}
	families := map[string]bool{}
	for _, e := range entries {
		roles[e.Scenario.Role]++
		if e.Scenario.Family != "" {
			families[e.Scenario.Family] = true
		}
	}
	if roles[dialogue.Survivor] == 0 || roles[dialogue.Perpetrator] == 0 {
		t.Errorf("want scenarios for both roles, got %v", roles)
	}
	if len(families) < 2 {
		t.Errorf("want at least two case studies (families), got %v", families)
	}
	for _, id := range libraryScenarios {
		sc := libGet(t, id)
		if n := len(sc.Intents); n < 14 {
			t.Errorf("%s has %d intents, want at least 14", id, n)
		}
		if n, k := len(sc.Disclosures), len(sc.KeyDisclosures()); n < 8 || k < 6 {
			t.Errorf("%s has %d disclosures (%d key), want at least 8 (6 key)", id, n, k)
		}
		phases := map[dialogue.Phase]bool{}
		for _, in := range sc.Intents {
			phases[in.Phase] = true
		}
		for _, p := range dialogue.Phases {
			if !phases[p] {
				t.Errorf("%s has no intent in phase %s", id, p)
			}
			if len(sc.Hints[p]) < 3 {
				t.Errorf("%s has %d hints for %s, want at least 3", id, len(sc.Hints[p]), p)
			}
		}
		if len(sc.Fallbacks) < 6 {
			t.Errorf("%s has %d fallbacks, want at least 6", id, len(sc.Fallbacks))
		}
	}
	// the second family is a pair: one scenario for each role
	if libGet(t, "magda").Family != libGet(t, "tomasz").Family {
		t.Errorf("magda and tomasz should share a family")
	}
}

// Every example a scenario gives for an intent is recognised as that intent
// from a fresh session, and no not_example is.
func TestExamplesMatchTheirIntents(t *testing.T) {
	for _, id := range libraryScenarios {
		sc := libGet(t, id)
		t.Run(id, func(t *testing.T) {
			for _, in := range sc.Intents {
				if len(in.Examples) < 3 || len(in.NotExamples) < 2 {
					t.Errorf("intent %s: %d examples and %d not_examples, want at least 3 and 2", in.ID, len(in.Examples), len(in.NotExamples))
				}
				for _, ex := range in.Examples {
					turn, _ := dialogue.Step(sc, dialogue.NewState(sc, 1), ex)
					if turn.Intent == in.ID || (safetyNets[in.ID] && turn.Reaction != "") {
						continue
					}
					t.Errorf("intent %s: example %q was recognised as %q (clarify %v, fallback %v, reaction %q)",
						in.ID, ex, turn.Intent, turn.Clarify, turn.Fallback, turn.Reaction)
				}
				for _, ex := range in.NotExamples {
					turn, _ := dialogue.Step(sc, dialogue.NewState(sc, 1), ex)
					if turn.Intent == in.ID {
						t.Errorf("intent %s: not_example %q matched it", in.ID, ex)
					}
				}
			}
		})
	}
}

var brianRespectful = []string{
	"Hi Brian, I'm Sam, I'm the social worker for the family. Thanks for seeing me after your shift.",
	"You matter to your boys, and I want to hear from you as their dad.",
	"What do you hope for Alan, Peter and James?",
	"Tell me about a time you were proud of how you were with the boys.",
	"How does the money work in your house?",
	"Can you tell me what happened the night the police came out?",
	"What did the boys see when you pushed Jennifer?",
	"What does a Friday night look like for you with the drink?",
	"James's disability benefit is paid into your bank account. What is it spent on?",
	"Are you worried the boys might be copying what they've seen at home?",
	"What was your own dad like when you were growing up?",
	"What will you do to make the boys safe at home?",
	"Would you hand James's DLA over to Jennifer?",
	"Thanks for talking to me, Brian. Can we meet again next week?",
}

var brianCollusive = []string{
	"Hi Brian, I'm Sam, I'm the social worker for the family. Thanks for seeing me after your shift.",
	"Sounds like she really pushed your buttons.",
	"Man to man, I know what she's like.",
	"The drink made you do it, it wasn't really you.",
	"Can you tell me what happened the night the police came out?",
	"What did the boys see when you pushed Jennifer?",
}

var brianAccountable = []string{
	"Hi Brian, I'm Sam, I'm the social worker for the family. Thanks for seeing me after your shift.",
	"You matter to your boys, and I want to hear from you as their dad.",
	"What did the boys see when you pushed Jennifer?",
	"Pushing Jennifer was your choice, and it hurt James.",
	"Can you tell me what happened the night the police came out?",
	"What did the boys see when you pushed Jennifer?",
}

func TestBrianRespectfulInterviewReachesKeyDisclosures(t *testing.T) {
	sc := libGet(t, "brian")
	turns, st := play(sc, 1, brianRespectful)
	got := sc.KeyReached(st)
	if len(got) < 6 {
		t.Errorf("a respectful interview with Brian reached %d key disclosures %v, want at least 6 of %d:%s",
			len(got), got, len(sc.KeyDisclosures()), libTranscript(sc, turns))
	}
	if st.Ended {
		t.Errorf("Brian ended a respectful interview:%s", libTranscript(sc, turns))
	}
}

// Collusion is seductive because it pleases him: his engagement rises,
// the coaching flags it, and he says nothing new about what he did. The
// accountable path is what reaches the boys' experience.
func TestBrianCollusionPleasesHimAndGetsNowhere(t *testing.T) {
	sc := libGet(t, "brian")
	cturns, coll := play(sc, 1, brianCollusive)
	aturns, acc := play(sc, 1, brianAccountable)
	if got := sc.KeyReached(coll); len(got) != 0 || len(coll.Disclosed) != 0 {
		t.Errorf("the collusive path disclosed %v; Brian should agree and say nothing new:%s", coll.Disclosed, libTranscript(sc, cturns))
	}
	if coll.Trust <= sc.Trust.Start {
		t.Errorf("collusion left engagement at %d; it should please him (start %d)", coll.Trust, sc.Trust.Start)
	}
	flagged := false
	for _, tr := range cturns {
		flagged = flagged || tr.Assessment.Has(dialogue.Collusion)
	}
	if !flagged {
		t.Errorf("no colluding line was coached as collusion:%s", libTranscript(sc, cturns))
	}
	if sc.Stage(coll) == dialogue.Owning {
		t.Errorf("collusion brought him to own it:%s", libTranscript(sc, cturns))
	}
	if !acc.HasDisclosed("boys_saw") {
		t.Errorf("the accountability path should reach what the boys saw:%s", libTranscript(sc, aturns))
	}
}

func TestBrianShamingCostsEngagement(t *testing.T) {
	sc := libGet(t, "brian")
	turns, st := play(sc, 1, []string{"You're a monster.", "Can you tell me about your drinking?"})
	if st.Trust >= sc.Trust.Start {
		t.Errorf("shaming left engagement at %d, want below %d:%s", st.Trust, sc.Trust.Start, libTranscript(sc, turns))
	}
	if st.HasDisclosed("drinking_pattern") {
		t.Errorf("Brian disclosed his drinking after being shamed:%s", libTranscript(sc, turns))
	}
}

var tomaszRespectful = []string{
	"Hello Tomasz, my name is Ruth, I'm the social worker for Zosia and Kuba. Thanks for coming in.",
	"You matter to Zosia and Kuba, and I want to hear from you as their dad.",
	"What do you hope for the children?",
	"What was different about the weekends that went well?",
	"Can you tell me what happened at the handover two Sundays ago?",
	"What did Kuba see when you grabbed Magda's wrist?",
	"How do you know where Magda is?",
	"What do you ask Zosia about her mum's life?",
	"Where are the children's passports?",
	"Are you paying maintenance at the moment?",
	"Can you tell me what happened at the handover two Sundays ago?",
	"How are the children when they're with you?",
	"What was your own dad like when you were growing up?",
	"What will you do so Zosia and Kuba feel safe at handovers?",
	"Thank you for talking to me, Tomasz. Can we meet again next week?",
}

var tomaszCollusive = []string{
	"Hello Tomasz, my name is Ruth, I'm the social worker for Zosia and Kuba. Thanks for coming in.",
	"Sounds like she's turning the children against you.",
	"It wasn't your fault, anyone would lose it.",
	"I know what she's like.",
	"How do you know where Magda is?",
	"What do you ask Zosia about her mum's life?",
}

var tomaszAccountable = []string{
	"Hello Tomasz, my name is Ruth, I'm the social worker for Zosia and Kuba. Thanks for coming in.",
	"You matter to Zosia and Kuba, and I want to hear from you as their dad.",
	"What did Kuba see when you grabbed Magda's wrist?",
	"Grabbing Magda's wrist was your choice, and it frightened Kuba.",
	"How do you know where Magda is?",
	"What do you ask Zosia about her mum's life?",
}

func TestTomaszRespectfulInterviewReachesKeyDisclosures(t *testing.T) {
	sc := libGet(t, "tomasz")
	turns, st := play(sc, 1, tomaszRespectful)
	got := sc.KeyReached(st)
	if len(got) < 6 {
		t.Errorf("a respectful interview with Tomasz reached %d key disclosures %v, want at least 6 of %d:%s",
			len(got), got, len(sc.KeyDisclosures()), libTranscript(sc, turns))
	}
	if st.Ended {
		t.Errorf("Tomasz ended a respectful interview:%s", libTranscript(sc, turns))
	}
}

func TestTomaszCollusionGetsNowhere(t *testing.T) {
	sc := libGet(t, "tomasz")
	cturns, coll := play(sc, 1, tomaszCollusive)
	aturns, acc := play(sc, 1, tomaszAccountable)
	if len(coll.Disclosed) != 0 {
		t.Errorf("the collusive path disclosed %v; Tomasz should agree and say nothing new:%s", coll.Disclosed, libTranscript(sc, cturns))
	}
	if coll.Trust >= acc.Trust {
		t.Errorf("collusion left engagement at %d, the accountability path at %d; want collusion lower:%s%s",
			coll.Trust, acc.Trust, libTranscript(sc, cturns), libTranscript(sc, aturns))
	}
	if len(sc.KeyReached(acc)) == 0 {
		t.Errorf("the accountability path should reach at least one key disclosure:%s", libTranscript(sc, aturns))
	}
}

var magdaRespectful = []string{
	"Hello Magda, my name is Ruth, I'm a social worker with West Lothian Council. I'm here because of the police form and a call from school.",
	"Before we start, is it safe to talk just now?",
	"Would you prefer an interpreter, or are you comfortable talking in English?",
	"I want to be honest about confidentiality: if I'm worried about the children's safety I have to share it.",
	"What have you done to keep Zosia and Kuba safe at handovers?",
	"Can you tell me what happened at the handover two Sundays ago?",
	"What does Zosia say when she comes back from her dad's?",
	"How does Tomasz know where you are?",
	"How are the children affected by what Tomasz does?",
	"Has Tomasz ever interfered with you getting help or going to court?",
	"How did money work when you were together?",
	"What would make handovers safer for you and the children?",
	"Thank you for talking to me, Magda. When would be a safe time for me to come back?",
}

var magdaBlaming = []string{
	"Hello Magda, my name is Ruth, I'm a social worker with West Lothian Council. I'm here because of the police form and a call from school.",
	"Why do you still let him have the children?",
	"You two need to stop fighting in front of the kids.",
	"Can you tell me what happened at the handover two Sundays ago?",
	"How are the children affected by what Tomasz does?",
}

var magdaPartnering = []string{
	"Hello Magda, my name is Ruth, I'm a social worker with West Lothian Council. I'm here because of the police form and a call from school.",
	"Before we start, is it safe to talk just now?",
	"It's clear you've tried to protect the children. What have you been doing?",
	"Can you tell me what happened at the handover two Sundays ago?",
	"How are the children affected by what Tomasz does?",
}

func TestMagdaRespectfulInterviewReachesKeyDisclosures(t *testing.T) {
	sc := libGet(t, "magda")
	turns, st := play(sc, 1, magdaRespectful)
	got := sc.KeyReached(st)
	if len(got) < 6 {
		t.Errorf("a respectful interview with Magda reached %d key disclosures %v, want at least 6 of %d:%s",
			len(got), got, len(sc.KeyDisclosures()), libTranscript(sc, turns))
	}
	if st.Ended {
		t.Errorf("Magda ended a respectful interview:%s", libTranscript(sc, turns))
	}
}

func TestMagdaBlamingClosesHerDown(t *testing.T) {
	sc := libGet(t, "magda")
	bturns, bl := play(sc, 1, magdaBlaming)
	pturns, pa := play(sc, 1, magdaPartnering)
	if len(bl.Disclosed) != 0 {
		t.Errorf("the blaming path disclosed %v; Magda should close up:%s", bl.Disclosed, libTranscript(sc, bturns))
	}
	if bl.Trust >= pa.Trust {
		t.Errorf("blaming left trust at %d, partnering at %d; want blaming lower:%s%s",
			bl.Trust, pa.Trust, libTranscript(sc, bturns), libTranscript(sc, pturns))
	}
	if !pa.HasDisclosed("protective_actions") || !pa.HasDisclosed("handover_incident") {
		t.Errorf("partnering should reach her protective actions and the handover:%s", libTranscript(sc, pturns))
	}
}
