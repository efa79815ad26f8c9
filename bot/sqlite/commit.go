package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// Group commit. Every turn's commit goes through the one writer
// connection, so commits are serial; at 2,000 turns/s any stall of the
// writer (a checkpoint's fsync, a descheduled thread on a busy box) queued
// hundreds of turns, each then waiting for every commit in front of it:
// that queue was the p99 (docs/benchmarks.md). Here one goroutine takes
// the turns waiting at a moment and commits them in one transaction, each
// in a savepoint of its own, so a queue drains in one commit. Each turn is
// still atomic (its state and its row together, or neither) and committed
// before SaveTurn returns; one turn refused (stale, duplicate) does not
// affect the others in its group; an error that is not about one turn (a
// full disk, an I/O error) fails the whole group, and nothing of it is
// stored.

// maxGroup bounds the turns in one transaction.
const maxGroup = 128

// ErrClosed is returned (wrapped) by writes after Close.
var ErrClosed = errors.New("the database is closed")

// turnReq is one SaveTurn waiting for its commit.
type turnReq struct {
	ctx                                 context.Context
	session                             int64
	t                                   dialogue.Turn
	state, assessment, disclosed, trace string
	trustChanges                        string
	now                                 int64
	claim                               atomic.Int32 // reqPending, reqTaken or reqAbandoned
	done                                chan error
}

const (
	reqPending   int32 = iota
	reqTaken           // in a group: the answer will come on done
	reqAbandoned       // the caller's context ended first: never stored
)

type committer struct {
	// groups and turns count the transactions and the turns in them.
	groups, turns atomic.Int64

	db          *DB
	lastCatchUp time.Time
	reqs        chan *turnReq
	stop        chan struct{}
	done        chan struct{}
	once        sync.Once
}

func startCommitter(db *DB) *committer {
	c := &committer{db: db, reqs: make(chan *turnReq, 4*maxGroup), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// submit hands r to the committer and waits for its answer.
func (c *committer) submit(r *turnReq) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	select {
	case c.reqs <- r:
	case <-c.stop:
		return ErrClosed
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-r.ctx.Done():
		if r.claim.CompareAndSwap(reqPending, reqAbandoned) {
			return r.ctx.Err() // not begun: nothing will be stored
		}
		return <-r.done // in a group already: its outcome is the truth
	case <-c.done:
		// Closed while r was queued: it was answered, or never will be.
		if r.claim.CompareAndSwap(reqPending, reqAbandoned) {
			return ErrClosed
		}
		return <-r.done
	}
}

// CommitGroups reports how many transactions stored how many turns (the
// turns per commit, for pivot bench).
func (db *DB) CommitGroups() (groups, turns int64) {
	if db.commits == nil {
		return 0, 0
	}
	return db.commits.groups.Load(), db.commits.turns.Load()
}

func (c *committer) close() {
	c.once.Do(func() {
		close(c.stop)
		<-c.done
	})
}

func (c *committer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			// Nothing more will be taken; fail what is queued.
			for {
				select {
				case r := <-c.reqs:
					if r.claim.CompareAndSwap(reqPending, reqTaken) {
						r.done <- ErrClosed
					}
				default:
					return
				}
			}
		case r := <-c.reqs:
			c.group(r)
		}
	}
}

// group commits first and whatever else is waiting, in one transaction.
func (c *committer) group(first *turnReq) {
	// The writer connection and the write lock are waited for under the
	// first turn's context (a turn's deadline bounds its wait for a lock
	// held by another process); once the transaction has begun, nothing
	// cancels it.
	if err := first.ctx.Err(); err != nil {
		c.fail(first, err)
		return
	}
	// Prepared before taking the connection: preparing on the pool
	// needs its one connection.
	insertStmt, updateStmt, err := c.prepared(first.ctx)
	if err != nil {
		c.fail(first, err)
		return
	}
	conn, err := c.db.w.Conn(first.ctx)
	if err != nil {
		c.fail(first, err)
		return
	}
	defer conn.Close()
	tx, release, err := c.begin(first.ctx, conn)
	if err != nil {
		c.fail(first, err)
		return
	}
	defer release()
	var batch []*turnReq
	if first.claim.CompareAndSwap(reqPending, reqTaken) {
		batch = append(batch, first)
	}
gather:
	for len(batch) < maxGroup {
		select {
		case r := <-c.reqs:
			if err := r.ctx.Err(); err != nil {
				c.fail(r, err) // its caller has given up: store nothing
				continue
			}
			if r.claim.CompareAndSwap(reqPending, reqTaken) {
				batch = append(batch, r)
			}
		default:
			break gather
		}
	}
	if len(batch) == 0 {
		_ = tx.Rollback()
		return
	}
	c.groups.Add(1)
	c.turns.Add(int64(len(batch)))
	ctx := context.Background()
	insert, update := tx.StmtContext(ctx, insertStmt), tx.StmtContext(ctx, updateStmt)
	results := make([]error, len(batch))
	for i, r := range batch {
		refused, err := c.one(ctx, tx, insert, update, r)
		if err != nil {
			c.abort(tx, batch, err)
			return
		}
		results[i] = refused
	}
	if err := tx.Commit(); err != nil {
		// A failed COMMIT can leave SQLite's transaction open: end it
		// before the connection is used again.
		_, _ = conn.ExecContext(ctx, `ROLLBACK`)
		c.abort(tx, batch, err)
		return
	}
	for i, r := range batch {
		r.done <- results[i]
	}
	c.catchUp(conn)
}

// begin begins the group's transaction (IMMEDIATE: the writer's
// connection says _txlock=immediate) under ctx, the first turn's context:
// its deadline bounds the wait for a write lock held by another process.
// Once begun, ctx no longer matters: database/sql would roll back a
// transaction whose context ends, and the group's other turns must not
// depend on the first's caller.
func (c *committer) begin(ctx context.Context, conn *sql.Conn) (tx *sql.Tx, release func(), err error) {
	txCtx, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancel)
	if tx, err = conn.BeginTx(txCtx, nil); err != nil {
		stop()
		cancel()
		return nil, nil, err
	}
	if !stop() {
		// ctx ended as the transaction began: it is being rolled back.
		_ = tx.Rollback()
		return nil, nil, ctx.Err()
	}
	return tx, cancel, nil
}

// writerCheckpointAt is the log length past which the committer itself
// finishes the background checkpoint's work between two groups.
const writerCheckpointAt = 8 << 20

// catchUp lets the log start over under sustained load. The background
// PASSIVE passes copy nearly all of the log, but the writer adds more
// while they run, so the log is never completely copied at the moment a
// commit begins, and only then can it start over: at 2,000 turns/s it grew
// to 240 MB in 10 s and the RESTART at walLimit stalled the writer for
// 30–85 ms. Between two groups the writer has nothing in flight, so a
// PASSIVE pass run here copies the short tail the background passes have
// not, and the next group starts the log over.
func (c *committer) catchUp(conn *sql.Conn) {
	ck := c.db.ckpt
	if ck == nil || ck.logFrames.Load()*pageSize < writerCheckpointAt || time.Since(c.lastCatchUp) < checkpointEvery {
		return
	}
	c.lastCatchUp = time.Now()
	var busy, logFrames, done int
	if err := conn.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &done); err == nil {
		ck.logFrames.Store(int64(logFrames))
	}
}

// A turn is two statements, prepared once on the writer (prepared.go):
// the turn's row, inserted only if the session is open and stored at the
// turn before (the compare-and-set), then the session's state. The insert
// goes first so that a refused turn, whether the compare-and-set fails
// (no row inserted) or the turn is already stored (the primary key; SQLite
// undoes the failed statement alone), has changed nothing, and the turns
// of a group need no savepoint each.
const (
	insertTurnQuery = `INSERT INTO turns
		(session_id, n, text, cut, assessment, label, phase, question, intent, fallback, clarify,
		 reaction, reply_id, reply, trust_before, trust_after, disclosed, ended, trace, at, trust_changes)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21
		WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?1 AND turn = ?22 AND status = 'open')`
	updateStateQuery = `UPDATE sessions SET state = ?, turn = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND turn = ? AND status = 'open'`
)

// prepared returns the turn's two statements, prepared on the writer.
func (c *committer) prepared(ctx context.Context) (insert, update *sql.Stmt, err error) {
	if insert, err = c.db.writes.get(ctx, insertTurnQuery); err != nil {
		return nil, nil, err
	}
	if update, err = c.db.writes.get(ctx, updateStateQuery); err != nil {
		return nil, nil, err
	}
	return insert, update, nil
}

// one stores turn r. refused is r's own refusal (stale, duplicate,
// unknown session: nothing of r stored, the group goes on); err is a
// failure of the whole group.
func (c *committer) one(ctx context.Context, tx *sql.Tx, insert, update *sql.Stmt, r *turnReq) (refused, err error) {
	t, a := r.t, r.t.Assessment
	res, err := insert.ExecContext(ctx,
		r.session, t.Number, t.Text, t.Cut, r.assessment, string(a.Label), string(a.Phase), string(a.Question),
		t.Intent, t.Fallback, t.Clarify, string(t.Reaction), t.ReplyID, t.Reply, t.TrustBefore, t.TrustAfter,
		r.disclosed, t.Ended, r.trace, r.now, r.trustChanges, t.Number-1)
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return fmt.Errorf("%w (%w)", ErrDuplicateTurn, bot.ErrStale), nil
	}
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 {
		// The session moved on (another process saved this turn, or
		// ended it): ErrStale; an unknown one is ErrNotFound rather
		// than a foreign key failure.
		return c.why(ctx, tx, r)
	}
	res, err = update.ExecContext(ctx, r.state, t.Number, r.now, r.session, t.Number-1)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n != 1 {
		// Cannot happen: the insert saw the session at the turn before,
		// in this transaction. Fail the group rather than keep a turn
		// without its state.
		return nil, fmt.Errorf("session %d changed within its own transaction", r.session)
	}
	return nil, nil
}

// why says why the compare-and-set of r matched no row.
func (c *committer) why(ctx context.Context, tx *sql.Tx, r *turnReq) (error, error) {
	var status string
	var at int
	err := tx.QueryRowContext(ctx, `SELECT status, turn FROM sessions WHERE id = ?`, r.session).Scan(&status, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return bot.ErrNotFound, nil
	case err != nil:
		return nil, err
	case at >= r.t.Number:
		return fmt.Errorf("stored: turn %d: %w (%w)", at, ErrDuplicateTurn, bot.ErrStale), nil
	case status != string(bot.SessionOpen):
		return fmt.Errorf("the session has ended: %w", bot.ErrStale), nil
	default:
		return fmt.Errorf("stored: turn %d: %w", at, bot.ErrStale), nil
	}
}

// abort rolls the group back and gives every turn in it the error.
func (c *committer) abort(tx *sql.Tx, batch []*turnReq, err error) {
	_ = tx.Rollback()
	for _, r := range batch {
		r.done <- err
	}
}

// fail answers r, if it is still waiting, with err (nothing was begun).
func (c *committer) fail(r *turnReq, err error) {
	if r.claim.CompareAndSwap(reqPending, reqTaken) {
		r.done <- err
	}
}
