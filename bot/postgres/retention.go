package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ForgetUser deletes every session of user on platform, with their turns
// (ON DELETE CASCADE), and returns how many sessions were deleted.
//
// Unlike bot/sqlite, which zeroes the freed pages of its file, PostgreSQL
// keeps deleted row versions until VACUUM reclaims them, and its
// write-ahead log and backups keep them longer: docs/deploy.md says what
// the agency's retention of those must be.
func (db *DB) ForgetUser(ctx context.Context, platform, user string) (int, error) {
	if user == "" {
		return 0, errors.New("forgetting user: no user given")
	}
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE platform = $1 AND user_id = $2`, platform, user)
	if err != nil {
		return 0, fmt.Errorf("forgetting %s on %s: %w", user, platform, err)
	}
	return int(tag.RowsAffected()), nil
}

// PurgeKeepingAggregates folds the figures of sessions that ended before t
// into the aggregates table (by scenario and UTC start day: no user ids,
// no text), then deletes those sessions and their turns, all in one
// transaction. Open sessions are kept however old.
func (db *DB) PurgeKeepingAggregates(ctx context.Context, t time.Time) (int, error) {
	cutoff := ms(t)
	var n int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO aggregates (day, scenario_id, sessions, turns, non_blaming, open)
			SELECT to_char(s.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, s.scenario_id,
				COUNT(DISTINCT s.id), COUNT(t.n),
				COUNT(*) FILTER (WHERE t.label = 'non_blaming'), COUNT(*) FILTER (WHERE t.question = 'open')
			FROM sessions s LEFT JOIN turns t ON t.session_id = s.id
			WHERE s.status = 'ended' AND s.ended_at < $1
			GROUP BY 1, 2
			ON CONFLICT (day, scenario_id) DO UPDATE SET
				sessions = aggregates.sessions + excluded.sessions,
				turns = aggregates.turns + excluded.turns,
				non_blaming = aggregates.non_blaming + excluded.non_blaming,
				open = aggregates.open + excluded.open`, cutoff); err != nil {
			return fmt.Errorf("keeping aggregates: %w", err)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE status = 'ended' AND ended_at < $1`, cutoff)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purging: %w", err)
	}
	return int(n), nil
}

// Aggregate is one row of the aggregates kept after a purge.
type Aggregate struct {
	Day        string
	ScenarioID string
	Sessions   int
	Turns      int
	NonBlaming int
	Open       int
}

// Aggregates returns the kept figures, by day and scenario.
func (db *DB) Aggregates(ctx context.Context) ([]Aggregate, error) {
	rows, err := db.pool.Query(ctx, `SELECT day, scenario_id, sessions, turns, non_blaming, open FROM aggregates ORDER BY day, scenario_id`)
	if err != nil {
		return nil, fmt.Errorf("reading aggregates: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Aggregate])
	if err != nil {
		return nil, fmt.Errorf("reading aggregates: %w", err)
	}
	return out, nil
}

// forgetRequestMemory is how long a pending "forget me" is kept at most
// (the bot accepts a confirmation within bot.ForgetConfirmWindow).
const forgetRequestMemory = 24 * time.Hour

// AskForget records that the conversation with key asked to be forgotten
// at t (replacing an earlier request), and drops requests long past.
func (db *DB) AskForget(ctx context.Context, convKey string, at time.Time) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM forget_requests WHERE asked_at < $1`, ms(at).Add(-forgetRequestMemory)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO forget_requests (conv_key, asked_at) VALUES ($1, $2)
			ON CONFLICT (conv_key) DO UPDATE SET asked_at = excluded.asked_at`, convKey, ms(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("recording a forget request: %w", err)
	}
	return nil
}

// ForgetAskedAt returns when the conversation with key asked to be
// forgotten, if a request is pending.
func (db *DB) ForgetAskedAt(ctx context.Context, convKey string) (time.Time, bool, error) {
	var at time.Time
	err := db.pool.QueryRow(ctx, `SELECT asked_at FROM forget_requests WHERE conv_key = $1`, convKey).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading a forget request: %w", err)
	}
	return at.UTC(), true, nil
}

// ClearForgetRequest drops the conversation's pending request, if any.
func (db *DB) ClearForgetRequest(ctx context.Context, convKey string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM forget_requests WHERE conv_key = $1`, convKey); err != nil {
		return fmt.Errorf("clearing a forget request: %w", err)
	}
	return nil
}
