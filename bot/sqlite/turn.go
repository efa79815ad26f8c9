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

// SaveTurn stores turn t of a session and the state after it in one
// transaction: either both are stored or neither is. It is a
// compare-and-set on the turn number: the session must be open and its
// stored state at turn t.Number-1. Otherwise nothing changes and the error
// wraps bot.ErrStale (and ErrDuplicateTurn too if the session already has
// turn t.Number); an unknown session gives bot.ErrNotFound.
//
// Turns are committed in groups (commit.go): the turns waiting at one
// moment share a transaction, each inside a savepoint of its own, so each
// is still atomic and is committed before SaveTurn returns. If ctx ends
// before the turn's group has begun, nothing is stored and the error says
// so; once begun, SaveTurn waits for the commit, so its answer is always
// what the database holds.
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
	changes := "[]"
	if len(t.TrustChanges) > 0 {
		b, err := json.Marshal(t.TrustChanges)
		if err != nil {
			return fmt.Errorf("saving turn %d of session %d: encoding trust changes: %w", t.Number, sessionID, err)
		}
		changes = string(b)
	}
	r := &turnReq{ctx: ctx, session: sessionID, t: t, state: string(state), assessment: string(assessment),
		disclosed: disclosed, trace: trace, trustChanges: changes, now: ms(db.now()), done: make(chan error, 1)}
	if err := db.commits.submit(r); err != nil {
		return fmt.Errorf("saving turn %d of session %d: %w", t.Number, sessionID, err)
	}
	// The next turn reads this state back: it need not decode it.
	db.states.put(sessionID, r.state, st)
	return nil
}

// Turns returns a session's turns in order; none for an unknown session.
func (db *DB) Turns(ctx context.Context, sessionID int64) ([]bot.TurnRecord, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT n, text, cut, assessment, intent, fallback, clarify,
			reaction, reply_id, reply, trust_before, trust_after, disclosed, ended, trace, at, trust_changes
		FROM turns WHERE session_id = ? ORDER BY n`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("reading turns of session %d: %w", sessionID, err)
	}
	defer rows.Close()
	var out []bot.TurnRecord
	for rows.Next() {
		rec, err := scanTurn(rows, sessionID)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading turns of session %d: %w", sessionID, err)
	}
	return out, nil
}

// scanTurn reads one row of turns (or undone_turns, whose extra columns
// come after the shared ones and are scanned into extra).
func scanTurn(rows *sql.Rows, sessionID int64, extra ...any) (bot.TurnRecord, error) {
	var (
		t                         dialogue.Turn
		assessment, disclosed, tr string
		reaction, changes         string
		at                        int64
	)
	dest := append([]any{&t.Number, &t.Text, &t.Cut, &assessment, &t.Intent, &t.Fallback, &t.Clarify,
		&reaction, &t.ReplyID, &t.Reply, &t.TrustBefore, &t.TrustAfter, &disclosed, &t.Ended, &tr, &at, &changes}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return bot.TurnRecord{}, fmt.Errorf("reading turns of session %d: %w", sessionID, err)
	}
	t.Reaction = dialogue.FindingKind(reaction)
	err := errors.Join(
		json.Unmarshal([]byte(assessment), &t.Assessment),
		unjsonList(disclosed, &t.Disclosed),
		unjsonList(tr, &t.Trace),
		json.Unmarshal([]byte(changes), &t.TrustChanges))
	if len(t.TrustChanges) == 0 {
		t.TrustChanges = nil
	}
	if err != nil {
		return bot.TurnRecord{}, fmt.Errorf("reading turn %d of session %d: %w", t.Number, sessionID, err)
	}
	return bot.TurnRecord{SessionID: sessionID, Turn: t, At: fromMS(at)}, nil
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
