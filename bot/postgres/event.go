package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// FirstDelivery records a platform event id and reports whether this is
// the first time any instance saw it: the INSERT … ON CONFLICT is one
// statement, so of two instances given the same event at once exactly one
// is told it is first.
func (db *DB) FirstDelivery(ctx context.Context, eventID string) (bool, error) {
	if eventID == "" {
		return false, errors.New("recording event: empty event id")
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO events (id, seen_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
		eventID, db.now())
	if err != nil {
		return false, fmt.Errorf("recording event %s: %w", eventID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// eventMemory is how long delivered event ids are kept (bot/sqlite's:
// Slack re-delivers for minutes, Discord interactions expire in fifteen).
const eventMemory = 7 * 24 * time.Hour

// ForgetOldEvents deletes event ids recorded more than eventMemory ago. It
// runs when the database opens; it returns how many were removed.
func (db *DB) ForgetOldEvents(ctx context.Context) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM events WHERE seen_at < $1`, db.now().Add(-eventMemory))
	if err != nil {
		return 0, fmt.Errorf("forgetting old event ids: %w", err)
	}
	return tag.RowsAffected(), nil
}
