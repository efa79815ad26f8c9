package bot

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Observer is told what the bot did, so an operator can watch a running
// service (bot/metrics turns it into Prometheus metrics). Nothing it is
// given names a trainee or carries what anyone wrote: only the platform,
// durations and fixed kinds. Its methods are called on the goroutine that
// handles the event, so they must be quick and safe for concurrent use.
type Observer interface {
	// TurnPlayed: a trainee's reply was committed and the character's
	// answer sent.
	TurnPlayed(t TurnTiming)
	// Failed: handling an event failed (the trainee has usually been told
	// something went wrong).
	Failed(platform string, kind FailureKind)
}

// PlatformObserver is what an adapter tells about its platform: rate
// limits, calls sent again, and its connection going up or down. Adapters
// take one in their Config; it is separate from Observer because the bot
// itself never sees these.
type PlatformObserver interface {
	// RateLimited: the platform answered a call with 429 Too Many Requests.
	RateLimited(platform string)
	// Retried: a call was sent again (after a 429), the same message.
	Retried(platform string)
	// Connected: the connection to the platform came up (true) or went
	// down (false).
	Connected(platform string, up bool)
}

// TurnTiming is one played turn's figures.
type TurnTiming struct {
	Platform string
	// Took: from the event reaching the bot (Handle) to the character's
	// answer handed to the adapter, including waiting for the
	// conversation's earlier events and the database.
	Took time.Duration
	// Scoring: the engine's step, which scores the reply (blaming or
	// not, its phase) and chooses the character's answer. It is pure
	// computation, without database or platform time.
	Scoring time.Duration
}

// FailureKind sorts failures into the few kinds an operator acts on
// differently.
type FailureKind string

const (
	// FailDatabase: a read or write of the store failed.
	FailDatabase FailureKind = "database"
	// FailStale: a write kept losing to another process writing the same
	// session (ErrStale after every retry).
	FailStale FailureKind = "stale"
	// FailTimeout: the work ran out of time or was cancelled.
	FailTimeout FailureKind = "timeout"
	// FailPlatform: a call to the chat platform failed (opening a thread,
	// or a send the bot returned to the adapter).
	FailPlatform FailureKind = "platform"
	// FailScenario: the session's scenario is no longer served.
	FailScenario FailureKind = "scenario"
)

// FailureKinds lists every kind, so a metric can show each at zero.
var FailureKinds = []FailureKind{FailDatabase, FailStale, FailTimeout, FailPlatform, FailScenario}

// WithObserver reports turns and failures to o.
func WithObserver(o Observer) Option { return func(b *Bot) { b.observer = o } }

// unobserved is the observer of a bot given none.
type unobserved struct{}

func (unobserved) TurnPlayed(TurnTiming)      {}
func (unobserved) Failed(string, FailureKind) {}

// failureKind sorts a failure the bot reported while doing something
// ("saving your reply"). Nearly every reported failure is a store call,
// so that is the default; the few that are not name what they were doing.
func failureKind(doing string, err error) FailureKind {
	if kind, ok := errorKind(err); ok {
		return kind
	}
	switch {
	case strings.Contains(doing, "thread"):
		return FailPlatform
	case strings.Contains(doing, "scenario"):
		return FailScenario
	}
	return FailDatabase
}

// unreportedKind sorts an error Handle returned without telling the user:
// recording the event's id, or else (in practice) a send to the platform.
func unreportedKind(err error) FailureKind {
	if kind, ok := errorKind(err); ok {
		return kind
	}
	if errors.As(err, new(storeFailure)) {
		return FailDatabase
	}
	return FailPlatform
}

// storeFailure marks an error from the store that Handle returns as it
// is, so it is counted as a database failure, not a platform one.
type storeFailure struct{ err error }

func (e storeFailure) Error() string { return e.err.Error() }
func (e storeFailure) Unwrap() error { return e.err }

func errorKind(err error) (FailureKind, bool) {
	switch {
	case errors.Is(err, ErrStale):
		return FailStale, true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return FailTimeout, true
	}
	return "", false
}
