package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pivotcoach/pivot/bot"
)

const groupCols = `id, platform, workspace, channel, trainer, scenario_id, seed, coach, status, started_at, ended_at, undo`

func scanGroup(row pgx.Row) (bot.Group, error) {
	var (
		g       bot.Group
		coach   string
		status  string
		started time.Time
		ended   *time.Time
		undo    bool
	)
	if err := row.Scan(&g.ID, &g.Platform, &g.Workspace, &g.Channel, &g.Trainer, &g.ScenarioID, &g.Seed,
		&coach, &status, &started, &ended, &undo); err != nil {
		return g, err
	}
	g.Coach, g.Status, g.NoUndo = bot.CoachMode(coach), bot.GroupStatus(status), !undo
	g.StartedAt, g.EndedAt = started.UTC(), orZero(ended)
	return g, nil
}

// CreateGroup stores a new open group and sets its ID and start time.
func (db *DB) CreateGroup(ctx context.Context, g *bot.Group) error {
	if g == nil || g.Trainer == "" || g.ScenarioID == "" {
		return errors.New("creating group: no trainer or scenario")
	}
	now := db.now()
	coach := g.Coach
	if coach == "" {
		coach = bot.CoachAuto
	}
	var id int64
	err := db.pool.QueryRow(ctx, `INSERT INTO group_exercises
		(platform, workspace, channel, trainer, scenario_id, seed, coach, status, started_at, undo)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9) RETURNING id`,
		g.Platform, g.Workspace, g.Channel, g.Trainer, g.ScenarioID, g.Seed, string(coach), now, !g.NoUndo).Scan(&id)
	if err != nil {
		return fmt.Errorf("creating group: %w", err)
	}
	g.ID, g.Status, g.StartedAt, g.Coach = id, bot.GroupOpen, now, coach
	return nil
}

// Group returns group id, or an error wrapping bot.ErrNotFound.
func (db *DB) Group(ctx context.Context, id int64) (*bot.Group, error) {
	g, err := scanGroup(db.pool.QueryRow(ctx, `SELECT `+groupCols+` FROM group_exercises WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("group %d: %w", id, bot.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("group %d: %w", id, err)
	}
	return &g, nil
}

// Groups lists groups matching f, newest first.
func (db *DB) Groups(ctx context.Context, f bot.GroupFilter) ([]bot.Group, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Platform != "" {
		add("platform = $%d", f.Platform)
	}
	if f.Workspace != "" {
		add("workspace = $%d", f.Workspace)
	}
	if f.Channel != "" {
		add("channel = $%d", f.Channel)
	}
	if f.Trainer != "" {
		add("trainer = $%d", f.Trainer)
	}
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	if !f.Since.IsZero() {
		add("started_at >= $%d", ms(f.Since))
	}
	q := `SELECT ` + groupCols + ` FROM group_exercises`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.pool.Query(ctx, q+` ORDER BY started_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("listing groups: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.Group, error) { return scanGroup(r) })
	if err != nil {
		return nil, fmt.Errorf("listing groups: %w", err)
	}
	return out, nil
}

// EndGroup marks a group ended; ending it again keeps the first end time.
func (db *DB) EndGroup(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `UPDATE group_exercises SET status = 'ended', ended_at = COALESCE(ended_at, $1) WHERE id = $2`,
		db.now(), id)
	if err != nil {
		return fmt.Errorf("ending group %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("ending group %d: %w", id, bot.ErrNotFound)
	}
	return nil
}

// SetCoaching stores a session's coaching setting.
func (db *DB) SetCoaching(ctx context.Context, sessionID int64, c bot.Coaching) error {
	mode := c.Mode
	if mode == "" {
		mode = bot.CoachAuto
	}
	tag, err := db.pool.Exec(ctx, `UPDATE sessions SET coach_mode = $1, fade_level = $2, fade_note = $3 WHERE id = $4`,
		string(mode), int(c.Level), c.Note, sessionID)
	if err != nil {
		return fmt.Errorf("setting coaching of session %d: %w", sessionID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("setting coaching of session %d: %w", sessionID, bot.ErrNotFound)
	}
	return nil
}

// Coaching returns a session's coaching setting.
func (db *DB) Coaching(ctx context.Context, sessionID int64) (bot.Coaching, error) {
	var (
		c     bot.Coaching
		mode  string
		level int
	)
	err := db.pool.QueryRow(ctx, `SELECT coach_mode, fade_level, fade_note FROM sessions WHERE id = $1`, sessionID).
		Scan(&mode, &level, &c.Note)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("coaching of session %d: %w", sessionID, bot.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("coaching of session %d: %w", sessionID, err)
	}
	c.Mode, c.Level = bot.CoachMode(mode), bot.FadeLevel(level)
	return c, nil
}

// AddTrainer records a trainer (platform "" for any platform).
func (db *DB) AddTrainer(ctx context.Context, id bot.TrainerID) error {
	if id.User == "" {
		return errors.New("adding trainer: no user given")
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO trainers (platform, user_id, added_at) VALUES ($1, $2, $3)
		ON CONFLICT (platform, user_id) DO NOTHING`, id.Platform, id.User, db.now())
	if err != nil {
		return fmt.Errorf("adding trainer %s: %w", id, err)
	}
	return nil
}

// RemoveTrainer forgets a trainer and reports whether it was recorded.
func (db *DB) RemoveTrainer(ctx context.Context, id bot.TrainerID) (bool, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM trainers WHERE platform = $1 AND user_id = $2`, id.Platform, id.User)
	if err != nil {
		return false, fmt.Errorf("removing trainer %s: %w", id, err)
	}
	return tag.RowsAffected() > 0, nil
}

// Trainers lists the recorded trainers, by platform and user.
func (db *DB) Trainers(ctx context.Context) ([]bot.TrainerID, error) {
	rows, err := db.pool.Query(ctx, `SELECT platform, user_id FROM trainers ORDER BY platform, user_id`)
	if err != nil {
		return nil, fmt.Errorf("listing trainers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bot.TrainerID, error) {
		var t bot.TrainerID
		err := r.Scan(&t.Platform, &t.User)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing trainers: %w", err)
	}
	return out, nil
}

// IsTrainer reports whether user is recorded as a trainer on platform or
// on any platform.
func (db *DB) IsTrainer(ctx context.Context, platform, user string) (bool, error) {
	var yes bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM trainers WHERE user_id = $1 AND (platform = '' OR platform = $2))`,
		user, platform).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("checking trainer %s: %w", user, err)
	}
	return yes, nil
}
