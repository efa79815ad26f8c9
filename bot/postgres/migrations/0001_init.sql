-- Pivot's schema on PostgreSQL: the same tables as bot/sqlite's
-- migrations 0001–0003, in PostgreSQL's types. Times are timestamptz (UTC,
-- to the millisecond as stored by Pivot); the state and assessments jsonb.

-- Sessions: one trainee's interview with one scenario.
CREATE TABLE sessions (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	platform    text        NOT NULL,
	workspace   text        NOT NULL DEFAULT '',
	channel     text        NOT NULL DEFAULT '',
	thread      text        NOT NULL DEFAULT '',
	user_id     text        NOT NULL,
	conv_key    text        NOT NULL,
	scenario_id text        NOT NULL,
	state       jsonb       NOT NULL,
	turn        integer     NOT NULL DEFAULT 0,
	coach       boolean     NOT NULL DEFAULT true,
	status      text        NOT NULL CHECK (status IN ('open', 'ended')),
	group_id    bigint,     -- NULL: not part of a group exercise
	started_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	ended_at    timestamptz,
	-- Optimistic concurrency: every write bumps it (compare-and-set).
	version     bigint      NOT NULL DEFAULT 0,
	-- Inline coaching: who decides, the fade level chosen at start, why.
	coach_mode  text        NOT NULL DEFAULT 'auto' CHECK (coach_mode IN ('auto', 'on', 'off')),
	fade_level  integer     NOT NULL DEFAULT 0,
	fade_note   text        NOT NULL DEFAULT ''
);
-- At most one open session per conversation; also serves OpenSession.
CREATE UNIQUE INDEX sessions_open_conv ON sessions (conv_key) WHERE status = 'open';
CREATE INDEX sessions_user ON sessions (platform, user_id, started_at);
CREATE INDEX sessions_open_platform ON sessions (platform) WHERE status = 'open';
CREATE INDEX sessions_group ON sessions (group_id, started_at) WHERE group_id IS NOT NULL;
CREATE INDEX sessions_ended ON sessions (ended_at) WHERE status = 'ended';

-- Turns: one trainee reply and the character's answer; label, phase and
-- question repeat the assessment's so figures are computed in SQL.
CREATE TABLE turns (
	session_id   bigint      NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	n            integer     NOT NULL,
	text         text        NOT NULL,
	cut          boolean     NOT NULL DEFAULT false,
	assessment   jsonb       NOT NULL,
	label        text        NOT NULL DEFAULT '',
	phase        text        NOT NULL DEFAULT '',
	question     text        NOT NULL DEFAULT '',
	intent       text        NOT NULL DEFAULT '',
	fallback     boolean     NOT NULL DEFAULT false,
	clarify      boolean     NOT NULL DEFAULT false,
	reaction     text        NOT NULL DEFAULT '',
	reply_id     text        NOT NULL DEFAULT '',
	reply        text        NOT NULL DEFAULT '',
	trust_before integer     NOT NULL,
	trust_after  integer     NOT NULL,
	disclosed    jsonb       NOT NULL DEFAULT '[]',
	ended        boolean     NOT NULL DEFAULT false,
	trace        jsonb       NOT NULL DEFAULT '[]',
	at           timestamptz NOT NULL,
	PRIMARY KEY (session_id, n)
);

-- Events: platform event ids already handled, by any instance.
CREATE TABLE events (
	id      text        PRIMARY KEY,
	seen_at timestamptz NOT NULL
);
CREATE INDEX events_seen ON events (seen_at);

-- Group exercises; members are the sessions whose group_id points here.
CREATE TABLE group_exercises (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	platform    text        NOT NULL,
	workspace   text        NOT NULL DEFAULT '',
	channel     text        NOT NULL DEFAULT '',
	trainer     text        NOT NULL,
	scenario_id text        NOT NULL,
	seed        bigint      NOT NULL,
	coach       text        NOT NULL DEFAULT 'auto' CHECK (coach IN ('', 'auto', 'on', 'off')),
	status      text        NOT NULL CHECK (status IN ('open', 'ended')),
	started_at  timestamptz NOT NULL,
	ended_at    timestamptz
);
CREATE INDEX groups_channel ON group_exercises (platform, workspace, channel) WHERE status = 'open';
CREATE INDEX groups_trainer ON group_exercises (platform, trainer, started_at);

-- Trainers named with `pivot trainer add`; platform '' means any.
CREATE TABLE trainers (
	platform text        NOT NULL DEFAULT '',
	user_id  text        NOT NULL,
	added_at timestamptz NOT NULL,
	PRIMARY KEY (platform, user_id)
);

-- Figures of purged sessions, unattributed: by scenario and UTC start day.
CREATE TABLE aggregates (
	day         text    NOT NULL,
	scenario_id text    NOT NULL,
	sessions    integer NOT NULL DEFAULT 0,
	turns       integer NOT NULL DEFAULT 0,
	non_blaming integer NOT NULL DEFAULT 0,
	open        integer NOT NULL DEFAULT 0,
	PRIMARY KEY (day, scenario_id)
);
