package bot

import (
	"context"
	"errors"
	"time"

	"github.com/pivotcoach/pivot/dialogue"
)

// ErrNotFound is returned by a Store when what was asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrStale is returned (wrapped) by a Store's writes when the session moved
// on since it was read: another process saved a turn, a hint or a setting,
// or ended it. Nothing was written; read the session again and redo the
// change on what is stored now.
var ErrStale = errors.New("the session changed since it was read")

// ErrSessionOpen is returned (wrapped) by CreateSession, and by
// UpdateSession reopening a session, when the conversation already has an
// open session: there is at most one.
var ErrSessionOpen = errors.New("conversation already has an open session")

// ErrDuplicateTurn is returned (wrapped, with ErrStale) by SaveTurn when
// the session already has a turn with that number: turns are never
// overwritten.
var ErrDuplicateTurn = errors.New("turn already saved")

// ConversationLocker is a store shared by several processes (PostgreSQL)
// that serialises work on one conversation or group across them: the bot
// takes the lock around reading a session, playing a turn and saving it,
// so a trainee's turns are processed one at a time, in the order they are
// taken, whichever process receives them. The lock is released by unlock,
// or by the database if the process dies. A store used by one process
// (SQLite) need not have it: the bot's own mutex serialises its work, and
// the compare-and-set writes keep a second process from overwriting.
type ConversationLocker interface {
	LockConversation(ctx context.Context, key string) (unlock func(), err error)
}

// SessionStatus is where a practice session is in its life.
type SessionStatus string

const (
	SessionOpen  SessionStatus = "open"
	SessionEnded SessionStatus = "ended"
)

// Session is one trainee's interview with one scenario.
type Session struct {
	ID         int64
	Conv       Conversation
	ScenarioID string
	State      dialogue.State
	// Coach: inline feedback after blaming replies.
	Coach     bool
	Status    SessionStatus
	StartedAt time.Time
	UpdatedAt time.Time
	EndedAt   time.Time
	// GroupID links the session to a group exercise (0: none).
	GroupID int64
	// Version counts the writes to the session; UpdateSession stores only
	// if it is still the stored one (compare-and-set), else ErrStale.
	Version int64
}

// TurnRecord is one stored turn of a session.
type TurnRecord struct {
	SessionID int64
	Turn      dialogue.Turn
	At        time.Time
	// UndoneAt is when the turn was taken back (UndoneTurns only).
	UndoneAt time.Time
}

// UndoStore is a store that can take back a session's last turn (the
// trainee's undo). An undone turn is kept, marked undone, so the debrief
// can show what was tried; it never counts in figures or trends, and
// Turns and Sessions do not see it.
type UndoStore interface {
	// UndoTurn takes back turn s.State.Turn, the session's last kept
	// turn, in one transaction: the turn moves to the session's undone
	// turns and the session's state becomes before (at the turn before).
	// It is a compare-and-set on s.Version: the session must be open and
	// unchanged since it was read, else ErrStale; an unknown session is
	// ErrNotFound. On success s.State is before and s.Version the new one.
	UndoTurn(ctx context.Context, s *Session, before dialogue.State) error
	// UndoneTurns returns a session's undone turns in the order they
	// were taken back.
	UndoneTurns(ctx context.Context, sessionID int64) ([]TurnRecord, error)
}

// FullStore is a store with every optional interface the bot uses:
// groups, coaching settings, trainers, forgetting, retention and undo.
// bot/sqlite and bot/postgres are both one (bot/storetest holds them to
// it), and the commands ask for one.
type FullStore interface {
	Store
	GroupStore
	CoachingStore
	TrainerStore
	ForgetStore
	RetentionStore
	UndoStore
}

// SessionSummary is a session's headline figures, for history and reports.
type SessionSummary struct {
	Session
	Turns       int
	NonBlaming  int
	KeyReached  int
	KeyTotal    int
	PhasesSeen  []dialogue.Phase
	OpenShare   float64
	Disclosures []string
}

// SessionFilter selects sessions for history and reports; zero fields do
// not filter.
type SessionFilter struct {
	Platform string
	User     string
	Since    time.Time
	GroupID  int64
	Status   SessionStatus
	Limit    int
}

// Store keeps sessions and turns. The SQLite implementation is in
// bot/sqlite; every method is safe for concurrent use.
type Store interface {
	// CreateSession stores a new open session and sets its ID.
	CreateSession(ctx context.Context, s *Session) error
	// OpenSession returns the open session in a conversation, or ErrNotFound.
	OpenSession(ctx context.Context, c Conversation) (*Session, error)
	// LatestOpenSession returns the user's most recently updated open
	// session on a platform for a scenario ("" for any), or ErrNotFound.
	// The terminal uses it to offer resumption.
	LatestOpenSession(ctx context.Context, platform, user, scenarioID string) (*Session, error)
	// ListOpenSessions returns every open session on a platform, so an
	// adapter restarted mid-exercise resumes them.
	ListOpenSessions(ctx context.Context, platform string) ([]*Session, error)
	// SaveTurn commits one turn and the state after it in one transaction:
	// either both are stored or neither is. It stores only if the session
	// is open and its stored state is at the turn before t (compare-and-set
	// on the turn number), else ErrStale.
	SaveTurn(ctx context.Context, sessionID int64, t dialogue.Turn, st dialogue.State) error
	// UpdateSession stores a session's state, coach setting and status, if
	// s.Version is still the stored version (else ErrStale), and sets
	// s.Version to the new one.
	UpdateSession(ctx context.Context, s *Session) error
	// EndSession marks a session ended with its final state, if the stored
	// state is at the same turn as st (else ErrStale).
	EndSession(ctx context.Context, sessionID int64, st dialogue.State) error
	// Turns returns a session's turns in order.
	Turns(ctx context.Context, sessionID int64) ([]TurnRecord, error)
	// Sessions lists sessions matching f, newest first, with figures.
	Sessions(ctx context.Context, f SessionFilter) ([]SessionSummary, error)
	// FirstDelivery records a platform event id and reports whether this
	// is the first time it was seen (platforms re-deliver events).
	FirstDelivery(ctx context.Context, eventID string) (bool, error)
	Close() error
}
