package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// turnCols are the columns turns and undone_turns share.
const turnCols = `session_id, n, text, cut, assessment, label, phase, question, intent, fallback, clarify,
	reaction, reply_id, reply, trust_before, trust_after, disclosed, ended, trace, at, trust_changes`

// UndoTurn takes back turn s.State.Turn of session s: the turn moves to
// undone_turns and the session's state becomes before, in one
// transaction, as a compare-and-set on s.Version (else bot.ErrStale; an
// unknown session is bot.ErrNotFound).
func (db *DB) UndoTurn(ctx context.Context, s *bot.Session, before dialogue.State) error {
	n := s.State.Turn
	if n < 1 || before.Turn != n-1 {
		return fmt.Errorf("undoing turn %d of session %d: the state given is at turn %d", n, s.ID, before.Turn)
	}
	state, err := json.Marshal(before)
	if err != nil {
		return fmt.Errorf("undoing turn %d of session %d: encoding state: %w", n, s.ID, err)
	}
	now := db.now()
	var version int64
	stale := false
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE sessions SET state = $1, turn = $2, updated_at = $3, version = version + 1
			WHERE id = $4 AND version = $5 AND turn = $6 AND status = 'open'
			RETURNING version`, string(state), n-1, now, s.ID, s.Version, n).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			stale = true
			return err // rolls back; why is asked below
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO undone_turns (`+turnCols+`, undone_at)
			SELECT `+turnCols+`, $1 FROM turns WHERE session_id = $2 AND n = $3`, now, s.ID, n)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("turn %d is not stored", n)
		}
		_, err = tx.Exec(ctx, `DELETE FROM turns WHERE session_id = $1 AND n = $2`, s.ID, n)
		return err
	})
	if stale {
		return fmt.Errorf("undoing turn %d of session %d: %w", n, s.ID, db.whyNotWritten(ctx, s.ID))
	}
	if err != nil {
		return fmt.Errorf("undoing turn %d of session %d: %w", n, s.ID, err)
	}
	s.State, s.Version = before, version
	return nil
}

// UndoneTurns returns session id's undone turns in the order undone.
func (db *DB) UndoneTurns(ctx context.Context, sessionID int64) ([]bot.TurnRecord, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+turnReadCols+`, undone_at
		FROM undone_turns WHERE session_id = $1 ORDER BY id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("reading undone turns of session %d: %w", sessionID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.TurnRecord, error) {
		var undoneAt time.Time
		rec, err := scanTurn(r, sessionID, &undoneAt)
		rec.UndoneAt = undoneAt.UTC()
		return rec, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading undone turns of session %d: %w", sessionID, err)
	}
	return out, nil
}
