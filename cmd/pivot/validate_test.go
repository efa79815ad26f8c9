package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func validateEnv(vars map[string]string) (*environment, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	env := &environment{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return vars[k] }}
	return env, &out, &errb
}

var fixtures = filepath.Join("..", "..", "dialogue", "testdata", "scenarios")

// problemLine is the form every problem takes: file:line:col: CODE message.
var problemLine = regexp.MustCompile(`^[^:]+\.yaml:\d+:\d+: PV\d{3} \S`)

func TestValidateCleanFileExitsZero(t *testing.T) {
	env, out, errb := validateEnv(nil)
	code := runMain(context.Background(), env, []string{"validate", filepath.Join(fixtures, "clean.yaml")})
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errb)
	}
	if got := strings.TrimSpace(out.String()); got != "1 scenario, 0 problems" {
		t.Errorf("stdout = %q", got)
	}
}

func TestValidateWorkedExampleFolderIsClean(t *testing.T) {
	env, out, errb := validateEnv(nil)
	if code := runMain(context.Background(), env, []string{"validate", "--explore", "10", filepath.Join("..", "..", "scenarios", "examples")}); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errb)
	}
	if !strings.Contains(out.String(), "explore sarah: 10 walks") || !strings.HasSuffix(out.String(), "1 scenario, 0 problems\n") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestValidateFolderReportsEveryProblemAsFileLineColCode(t *testing.T) {
	env, out, errb := validateEnv(nil)
	code := runMain(context.Background(), env, []string{"validate", fixtures})
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errb)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for _, l := range lines {
		if !problemLine.MatchString(l) {
			t.Errorf("not file:line:col: CODE message: %q", l)
		}
	}
	for _, want := range []string{
		filepath.Join(fixtures, "typo_key.yaml") + ":38:1: PV102 ",
		filepath.Join(fixtures, "unknown_intent.yaml") + ":63:9: PV202 ",
		filepath.Join(fixtures, "unreachable.yaml") + ":18:5: PV402 ",
		filepath.Join(fixtures, "never_fires.yaml") + ":58:9: PV401 ",
	} {
		if !strings.Contains(out.String(), "\n"+want) && !strings.HasPrefix(out.String(), want) {
			t.Errorf("missing a line starting %q in:\n%s", want, out)
		}
	}
	// the same line is an example of two intents: one copy is reported
	if !regexp.MustCompile(regexp.QuoteMeta(filepath.Join(fixtures, "outranked.yaml")) + `:(34|50):9: PV502 `).MatchString(out.String()) {
		t.Errorf("the duplicated example in outranked.yaml is not reported:\n%s", out)
	}
	if !regexp.MustCompile(`pivot validate: \d+ scenarios, \d+ problems \(3 did not load\)`).MatchString(errb.String()) {
		t.Errorf("stderr should carry the summary: %q", errb)
	}
}

func TestValidateScenarioFolderFromEnvironmentAndDuplicateIDs(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(fixtures, "clean.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env, out, _ := validateEnv(map[string]string{"PIVOT_SCENARIOS": dir})
	code := runMain(context.Background(), env, []string{"validate"})
	if code == 0 {
		t.Fatalf("a duplicate id must fail:\n%s", out)
	}
	want := filepath.Join(dir, "b.yaml") + `:3:1: PV203 scenario id "clean" is also used by ` + filepath.Join(dir, "a.yaml")
	if !strings.Contains(out.String(), want) {
		t.Errorf("want %q in:\n%s", want, out)
	}
	// the embedded scenarios are checked too (whatever their state), and
	// every line is a problem
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !problemLine.MatchString(l) {
			t.Errorf("not file:line:col: CODE message: %q", l)
		}
	}
}

func TestValidateExploreReportsDeadEnds(t *testing.T) {
	env, out, _ := validateEnv(nil)
	code := runMain(context.Background(), env, []string{"validate", "--explore", "10", filepath.Join(fixtures, "dead_end.yaml")})
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	s := out.String()
	for _, want := range []string{":42:9: PV701 dead end in ", ":18:5: PV703 disclosure \"secret\" was not reached", "explore dead_end: 10 walks"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	// the same N gives the same report
	env2, out2, _ := validateEnv(nil)
	runMain(context.Background(), env2, []string{"validate", "--explore", "10", filepath.Join(fixtures, "dead_end.yaml")})
	if out2.String() != s {
		t.Errorf("explore is not deterministic:\n%s\n---\n%s", s, out2)
	}
}

func TestValidateUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"validate", "--explore", "-1"},
		{"validate", "--scenarios", "x", "some.yaml"},
		{"validate", "--nope"},
	} {
		env, _, errb := validateEnv(nil)
		if code := runMain(context.Background(), env, args); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errb)
		}
	}
	env, _, errb := validateEnv(nil)
	if code := runMain(context.Background(), env, []string{"validate", "no/such/file.yaml"}); code != 1 || !strings.Contains(errb.String(), "no/such/file.yaml") {
		t.Errorf("a missing path: exit %d, %s", code, errb)
	}
}
