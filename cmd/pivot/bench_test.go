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
	for _, want := range []string{"turns/s", "32 in", "0 errors, 0 duplicate replies", "commit", "engine+bot", "scoring", "peak heap", "per session", "database"} {
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
