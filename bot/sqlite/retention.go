package sqlite

import (
	"context"
	"fmt"
	"time"
)

// PurgeKeepingAggregates folds the figures of sessions that ended before t
// into the aggregates table (by scenario and UTC start day: no user ids,
// no text), then deletes those sessions and their turns, all in one
// transaction. Open sessions are kept however old. It returns how many
// sessions were deleted.
func (db *DB) PurgeKeepingAggregates(ctx context.Context, t time.Time) (int, error) {
	cutoff := ms(t)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("purging: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `
		INSERT INTO aggregates (day, scenario_id, sessions, turns, non_blaming, open)
		SELECT strftime('%Y-%m-%d', s.started_at / 1000, 'unixepoch') AS day, s.scenario_id,
			COUNT(DISTINCT s.id), COUNT(t.n), COALESCE(SUM(t.label = 'non_blaming'), 0), COALESCE(SUM(t.question = 'open'), 0)
		FROM sessions s LEFT JOIN turns t ON t.session_id = s.id
		WHERE s.status = 'ended' AND s.ended_at < ?
		GROUP BY day, s.scenario_id
		ON CONFLICT (day, scenario_id) DO UPDATE SET
			sessions = sessions + excluded.sessions,
			turns = turns + excluded.turns,
			non_blaming = non_blaming + excluded.non_blaming,
			open = open + excluded.open`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("purging: keeping aggregates: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE status = 'ended' AND ended_at < ?`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("purging: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purging: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("purging: %w", err)
	}
	if n > 0 {
		if err := db.scrub(ctx); err != nil {
			return int(n), fmt.Errorf("purging: deleted, but %w", err)
		}
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
	rows, err := db.r.QueryContext(ctx, `SELECT day, scenario_id, sessions, turns, non_blaming, open FROM aggregates ORDER BY day, scenario_id`)
	if err != nil {
		return nil, fmt.Errorf("reading aggregates: %w", err)
	}
	defer rows.Close()
	var out []Aggregate
	for rows.Next() {
		var a Aggregate
		if err := rows.Scan(&a.Day, &a.ScenarioID, &a.Sessions, &a.Turns, &a.NonBlaming, &a.Open); err != nil {
			return nil, fmt.Errorf("reading aggregates: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
