package bot_test

import (
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/bot"
)

// The debrief a trainee reads praises her own best lines, quoted with why
// they worked, and names what she did not hear with a question to ask.
func TestDebriefTextPraisesAndNamesGaps(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	lines := []string{
		"Hi Jennifer, I'm Sam from social work. I'm here because we got two police concern forms this week and I'd like to hear from you.",
		"Before we start, is it safe to talk just now? Is Brian due home?",
		"How are you doing with everything this week?",
		"What happens when Brian has been drinking?",
		"What have you done to keep the boys safe on those Friday nights?",
	}
	for _, l := range lines {
		h.say(th, l)
	}
	h.command(th, "end")
	d := h.chat.Of(bot.KindDebrief, "U1")
	if len(d) != 1 {
		t.Fatalf("want one debrief, got %d", len(d))
	}
	text := d[0].Text
	for _, want := range []string{
		"What worked:",
		"“What have you done to keep the boys safe on those Friday nights?”",
		"Acts of protection: Recognises what she does to protect the children",
		"Jennifer then told you: Jennifer's protective actions",
		"Still unknown",
		"• Brian controls the money",
		"A question that opens it: “",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("debrief lacks %q:\n%s", want, text)
		}
	}
	comp, worked := strings.Index(text, "Safe & Together critical components:"), strings.Index(text, "What worked:")
	if comp < 0 || comp > worked || strings.Contains(text, "Blaming replies") && comp > strings.Index(text, "Blaming replies") {
		t.Errorf("the debrief does not lead with the components table:\n%s", text)
	}
	for _, want := range []string{"• Touched — The full spectrum of the non-offending parent's efforts: turn 5", "• Missed — The perpetrator's pattern of coercive control. A question that would have opened it: “"} {
		if !strings.Contains(text, want) {
			t.Errorf("debrief lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Still unknown: ") {
		t.Errorf("gaps are counted, not named:\n%s", text)
	}
}

// "hint please" and the like, alone in a session thread, give a hint and
// are never said to the character or scored; a sentence with "hint" in
// it is still said.
func TestHintRequestsAreNeverScored(t *testing.T) {
	h := newHarness(t, "")
	th := h.start("U1", "jennifer")
	for _, l := range []string{"hint please", "Hint?", "can I have a hint?", "give me a hint", "hint"} {
		h.say(th, l)
	}
	if n := len(h.chat.Of(bot.KindHint, "U1")); n != 5 {
		t.Errorf("%d hints for 5 requests", n)
	}
	h.say(th, "Did anyone drop a hint about the money?")
	h.command(th, "end")
	d := h.chat.Of(bot.KindDebrief, "U1")
	if len(d) != 1 || d[0].Debrief.Turns != 1 {
		t.Fatalf("debrief: %+v; want one scored turn", d)
	}
}
