-- Group exercises: a trainer's exercise in a channel. Members are the
-- sessions whose group_id points here.
CREATE TABLE group_exercises (
	id          INTEGER PRIMARY KEY,
	platform    TEXT    NOT NULL,
	workspace   TEXT    NOT NULL DEFAULT '',
	channel     TEXT    NOT NULL DEFAULT '',
	trainer     TEXT    NOT NULL,
	scenario_id TEXT    NOT NULL,
	seed        INTEGER NOT NULL,
	coach       TEXT    NOT NULL DEFAULT 'auto' CHECK (coach IN ('', 'auto', 'on', 'off')),
	status      TEXT    NOT NULL CHECK (status IN ('open', 'ended')),
	started_at  INTEGER NOT NULL,
	ended_at    INTEGER
);
CREATE INDEX groups_channel ON group_exercises (platform, workspace, channel) WHERE status = 'open';
CREATE INDEX groups_trainer ON group_exercises (platform, trainer, started_at);

-- Trainers named with `pivot trainer add` (PIVOT_TRAINERS adds more at
-- run time). platform '' means any platform.
CREATE TABLE trainers (
	platform TEXT    NOT NULL DEFAULT '',
	user     TEXT    NOT NULL,
	added_at INTEGER NOT NULL,
	PRIMARY KEY (platform, user)
) WITHOUT ROWID;

-- Inline coaching per session: who decides (auto: fading; on/off: the
-- trainee or trainer), the fade level chosen at start, and why. They live
-- on the session row so forgetting a trainee takes them too.
ALTER TABLE sessions ADD COLUMN coach_mode TEXT NOT NULL DEFAULT 'auto' CHECK (coach_mode IN ('auto', 'on', 'off'));
ALTER TABLE sessions ADD COLUMN fade_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN fade_note  TEXT    NOT NULL DEFAULT '';

-- Figures of purged sessions, unattributed: by scenario and the day
-- (UTC, YYYY-MM-DD) the session started. No user ids, no text.
CREATE TABLE aggregates (
	day         TEXT    NOT NULL,
	scenario_id TEXT    NOT NULL,
	sessions    INTEGER NOT NULL DEFAULT 0,
	turns       INTEGER NOT NULL DEFAULT 0,
	non_blaming INTEGER NOT NULL DEFAULT 0,
	open        INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (day, scenario_id)
) WITHOUT ROWID;
