package dialogue

import "github.com/pivotcoach/pivot/dialogue/score"

// The scorer's vocabulary, under the names the engine, the bot and the
// adapters have always used: each is the score package's own type, so a
// score.Assessment is a dialogue.Assessment.

type (
	Role         = score.Role
	Label        = score.Label
	Phase        = score.Phase
	QuestionType = score.QuestionType
	FindingKind  = score.FindingKind
	Finding      = score.Finding
	Assessment   = score.Assessment
	CaseFacts    = score.CaseFacts
)

const (
	Survivor    = score.Survivor
	Perpetrator = score.Perpetrator

	Blaming    = score.Blaming
	NonBlaming = score.NonBlaming

	Engagement  = score.Engagement
	Worries     = score.Worries
	WorkingWell = score.WorkingWell
	NextSteps   = score.NextSteps

	OpenQuestion   = score.OpenQuestion
	ClosedQuestion = score.ClosedQuestion
	NoQuestion     = score.NoQuestion

	SurvivorBlame    = score.SurvivorBlame
	FailureToProtect = score.FailureToProtect
	Mutualizing      = score.Mutualizing
	Collusion        = score.Collusion
	AssumptionAsFact = score.AssumptionAsFact
	PerpetratorFocus = score.PerpetratorFocus
	ActsOfProtection = score.ActsOfProtection
	ChildImpact      = score.ChildImpact
	BarrierQuestion  = score.BarrierQuestion
	ParentEngagement = score.ParentEngagement
	Accountability   = score.Accountability
	SolutionFocused  = score.SolutionFocused
	Hostile          = score.Hostile
)

// Phases lists the phases in the order a good interview opens them.
var Phases = score.Phases

// BlamingKinds and PositiveKinds are score's lists of finding kinds.
var (
	BlamingKinds  = score.BlamingKinds
	PositiveKinds = score.PositiveKinds
)
