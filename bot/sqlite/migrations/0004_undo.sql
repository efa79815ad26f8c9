-- Undo: a trainee may take back the last turn and say it another way.
-- The turn taken back is kept here, not deleted, so the debrief can show
-- both versions; figures and trends read only turns, so they count only
-- the version kept. Same columns as turns, plus when it was undone.
CREATE TABLE undone_turns (
	id           INTEGER PRIMARY KEY,
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
	undone_at    INTEGER NOT NULL
);
CREATE INDEX undone_turns_session ON undone_turns (session_id, id);

-- Trainers switch undo off for assessed group exercises.
ALTER TABLE group_exercises ADD COLUMN undo INTEGER NOT NULL DEFAULT 1 CHECK (undo IN (0, 1));

-- The trust meter's causes: each move of trust on a turn and why, so a
-- review shows them as the trainee saw them.
ALTER TABLE turns ADD COLUMN trust_changes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(trust_changes));
ALTER TABLE undone_turns ADD COLUMN trust_changes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(trust_changes));
