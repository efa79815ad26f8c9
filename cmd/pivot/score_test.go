package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func scoreEnv(stdin string) (*environment, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	env := &environment{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" }}
	return env, &out, &errb
}

func TestScoreCommandText(t *testing.T) {
	env, out, errb := scoreEnv("")
	code := runMain(context.Background(), env, []string{"score", "Why haven't you left him?"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	got := out.String()
	for _, want := range []string{"BLAMING", "survivor_blame", "why:", "rewrite:", "phase:", "question: open"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "bytes") || strings.Contains(got, "span") {
		t.Errorf("byte spans are for --json only:\n%s", got)
	}
}

func TestScoreCommandJSONLines(t *testing.T) {
	env, out, errb := scoreEnv("Why did you hit her?\n\nWhat did the boys see when you pushed her?\n")
	if code := runMain(context.Background(), env, []string{"score", "--role", "perpetrator", "--json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %d:\n%s", len(lines), out)
	}
	for _, l := range lines {
		var a struct {
			Text     string `json:"text"`
			Role     string `json:"role"`
			Label    string `json:"label"`
			Phase    string `json:"phase"`
			Question string `json:"question"`
			Findings []struct {
				Kind  string `json:"kind"`
				Span  [2]int `json:"span"`
				Words string `json:"words"`
				Why   string `json:"why"`
			} `json:"findings"`
		}
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if a.Role != "perpetrator" || a.Label != "non_blaming" || a.Question != "open" || len(a.Findings) == 0 {
			t.Errorf("unexpected assessment: %+v", a)
		}
		for _, f := range a.Findings {
			if a.Text[f.Span[0]:f.Span[1]] != f.Words || f.Why == "" {
				t.Errorf("finding does not explain itself: %+v", f)
			}
		}
	}
	if !strings.Contains(out.String(), `"findings":[`) {
		t.Errorf("findings must always be an array")
	}
}

func TestScoreCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"score", "--role", "judge", "hello"},
		{"score", "--bogus"},
		{"score"}, // no text and empty stdin
	} {
		env, _, errb := scoreEnv("")
		if code := runMain(context.Background(), env, args); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errb)
		}
	}
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const evalSample = `{"text": "Why haven't you left him?", "role": "survivor", "label": "blaming", "phase": "worries"}
{"text": "Hi Anya, is it safe to talk?", "role": "survivor", "label": "non_blaming", "phase": "engagement"}

{"text": "What did Keira see when you pushed her mum?", "role": "perpetrator", "label": "non_blaming", "phase": "worries"}
{"text": "On a scale of 0 to 10, how safe do the kids feel?", "role": "survivor", "label": "non_blaming", "phase": "next_steps"}
{"text": "You're doing brilliantly with Keira.", "role": "survivor", "label": "blaming", "phase": "working_well"}
`

func TestEvalCommandJSON(t *testing.T) {
	p := writeFile(t, "sample.jsonl", evalSample)
	env, out, errb := scoreEnv("")
	if code := runMain(context.Background(), env, []string{"eval", "--json", p}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var rep struct {
		N       int `json:"n"`
		Blaming struct {
			Precision, Recall, F1, Kappa float64
		} `json:"blaming"`
		Phase struct {
			Accuracy float64                       `json:"accuracy"`
			MacroF1  float64                       `json:"macro_f1"`
			PerPhase map[string]map[string]float64 `json:"per_phase"`
		} `json:"phase"`
		Errors []map[string]any `json:"errors"`
	}
	dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if dec.More() {
		t.Errorf("more than one JSON object printed")
	}
	if rep.N != 5 {
		t.Errorf("n = %d, want 5", rep.N)
	}
	// 1 true positive, 1 false negative (the deliberately mislabelled line),
	// no false positives: P=1, R=0.5.
	if rep.Blaming.Precision != 1 || rep.Blaming.Recall != 0.5 {
		t.Errorf("blaming = %+v, want P=1 R=0.5", rep.Blaming)
	}
	if len(rep.Phase.PerPhase) != 4 {
		t.Errorf("per_phase has %d phases, want 4", len(rep.Phase.PerPhase))
	}
	if len(rep.Errors) != 1 {
		t.Fatalf("errors = %v, want the one mislabelled line", rep.Errors)
	}
	for _, k := range []string{"text", "want_label", "got_label", "want_phase", "got_phase", "findings"} {
		if _, ok := rep.Errors[0][k]; !ok {
			t.Errorf("error lacks %q: %v", k, rep.Errors[0])
		}
	}
}

func TestEvalCommandHuman(t *testing.T) {
	p := writeFile(t, "sample.jsonl", evalSample)
	env, out, errb := scoreEnv("")
	if code := runMain(context.Background(), env, []string{"eval", p}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for _, want := range []string{"precision", "recall", "kappa", "macro F1", "working_well", "Errors (1)", "line 6"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("human report lacks %q:\n%s", want, out)
		}
	}
}

// --summary prints the figures without the lines scored wrongly, so a
// blind set can be measured without reading its lines.
func TestEvalCommandSummary(t *testing.T) {
	p := writeFile(t, "sample.jsonl", evalSample)
	for _, args := range [][]string{{"eval", "--summary", p}, {"eval", "--summary", "--json", p}} {
		env, out, errb := scoreEnv("")
		if code := runMain(context.Background(), env, args); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb)
		}
		if !strings.Contains(out.String(), "precision") {
			t.Errorf("%v: no figures:\n%s", args, out)
		}
		for _, leak := range []string{"Errors", "errors", "line 6"} {
			if strings.Contains(out.String(), leak) {
				t.Errorf("%v: summary shows %q:\n%s", args, leak, out)
			}
		}
	}
}

func TestEvalCommandRejectsBadLines(t *testing.T) {
	cases := map[string]string{
		"not json":      "{\"text\": \"ok\", \"role\": \"survivor\", \"label\": \"blaming\", \"phase\": \"worries\"}\nnot json\n",
		"bad role":      `{"text": "x", "role": "judge", "label": "blaming", "phase": "worries"}` + "\n",
		"bad label":     `{"text": "x", "role": "survivor", "label": "bad", "phase": "worries"}` + "\n",
		"bad phase":     `{"text": "x", "role": "survivor", "label": "blaming", "phase": "lunch"}` + "\n",
		"empty text":    `{"text": "", "role": "survivor", "label": "blaming", "phase": "worries"}` + "\n",
		"unknown field": `{"text": "x", "role": "survivor", "label": "blaming", "phase": "worries", "colour": 1}` + "\n",
	}
	for name, data := range cases {
		p := writeFile(t, "bad.jsonl", data)
		env, out, errb := scoreEnv("")
		code := runMain(context.Background(), env, []string{"eval", "--json", p})
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", name, code)
		}
		if out.Len() != 0 {
			t.Errorf("%s: printed a report for a bad file: %s", name, out)
		}
		if !strings.Contains(errb.String(), "line ") {
			t.Errorf("%s: error does not name the line: %s", name, errb)
		}
	}
	if !strings.Contains(func() string {
		p := writeFile(t, "bad.jsonl", cases["not json"])
		env, _, errb := scoreEnv("")
		runMain(context.Background(), env, []string{"eval", p})
		return errb.String()
	}(), "line 2") {
		t.Errorf("malformed second line not reported as line 2")
	}
}

func TestEvalCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"eval"}, {"eval", "a.jsonl", "b.jsonl"}, {"eval", "--nope", "a.jsonl"}} {
		env, _, _ := scoreEnv("")
		if code := runMain(context.Background(), env, args); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	env, _, _ := scoreEnv("")
	if code := runMain(context.Background(), env, []string{"eval", filepath.Join(t.TempDir(), "missing.jsonl")}); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}

func TestEvalCommandDevFloors(t *testing.T) {
	const dev = "../../../shared/eval/dev.jsonl"
	if _, err := os.Stat(dev); err != nil {
		t.Skipf("%s absent; skipping", dev)
	}
	env, out, errb := scoreEnv("")
	if code := runMain(context.Background(), env, []string{"eval", "--json", dev}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var rep struct {
		Blaming struct{ F1, Kappa float64 } `json:"blaming"`
		Phase   struct {
			MacroF1 float64 `json:"macro_f1"`
		} `json:"phase"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Blaming.F1 < 0.95 || rep.Blaming.Kappa < 0.90 || rep.Phase.MacroF1 < 0.85 {
		t.Errorf("dev figures below target: %+v", rep)
	}
}

// pivot eval --model measures another learned layer without a rebuild:
// the shipped model.bin scores as the built-in scorer does, a model that
// calls everything blaming changes the verdicts, and a broken file is an
// error naming the file.
func TestEvalCommandModel(t *testing.T) {
	line := `{"text": "Tell me about your week.", "role": "survivor", "label": "non_blaming", "phase": "worries"}` + "\n"
	p := writeFile(t, "week.jsonl", line)
	run := func(args ...string) (int, string, string) {
		env, out, errb := scoreEnv("")
		code := runMain(context.Background(), env, append([]string{"eval", "--json"}, args...))
		return code, out.String(), errb.String()
	}
	code, builtIn, errs := run(p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, shipped, errs := run("--model", filepath.Join("..", "..", "dialogue", "score", "rules", "model.bin"), p)
	if code != 0 || shipped != builtIn {
		t.Errorf("the shipped model.bin by --model: exit %d %s\n%s\nbuilt in:\n%s", code, errs, shipped, builtIn)
	}
	// a learned layer whose bias alone says "blaming" on any reply about
	// someone
	always := writeFile(t, "always.json", `{"version": 2, "threshold": 0.6, "credit_threshold": 1, "engagement_threshold": 1, "phase_margin": -1, "weights": {"bias": 5, "u:week": 1}}`)
	code, out, errs := run("--model", always, p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `"got_label":"blaming"`) || !strings.Contains(out, "learned check") {
		t.Errorf("--model with an always-blaming layer:\n%s", out)
	}
	broken := writeFile(t, "broken.bin", "PVSM\x01\x00")
	if code, _, errs := run("--model", broken, p); code != 1 || !strings.Contains(errs, "broken.bin") {
		t.Errorf("broken model: exit %d, stderr %q", code, errs)
	}
}

// pivot score --model scores one reply with another learned layer, as
// eval --model does, and a file that is not a model is an error naming it
// with nothing printed as a score.
func TestScoreCommandModel(t *testing.T) {
	const reply = "Tell me about your week."
	run := func(args ...string) (int, string, string) {
		env, out, errb := scoreEnv("")
		code := runMain(context.Background(), env, append(append([]string{"score"}, args...), reply))
		return code, out.String(), errb.String()
	}
	if code, out, errs := run(); code != 0 || !strings.Contains(out, "label:    non-blaming") {
		t.Fatalf("built in: exit %d %s\n%s", code, errs, out)
	}
	always := writeFile(t, "always.json", `{"version": 2, "threshold": 0.6, "credit_threshold": 1, "engagement_threshold": 1, "phase_margin": -1, "weights": {"bias": 5, "u:week": 1}}`)
	if code, out, errs := run("--model", always); code != 0 || !strings.Contains(out, "BLAMING") || !strings.Contains(out, "learned check") {
		t.Errorf("--model with an always-blaming layer: exit %d %s\n%s", code, errs, out)
	}
	broken := writeFile(t, "broken.bin", "PVSM\x01\x00")
	if code, out, errs := run("--model", broken); code != 1 || !strings.Contains(errs, "broken.bin") || out != "" {
		t.Errorf("broken model: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// The scorer's model is no longer trained by the binary: pivot train
// without --matchers says where that moved.
func TestTrainCommandMatchersOnly(t *testing.T) {
	env, _, errb := scoreEnv("")
	if code := runMain(context.Background(), env, []string{"train"}); code != 2 || !strings.Contains(errb.String(), "go generate ./dialogue/score") {
		t.Errorf("pivot train: exit %d, stderr %q", code, errb)
	}
}
