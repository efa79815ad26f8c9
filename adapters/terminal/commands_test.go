package terminal

import (
	"context"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/bot"
)

// In the terminal, /help lists only what works there; the chat commands
// and hint requests never reach Jennifer and are never scored; and no
// chat markup is printed.
func TestTerminalCommandsNeverReachTheCharacter(t *testing.T) {
	store := memStore(t)
	s, out := rig(t, store)
	in := strings.Join([]string{
		"/help", "help", "list", "/list", "start jennifer", "/start brian", "practice jennifer hard",
		"/join 12", "join 12", "group status", "/group start jennifer",
		"hint please", "hint", "Hint?", "/hint please", "can I have a hint?",
		"Start wherever you feel comfortable, Jennifer.",
		"What happens when Brian has been drinking?",
		"/end",
	}, "\n")
	if err := s.Run(context.Background(), strings.NewReader(in)); err != nil {
		t.Fatalf("Run: %v\n%s", err, out)
	}
	text := out.String()
	sess, err := store.Sessions(context.Background(), bot.SessionFilter{})
	if err != nil || len(sess) != 1 {
		t.Fatalf("sessions: %+v, %v", sess, err)
	}
	recs, err := store.Turns(context.Background(), sess[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, r := range recs {
		said = append(said, r.Turn.Text)
	}
	want := []string{"Start wherever you feel comfortable, Jennifer.", "What happens when Brian has been drinking?"}
	if strings.Join(said, "|") != strings.Join(want, "|") {
		t.Errorf("scored turns = %q; want only %q\n%s", said, want, text)
	}
	if n := strings.Count(text, "Hint ("); n != 5 {
		t.Errorf("%d hints given for 5 requests:\n%s", n, text)
	}
	if n := strings.Count(text, "Nothing was said to the character"); n != 9 {
		t.Errorf("%d notices for 9 chat commands:\n%s", n, text)
	}
	help := HelpText
	for _, cmd := range []string{"start", "list", "join", "group"} {
		if strings.Contains(strings.ToLower(help), "/"+cmd) || strings.Contains(strings.ToLower(help), "*"+cmd) {
			t.Errorf("terminal help lists %s", cmd)
		}
	}
	if !strings.Contains(text, "/coach off") || strings.Contains(text, "group start SCENARIO") {
		t.Errorf("help printed is not the terminal's:\n%s", text)
	}
	if strings.Contains(text, "*") {
		t.Errorf("chat markup in terminal output:\n%s", text)
	}
	if !strings.Contains(text, "Non-blaming replies: 2 of 2") {
		t.Errorf("debrief does not count just the two replies:\n%s", text)
	}
}

func TestClassifyKeepsSentencesForTheCharacter(t *testing.T) {
	for _, line := range []string{
		"Start wherever you like.", "List the people who help you.", "Join me in thinking about James.",
		"Group work with other mums, does that help?", "Help me understand what happens on Fridays.",
		"start from the beginning for me", "start?",
	} {
		if k, _ := classify(line); k != sayLine {
			t.Errorf("%q classified %v; want it said to the character", line, k)
		}
	}
	for line, want := range map[string]lineKind{
		"/help": helpLine, "help": helpLine, "/": helpLine, "list": unsupportedLine, "start jennifer gentle": unsupportedLine,
		"join": unsupportedLine, "/group anything at all": unsupportedLine, "/coach off": commandLine, "/pivot list": unsupportedLine,
	} {
		if k, _ := classify(line); k != want {
			t.Errorf("%q classified %v; want %v", line, k, want)
		}
	}
}
