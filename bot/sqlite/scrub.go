package sqlite

import (
	"context"
	"fmt"
	"time"
)

// Forgetting a trainee, and retention, must leave nothing of their words
// in the file. Deleting rows alone does not: SQLite keeps freed cells and
// pages as they were, and in WAL mode old page images stay in the log. So
//
//   - the writer runs with secure_delete on, which zeroes what a delete
//     frees (cells inside pages and whole pages);
//   - the file is in auto_vacuum=INCREMENTAL mode, and after a delete an
//     incremental vacuum hands the free pages back to the file system;
//   - then a TRUNCATE checkpoint copies the zeroed pages into the main
//     file and empties the write-ahead log, which held the old images.
//
// The cost is in docs/benchmarks.md.

// incrementalVacuum makes sure the file is in incremental auto-vacuum
// mode. A file made before that (auto_vacuum NONE) is converted once, by a
// VACUUM, which rewrites it.
func (db *DB) incrementalVacuum(ctx context.Context) error {
	var mode int
	if err := db.w.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil {
		return fmt.Errorf("reading auto_vacuum: %w", err)
	}
	if mode == 2 {
		return nil
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return fmt.Errorf("setting auto_vacuum: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("converting the file to incremental vacuum: %w", err)
	}
	return nil
}

// scrubTries bounds how long scrub waits for readers to leave the
// write-ahead log before leaving it to the background checkpointer.
const scrubTries = 20

// scrub runs after a delete of trainee data: it frees the deleted pages
// from the file and empties the write-ahead log, so nothing of the deleted
// rows can be read back from the files. The delete itself is already
// committed; if readers keep the log busy, the checkpointer keeps trying
// to empty it in the background (truncateWanted).
func (db *DB) scrub(ctx context.Context) error {
	if db.states != nil {
		db.states.clear() // nothing of a deleted session stays in memory either
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA incremental_vacuum`); err != nil {
		return fmt.Errorf("freeing deleted pages: %w", err)
	}
	if db.ckpt == nil { // :memory:
		return nil
	}
	for range scrubTries {
		var busy, logFrames, done int
		if err := db.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
			return fmt.Errorf("emptying the write-ahead log: %w", err)
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	db.ckpt.wantTruncate()
	return nil
}
