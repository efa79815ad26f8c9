-- Undo (bot/sqlite's 0004): a trainee may take back the last turn and say
-- it another way. The turn taken back is kept here, not deleted, so the
-- debrief can show both versions; figures read only turns.
CREATE TABLE undone_turns (
	id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	session_id    bigint      NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	n             integer     NOT NULL,
	text          text        NOT NULL,
	cut           boolean     NOT NULL DEFAULT false,
	assessment    jsonb       NOT NULL,
	label         text        NOT NULL DEFAULT '',
	phase         text        NOT NULL DEFAULT '',
	question      text        NOT NULL DEFAULT '',
	intent        text        NOT NULL DEFAULT '',
	fallback      boolean     NOT NULL DEFAULT false,
	clarify       boolean     NOT NULL DEFAULT false,
	reaction      text        NOT NULL DEFAULT '',
	reply_id      text        NOT NULL DEFAULT '',
	reply         text        NOT NULL DEFAULT '',
	trust_before  integer     NOT NULL,
	trust_after   integer     NOT NULL,
	disclosed     jsonb       NOT NULL DEFAULT '[]',
	ended         boolean     NOT NULL DEFAULT false,
	trace         jsonb       NOT NULL DEFAULT '[]',
	at            timestamptz NOT NULL,
	trust_changes jsonb       NOT NULL DEFAULT '[]',
	undone_at     timestamptz NOT NULL
);
CREATE INDEX undone_turns_session ON undone_turns (session_id, id);

-- Trainers switch undo off for assessed group exercises.
ALTER TABLE group_exercises ADD COLUMN undo boolean NOT NULL DEFAULT true;

-- The trust meter's causes: each move of trust on a turn and why.
ALTER TABLE turns ADD COLUMN trust_changes jsonb NOT NULL DEFAULT '[]';
