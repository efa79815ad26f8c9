package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// sessionCols are the columns scanSession reads, in order.
const sessionCols = `id, platform, workspace, channel, thread, user, scenario_id, state,
	coach, status, COALESCE(group_id, 0), started_at, updated_at, ended_at, version`

type scanner interface{ Scan(dest ...any) error }

// scanSession reads one row of sessionCols, plus any extra destinations.
func scanSession(row scanner, extra ...any) (*bot.Session, error) {
	return scanSessionWith(row, func(_ int64, text string, st *dialogue.State) error {
		return json.Unmarshal([]byte(text), st)
	}, extra...)
}

// scanSessionWith is scanSession with the state decoded by decode.
func scanSessionWith(row scanner, decode func(id int64, text string, st *dialogue.State) error, extra ...any) (*bot.Session, error) {
	var (
		s       bot.Session
		state   string
		status  string
		started int64
		updated int64
		ended   sql.NullInt64
	)
	dest := append([]any{&s.ID, &s.Conv.Platform, &s.Conv.Workspace, &s.Conv.Channel, &s.Conv.Thread,
		&s.Conv.User, &s.ScenarioID, &state, &s.Coach, &status, &s.GroupID, &started, &updated, &ended, &s.Version}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := decode(s.ID, state, &s.State); err != nil {
		return nil, fmt.Errorf("session %d: decoding state: %w", s.ID, err)
	}
	s.Status = bot.SessionStatus(status)
	s.StartedAt, s.UpdatedAt, s.EndedAt = fromMS(started), fromMS(updated), fromNullMS(ended)
	return &s, nil
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
		started = fromMS(s.StartedAt.UnixMilli())
	}
	if status == "" {
		status = bot.SessionOpen
	}
	if status == bot.SessionEnded {
		ended = now
		if !s.EndedAt.IsZero() {
			ended = fromMS(s.EndedAt.UnixMilli())
		}
	}
	state, err := json.Marshal(s.State)
	if err != nil {
		return fmt.Errorf("creating session: encoding state: %w", err)
	}
	var group any
	if s.GroupID != 0 {
		group = s.GroupID
	}
	res, err := db.w.ExecContext(ctx, `INSERT INTO sessions
		(platform, workspace, channel, thread, user, conv_key, scenario_id, state, turn,
		 coach, status, group_id, started_at, updated_at, ended_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Conv.Platform, s.Conv.Workspace, s.Conv.Channel, s.Conv.Thread, s.Conv.User, s.Conv.Key(),
		s.ScenarioID, string(state), s.State.Turn, s.Coach, string(status), group,
		ms(started), ms(now), nullMS(ended))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return fmt.Errorf("creating session in %s: %w", s.Conv.Key(), ErrSessionOpen)
	}
	if err != nil {
		return fmt.Errorf("creating session in %s: %w", s.Conv.Key(), err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("creating session in %s: %w", s.Conv.Key(), err)
	}
	s.ID, s.Status, s.StartedAt, s.UpdatedAt, s.EndedAt, s.Version = id, status, started, now, ended, 0
	return nil
}

const openSessionQuery = `SELECT ` + sessionCols + ` FROM sessions WHERE conv_key = ? AND status = 'open'`

// OpenSession returns the open session in conversation c, or an error
// wrapping bot.ErrNotFound.
func (db *DB) OpenSession(ctx context.Context, c bot.Conversation) (*bot.Session, error) {
	// Every turn reads its session: prepared once (prepared.go).
	q, err := db.reads.get(ctx, openSessionQuery)
	if err != nil {
		return nil, fmt.Errorf("open session in %s: %w", c.Key(), err)
	}
	s, err := scanSessionWith(q.QueryRowContext(ctx, c.Key()), db.states.decode)
	if errors.Is(err, sql.ErrNoRows) {
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
	row := db.r.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions
		WHERE platform = ? AND user = ? AND status = 'open' AND (? = '' OR scenario_id = ?)
		ORDER BY updated_at DESC, id DESC LIMIT 1`, platform, user, scenarioID, scenarioID)
	s, err := scanSession(row)
	if errors.Is(err, sql.ErrNoRows) {
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
	q := `SELECT ` + sessionCols + ` FROM sessions WHERE status = 'open'`
	var args []any
	if platform != "" {
		q += ` AND platform = ?`
		args = append(args, platform)
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("listing open sessions: %w", err)
	}
	defer rows.Close()
	var out []*bot.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("listing open sessions: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing open sessions: %w", err)
	}
	return out, nil
}

// UpdateSession stores s's state, coach setting and status (an empty
// status keeps the stored one), and sets s.UpdatedAt, s.EndedAt and
// s.Version. A session moving to ended gets an end time; one moving back to
// open loses it. It is a compare-and-set on the version: if the session was
// written since s was read (a turn, a hint, a setting, by this process or
// another), nothing is stored and the error wraps bot.ErrStale.
func (db *DB) UpdateSession(ctx context.Context, s *bot.Session) error {
	state, err := json.Marshal(s.State)
	if err != nil {
		return fmt.Errorf("updating session %d: encoding state: %w", s.ID, err)
	}
	now := db.now()
	var status string
	var ended sql.NullInt64
	var version int64
	err = db.w.QueryRowContext(ctx, `UPDATE sessions SET
			state = ?, turn = ?, coach = ?, updated_at = ?, version = version + 1,
			status = COALESCE(NULLIF(?, ''), status),
			ended_at = CASE COALESCE(NULLIF(?, ''), status)
				WHEN 'ended' THEN COALESCE(ended_at, ?) ELSE NULL END
		WHERE id = ? AND version = ?
		RETURNING status, ended_at, version`,
		string(state), s.State.Turn, s.Coach, ms(now), string(s.Status), string(s.Status), ms(now), s.ID, s.Version).Scan(&status, &ended, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("updating session %d: %w", s.ID, db.whyNotWritten(ctx, s.ID))
	}
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return fmt.Errorf("reopening session %d: %w", s.ID, ErrSessionOpen)
	}
	if err != nil {
		return fmt.Errorf("updating session %d: %w", s.ID, err)
	}
	s.Status, s.UpdatedAt, s.EndedAt, s.Version = bot.SessionStatus(status), now, fromNullMS(ended), version
	return nil
}

// whyNotWritten says why a compare-and-set on session id matched no row:
// bot.ErrNotFound if there is no such session, else bot.ErrStale.
func (db *DB) whyNotWritten(ctx context.Context, id int64) error {
	var n int
	if err := db.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return bot.ErrNotFound
	}
	return bot.ErrStale
}

// EndSession marks a session ended with its final state. Ending an ended
// session again stores the state and keeps the first end time. The stored
// state must be at st's turn: if a turn was saved since st was read (by
// another process), nothing is stored and the error wraps bot.ErrStale, so
// a stale state never overwrites a later one.
func (db *DB) EndSession(ctx context.Context, sessionID int64, st dialogue.State) error {
	state, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("ending session %d: encoding state: %w", sessionID, err)
	}
	now := ms(db.now())
	res, err := db.w.ExecContext(ctx, `UPDATE sessions SET
			state = ?, status = 'ended', updated_at = ?, ended_at = COALESCE(ended_at, ?), version = version + 1
		WHERE id = ? AND turn = ?`, string(state), now, now, sessionID, st.Turn)
	if err != nil {
		return fmt.Errorf("ending session %d: %w", sessionID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("ending session %d: %w", sessionID, err)
	} else if n == 0 {
		return fmt.Errorf("ending session %d: %w", sessionID, db.whyNotWritten(ctx, sessionID))
	}
	db.states.drop(sessionID)
	return nil
}

// Sessions lists sessions matching f, newest started first, with figures
// computed from their stored turns in the same query. KeyReached and
// KeyTotal are left zero: they depend on the scenario.
func (db *DB) Sessions(ctx context.Context, f bot.SessionFilter) ([]bot.SessionSummary, error) {
	var where []string
	var args []any
	if f.Platform != "" {
		where, args = append(where, "platform = ?"), append(args, f.Platform)
	}
	if f.User != "" {
		where, args = append(where, "user = ?"), append(args, f.User)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "started_at >= ?"), append(args, ms(f.Since))
	}
	if f.GroupID != 0 {
		where, args = append(where, "group_id = ?"), append(args, f.GroupID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	args = append(args, limit)

	// picked is the page of sessions; figures and phases aggregate only
	// their turns, through the (session_id, n) primary key.
	q := `WITH picked AS (
			SELECT ` + sessionCols + ` FROM sessions ` + cond + `
			ORDER BY started_at DESC, id DESC LIMIT ?
		),
		figures AS (
			SELECT session_id, COUNT(*) AS turns,
				SUM(label = 'non_blaming') AS non_blaming,
				SUM(question = 'open') AS open
			FROM turns WHERE session_id IN (SELECT id FROM picked)
			GROUP BY session_id
		),
		phases AS (
			SELECT session_id, json_group_array(phase ORDER BY first) AS seen
			FROM (
				SELECT session_id, phase, MIN(n) AS first FROM turns
				WHERE session_id IN (SELECT id FROM picked) AND phase <> ''
				GROUP BY session_id, phase
			)
			GROUP BY session_id
		)
		SELECT picked.*, COALESCE(f.turns, 0), COALESCE(f.non_blaming, 0), COALESCE(f.open, 0),
			COALESCE(p.seen, '[]')
		FROM picked
		LEFT JOIN figures f ON f.session_id = picked.id
		LEFT JOIN phases p ON p.session_id = picked.id
		ORDER BY picked.started_at DESC, picked.id DESC`
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	defer rows.Close()
	var out []bot.SessionSummary
	for rows.Next() {
		var (
			open   int
			phases string
			sum    bot.SessionSummary
		)
		s, err := scanSession(rows, &sum.Turns, &sum.NonBlaming, &open, &phases)
		if err != nil {
			return nil, fmt.Errorf("listing sessions: %w", err)
		}
		sum.Session = *s
		if sum.Turns > 0 {
			sum.OpenShare = float64(open) / float64(sum.Turns)
		}
		if err := json.Unmarshal([]byte(phases), &sum.PhasesSeen); err != nil {
			return nil, fmt.Errorf("listing sessions: session %d phases: %w", s.ID, err)
		}
		if len(sum.PhasesSeen) == 0 {
			sum.PhasesSeen = nil
		}
		sum.Disclosures = slices.Clone(s.State.Disclosed)
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	return out, nil
}

// ForgetUser deletes every session of user on platform, with their turns,
// and returns how many sessions were deleted.
func (db *DB) ForgetUser(ctx context.Context, platform, user string) (int, error) {
	if user == "" {
		return 0, errors.New("forgetting user: no user given")
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("forgetting %s on %s: %w", user, platform, err)
	}
	defer tx.Rollback()
	// A claim left by a killed terminal names the user in its key.
	if _, err := tx.ExecContext(ctx, `DELETE FROM claims WHERE conv_key IN
		(SELECT conv_key FROM sessions WHERE platform = ? AND user = ?)`, platform, user); err != nil {
		return 0, fmt.Errorf("forgetting %s on %s: %w", user, platform, err)
	}
	// Turns go with their sessions: ON DELETE CASCADE, foreign keys on.
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE platform = ? AND user = ?`, platform, user)
	if err != nil {
		return 0, fmt.Errorf("forgetting %s on %s: %w", user, platform, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("forgetting %s on %s: %w", user, platform, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("forgetting %s on %s: %w", user, platform, err)
	}
	// The rows are gone; now their bytes (secure_delete zeroed them in
	// the log; the vacuum and checkpoint put that in the file).
	if err := db.scrub(ctx); err != nil {
		return int(n), fmt.Errorf("forgetting %s on %s: deleted, but %w", user, platform, err)
	}
	return int(n), nil
}

// PurgeOlderThan deletes the sessions that ended before t, with their
// turns, and returns how many sessions were deleted. Open sessions are
// kept however old.
func (db *DB) PurgeOlderThan(ctx context.Context, t time.Time) (int, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE status = 'ended' AND ended_at < ?`, ms(t))
	if err != nil {
		return 0, fmt.Errorf("purging sessions ended before %s: %w", t.Format(time.RFC3339), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purging sessions ended before %s: %w", t.Format(time.RFC3339), err)
	}
	if n > 0 {
		if err := db.scrub(ctx); err != nil {
			return int(n), fmt.Errorf("purging sessions ended before %s: deleted, but %w", t.Format(time.RFC3339), err)
		}
	}
	return int(n), nil
}
