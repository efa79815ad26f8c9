package dialogue

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a scenario file, with a stable code a
// trainer can look up in docs/validation-codes.md.
type Problem struct {
	Source string
	Pos    Position
	Code   string
	Msg    string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s %s", p.Source, p.Pos.Line, p.Pos.Column, p.Code, p.Msg)
}

// ScenarioError holds every problem found while loading a scenario, so a
// trainer fixes them in one pass rather than one per run.
type ScenarioError struct {
	Problems []Problem
}

func (e *ScenarioError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Problem codes found while loading. Validation adds more
// (docs/validation-codes.md lists them all, each with an example).
const (
	CodeSyntax       = "PV101" // not YAML
	CodeUnknownKey   = "PV102" // a key the format does not have
	CodeWrongType    = "PV103" // a value of the wrong kind
	CodeMissing      = "PV104" // a required field is missing
	CodeFormat       = "PV105" // unsupported format version
	CodeBadValue     = "PV106" // a value out of its allowed set or range
	CodeDuplicateID  = "PV201" // two things share an id
	CodeUnknownRef   = "PV202" // a reference to something not declared
	CodeBadPattern   = "PV301" // a pattern that does not parse
	CodeBandsInvalid = "PV107" // trust bands leave gaps or overlap
	CodeTooLarge     = "PV108" // the file is larger than MaxScenarioBytes
	CodeControlChar  = "PV109" // text a trainee will read holds control or bidi characters
)

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// LoadScenario decodes and checks one scenario file. Decoding is strict:
// an unknown key is an error, because a typo'd key would otherwise be
// silently ignored and a reply would never fire. source names the file in
// error messages.
func LoadScenario(data []byte, source string, opts ...LoadOption) (*Scenario, error) {
	var cfg loadConfig
	for _, o := range opts {
		o(&cfg)
	}
	var sc Scenario
	var probs []Problem
	add := func(pos Position, code, format string, a ...any) {
		probs = append(probs, Problem{Source: source, Pos: pos, Code: code, Msg: fmt.Sprintf(format, a...)})
	}
	if len(data) > MaxScenarioBytes {
		add(Position{1, 1}, CodeTooLarge, "the file is %d KB; a scenario may be at most %d KB (split a very long one, or move bulk example wordings to training/ID.jsonl)", len(data)>>10, MaxScenarioBytes>>10)
		return nil, &ScenarioError{probs}
	}

	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		add(yamlErrPos(err.Error()), CodeSyntax, "%s", yamlErrMsg(err.Error()))
		return nil, &ScenarioError{probs}
	}
	if len(root.Content) == 0 {
		add(Position{1, 1}, CodeMissing, "the file is empty; a scenario starts with format: 1 and id:")
		return nil, &ScenarioError{probs}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, e := range te.Errors {
				code := CodeWrongType
				if strings.Contains(e, "not found in type") {
					code = CodeUnknownKey
				}
				add(yamlErrPos(e), code, "%s", friendlyYAML(e))
			}
		} else {
			add(yamlErrPos(err.Error()), CodeSyntax, "%s", yamlErrMsg(err.Error()))
		}
		return nil, &ScenarioError{probs}
	}
	sc.Source = source
	sc.scorer = cfg.scorer
	sc.Pos = positions(&root)
	probs = append(probs, linkMoves(&sc, cfg.moves)...)
	probs = append(probs, check(&sc)...)
	if len(probs) > 0 {
		sortProblems(probs)
		return nil, &ScenarioError{probs}
	}
	return &sc, nil
}

// MaxScenarioBytes bounds a scenario file: the largest built-in one is a
// few hundred KB, and loading is kept proportionate to what a trainer writes.
const MaxScenarioBytes = 2 << 20

func sortProblems(p []Problem) {
	sort.SliceStable(p, func(i, j int) bool {
		if p[i].Pos.Line != p[j].Pos.Line {
			return p[i].Pos.Line < p[j].Pos.Line
		}
		return p[i].Pos.Column < p[j].Pos.Column
	})
}

func yamlErrPos(msg string) Position {
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n")
	if m := yamlLine.FindStringSubmatch(strings.TrimSpace(msg)); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Position{Line: n, Column: 1}
	}
	return Position{Line: 1, Column: 1}
}

func yamlErrMsg(msg string) string {
	if m := yamlLine.FindStringSubmatch(strings.TrimSpace(msg)); m != nil {
		return m[2]
	}
	return strings.TrimPrefix(msg, "yaml: ")
}

var typeName = regexp.MustCompile(`in type dialogue\.(\w+)`)

// friendlyYAML rewrites yaml.v3's Go-flavoured messages in a trainer's
// words: "field colour not found in type dialogue.Reply" becomes
// "unknown key "colour" in a reply".
func friendlyYAML(e string) string {
	msg := yamlErrMsg(e)
	if strings.HasPrefix(msg, "field ") && strings.Contains(msg, " not found in type") {
		key := strings.TrimPrefix(msg[:strings.Index(msg, " not found")], "field ")
		where := "the scenario"
		if m := typeName.FindStringSubmatch(msg); m != nil {
			noun := strings.ToLower(m[1])
			where = "a " + noun
			if strings.ContainsAny(noun[:1], "aeiou") {
				where = "an " + noun
			}
		}
		return fmt.Sprintf("unknown key %q in %s (check the spelling against docs/scenario-format.md)", key, where)
	}
	return strings.ReplaceAll(msg, "dialogue.", "")
}

// positions records where each named thing is written, by walking the
// document once: "intents.<id>", "intents.<id>.replies.<id>",
// "disclosures.<id>", and "<key>" for top-level keys.
func positions(root *yaml.Node) PositionMap {
	pm := PositionMap{}
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return pm
	}
	at := func(n *yaml.Node) Position { return Position{Line: n.Line, Column: n.Column} }
	idOf := func(n *yaml.Node) (string, *yaml.Node) {
		if n.Kind != yaml.MappingNode {
			return "", nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "id" {
				return n.Content[i+1].Value, n.Content[i+1]
			}
		}
		return "", nil
	}
	field := func(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
		if n.Kind != yaml.MappingNode {
			return nil, nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i], n.Content[i+1]
			}
		}
		return nil, nil
	}
	//lint:ignore S1021 the closure calls itself, so it is declared first
	var replies func(prefix string, seqNode *yaml.Node)
	replies = func(prefix string, seqNode *yaml.Node) {
		if seqNode == nil || seqNode.Kind != yaml.SequenceNode {
			return
		}
		for i, r := range seqNode.Content {
			id, _ := idOf(r)
			key := prefix + "." + strconv.Itoa(i)
			pm[key] = at(r)
			if id != "" {
				pm[prefix+"."+id] = at(r)
			}
			recordFields(pm, key, r)
		}
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		pm[k.Value] = at(k)
		switch k.Value {
		case "intents", "disclosures":
			if v.Kind != yaml.SequenceNode {
				continue
			}
			for j, item := range v.Content {
				id, _ := idOf(item)
				key := k.Value + "." + strconv.Itoa(j)
				pm[key] = at(item)
				recordFields(pm, key, item)
				if id != "" {
					pm[k.Value+"."+id] = at(item)
					recordFields(pm, k.Value+"."+id, item)
				}
				if k.Value == "intents" {
					_, rs := field(item, "replies")
					replies(key+".replies", rs)
					if id != "" {
						replies(k.Value+"."+id+".replies", rs)
					}
					for _, list := range []string{"patterns", "examples", "not_examples"} {
						if _, ls := field(item, list); ls != nil && ls.Kind == yaml.SequenceNode {
							for n, e := range ls.Content {
								pm[key+"."+list+"."+strconv.Itoa(n)] = at(e)
							}
						}
					}
				}
			}
		case "fallbacks", "clarify", "shutdown":
			replies(k.Value, v)
		case "reactions", "concepts", "hints":
			if v.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(v.Content); j += 2 {
					pm[k.Value+"."+v.Content[j].Value] = at(v.Content[j])
					replies(k.Value+"."+v.Content[j].Value, v.Content[j+1])
				}
			}
		case "tests":
			if v.Kind == yaml.SequenceNode {
				for j, t := range v.Content {
					key := "tests." + strconv.Itoa(j)
					pm[key] = at(t)
					if _, turns := field(t, "turns"); turns != nil && turns.Kind == yaml.SequenceNode {
						for n, tt := range turns.Content {
							pm[key+".turns."+strconv.Itoa(n)] = at(tt)
						}
					}
				}
			}
		case "trust":
			recordFields(pm, "trust", v)
			if _, bands := field(v, "bands"); bands != nil && bands.Kind == yaml.SequenceNode {
				for j, b := range bands.Content {
					pm["trust.bands."+strconv.Itoa(j)] = at(b)
				}
			}
		}
	}
	return pm
}

// recordFields notes where each key of a mapping is, as prefix.key.
func recordFields(pm PositionMap, prefix string, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		pm[prefix+"."+n.Content[i].Value] = Position{Line: n.Content[i].Line, Column: n.Content[i].Column}
		if n.Content[i].Value == "when" {
			recordFields(pm, prefix+".when", n.Content[i+1])
		}
	}
}
