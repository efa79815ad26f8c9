package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/pivotcoach/pivot/bot"
)

// AddTrainer records a trainer (platform "" for any platform).
func (db *DB) AddTrainer(ctx context.Context, id bot.TrainerID) error {
	if id.User == "" {
		return errors.New("adding trainer: no user given")
	}
	_, err := db.w.ExecContext(ctx, `INSERT OR IGNORE INTO trainers (platform, user, added_at) VALUES (?, ?, ?)`,
		id.Platform, id.User, ms(db.now()))
	if err != nil {
		return fmt.Errorf("adding trainer %s: %w", id, err)
	}
	return nil
}

// RemoveTrainer forgets a trainer and reports whether it was recorded.
func (db *DB) RemoveTrainer(ctx context.Context, id bot.TrainerID) (bool, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM trainers WHERE platform = ? AND user = ?`, id.Platform, id.User)
	if err != nil {
		return false, fmt.Errorf("removing trainer %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Trainers lists the recorded trainers, by platform and user.
func (db *DB) Trainers(ctx context.Context) ([]bot.TrainerID, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT platform, user FROM trainers ORDER BY platform, user`)
	if err != nil {
		return nil, fmt.Errorf("listing trainers: %w", err)
	}
	defer rows.Close()
	var out []bot.TrainerID
	for rows.Next() {
		var t bot.TrainerID
		if err := rows.Scan(&t.Platform, &t.User); err != nil {
			return nil, fmt.Errorf("listing trainers: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// IsTrainer reports whether user is recorded as a trainer on platform or
// on any platform.
func (db *DB) IsTrainer(ctx context.Context, platform, user string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM trainers WHERE user = ? AND (platform = '' OR platform = ?)`,
		user, platform).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("checking trainer %s: %w", user, err)
	}
	return n > 0, nil
}
