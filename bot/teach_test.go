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
	if strings.Contains(text, "Still unknown: ") {
		t.Errorf("gaps are counted, not named:\n%s", text)
	}
}
