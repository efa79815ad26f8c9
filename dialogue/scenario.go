package dialogue

import "github.com/pivotcoach/pivot/dialogue/score"

// FormatVersion is the scenario format this engine reads
// (docs/scenario-format.md).
const FormatVersion = 1

// Scenario is one scripted interview: a character the trainee speaks to,
// what that character knows and will disclose, and how they react.
// Everything is referenced by name (ids), never by position.
type Scenario struct {
	Format    int    `yaml:"format"`
	ID        string `yaml:"id"`
	Title     string `yaml:"title"`
	Character string `yaml:"character"`
	Role      Role   `yaml:"role"`
	Family    string `yaml:"family,omitempty"`
	// Facts are the case facts rewrites speak to (optional; read from the
	// family id and the brief when absent, see CaseFacts).
	Facts      *CaseFacts `yaml:"facts,omitempty"`
	Brief      string     `yaml:"brief"`
	Objectives []string   `yaml:"objectives"`
	Opening    string     `yaml:"opening"`

	Trust TrustModel `yaml:"trust"`

	// Concepts are named word sets, used in patterns as ~name.
	Concepts map[string][]string `yaml:"concepts"`

	Disclosures []Disclosure `yaml:"disclosures"`
	// Commitments are things the character can agree to do (a
	// perpetrator's next steps); replies make them with commits: and
	// can require or exclude them, so nothing agreed is contradicted.
	Commitments []Commitment `yaml:"commitments"`
	// Accountability, for a perpetrator, says on which intents he is held
	// to account and how many skilled turns move him from minimising to
	// partial acknowledgement to owning what he did.
	Accountability *AccountabilityPath `yaml:"accountability"`
	Intents        []Intent            `yaml:"intents"`

	// Reactions are in-character answers to a blaming or hostile reply,
	// keyed by finding kind. They take precedence over the matched intent:
	// a character who has just been blamed answers the blame.
	Reactions map[FindingKind][]Reply `yaml:"reactions"`
	// Fallbacks answer when no intent matches; filter them by band/phase.
	Fallbacks []Reply `yaml:"fallbacks"`
	// Clarify answers a near-tie between two intents; {a} and {b} are
	// replaced by the two intents' topics.
	Clarify []Reply `yaml:"clarify"`
	// Confirm asks about the character's best guess when the matcher is
	// not sure enough to answer ("The money, you mean?"); {topic} is
	// replaced by the guessed intent's topic. A yes answers it.
	Confirm []Reply `yaml:"confirm"`
	// Shutdown is said once when trust falls below Trust.EndBelow; the
	// interview is then over.
	Shutdown []Reply `yaml:"shutdown"`

	// Hints are questions worth asking next, by phase, for /hint.
	Hints map[Phase][]string `yaml:"hints"`

	// Components says which intents and disclosures evidence each Safe &
	// Together critical component (components.go), for the debrief's
	// components table.
	Components map[string]ComponentEvidence `yaml:"components,omitempty"`

	Tests []ScenarioTest `yaml:"tests"`

	// Source is where the scenario was loaded from (a file name), for
	// error messages; Pos holds the line of each named thing in it.
	Source string       `yaml:"-"`
	Pos    PositionMap  `yaml:"-"`
	index  *compiledIdx `yaml:"-"`
	// moves is the shared library the scenario was linked against.
	moves *Moves
	// training holds extra labelled wordings for the matcher.
	training []TrainingExample
	// scorer marks the trainee's replies (WithScorer); nil means
	// score.Default().
	scorer *score.Scorer
}

// Scorer is the scorer that marks replies in this scenario: the one given
// to LoadScenario (WithScorer), else the shipped score.Default().
func (sc *Scenario) Scorer() *score.Scorer {
	if sc.scorer != nil {
		return sc.scorer
	}
	return score.Default()
}

// TrustModel is the character's trust (or, for a perpetrator, engagement)
// in the worker: where it starts, its named bands, and how findings move it.
type TrustModel struct {
	Start int `yaml:"start"`
	Min   int `yaml:"min"`
	Max   int `yaml:"max"`
	// Bands name ranges of trust, lowest first, covering Min..Max.
	Bands []Band `yaml:"bands"`
	// EndBelow: when trust falls below this the character ends the
	// interview (0 means never).
	EndBelow int `yaml:"end_below"`
	// Effects move trust by finding kind; they add to DefaultEffects and
	// override it where both name a kind.
	Effects map[FindingKind]int `yaml:"effects"`
}

// Band is a named range of trust, inclusive at both ends.
type Band struct {
	Name string `yaml:"name"`
	From int    `yaml:"from"`
	To   int    `yaml:"to"`
}

// Disclosure is a fact the character can reveal. Key disclosures are the
// ones a good interview reaches; the debrief counts them.
type Disclosure struct {
	ID      string `yaml:"id"`
	Title   string `yaml:"title"`
	Key     bool   `yaml:"key"`
	Summary string `yaml:"summary,omitempty"`
}

// Commitment is something the character can agree to, once.
type Commitment struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
}

// AccountabilityPath is the perpetrator pattern: minimisation gives way to
// partial acknowledgement, then ownership, only as the trainee earns it
// with skilled turns on the incident. Shaming sets it back two turns;
// collusion, or letting him move off the topic, one.
type AccountabilityPath struct {
	// Topics are the intents that hold him to account (the incident,
	// what he did with his hands, his choices).
	Topics []string `yaml:"topics"`
	// PartialAfter and OwnAfter are how many skilled turns on the topics
	// reach each stage (at standard difficulty).
	PartialAfter int `yaml:"partial_after"`
	OwnAfter     int `yaml:"own_after"`
}

// Stage is where a perpetrator is on the way to owning his behaviour.
type Stage string

// The stages, in order.
const (
	Minimising Stage = "minimising"
	Partial    Stage = "partial"
	Owning     Stage = "owning"
)

// Intent is one thing a trainee may be asking or saying, recognised by its
// patterns, answered by its replies.
type Intent struct {
	ID string `yaml:"id"`
	// Move names a shared interview move (scenarios/shared/moves.yaml)
	// this intent answers; the intent inherits its topic, phase, patterns
	// and example wordings.
	Move string `yaml:"move,omitempty"`
	// Topic names the intent in a clarifying question ("the money").
	Topic       string   `yaml:"topic"`
	Phase       Phase    `yaml:"phase"`
	Patterns    []string `yaml:"patterns"`
	Examples    []string `yaml:"examples"`
	NotExamples []string `yaml:"not_examples"`
	Replies     []Reply  `yaml:"replies"`
}

// Reply is one line the character can say, with the conditions under which
// it can be said and what saying it changes.
type Reply struct {
	ID   string    `yaml:"id"`
	Text string    `yaml:"text"`
	When Condition `yaml:"when"`
	// Once replies are said at most once a session.
	Once bool `yaml:"once"`
	// Discloses names disclosures this reply reveals.
	Discloses []string `yaml:"discloses"`
	// Trust is added to trust after the reply (on top of finding effects).
	Trust int `yaml:"trust"`
	// Ends the interview after this reply.
	Ends bool `yaml:"ends"`
	// Commits makes these commitments (at most one new one a turn, and
	// not two turns running: commitments are earned one at a time).
	Commits []string `yaml:"commits"`
	// Again replies answer a question asked again ("Like I said…"); they
	// are said only once the intent has been answered this session, and
	// only when every other reply has been said.
	Again bool `yaml:"again"`
}

// Condition gates a reply. Every stated part must hold.
type Condition struct {
	// Bands: trust must be in one of these named bands.
	Bands []string `yaml:"bands"`
	// MinTrust and MaxTrust bound trust (inclusive); nil means no bound.
	MinTrust *int `yaml:"min_trust"`
	MaxTrust *int `yaml:"max_trust"`
	// Disclosed: these must already have been disclosed.
	Disclosed []string `yaml:"disclosed"`
	// NotDisclosed: these must not have been disclosed yet.
	NotDisclosed []string `yaml:"not_disclosed"`
	// Visited: the trainee must already have worked in these phases.
	Visited []Phase `yaml:"visited"`
	// Phases: the current reply's phase must be one of these.
	Phases []Phase `yaml:"phases"`
	// Committed and NotCommitted: these commitments have (not) been made.
	Committed    []string `yaml:"committed"`
	NotCommitted []string `yaml:"not_committed"`
	// Stage: the perpetrator is at one of these accountability stages.
	Stage []Stage `yaml:"stage"`
	// Grave, on a shutdown line: true says it only when a single grave
	// line (a threat of removal) ends the interview, false only when a
	// sustained pattern does.
	Grave *bool `yaml:"grave"`
}

// Specificity counts the stated parts of a condition: a reply that says
// more about when it fits is preferred over a general one. A list of bands
// counts once, however many it names: naming more bands makes a reply
// broader, not narrower (the engine then prefers the narrower band list).
func (c Condition) Specificity() int {
	n := len(c.Disclosed) + len(c.NotDisclosed) + len(c.Visited) + len(c.Phases) + len(c.Committed) + len(c.NotCommitted)
	if len(c.Stage) > 0 {
		n++
	}
	if c.Grave != nil {
		n++
	}
	if len(c.Bands) > 0 {
		n++
	}
	if c.MinTrust != nil {
		n++
	}
	if c.MaxTrust != nil {
		n++
	}
	return n
}

// ScenarioTest is a scripted transcript with what must hold after each turn.
type ScenarioTest struct {
	Name  string     `yaml:"name"`
	Seed  int64      `yaml:"seed"`
	Turns []TestTurn `yaml:"turns"`
}

// TestTurn is one trainee line and its expectations.
type TestTurn struct {
	Trainee string `yaml:"trainee"`
	Expect  Expect `yaml:"expect"`
}

// Expect lists what must hold after a test turn; unset parts are not checked.
type Expect struct {
	Intent       string        `yaml:"intent"`
	Reply        string        `yaml:"reply"`
	Fallback     *bool         `yaml:"fallback"`
	Label        Label         `yaml:"label"`
	Findings     []FindingKind `yaml:"findings"`
	Phase        Phase         `yaml:"phase"`
	TrustMin     *int          `yaml:"trust_min"`
	TrustMax     *int          `yaml:"trust_max"`
	TrustDown    bool          `yaml:"trust_down"`
	TrustUp      bool          `yaml:"trust_up"`
	Disclosed    []string      `yaml:"disclosed"`
	NotDisclosed []string      `yaml:"not_disclosed"`
	Ended        *bool         `yaml:"ended"`
}

// Position is a place in a scenario file, 1-based.
type Position struct {
	Line   int
	Column int
}

// PositionMap maps a path such as "intents.ask_money.replies.money_open"
// or "disclosures.money_control" to where it is written.
type PositionMap map[string]Position

// At returns the position of path, or of the file's start if unknown.
func (p PositionMap) At(path string) Position {
	if pos, ok := p[path]; ok {
		return pos
	}
	return Position{Line: 1, Column: 1}
}

// Intent returns the intent with the given id.
func (s *Scenario) Intent(id string) (*Intent, bool) {
	for i := range s.Intents {
		if s.Intents[i].ID == id {
			return &s.Intents[i], true
		}
	}
	return nil, false
}

// Disclosure returns the disclosure with the given id.
func (s *Scenario) Disclosure(id string) (*Disclosure, bool) {
	for i := range s.Disclosures {
		if s.Disclosures[i].ID == id {
			return &s.Disclosures[i], true
		}
	}
	return nil, false
}

// KeyDisclosures returns the ids of the key disclosures, in file order.
func (s *Scenario) KeyDisclosures() []string {
	var out []string
	for _, d := range s.Disclosures {
		if d.Key {
			out = append(out, d.ID)
		}
	}
	return out
}

// KeyReached returns the key disclosures st has reached, in file order.
func (s *Scenario) KeyReached(st State) []string {
	var out []string
	for _, id := range s.KeyDisclosures() {
		if st.HasDisclosed(id) {
			out = append(out, id)
		}
	}
	return out
}

// BandOf names the trust band that trust falls in ("" if none).
func (s *Scenario) BandOf(trust int) string {
	for _, b := range s.Trust.Bands {
		if trust >= b.From && trust <= b.To {
			return b.Name
		}
	}
	return ""
}

// DefaultEffects is how much each finding kind moves trust unless a
// scenario says otherwise. Blame costs more than credit earns: a character
// remembers a judgemental remark longer than a kind one.
var DefaultEffects = map[FindingKind]int{
	SurvivorBlame:    -15,
	FailureToProtect: -15,
	Mutualizing:      -8,
	Collusion:        -6,
	AssumptionAsFact: -10,
	Hostile:          -12,
	PerpetratorFocus: 4,
	ActsOfProtection: 6,
	ChildImpact:      3,
	BarrierQuestion:  5,
	ParentEngagement: 6,
	Accountability:   3,
	SolutionFocused:  3,
}

// Effect returns the trust change for a finding kind in this scenario.
func (s *Scenario) Effect(k FindingKind) int {
	if v, ok := s.Trust.Effects[k]; ok {
		return v
	}
	return DefaultEffects[k]
}
