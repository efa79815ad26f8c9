package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Conversation locks are PostgreSQL session-level advisory locks, taken
// on a connection of their own (from db.locks) and held until unlock: the
// work under the lock runs on the main pool, so however many locks are
// held the work can still get a connection. If this process dies, its
// connections close and the server releases its locks, so another
// instance carries on with the conversation.
//
// The lock id is hashtextextended(key, seed): 64 bits of the key. Two keys
// that collide only serialise each other, which is harmless.
const convLockSeed = 1

// unlockTimeout bounds the unlock: a connection that cannot unlock in
// this time is closed instead, which releases the lock too.
const unlockTimeout = 5 * time.Second

// LockConversation waits (as long as ctx allows) for the lock on key,
// held by any process on this database, and takes it. unlock releases it.
func (db *DB) LockConversation(ctx context.Context, key string) (func(), error) {
	conn, err := db.locks.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("locking conversation: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended($1, $2))`, key, convLockSeed); err != nil {
		// Cancelled while waiting, or the connection failed: the lock may
		// have been granted just as the wait ended, so this connection is
		// not reused.
		hijackClose(conn)
		return nil, fmt.Errorf("locking conversation: %w", err)
	}
	db.hold(conn)
	return func() { db.unlockOn(conn, key, convLockSeed) }, nil
}

// hold records a connection holding a lock, so Close can close it (a
// pool does not close while connections are out).
func (db *DB) hold(conn *pgxpool.Conn) {
	db.heldMu.Lock()
	db.held[conn] = true
	db.heldMu.Unlock()
}

// unhold forgets conn; false if Close has taken it already.
func (db *DB) unhold(conn *pgxpool.Conn) bool {
	db.heldMu.Lock()
	defer db.heldMu.Unlock()
	if !db.held[conn] {
		return false
	}
	delete(db.held, conn)
	return true
}

// closeHeld closes every connection still holding a lock: the server
// releases their locks.
func (db *DB) closeHeld() {
	db.heldMu.Lock()
	conns := make([]*pgxpool.Conn, 0, len(db.held))
	for c := range db.held {
		conns = append(conns, c)
	}
	clear(db.held)
	db.heldMu.Unlock()
	for _, c := range conns {
		hijackClose(c)
	}
}

// unlockOn releases the advisory lock on conn and returns conn to its pool;
// if that fails the connection is closed (which releases it as well).
func (db *DB) unlockOn(conn *pgxpool.Conn, key string, seed int) {
	if !db.unhold(conn) {
		return // closed by Close
	}
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()
	var released bool
	err := conn.QueryRow(ctx, `SELECT pg_advisory_unlock(hashtextextended($1, $2))`, key, seed).Scan(&released)
	if err != nil || !released {
		slog.Debug("advisory unlock failed; closing the connection instead", "err", err)
		hijackClose(conn)
		return
	}
	conn.Release()
}

// hijackClose takes conn out of its pool and closes it: the server then
// ends its session and every advisory lock it held.
func hijackClose(conn *pgxpool.Conn) {
	c := conn.Hijack()
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()
	_ = c.Close(ctx)
}
