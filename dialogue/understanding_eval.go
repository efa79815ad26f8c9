package dialogue

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ScriptLine is one trainee line of a labelled interview script: what the
// trainee says, and which intent or shared move should answer it.
type ScriptLine struct {
	Script   string
	Scenario string
	Voice    string
	Say      string
	// Expect names the intent or shared move that should answer the
	// line; Also a second acceptable one (the other half of a two-part
	// question). An empty Expect plays the line without scoring it.
	Expect string
	Also   string
	// Line is where the line is in its file, for reports.
	Line int
}

// Outcome is how the character handled one scripted line.
type Outcome string

// Outcomes, best first.
const (
	Appropriate Outcome = "appropriate" // answered what was asked
	Clarified   Outcome = "clarified"   // asked about a guess or which was meant
	FellBack    Outcome = "fallback"    // did not understand
	Reacted     Outcome = "reaction"    // reacted to blame the line did not contain
	WrongTopic  Outcome = "wrong_topic" // answered a different question
	Unscored    Outcome = ""
)

// Understanding counts the outcomes over a set of scripted lines.
type Understanding struct {
	Lines       int `json:"lines"`
	Appropriate int `json:"appropriate"`
	Clarified   int `json:"clarified"`
	Fallbacks   int `json:"fallbacks"`
	Reactions   int `json:"reactions"`
	WrongTopic  int `json:"wrong_topic"`
	// Repeats counts replies said word for word earlier in the same
	// interview.
	Repeats int `json:"repeats"`
}

// Rate is the share of lines with the given count.
func (u Understanding) Rate(n int) float64 {
	if u.Lines == 0 {
		return 0
	}
	return float64(n) / float64(u.Lines)
}

func (u *Understanding) add(o Outcome, repeat bool) {
	if repeat {
		u.Repeats++
	}
	if o == Unscored {
		return
	}
	u.Lines++
	switch o {
	case Appropriate:
		u.Appropriate++
	case Clarified:
		u.Clarified++
	case FellBack:
		u.Fallbacks++
	case Reacted:
		u.Reactions++
	case WrongTopic:
		u.WrongTopic++
	}
}

// ScriptMiss is one line not answered appropriately.
type ScriptMiss struct {
	ScriptLine
	Outcome Outcome `json:"outcome"`
	Intent  string  `json:"intent"`
	Reply   string  `json:"reply"`
}

// UnderstandingReport is the result of playing labelled scripts.
type UnderstandingReport struct {
	Overall    Understanding            `json:"overall"`
	ByScenario map[string]Understanding `json:"by_scenario"`
	ByVoice    map[string]Understanding `json:"by_voice"`
	Misses     []ScriptMiss             `json:"misses"`
	// Unknown lists scenario ids the scripts name that were not given.
	Unknown []string `json:"unknown_scenarios,omitempty"`
}

// EvaluateUnderstanding plays each script through the engine from a new
// session (seed 1), line by line in order, and says for each labelled line
// whether the character answered what was asked. It is pure: the caller
// parses the files and supplies the scenarios.
func EvaluateUnderstanding(lines []ScriptLine, scenario func(id string) (*Scenario, bool)) UnderstandingReport {
	rep := UnderstandingReport{ByScenario: map[string]Understanding{}, ByVoice: map[string]Understanding{}, Misses: []ScriptMiss{}}
	type session struct {
		sc    *Scenario
		st    State
		said  map[string]bool
		known bool
	}
	sessions := map[string]*session{}
	unknown := map[string]bool{}
	for _, l := range lines {
		key := l.Scenario + "\x00" + l.Script
		s, ok := sessions[key]
		if !ok {
			sc, found := scenario(l.Scenario)
			s = &session{sc: sc, said: map[string]bool{}, known: found}
			if found {
				s.st = NewState(sc, 1)
			}
			sessions[key] = s
		}
		if !s.known {
			unknown[l.Scenario] = true
			continue
		}
		if s.st.Ended {
			// A fresh start, as the trainee would, so one ending does not
			// hide the rest of the script.
			s.st = NewState(s.sc, 1)
		}
		turn, next := Step(s.sc, s.st, l.Say)
		s.st = next
		repeat := s.said[turn.Reply] && !turn.Fallback && !turn.Confirm && !turn.Clarify
		s.said[turn.Reply] = true
		o := s.sc.outcome(l, turn)
		u := rep.ByScenario[l.Scenario]
		u.add(o, repeat)
		rep.ByScenario[l.Scenario] = u
		v := rep.ByVoice[l.Voice]
		v.add(o, repeat)
		rep.ByVoice[l.Voice] = v
		rep.Overall.add(o, repeat)
		if o != Appropriate && o != Unscored {
			rep.Misses = append(rep.Misses, ScriptMiss{ScriptLine: l, Outcome: o, Intent: turn.Intent, Reply: turn.Reply})
		}
	}
	for id := range unknown {
		rep.Unknown = append(rep.Unknown, id)
	}
	sort.Strings(rep.Unknown)
	return rep
}

// outcome judges one turn against its label.
func (sc *Scenario) outcome(l ScriptLine, t Turn) Outcome {
	if l.Expect == "" {
		return Unscored
	}
	want := []string{l.Expect}
	if l.Also != "" {
		want = append(want, l.Also)
	}
	switch {
	case t.Reaction != "":
		return Reacted
	case t.Confirm || t.Clarify:
		return Clarified
	case t.Fallback || t.Intent == "":
		return FellBack
	}
	if slices.Contains(want, t.Intent) {
		return Appropriate
	}
	if in, ok := sc.Intent(t.Intent); ok && in.Move != "" && slices.Contains(want, in.Move) {
		return Appropriate
	}
	return WrongTopic
}

// KnownLabels lists the ids a script line for this scenario may expect:
// its intents and the shared moves they answer.
func (sc *Scenario) KnownLabels() map[string]bool {
	out := map[string]bool{}
	for _, in := range sc.Intents {
		out[in.ID] = true
		if in.Move != "" {
			out[in.Move] = true
		}
	}
	return out
}

// ParseScripts reads labelled interview lines strictly: each names a known
// scenario, says something, and expects an intent or shared move that
// scenario has (or nothing, to play the line unscored). The first bad line
// fails the file, by line number.
func ParseScripts(data []byte, labels func(id string) (map[string]bool, bool)) ([]ScriptLine, error) {
	var out []ScriptLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var l struct {
			Script   string `json:"script"`
			Scenario string `json:"scenario"`
			Voice    string `json:"voice"`
			Turn     int    `json:"turn"`
			Say      string `json:"say"`
			Expect   string `json:"expect"`
			Also     string `json:"also"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		known, ok := labels(l.Scenario)
		switch {
		case !ok:
			return nil, fmt.Errorf("line %d: no scenario %q", n, l.Scenario)
		case strings.TrimSpace(l.Say) == "":
			return nil, fmt.Errorf("line %d: missing or empty \"say\"", n)
		case l.Expect != "" && !known[l.Expect]:
			return nil, fmt.Errorf("line %d: %q expects %q, which is neither an intent of %s nor a shared move it answers", n, l.Say, l.Expect, l.Scenario)
		case l.Also != "" && !known[l.Also]:
			return nil, fmt.Errorf("line %d: \"also\" is %q, which is neither an intent of %s nor a shared move it answers", n, l.Also, l.Scenario)
		}
		if l.Script == "" {
			l.Script = l.Scenario
		}
		out = append(out, ScriptLine{Script: l.Script, Scenario: l.Scenario, Voice: l.Voice, Say: l.Say, Expect: l.Expect, Also: l.Also, Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v", n+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no script lines")
	}
	return out, nil
}
