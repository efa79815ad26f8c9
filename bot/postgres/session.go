package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// ErrSessionOpen is returned (wrapped) by CreateSession when the
// conversation already has an open session: there is at most one.
var ErrSessionOpen = bot.ErrSessionOpen

// ErrDuplicateTurn is returned (wrapped) by SaveTurn when the session
// already has a turn with that number.
var ErrDuplicateTurn = bot.ErrDuplicateTurn

// sessionCols are the columns scanSession reads, in order.
const sessionCols = `id, platform, workspace, channel, thread, user_id, scenario_id, state,
	coach, status, COALESCE(group_id, 0), started_at, updated_at, ended_at, version`

// scanSession reads one row of sessionCols, plus any extra destinations.
func scanSession(row pgx.Row, extra ...any) (*bot.Session, error) {
	var (
		s       bot.Session
		state   []byte
		status  string
		started time.Time
		updated time.Time
		ended   *time.Time
	)
	dest := append([]any{&s.ID, &s.Conv.Platform, &s.Conv.Workspace, &s.Conv.Channel, &s.Conv.Thread,
		&s.Conv.User, &s.ScenarioID, &state, &s.Coach, &status, &s.GroupID, &started, &updated, &ended, &s.Version}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(state, &s.State); err != nil {
		return nil, fmt.Errorf("session %d: decoding state: %w", s.ID, err)
	}
	s.Status = bot.SessionStatus(status)
	s.StartedAt, s.UpdatedAt, s.EndedAt = started.UTC(), updated.UTC(), orZero(ended)
	return &s, nil
}

func orZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullTime stores a zero time as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = ms(t)
	return &t
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// CreateSession stores a new session and sets its ID and times. A zero
// StartedAt is set to now, a zero Status to open. A conversation has at
// most one open session: creating a second gives ErrSessionOpen.
func (db *DB) CreateSession(ctx context.Context, s *bot.Session) error {
	if s == nil {
		return errors.New("creating session: nil session")
	}
	now := db.now()
	started, status, ended := now, s.Status, time.Time{}
	if !s.StartedAt.IsZero() {
		started = ms(s.StartedAt)
	}
	if status == "" {
		status = bot.SessionOpen
	}
	if status == bot.SessionEnded {
		ended = now
		if !s.EndedAt.IsZero() {
			ended = ms(s.EndedAt)
		}
	}
	state, err := json.Marshal(s.State)
	if err != nil {
		return fmt.Errorf("creating session: encoding state: %w", err)
	}
	var group *int64
	if s.GroupID != 0 {
		group = &s.GroupID
	}
	var id int64
	err = db.pool.QueryRow(ctx, `INSERT INTO sessions
		(platform, workspace, channel, thread, user_id, conv_key, scenario_id, state, turn,
		 coach, status, group_id, started_at, updated_at, ended_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING id`,
		s.Conv.Platform, s.Conv.Workspace, s.Conv.Channel, s.Conv.Thread, s.Conv.User, s.Conv.Key(),
		s.ScenarioID, string(state), s.State.Turn, s.Coach, string(status), group,
		started, now, nullTime(ended)).Scan(&id)
	if isUnique(err) {
		return fmt.Errorf("creating session in %s: %w", s.Conv.Key(), ErrSessionOpen)
	}
	if err != nil {
		return fmt.Errorf("creating session in %s: %w", s.Conv.Key(), err)
	}
	s.ID, s.Status, s.StartedAt, s.UpdatedAt, s.EndedAt, s.Version = id, status, started, now, ended, 0
	return nil
}

// OpenSession returns the open session in conversation c, or an error
// wrapping bot.ErrNotFound.
func (db *DB) OpenSession(ctx context.Context, c bot.Conversation) (*bot.Session, error) {
	s, err := scanSession(db.pool.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions
		WHERE conv_key = $1 AND status = 'open'`, c.Key()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("open session in %s: %w", c.Key(), bot.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open session in %s: %w", c.Key(), err)
	}
	return s, nil
}

// LatestOpenSession returns the user's most recently updated open session
// on platform for scenarioID ("" for any), or an error wrapping
// bot.ErrNotFound.
func (db *DB) LatestOpenSession(ctx context.Context, platform, user, scenarioID string) (*bot.Session, error) {
	s, err := scanSession(db.pool.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions
		WHERE platform = $1 AND user_id = $2 AND status = 'open' AND ($3 = '' OR scenario_id = $3)
		ORDER BY updated_at DESC, id DESC LIMIT 1`, platform, user, scenarioID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("open session of %s on %s: %w", user, platform, bot.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open session of %s on %s: %w", user, platform, err)
	}
	return s, nil
}

// ListOpenSessions returns every open session on platform ("" for all
// platforms), oldest first.
func (db *DB) ListOpenSessions(ctx context.Context, platform string) ([]*bot.Session, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+sessionCols+` FROM sessions
		WHERE status = 'open' AND ($1 = '' OR platform = $1) ORDER BY id`, platform)
	if err != nil {
		return nil, fmt.Errorf("listing open sessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*bot.Session, error) { return scanSession(r) })
	if err != nil {
		return nil, fmt.Errorf("listing open sessions: %w", err)
	}
	return out, nil
}

// UpdateSession stores s's state, coach setting and status (an empty
// status keeps the stored one), if s.Version is still the stored version
// (else bot.ErrStale), and sets s.UpdatedAt, s.EndedAt and s.Version.
func (db *DB) UpdateSession(ctx context.Context, s *bot.Session) error {
	state, err := json.Marshal(s.State)
	if err != nil {
		return fmt.Errorf("updating session %d: encoding state: %w", s.ID, err)
	}
	now := db.now()
	var (
		status  string
		ended   *time.Time
		version int64
	)
	err = db.pool.QueryRow(ctx, `UPDATE sessions SET
			state = $1, turn = $2, coach = $3, updated_at = $4, version = version + 1,
			status = COALESCE(NULLIF($5, ''), status),
			ended_at = CASE COALESCE(NULLIF($5, ''), status)
				WHEN 'ended' THEN COALESCE(ended_at, $4) ELSE NULL END
		WHERE id = $6 AND version = $7
		RETURNING status, ended_at, version`,
		string(state), s.State.Turn, s.Coach, now, string(s.Status), s.ID, s.Version).Scan(&status, &ended, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("updating session %d: %w", s.ID, db.whyNotWritten(ctx, s.ID))
	}
	if isUnique(err) {
		return fmt.Errorf("reopening session %d: %w", s.ID, ErrSessionOpen)
	}
	if err != nil {
		return fmt.Errorf("updating session %d: %w", s.ID, err)
	}
	s.Status, s.UpdatedAt, s.EndedAt, s.Version = bot.SessionStatus(status), now, orZero(ended), version
	return nil
}

// whyNotWritten says why a compare-and-set on session id matched no row:
// bot.ErrNotFound if there is no such session, else bot.ErrStale.
func (db *DB) whyNotWritten(ctx context.Context, id int64) error {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return bot.ErrNotFound
	}
	return bot.ErrStale
}

// EndSession marks a session ended with its final state, if the stored
// state is at st's turn (else bot.ErrStale). Ending an ended session
// again stores the state and keeps the first end time.
func (db *DB) EndSession(ctx context.Context, sessionID int64, st dialogue.State) error {
	state, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("ending session %d: encoding state: %w", sessionID, err)
	}
	now := db.now()
	tag, err := db.pool.Exec(ctx, `UPDATE sessions SET
			state = $1, status = 'ended', updated_at = $2, ended_at = COALESCE(ended_at, $2), version = version + 1
		WHERE id = $3 AND turn = $4`, string(state), now, sessionID, st.Turn)
	if err != nil {
		return fmt.Errorf("ending session %d: %w", sessionID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("ending session %d: %w", sessionID, db.whyNotWritten(ctx, sessionID))
	}
	return nil
}

// Sessions lists sessions matching f, newest started first, with figures
// computed from their stored turns in the same query. KeyReached and
// KeyTotal are left zero: they depend on the scenario.
func (db *DB) Sessions(ctx context.Context, f bot.SessionFilter) ([]bot.SessionSummary, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Platform != "" {
		add("platform = $%d", f.Platform)
	}
	if f.User != "" {
		add("user_id = $%d", f.User)
	}
	if !f.Since.IsZero() {
		add("started_at >= $%d", ms(f.Since))
	}
	if f.GroupID != 0 {
		add("group_id = $%d", f.GroupID)
	}
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	args = append(args, limit)

	// picked is the page of sessions; figures and phases aggregate only
	// their turns, through the (session_id, n) primary key.
	q := fmt.Sprintf(`WITH picked AS (
			SELECT id, platform, workspace, channel, thread, user_id, scenario_id, state, coach, status,
				COALESCE(group_id, 0) AS group_id_or_zero, started_at, updated_at, ended_at, version
			FROM sessions %s
			ORDER BY started_at DESC, id DESC LIMIT $%d
		),
		figures AS (
			SELECT session_id, COUNT(*) AS turns,
				COUNT(*) FILTER (WHERE label = 'non_blaming') AS non_blaming,
				COUNT(*) FILTER (WHERE question = 'open') AS open
			FROM turns WHERE session_id IN (SELECT id FROM picked)
			GROUP BY session_id
		),
		phases AS (
			SELECT session_id, json_agg(phase ORDER BY first) AS seen
			FROM (
				SELECT session_id, phase, MIN(n) AS first FROM turns
				WHERE session_id IN (SELECT id FROM picked) AND phase <> ''
				GROUP BY session_id, phase
			) firsts
			GROUP BY session_id
		)
		SELECT picked.id, picked.platform, picked.workspace, picked.channel, picked.thread, picked.user_id,
			picked.scenario_id, picked.state, picked.coach, picked.status, picked.group_id_or_zero,
			picked.started_at, picked.updated_at, picked.ended_at, picked.version,
			COALESCE(f.turns, 0), COALESCE(f.non_blaming, 0), COALESCE(f.open, 0), COALESCE(p.seen, '[]')
		FROM picked
		LEFT JOIN figures f ON f.session_id = picked.id
		LEFT JOIN phases p ON p.session_id = picked.id
		ORDER BY picked.started_at DESC, picked.id DESC`, cond, len(args))
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.SessionSummary, error) {
		var (
			sum          bot.SessionSummary
			turns, nb, o int64
			phases       []byte
		)
		s, err := scanSession(r, &turns, &nb, &o, &phases)
		if err != nil {
			return sum, err
		}
		sum.Session = *s
		sum.Turns, sum.NonBlaming = int(turns), int(nb)
		if sum.Turns > 0 {
			sum.OpenShare = float64(o) / float64(sum.Turns)
		}
		if err := json.Unmarshal(phases, &sum.PhasesSeen); err != nil {
			return sum, fmt.Errorf("session %d phases: %w", s.ID, err)
		}
		if len(sum.PhasesSeen) == 0 {
			sum.PhasesSeen = nil
		}
		sum.Disclosures = slices.Clone(s.State.Disclosed)
		return sum, nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	return out, nil
}
