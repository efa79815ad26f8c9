package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// SaveTurn stores turn t of a session and the state after it in one
// transaction: either both are stored or neither is. It is a
// compare-and-set on the turn number: the session must be open and its
// stored state at turn t.Number-1. Otherwise nothing changes and the error
// wraps bot.ErrStale (and ErrDuplicateTurn too if the session already has
// turn t.Number); an unknown session gives bot.ErrNotFound.
func (db *DB) SaveTurn(ctx context.Context, sessionID int64, t dialogue.Turn, st dialogue.State) error {
	if db.readOnly {
		return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, ErrReadOnly)
	}
	state, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("saving turn %d of session %d: encoding state: %w", t.Number, sessionID, err)
	}
	assessment, err := json.Marshal(t.Assessment)
	if err != nil {
		return fmt.Errorf("saving turn %d of session %d: encoding assessment: %w", t.Number, sessionID, err)
	}
	disclosed, err := jsonList(t.Disclosed)
	if err != nil {
		return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, err)
	}
	trace, err := jsonList(t.Trace)
	if err != nil {
		return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, err)
	}
	now := ms(db.now())

	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, err)
	}
	defer tx.Rollback()
	// The session first, compare-and-set on the turn number: a session
	// that moved on (another process saved this turn, or ended it) is
	// ErrStale, an unknown one ErrNotFound rather than a foreign key
	// failure, and a failed insert below rolls this back.
	res, err := tx.StmtContext(ctx, db.stmts.updateState).ExecContext(ctx, string(state), t.Number, now, sessionID, t.Number-1)
	if err != nil {
		return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, err)
	} else if n == 0 {
		var status string
		var at int
		err := tx.QueryRowContext(ctx, `SELECT status, turn FROM sessions WHERE id = ?`, sessionID).Scan(&status, &at)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, bot.ErrNotFound)
		case err != nil:
			return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, err)
		case at >= t.Number:
			return fmt.Errorf("saving turn %d of session %d (stored: turn %d): %w (%w)", t.Number, sessionID, at, ErrDuplicateTurn, bot.ErrStale)
		case status != string(bot.SessionOpen):
			return fmt.Errorf("saving turn %d of session %d: the session has ended: %w", t.Number, sessionID, bot.ErrStale)
		default:
			return fmt.Errorf("saving turn %d of session %d (stored: turn %d): %w", t.Number, sessionID, at, bot.ErrStale)
		}
	}
	a := t.Assessment
	_, err = tx.StmtContext(ctx, db.stmts.insertTurn).ExecContext(ctx,
		sessionID, t.Number, t.Text, t.Cut, string(assessment), string(a.Label), string(a.Phase), string(a.Question),
		t.Intent, t.Fallback, t.Clarify, string(t.Reaction), t.ReplyID, t.Reply, t.TrustBefore, t.TrustAfter,
		disclosed, t.Ended, trace, now)
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return fmt.Errorf("saving turn %d of session %d: %w (%w)", t.Number, sessionID, ErrDuplicateTurn, bot.ErrStale)
	}
	if err != nil {
		return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, err)
	}
	return nil
}

// Turns returns a session's turns in order; none for an unknown session.
func (db *DB) Turns(ctx context.Context, sessionID int64) ([]bot.TurnRecord, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT n, text, cut, assessment, intent, fallback, clarify,
			reaction, reply_id, reply, trust_before, trust_after, disclosed, ended, trace, at
		FROM turns WHERE session_id = ? ORDER BY n`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("reading turns of session %d: %w", sessionID, err)
	}
	defer rows.Close()
	var out []bot.TurnRecord
	for rows.Next() {
		var (
			t                         dialogue.Turn
			assessment, disclosed, tr string
			reaction                  string
			at                        int64
		)
		if err := rows.Scan(&t.Number, &t.Text, &t.Cut, &assessment, &t.Intent, &t.Fallback, &t.Clarify,
			&reaction, &t.ReplyID, &t.Reply, &t.TrustBefore, &t.TrustAfter, &disclosed, &t.Ended, &tr, &at); err != nil {
			return nil, fmt.Errorf("reading turns of session %d: %w", sessionID, err)
		}
		t.Reaction = dialogue.FindingKind(reaction)
		err := errors.Join(
			json.Unmarshal([]byte(assessment), &t.Assessment),
			unjsonList(disclosed, &t.Disclosed),
			unjsonList(tr, &t.Trace))
		if err != nil {
			return nil, fmt.Errorf("reading turn %d of session %d: %w", t.Number, sessionID, err)
		}
		out = append(out, bot.TurnRecord{SessionID: sessionID, Turn: t, At: fromMS(at)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading turns of session %d: %w", sessionID, err)
	}
	return out, nil
}

// jsonList encodes a list, nil as [] so SQL's JSON functions see a list.
func jsonList(v []string) (string, error) {
	if len(v) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// unjsonList decodes a list stored by jsonList, empty as nil as the
// engine builds it.
func unjsonList(s string, v *[]string) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return err
	}
	if len(*v) == 0 {
		*v = nil
	}
	return nil
}
