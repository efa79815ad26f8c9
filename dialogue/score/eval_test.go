package score

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// devPath is the shared development set, relative to this package.
const devPath = "../../../shared/eval/dev.jsonl"

// ownPath is the repo's own labelled lines.
const ownPath = "testdata/labelled.jsonl"

func readLabelled(t testing.TB, path string) []Labelled {
	t.Helper()
	ex, err := readLabelledFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			t.Skipf("%s is absent (the shared eval set lives beside the repo, in ../shared/eval); skipping", path)
		}
		t.Fatal(err)
	}
	return ex
}

// readLabelledFile reads a JSONL file of labelled replies strictly.
func readLabelledFile(path string) ([]Labelled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var ex Labelled
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		// negatives_*.jsonl lines carry no phase (training-only hard negatives)
		noPhase := strings.HasPrefix(filepath.Base(path), "negatives_") && ex.Phase == ""
		if !ex.Role.Valid() || (!ex.Phase.Valid() && !noPhase) || (ex.Label != Blaming && ex.Label != NonBlaming) || ex.Text == "" {
			return nil, fmt.Errorf("%s:%d: bad example %+v", path, line, ex)
		}
		ex.Line = line
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labelled lines", path)
	}
	return out, nil
}

// dumpErrors prints a report when PIVOT_EVAL_ERRORS is set, for tuning.
func dumpErrors(t *testing.T, name string, r Report) {
	if os.Getenv("PIVOT_EVAL_ERRORS") == "" {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: n=%d P=%.3f R=%.3f F1=%.3f kappa=%.3f phase acc=%.3f macroF1=%.3f\n", name, r.N,
		r.Blaming.Precision, r.Blaming.Recall, r.Blaming.F1, r.Blaming.Kappa, r.Phase.Accuracy, r.Phase.MacroF1)
	for _, p := range Phases {
		m := r.Phase.PerPhase[p]
		fmt.Fprintf(&b, "  %-13s P=%.3f R=%.3f F1=%.3f\n", p, m.Precision, m.Recall, m.F1)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "%d [%s] label %s/%s phase %s/%s %q\n", e.Line, e.Role, e.GotLabel, e.WantLabel, e.GotPhase, e.WantPhase, e.Text)
		for _, f := range e.Findings {
			fmt.Fprintf(&b, "     %s: %q\n", f.Kind, f.Words)
		}
	}
	t.Log("\n" + b.String())
}
