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
	conn, err := c.db.w.Conn(first.ctx)
	if err != nil {
		c.fail(first, err)
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(first.ctx, `BEGIN IMMEDIATE`); err != nil {
		c.fail(first, err)
		return
	}
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
		_, _ = conn.ExecContext(context.Background(), `ROLLBACK`)
		return
	}
	c.groups.Add(1)
	c.turns.Add(int64(len(batch)))
	ctx := context.Background()
	update, err := conn.PrepareContext(ctx, `UPDATE sessions SET state = ?, turn = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND turn = ? AND status = 'open'`)
	if err != nil {
		c.abort(conn, batch, err)
		return
	}
	defer update.Close()
	insert, err := conn.PrepareContext(ctx, `INSERT INTO turns
		(session_id, n, text, cut, assessment, label, phase, question, intent, fallback, clarify,
		 reaction, reply_id, reply, trust_before, trust_after, disclosed, ended, trace, at, trust_changes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		c.abort(conn, batch, err)
		return
	}
	defer insert.Close()
	results := make([]error, len(batch))
	for i, r := range batch {
		refused, err := c.one(ctx, conn, update, insert, r)
		if err != nil {
			c.abort(conn, batch, err)
			return
		}
		results[i] = refused
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		c.abort(conn, batch, err)
		return
	}
	for i, r := range batch {
		r.done <- results[i]
	}
	c.catchUp(conn)
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

// one stores turn r inside a savepoint. refused is r's own refusal
// (stale, duplicate, unknown session: nothing of r stored, the group goes
// on); err is a failure of the whole group.
func (c *committer) one(ctx context.Context, conn *sql.Conn, update, insert *sql.Stmt, r *turnReq) (refused, err error) {
	if _, err := conn.ExecContext(ctx, `SAVEPOINT turn`); err != nil {
		return nil, err
	}
	// The session first, compare-and-set on the turn number: a session
	// that moved on (another process saved this turn, or ended it) is
	// ErrStale, an unknown one ErrNotFound rather than a foreign key
	// failure.
	res, err := update.ExecContext(ctx, r.state, r.t.Number, r.now, r.session, r.t.Number-1)
	if err != nil {
		return nil, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		refused, err = c.why(ctx, conn, r)
		if err != nil {
			return nil, err
		}
		_, err = conn.ExecContext(ctx, `RELEASE turn`)
		return refused, err
	}
	t, a := r.t, r.t.Assessment
	_, err = insert.ExecContext(ctx,
		r.session, t.Number, t.Text, t.Cut, r.assessment, string(a.Label), string(a.Phase), string(a.Question),
		t.Intent, t.Fallback, t.Clarify, string(t.Reaction), t.ReplyID, t.Reply, t.TrustBefore, t.TrustAfter,
		r.disclosed, t.Ended, r.trace, r.now, r.trustChanges)
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		if _, err := conn.ExecContext(ctx, `ROLLBACK TO turn`); err != nil {
			return nil, err
		}
		_, err = conn.ExecContext(ctx, `RELEASE turn`)
		return fmt.Errorf("%w (%w)", ErrDuplicateTurn, bot.ErrStale), err
	}
	if err != nil {
		return nil, err
	}
	_, err = conn.ExecContext(ctx, `RELEASE turn`)
	return nil, err
}

// why says why the compare-and-set of r matched no row.
func (c *committer) why(ctx context.Context, conn *sql.Conn, r *turnReq) (error, error) {
	var status string
	var at int
	err := conn.QueryRowContext(ctx, `SELECT status, turn FROM sessions WHERE id = ?`, r.session).Scan(&status, &at)
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
func (c *committer) abort(conn *sql.Conn, batch []*turnReq, err error) {
	_, _ = conn.ExecContext(context.Background(), `ROLLBACK`)
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
