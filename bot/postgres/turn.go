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

// SaveTurn stores turn t of a session and the state after it in one
// transaction: either both are stored or neither is (a connection lost
// before the commit leaves nothing behind: the server rolls back). It is a
// compare-and-set on the turn number: the session must be open and its
// stored state at turn t.Number-1. Otherwise nothing changes and the error
// wraps bot.ErrStale (and ErrDuplicateTurn too if the session already has
// turn t.Number); an unknown session gives bot.ErrNotFound.
func (db *DB) SaveTurn(ctx context.Context, sessionID int64, t dialogue.Turn, st dialogue.State) error {
	state, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("saving turn %d of session %d: encoding state: %w", t.Number, sessionID, err)
	}
	assessment, err := json.Marshal(t.Assessment)
	if err != nil {
		return fmt.Errorf("saving turn %d of session %d: encoding assessment: %w", t.Number, sessionID, err)
	}
	disclosed, trace := jsonList(t.Disclosed), jsonList(t.Trace)
	changes := "[]"
	if len(t.TrustChanges) > 0 {
		b, err := json.Marshal(t.TrustChanges)
		if err != nil {
			return fmt.Errorf("saving turn %d of session %d: encoding trust changes: %w", t.Number, sessionID, err)
		}
		changes = string(b)
	}
	now := db.now()
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE sessions SET state = $1, turn = $2, updated_at = $3, version = version + 1
			WHERE id = $4 AND turn = $5 AND status = 'open'`, string(state), t.Number, now, sessionID, t.Number-1)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return whyTurnRefused(ctx, tx, sessionID, t.Number)
		}
		a := t.Assessment
		_, err = tx.Exec(ctx, `INSERT INTO turns
			(session_id, n, text, cut, assessment, label, phase, question, intent, fallback, clarify,
			 reaction, reply_id, reply, trust_before, trust_after, disclosed, ended, trace, at, trust_changes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
			sessionID, t.Number, t.Text, t.Cut, string(assessment), string(a.Label), string(a.Phase), string(a.Question),
			t.Intent, t.Fallback, t.Clarify, string(t.Reaction), t.ReplyID, t.Reply, t.TrustBefore, t.TrustAfter,
			disclosed, t.Ended, trace, now, changes)
		if isUnique(err) {
			return fmt.Errorf("%w (%w)", ErrDuplicateTurn, bot.ErrStale)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, err)
	}
	return nil
}

// whyTurnRefused says why the compare-and-set of turn n matched no row.
func whyTurnRefused(ctx context.Context, tx pgx.Tx, sessionID int64, n int) error {
	var status string
	var at int
	err := tx.QueryRow(ctx, `SELECT status, turn FROM sessions WHERE id = $1`, sessionID).Scan(&status, &at)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return bot.ErrNotFound
	case err != nil:
		return err
	case at >= n:
		return fmt.Errorf("stored: turn %d: %w (%w)", at, ErrDuplicateTurn, bot.ErrStale)
	case status != string(bot.SessionOpen):
		return fmt.Errorf("the session has ended: %w", bot.ErrStale)
	default:
		return fmt.Errorf("stored: turn %d: %w", at, bot.ErrStale)
	}
}

// Turns returns a session's turns in order; none for an unknown session.
func (db *DB) Turns(ctx context.Context, sessionID int64) ([]bot.TurnRecord, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+turnReadCols+` FROM turns WHERE session_id = $1 ORDER BY n`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("reading turns of session %d: %w", sessionID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.TurnRecord, error) { return scanTurn(r, sessionID) })
	if err != nil {
		return nil, fmt.Errorf("reading turns of session %d: %w", sessionID, err)
	}
	return out, nil
}

// turnReadCols are the columns scanTurn reads, shared by turns and
// undone_turns.
const turnReadCols = `n, text, cut, assessment, intent, fallback, clarify,
	reaction, reply_id, reply, trust_before, trust_after, disclosed, ended, trace, at, trust_changes`

// scanTurn reads one row of turnReadCols, plus any extra destinations.
func scanTurn(r pgx.Row, sessionID int64, extra ...any) (bot.TurnRecord, error) {
	var (
		t                                  dialogue.Turn
		assessment, disclosed, tr, changes []byte
		reaction                           string
		at                                 time.Time
	)
	dest := append([]any{&t.Number, &t.Text, &t.Cut, &assessment, &t.Intent, &t.Fallback, &t.Clarify,
		&reaction, &t.ReplyID, &t.Reply, &t.TrustBefore, &t.TrustAfter, &disclosed, &t.Ended, &tr, &at, &changes}, extra...)
	if err := r.Scan(dest...); err != nil {
		return bot.TurnRecord{}, err
	}
	t.Reaction = dialogue.FindingKind(reaction)
	if err := errors.Join(json.Unmarshal(assessment, &t.Assessment),
		unjsonList(disclosed, &t.Disclosed), unjsonList(tr, &t.Trace),
		json.Unmarshal(changes, &t.TrustChanges)); err != nil {
		return bot.TurnRecord{}, fmt.Errorf("turn %d: %w", t.Number, err)
	}
	if len(t.TrustChanges) == 0 {
		t.TrustChanges = nil
	}
	return bot.TurnRecord{SessionID: sessionID, Turn: t, At: at.UTC()}, nil
}

// jsonList encodes a list, nil as [].
func jsonList(v []string) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v) // strings always encode
	return string(b)
}

// unjsonList decodes a list stored by jsonList, empty as nil as the
// engine builds it.
func unjsonList(b []byte, v *[]string) error {
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	if len(*v) == 0 {
		*v = nil
	}
	return nil
}
