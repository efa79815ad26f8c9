-- Optimistic concurrency: every write to a session bumps its version, and
-- UpdateSession stores only over the version it read (compare-and-set).
-- SaveTurn stores turn n only over turn n-1 (the state's turn, kept in a
-- column of its own so the check does not parse the state).
ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN turn    INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET turn = COALESCE(json_extract(state, '$.turn'), 0);

-- Claims: which process drives a terminal conversation, so a second
-- `pivot practice jennifer` is refused instead of hijacking the first's
-- session. A claim is stale when its process is gone (same host) or it has
-- not been renewed for a while; then it may be taken over.
CREATE TABLE claims (
	conv_key   TEXT    PRIMARY KEY,
	owner      TEXT    NOT NULL,  -- random token of the claiming process
	pid        INTEGER NOT NULL,
	host       TEXT    NOT NULL,
	claimed_at INTEGER NOT NULL,
	renewed_at INTEGER NOT NULL
) WITHOUT ROWID;
