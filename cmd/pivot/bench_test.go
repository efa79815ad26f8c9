package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A small bench runs end to end and reports every figure, with no errors
// and no reply delivered twice.
func TestBenchReportsFigures(t *testing.T) {
	env, out, errb := testEnv(t, "")
	db := filepath.Join(t.TempDir(), "bench.db")
	if code := runMain(context.Background(), env, []string{"bench", "--trainees", "8", "--turns", "4", "--micro", "50", "--db", db}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	s := out.String()
	for _, want := range []string{"turns/s", "32 in", "0 errors, 0 duplicate replies", "commit", "engine+bot", "µs per turn", "scoring", "peak heap", "per session", "database"} {
		if !strings.Contains(s, want) {
			t.Errorf("bench output lacks %q:\n%s", want, s)
		}
	}
}

func TestBenchRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"bench", "--trainees", "0"}, {"bench", "--blaming", "2"}, {"bench", "extra"}, {"bench", "--scenario", "nosuch", "--trainees", "1", "--turns", "1"}} {
		env, _, _ := testEnv(t, "")
		if code := runMain(context.Background(), env, args); code == 0 {
			t.Errorf("%v: exit 0, want an error", args)
		}
	}
}

// Unknown subcommands and flags: exit 2 with usage, never a crash.
func TestUnknownCommandAndFlags(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"'; DROP TABLE sessions; --"}, {"practice", "--frobnicate", "jennifer"}, {"bench", "--trainees", "many"}} {
		env, _, errb := testEnv(t, "")
		if code := runMain(context.Background(), env, args); code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage): %s", args, code, errb)
		}
	}
}

// Bad lines piped into a practice session: a 100 KB line, invalid UTF-8,
// control characters, blank lines and an unknown slash command. The
// session plays on and ends with a debrief.
func TestPracticeWithBadLines(t *testing.T) {
	stdin := strings.Join([]string{
		"Hi Jennifer, is it safe to talk just now?",
		strings.Repeat("How are the boys doing at school these days? ", 2300),
		"How are \xff\xfe the boys \xc3\x28 doing?",
		"\x1b[31mred\x1b[0m \x00 bell\x07",
		"", "   ",
		"/frobnicate",
		"What happens when Brian has been drinking?",
	}, "\n") + "\n"
	env, out, errb := testEnv(t, stdin)
	if code := runMain(context.Background(), env, []string{"practice", "--json", "jennifer"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 { // five turns (the escape-code line is one) and the debrief
		t.Fatalf("want 5 turns + debrief, got %d lines:\n%.2000s", len(lines), out)
	}
	for _, want := range []string{"longer than 4000 characters", `I don't know the command "frobnicate"`} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb)
		}
	}
	if strings.Contains(out.String(), "\x1b") || strings.Contains(out.String(), "\x00") {
		t.Errorf("control characters echoed to the terminal")
	}
}
