-- Sessions: one trainee's interview with one scenario. Times are unix
-- milliseconds (UTC); ended_at is NULL while the session is open.
CREATE TABLE sessions (
	id          INTEGER PRIMARY KEY,
	platform    TEXT    NOT NULL,
	workspace   TEXT    NOT NULL DEFAULT '',
	channel     TEXT    NOT NULL DEFAULT '',
	thread      TEXT    NOT NULL DEFAULT '',
	user        TEXT    NOT NULL,
	conv_key    TEXT    NOT NULL,
	scenario_id TEXT    NOT NULL,
	state       TEXT    NOT NULL CHECK (json_valid(state)),
	coach       INTEGER NOT NULL DEFAULT 1 CHECK (coach IN (0, 1)),
	status      TEXT    NOT NULL CHECK (status IN ('open', 'ended')),
	group_id    INTEGER,  -- NULL: not part of a group exercise
	started_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	ended_at    INTEGER
);

-- At most one open session per conversation; also serves OpenSession.
CREATE UNIQUE INDEX sessions_open_conv ON sessions (conv_key) WHERE status = 'open';
-- History and LatestOpenSession: a user's sessions on a platform.
CREATE INDEX sessions_user ON sessions (platform, user, started_at);
-- ListOpenSessions after an adapter restart.
CREATE INDEX sessions_open_platform ON sessions (platform) WHERE status = 'open';
-- Group exercise reports.
CREATE INDEX sessions_group ON sessions (group_id, started_at) WHERE group_id IS NOT NULL;
-- Retention: ended sessions by age.
CREATE INDEX sessions_ended ON sessions (ended_at) WHERE status = 'ended';

-- Turns: one trainee reply and the character's answer. label, phase and
-- question repeat the assessment's fields so figures can be computed in SQL.
CREATE TABLE turns (
	session_id   INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	n            INTEGER NOT NULL,
	text         TEXT    NOT NULL,
	cut          INTEGER NOT NULL DEFAULT 0,
	assessment   TEXT    NOT NULL CHECK (json_valid(assessment)),
	label        TEXT    NOT NULL DEFAULT '',
	phase        TEXT    NOT NULL DEFAULT '',
	question     TEXT    NOT NULL DEFAULT '',
	intent       TEXT    NOT NULL DEFAULT '',
	fallback     INTEGER NOT NULL DEFAULT 0,
	clarify      INTEGER NOT NULL DEFAULT 0,
	reaction     TEXT    NOT NULL DEFAULT '',
	reply_id     TEXT    NOT NULL DEFAULT '',
	reply        TEXT    NOT NULL DEFAULT '',
	trust_before INTEGER NOT NULL,
	trust_after  INTEGER NOT NULL,
	disclosed    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(disclosed)),
	ended        INTEGER NOT NULL DEFAULT 0,
	trace        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(trace)),
	at           INTEGER NOT NULL,
	PRIMARY KEY (session_id, n)
) WITHOUT ROWID;

-- Events: platform event ids already handled, to drop re-deliveries.
CREATE TABLE events (
	id      TEXT    PRIMARY KEY,
	seen_at INTEGER NOT NULL
) WITHOUT ROWID;
