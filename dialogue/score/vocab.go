// Package score marks one trainee reply: blaming or not, which finding
// kinds, the interview phase it belongs to and its question type, each
// finding with a why and a non-blaming rewrite (docs/scoring.md).
//
// A Scorer is built from the rules (rules/*.yaml, compiled on first use)
// and an optional learned layer (rules/model.bin, loaded on first use);
// Default is the shipped one. Scoring is pure: no I/O, no clock, and a
// Scorer is safe for concurrent use. Package dialogue (the engine) is
// handed a Scorer; score knows nothing of scenarios beyond the plain
// CaseFacts a rewrite is fitted to.
package score

// Role is who the trainee is speaking to in an interview.
type Role string

const (
	Survivor    Role = "survivor"
	Perpetrator Role = "perpetrator"
)

// Valid reports whether r is one of the two interview roles.
func (r Role) Valid() bool { return r == Survivor || r == Perpetrator }

// Label is the headline mark on one trainee reply.
type Label string

const (
	Blaming    Label = "blaming"
	NonBlaming Label = "non_blaming"
)

// Phase is the SOP interview phase a trainee reply belongs to, by the move
// the trainee is making.
type Phase string

const (
	Engagement  Phase = "engagement"
	Worries     Phase = "worries"
	WorkingWell Phase = "working_well"
	NextSteps   Phase = "next_steps"
)

// Phases lists the phases in the order a good interview opens them.
var Phases = []Phase{Engagement, Worries, WorkingWell, NextSteps}

// Valid reports whether p is one of the four phases.
func (p Phase) Valid() bool {
	for _, q := range Phases {
		if p == q {
			return true
		}
	}
	return false
}

// QuestionType is the forensic-interview process measure: open questions
// invite a narrative, closed ones a yes/no or a single fact.
type QuestionType string

const (
	OpenQuestion   QuestionType = "open"
	ClosedQuestion QuestionType = "closed"
	NoQuestion     QuestionType = "none"
)

// FindingKind names one thing the scorer noticed, in the rubric's words.
type FindingKind string

// The rubric's finding kinds (practice-model.md). The first five are
// blaming; the next seven are credit; hostile costs rapport only.
const (
	SurvivorBlame    FindingKind = "survivor_blame"
	FailureToProtect FindingKind = "failure_to_protect"
	Mutualizing      FindingKind = "mutualizing"
	Collusion        FindingKind = "collusion"
	AssumptionAsFact FindingKind = "assumption_as_fact"
	PerpetratorFocus FindingKind = "perpetrator_focus"
	ActsOfProtection FindingKind = "acts_of_protection"
	ChildImpact      FindingKind = "child_impact"
	BarrierQuestion  FindingKind = "barrier_question"
	ParentEngagement FindingKind = "parent_engagement"
	Accountability   FindingKind = "accountability"
	SolutionFocused  FindingKind = "solution_focused"
	Hostile          FindingKind = "hostile"
)

// BlamingKinds are the finding kinds that make a reply blaming.
var BlamingKinds = []FindingKind{SurvivorBlame, FailureToProtect, Mutualizing, Collusion, AssumptionAsFact}

// PositiveKinds are the credit a non-blaming reply can earn.
var PositiveKinds = []FindingKind{PerpetratorFocus, ActsOfProtection, ChildImpact, BarrierQuestion, ParentEngagement, Accountability, SolutionFocused}

// Blaming reports whether a finding of this kind makes the reply blaming.
// Hostile (shaming the perpetrator) costs rapport but is not blaming.
func (k FindingKind) Blaming() bool {
	for _, b := range BlamingKinds {
		if k == b {
			return true
		}
	}
	return false
}

// Positive reports whether this kind is credit for a good move.
func (k FindingKind) Positive() bool {
	for _, b := range PositiveKinds {
		if k == b {
			return true
		}
	}
	return false
}

// Valid reports whether k is a kind the rubric knows.
func (k FindingKind) Valid() bool { return k.Blaming() || k.Positive() || k == Hostile }

// Finding is one explained observation about a trainee reply.
type Finding struct {
	Kind FindingKind `json:"kind"`
	// Span is the byte range [start, end) of the triggering words in the
	// reply as the trainee typed it (after cleaning).
	Span [2]int `json:"span"`
	// Words are the triggering words, quoted from the reply.
	Words string `json:"words"`
	// Why is one plain sentence on why this matters.
	Why string `json:"why"`
	// Rewrite is a non-blaming wording that keeps the trainee's intent;
	// empty for positive findings.
	Rewrite string `json:"rewrite,omitempty"`
	// Grave marks a line serious enough to end an interview on its own:
	// a threat of removal put on the survivor.
	Grave bool `json:"grave,omitempty"`
}

// Assessment is the scorer's verdict on one trainee reply.
type Assessment struct {
	Text     string       `json:"text"`
	Role     Role         `json:"role"`
	Label    Label        `json:"label"`
	Phase    Phase        `json:"phase"`
	Question QuestionType `json:"question"`
	Findings []Finding    `json:"findings"`
}

// Blaming reports whether the headline label is blaming.
func (a Assessment) Blaming() bool { return a.Label == Blaming }

// CoachedFindings returns the findings a trainee is coached on: the
// blaming ones, then shaming language (hostile), which is coached as its
// own line but never makes the reply blaming.
func (a Assessment) CoachedFindings() []Finding {
	out := a.BlamingFindings()
	for _, f := range a.Findings {
		if f.Kind == Hostile {
			out = append(out, f)
		}
	}
	return out
}

// Coached reports whether the reply gets inline coaching: it blamed, or
// it used shaming language.
func (a Assessment) Coached() bool { return a.Blaming() || a.Has(Hostile) }

// BlamingFindings returns the findings that made the reply blaming.
func (a Assessment) BlamingFindings() []Finding {
	var out []Finding
	for _, f := range a.Findings {
		if f.Kind.Blaming() {
			out = append(out, f)
		}
	}
	return out
}

// Has reports whether the assessment carries a finding of kind k.
func (a Assessment) Has(k FindingKind) bool {
	for _, f := range a.Findings {
		if f.Kind == k {
			return true
		}
	}
	return false
}
