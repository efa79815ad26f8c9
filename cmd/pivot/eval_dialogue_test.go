package main

import (
	"context"
	"strings"
	"testing"
)

// pivot eval --dialogue plays a script through the real scenarios and
// reports how often the character answered what was asked; a label the
// scenario does not have is an error naming the line.
func TestEvalDialogueReportsAndRejectsUnknownLabels(t *testing.T) {
	script := `{"scenario":"jennifer","voice":"plain","say":"Is it safe to talk just now?","expect":"safe_to_talk"}
{"scenario":"jennifer","voice":"plain","say":"How does money work in your house?","expect":"ask_money"}
`
	env, out, errb := testEnv(t, script)
	if code := runMain(context.Background(), env, []string{"eval", "--dialogue", "-"}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errb)
	}
	if !strings.Contains(out.String(), "jennifer               2   100.0%") {
		t.Errorf("want both lines answered:\n%s", out)
	}
	env, out, errb = testEnv(t, `{"scenario":"jennifer","say":"Hello","expect":"greeting"}
{"scenario":"jennifer","say":"Who pays?","expect":"ask_monie"}
`)
	if code := runMain(context.Background(), env, []string{"eval", "--dialogue", "-"}); code == 0 {
		t.Fatalf("an unknown label should fail:\n%s", out)
	}
	if !strings.Contains(errb.String(), `line 2: "Who pays?" expects "ask_monie", which is neither an intent of jennifer nor a shared move it answers`) {
		t.Errorf("stderr should name the line and the label: %s", errb)
	}
}
