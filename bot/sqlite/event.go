package sqlite

import (
	"context"
	"errors"
	"fmt"
)

// FirstDelivery records a platform event id and reports whether this is
// the first time it was seen, across restarts.
func (db *DB) FirstDelivery(ctx context.Context, eventID string) (bool, error) {
	if eventID == "" {
		return false, errors.New("recording event: empty event id")
	}
	res, err := db.w.ExecContext(ctx, `INSERT OR IGNORE INTO events (id, seen_at) VALUES (?, ?)`,
		eventID, ms(db.now()))
	if err != nil {
		return false, fmt.Errorf("recording event %s: %w", eventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("recording event %s: %w", eventID, err)
	}
	return n == 1, nil
}
