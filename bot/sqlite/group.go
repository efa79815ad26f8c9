package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pivotcoach/pivot/bot"
)

// Interface checks: a *DB keeps groups, coaching settings, trainers, and
// forgets and purges.
var (
	_ bot.GroupStore     = (*DB)(nil)
	_ bot.CoachingStore  = (*DB)(nil)
	_ bot.TrainerStore   = (*DB)(nil)
	_ bot.ForgetStore    = (*DB)(nil)
	_ bot.RetentionStore = (*DB)(nil)
)

const groupCols = `id, platform, workspace, channel, trainer, scenario_id, seed, coach, status, started_at, ended_at, undo`

func scanGroup(row scanner) (*bot.Group, error) {
	var (
		g       bot.Group
		coach   string
		status  string
		started int64
		ended   sql.NullInt64
		undo    bool
	)
	if err := row.Scan(&g.ID, &g.Platform, &g.Workspace, &g.Channel, &g.Trainer, &g.ScenarioID, &g.Seed,
		&coach, &status, &started, &ended, &undo); err != nil {
		return nil, err
	}
	g.Coach, g.Status, g.NoUndo = bot.CoachMode(coach), bot.GroupStatus(status), !undo
	g.StartedAt, g.EndedAt = fromMS(started), fromNullMS(ended)
	return &g, nil
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
	res, err := db.w.ExecContext(ctx, `INSERT INTO group_exercises
		(platform, workspace, channel, trainer, scenario_id, seed, coach, status, started_at, undo)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
		g.Platform, g.Workspace, g.Channel, g.Trainer, g.ScenarioID, g.Seed, string(coach), ms(now), !g.NoUndo)
	if err != nil {
		return fmt.Errorf("creating group: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("creating group: %w", err)
	}
	g.ID, g.Status, g.StartedAt, g.Coach = id, bot.GroupOpen, now, coach
	return nil
}

// Group returns group id, or an error wrapping bot.ErrNotFound.
func (db *DB) Group(ctx context.Context, id int64) (*bot.Group, error) {
	g, err := scanGroup(db.r.QueryRowContext(ctx, `SELECT `+groupCols+` FROM group_exercises WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("group %d: %w", id, bot.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("group %d: %w", id, err)
	}
	return g, nil
}

// Groups lists groups matching f, newest first.
func (db *DB) Groups(ctx context.Context, f bot.GroupFilter) ([]bot.Group, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if f.Platform != "" {
		add("platform = ?", f.Platform)
	}
	if f.Workspace != "" {
		add("workspace = ?", f.Workspace)
	}
	if f.Channel != "" {
		add("channel = ?", f.Channel)
	}
	if f.Trainer != "" {
		add("trainer = ?", f.Trainer)
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if !f.Since.IsZero() {
		add("started_at >= ?", ms(f.Since))
	}
	q := `SELECT ` + groupCols + ` FROM group_exercises`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY started_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("listing groups: %w", err)
	}
	defer rows.Close()
	var out []bot.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("listing groups: %w", err)
		}
		out = append(out, *g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing groups: %w", err)
	}
	return out, nil
}

// EndGroup marks a group ended; ending it again keeps the first end time.
func (db *DB) EndGroup(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `UPDATE group_exercises SET status = 'ended', ended_at = COALESCE(ended_at, ?) WHERE id = ?`,
		ms(db.now()), id)
	if err != nil {
		return fmt.Errorf("ending group %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("ending group %d: %w", id, err)
	} else if n == 0 {
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
	res, err := db.w.ExecContext(ctx, `UPDATE sessions SET coach_mode = ?, fade_level = ?, fade_note = ? WHERE id = ?`,
		string(mode), int(c.Level), c.Note, sessionID)
	if err != nil {
		return fmt.Errorf("setting coaching of session %d: %w", sessionID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("setting coaching of session %d: %w", sessionID, err)
	} else if n == 0 {
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
	err := db.r.QueryRowContext(ctx, `SELECT coach_mode, fade_level, fade_note FROM sessions WHERE id = ?`, sessionID).
		Scan(&mode, &level, &c.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("coaching of session %d: %w", sessionID, bot.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("coaching of session %d: %w", sessionID, err)
	}
	c.Mode, c.Level = bot.CoachMode(mode), bot.FadeLevel(level)
	return c, nil
}
