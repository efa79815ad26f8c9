package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

var _ bot.UndoStore = (*DB)(nil)

// turnCols are the columns turns and undone_turns share.
const turnCols = `session_id, n, text, cut, assessment, label, phase, question, intent, fallback, clarify,
	reaction, reply_id, reply, trust_before, trust_after, disclosed, ended, trace, at, trust_changes`

// UndoTurn takes back turn s.State.Turn of session s: the turn moves to
// undone_turns and the session's state becomes before, in one
// transaction, as a compare-and-set on s.Version (else bot.ErrStale; an
// unknown session is bot.ErrNotFound).
func (db *DB) UndoTurn(ctx context.Context, s *bot.Session, before dialogue.State) error {
	if db.readOnly {
		return fmt.Errorf("undoing turn %d of session %d: %w", s.State.Turn, s.ID, ErrReadOnly)
	}
	n := s.State.Turn
	if n < 1 || before.Turn != n-1 {
		return fmt.Errorf("undoing turn %d of session %d: the state given is at turn %d", n, s.ID, before.Turn)
	}
	state, err := json.Marshal(before)
	if err != nil {
		return fmt.Errorf("undoing turn %d of session %d: encoding state: %w", n, s.ID, err)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("undoing turn %d of session %d: %w", n, s.ID, err)
	}
	defer tx.Rollback()
	now := ms(db.now())
	var version int64
	err = tx.QueryRowContext(ctx, `UPDATE sessions SET state = ?, turn = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND version = ? AND turn = ? AND status = 'open'
		RETURNING version`, string(state), n-1, now, s.ID, s.Version, n).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		// The writer has one connection: give it back before asking why.
		_ = tx.Rollback()
		return fmt.Errorf("undoing turn %d of session %d: %w", n, s.ID, db.whyNotWritten(ctx, s.ID))
	}
	if err != nil {
		return fmt.Errorf("undoing turn %d of session %d: %w", n, s.ID, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO undone_turns (`+turnCols+`, undone_at)
		SELECT `+turnCols+`, ? FROM turns WHERE session_id = ? AND n = ?`, now, s.ID, n)
	if err == nil {
		if moved, _ := res.RowsAffected(); moved != 1 {
			err = fmt.Errorf("turn %d is not stored", n)
		}
	}
	if err == nil {
		_, err = tx.ExecContext(ctx, `DELETE FROM turns WHERE session_id = ? AND n = ?`, s.ID, n)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return fmt.Errorf("undoing turn %d of session %d: %w", n, s.ID, err)
	}
	s.State, s.Version = before, version
	return nil
}

// UndoneTurns returns session id's undone turns in the order undone.
func (db *DB) UndoneTurns(ctx context.Context, sessionID int64) ([]bot.TurnRecord, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT n, text, cut, assessment, intent, fallback, clarify,
			reaction, reply_id, reply, trust_before, trust_after, disclosed, ended, trace, at, trust_changes, undone_at
		FROM undone_turns WHERE session_id = ? ORDER BY id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("reading undone turns of session %d: %w", sessionID, err)
	}
	defer rows.Close()
	var out []bot.TurnRecord
	for rows.Next() {
		var undoneAt int64
		rec, err := scanTurn(rows, sessionID, &undoneAt)
		if err != nil {
			return nil, fmt.Errorf("reading undone turns of session %d: %w", sessionID, err)
		}
		rec.UndoneAt = fromMS(undoneAt)
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading undone turns of session %d: %w", sessionID, err)
	}
	return out, nil
}
