package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/pivotcoach/pivot/dialogue"
)

func init() {
	register(command{name: "score", summary: "score one trainee reply (or each line of stdin) for blaming language and phase", run: runScore})
}

func runScore(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	role := fs.String("role", "survivor", "who the reply is spoken to: survivor or perpetrator")
	asJSON := fs.Bool("json", false, "print one JSON object per reply")
	modelFile := fs.String("model", "", "score with this learned-layer file (from go run ./dialogue/score/internal/trainmodel -o FILE) instead of the built-in one")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: pivot score [--role survivor|perpetrator] [--json] [--model FILE] [TEXT]")
		fmt.Fprintln(env.stderr, "Scores TEXT, or each non-empty line of standard input.")
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	r := dialogue.Role(*role)
	if !r.Valid() {
		return usagef("--role must be survivor or perpetrator, not %q", *role)
	}
	scorer, err := scorerWithModel(*modelFile)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(env.stdout)
	defer out.Flush()
	emit := func(text string) error {
		a := scorer.Score(r, text)
		if *asJSON {
			return writeAssessmentJSON(out, a)
		}
		writeAssessment(out, a)
		return nil
	}
	if fs.NArg() > 0 {
		return emit(strings.Join(fs.Args(), " "))
	}
	if env.interactive {
		fmt.Fprintln(env.stderr, "Type a reply per line; end with Ctrl-D.")
	}
	sc := bufio.NewScanner(env.stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if n > 0 && !*asJSON {
			fmt.Fprintln(out)
		}
		n++
		if err := emit(line); err != nil {
			return err
		}
		if env.interactive {
			out.Flush()
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading standard input: %w", err)
	}
	if n == 0 {
		return usagef("no reply to score: give TEXT or lines on standard input")
	}
	return nil
}

// jsonAssessment fixes the field order and keeps "findings" an array.
type jsonAssessment struct {
	Text     string                `json:"text"`
	Role     dialogue.Role         `json:"role"`
	Label    dialogue.Label        `json:"label"`
	Phase    dialogue.Phase        `json:"phase"`
	Question dialogue.QuestionType `json:"question"`
	Findings []dialogue.Finding    `json:"findings"`
}

func toJSON(a dialogue.Assessment) jsonAssessment {
	fs := a.Findings
	if fs == nil {
		fs = []dialogue.Finding{}
	}
	return jsonAssessment{Text: a.Text, Role: a.Role, Label: a.Label, Phase: a.Phase, Question: a.Question, Findings: fs}
}

func writeAssessmentJSON(w io.Writer, a dialogue.Assessment) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(toJSON(a))
}

func writeAssessment(w io.Writer, a dialogue.Assessment) {
	label := "non-blaming"
	switch {
	case a.Blaming():
		label = "BLAMING"
	case a.Has(dialogue.Hostile):
		// shaming is coached on its own line, never counted as blaming
		label = "non-blaming, but SHAMING language (coached)"
	}
	fmt.Fprintf(w, "%q\n", a.Text)
	fmt.Fprintf(w, "  label:    %s\n", label)
	fmt.Fprintf(w, "  phase:    %s\n", a.Phase)
	fmt.Fprintf(w, "  question: %s\n", a.Question)
	if len(a.Findings) == 0 {
		fmt.Fprintln(w, "  findings: none")
		return
	}
	fmt.Fprintln(w, "  findings:")
	for _, f := range a.Findings {
		// Byte spans are for scripts (--json); a reader sees the words.
		fmt.Fprintf(w, "  - %s: %q\n", f.Kind, f.Words)
		fmt.Fprintf(w, "      why:     %s\n", f.Why)
		if f.Rewrite != "" {
			fmt.Fprintf(w, "      rewrite: %s\n", f.Rewrite)
		}
	}
}
