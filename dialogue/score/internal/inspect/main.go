// Command inspect prints, for every line of labelled JSONL files, what
// each layer of the scorer made of it: the rules' label, the booster's
// probability and the bar it had to reach (after the credit, engagement,
// shaming and set-aside gates), and the final label and phase, one JSON
// object a line. It is the raw material for choosing the booster's
// thresholds and veto from out-of-fold models (docs/scoring.md, "How the
// settings were chosen"):
//
//	go run ./internal/inspect [-model FILE] [-nophase] FILE.jsonl ...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/pivotcoach/pivot/dialogue/score"
)

// line is one labelled reply as each layer scored it.
type line struct {
	File      string            `json:"file"`
	Text      string            `json:"text"`
	Role      score.Role        `json:"role"`
	Want      score.Label       `json:"want"`
	Kind      score.FindingKind `json:"kind,omitempty"`
	WantPhase score.Phase       `json:"want_phase,omitempty"`
	Rules     score.Label       `json:"rules"`
	Credit    bool              `json:"credit"`
	Hostile   bool              `json:"hostile"`
	Prob      float64           `json:"prob"`
	// Bar is 2 where the booster may never add a finding.
	Bar      float64     `json:"bar"`
	Got      score.Label `json:"got"`
	GotPhase score.Phase `json:"got_phase"`
	// RulesPhase, Margin and HeadPhase: the rules' phase, their winning
	// vote's lead, and the phase head's pick (used when Margin is small);
	// PhaseByLayer: the pick is the phase layer's, the linear head being
	// unsure
	RulesPhase   score.Phase `json:"rules_phase"`
	Margin       int         `json:"margin"`
	HeadPhase    score.Phase `json:"head_phase"`
	PhaseByLayer bool        `json:"phase_by_layer,omitempty"`
}

func main() {
	modelPath := flag.String("model", "", "score with this learned-layer file instead of the built-in one")
	noPhase := flag.Bool("nophase", false, "accept lines without a phase")
	flag.Parse()
	if err := run(*modelPath, *noPhase, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "inspect:", err)
		os.Exit(1)
	}
}

func run(modelPath string, noPhase bool, files []string) error {
	var opts []score.Option
	if modelPath != "" {
		data, err := os.ReadFile(modelPath)
		if err != nil {
			return err
		}
		m, err := score.ParseModel(data)
		if err != nil {
			return fmt.Errorf("%s: %w", modelPath, err)
		}
		opts = append(opts, score.WithModel(m))
	}
	s := score.New(opts...)
	out := json.NewEncoder(os.Stdout)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		examples, err := score.ParseLabelled(data, noPhase)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for _, e := range examples {
			in := s.Inspect(e.Role, e.Text)
			a := s.Score(e.Role, e.Text)
			l := line{File: f, Text: e.Text, Role: e.Role, Want: e.Label, Kind: e.Kind, WantPhase: e.Phase,
				Rules: in.Rules.Label, Prob: in.Prob, Bar: in.Bar, Got: a.Label, GotPhase: a.Phase,
				RulesPhase: in.Rules.Phase, Margin: in.Margin, HeadPhase: in.Phase, PhaseByLayer: in.PhaseByLayer}
			if math.IsInf(l.Bar, 1) {
				l.Bar = 2
			}
			for _, f := range in.Rules.Findings {
				l.Credit = l.Credit || f.Kind.Positive()
				l.Hostile = l.Hostile || f.Kind == score.Hostile
			}
			if err := out.Encode(l); err != nil {
				return err
			}
		}
	}
	return nil
}
