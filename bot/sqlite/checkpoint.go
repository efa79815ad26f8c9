package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the write-ahead log is copied back into the
// database file.
//
// SQLite's automatic checkpoint runs inside whichever commit pushes the WAL
// past 1,000 pages, so one unlucky turn (and every turn queued behind the
// single writer) waits for it: that was the whole p99 tail under load
// (docs/benchmarks.md). The writer therefore turns it off and a connection
// of its own checkpoints in the background. PASSIVE never waits for readers
// or the writer, so it cannot stall a turn; a crash between checkpoints
// loses nothing, because committed frames in the WAL are replayed on open.
const checkpointEvery = 200 * time.Millisecond

// walLimit bounds the write-ahead log under sustained load (measured with
// pivot bench at 1000 and 2000 turns/s: 16 MB gave p99 15/31 ms, 64 MB
// 8/43 ms, 256 MB 4/10 ms; at a course day's real rate the log starts over
// in the pauses long before this). A PASSIVE
// checkpoint never quite catches a writer that never pauses, and the log
// only starts over once it has; past this size the checkpointer runs a
// RESTART checkpoint, which briefly holds back the writer (its busy
// timeout covers the wait) so the log can start over. The file is not
// trimmed while open (journal_size_limit -1): trimming ran inside the
// first commit after the log started over and stalled it (once 238 ms, on
// this ext4 with online discard); Close empties it.
const walLimit = 256 << 20

// pageSize is SQLite's default page size, which Pivot's files use.
const pageSize = 4096

// checkpointer copies the WAL back in the background until stopped.
type checkpointer struct {
	conn    *sql.DB
	walPath string
	stop    chan struct{}
	done    chan struct{}

	closeOnce sync.Once
	closeErr  error

	// logFrames: the log's length at the last checkpoint, in pages;
	// peakFrames the longest it has been.
	logFrames, peakFrames atomic.Int64

	// truncate: a delete of trainee data could not empty the log at once
	// (readers were in it); TRUNCATE until it has.
	truncate atomic.Bool
}

// wantTruncate asks for TRUNCATE checkpoints until one empties the log.
func (c *checkpointer) wantTruncate() { c.truncate.Store(true) }

func startCheckpointer(name, params, walPath string) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", name+"?"+params)
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	if err := conn.Ping(); err != nil {
		conn.Close()
		return nil, err
	}
	c := &checkpointer{conn: conn, walPath: walPath, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// An error here (say the disk is full) surfaces on the next
			// commit, where the trainee is told; nothing to do but retry.
			// The log's length, not its file's: the file keeps its size
			// when the log starts over (journal_size_limit is off, so
			// no commit ever pays for truncating it).
			mode := "PASSIVE"
			if c.logFrames.Load()*pageSize > walLimit {
				mode = "RESTART"
			}
			if c.truncate.Load() {
				mode = "TRUNCATE"
			}
			c.checkpoint(mode)
		}
	}
}

// catchUpPasses bounds the PASSIVE passes of one tick.
const catchUpPasses = 8

// checkpoint runs one checkpoint in mode. A PASSIVE pass is repeated
// until it has copied the whole log (each pass has less to copy: the
// frames the writer added during the previous one), because only a
// complete checkpoint lets the next commit start the log over. Under
// sustained load a single pass never caught up, the log grew without
// bound (150–210 MB in 10 s at 2,000 turns/s) and the RESTART at
// walLimit stalled every turn queued behind it.
func (c *checkpointer) checkpoint(mode string) {
	for pass := 0; pass < catchUpPasses; pass++ {
		var busy, logFrames, done int
		err := c.conn.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &logFrames, &done)
		if err != nil {
			return
		}
		c.logFrames.Store(int64(logFrames))
		if int64(logFrames) > c.peakFrames.Load() {
			c.peakFrames.Store(int64(logFrames))
		}
		if mode == "TRUNCATE" && busy == 0 {
			c.truncate.Store(false)
		}
		if mode != "PASSIVE" || busy != 0 || done >= logFrames {
			return
		}
	}
}

// LogBytes reports the write-ahead log's length at the last background
// checkpoint and the longest it has been since Open (not the file's
// size, which keeps its high-water mark while open).
func (db *DB) LogBytes() (now, peak int64) {
	if db.ckpt == nil {
		return 0, 0
	}
	return db.ckpt.logFrames.Load() * pageSize, db.ckpt.peakFrames.Load() * pageSize
}

// close stops the background work and folds the whole WAL back into the
// database, so a closed database is one self-contained file. Closing twice
// is harmless.
func (c *checkpointer) close() error {
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.done
		_, err := c.conn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
		if cerr := c.conn.Close(); err == nil {
			err = cerr
		}
		c.closeErr = err
	})
	return c.closeErr
}
