package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// FirstDelivery records a platform event id and reports whether this is
// the first time it was seen, across restarts.
func (db *DB) FirstDelivery(ctx context.Context, eventID string) (bool, error) {
	if eventID == "" {
		return false, errors.New("recording event: empty event id")
	}
	// Every message from Slack or Discord is recorded: prepared once.
	q, err := db.writes.get(ctx, `INSERT OR IGNORE INTO events (id, seen_at) VALUES (?, ?)`)
	if err != nil {
		return false, fmt.Errorf("recording event %s: %w", eventID, err)
	}
	res, err := q.ExecContext(ctx, eventID, ms(db.now()))
	if err != nil {
		return false, fmt.Errorf("recording event %s: %w", eventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("recording event %s: %w", eventID, err)
	}
	return n == 1, nil
}

// eventMemory is how long delivered event ids are kept. Slack re-delivers
// for about five minutes and Discord interactions expire in fifteen, so a
// week is ample, and the table stays small however long the bot runs.
const eventMemory = 7 * 24 * time.Hour

// ForgetOldEvents deletes event ids recorded more than eventMemory ago. It
// runs when the database opens; it returns how many were removed.
func (db *DB) ForgetOldEvents(ctx context.Context) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM events WHERE seen_at < ?`, ms(db.now().Add(-eventMemory)))
	if err != nil {
		return 0, fmt.Errorf("forgetting old event ids: %w", err)
	}
	return res.RowsAffected()
}
