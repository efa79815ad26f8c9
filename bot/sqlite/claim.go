package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// A terminal conversation (one trainee, one scenario, one database) is
// driven by one process at a time. Without this, a second `pivot practice
// jennifer` closed the first's session and started its own, and the
// first carried on inside the second's. The claim is a row in claims,
// renewed in the background; it is stale, and may be taken over, when the
// process that holds it is gone (same host) or it has not been renewed
// for claimStaleAfter (a process that was killed on another host sharing
// the file, or frozen).
const (
	claimRenewEvery = 10 * time.Second
	claimStaleAfter = 45 * time.Second
)

// ClaimedError says another live process drives the conversation.
type ClaimedError struct {
	ConvKey string
	PID     int
	Host    string
	Since   time.Time
}

func (e *ClaimedError) Error() string {
	return fmt.Sprintf("this interview is open in another pivot process (pid %d on %s, since %s); carry on there, or end it there (/end, or Ctrl-C to keep it for later) and run this again",
		e.PID, e.Host, e.Since.Local().Format("15:04:05"))
}

// ErrClaimLost means another process took the conversation over (this
// one's claim went stale: it was frozen, or could not renew).
var ErrClaimLost = errors.New("another pivot process took this interview over")

// Claim is this process's hold on a conversation, renewed in the
// background until Release.
type Claim struct {
	db         *DB
	key, owner string

	stop     chan struct{}
	done     chan struct{}
	lost     chan struct{}
	lostOnce sync.Once
	relOnce  sync.Once
}

// Claim takes conversation key for this process, or returns a
// *ClaimedError naming the live process that holds it. A stale claim is
// taken over.
func (db *DB) Claim(ctx context.Context, key string) (*Claim, error) {
	var tok [12]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	c := &Claim{db: db, key: key, owner: hex.EncodeToString(tok[:]),
		stop: make(chan struct{}), done: make(chan struct{}), lost: make(chan struct{})}
	host, _ := os.Hostname()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claiming %s: %w", key, err)
	}
	defer tx.Rollback()
	var (
		pid              int
		heldBy           string
		claimed, renewed int64
	)
	now := db.now()
	err = tx.QueryRowContext(ctx, `SELECT pid, host, claimed_at, renewed_at FROM claims WHERE conv_key = ?`, key).
		Scan(&pid, &heldBy, &claimed, &renewed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("claiming %s: %w", key, err)
	default:
		stale := now.Sub(fromMS(renewed)) > claimStaleAfter ||
			(heldBy == host && pid != os.Getpid() && !processAlive(pid))
		if !stale {
			return nil, &ClaimedError{ConvKey: key, PID: pid, Host: heldBy, Since: fromMS(claimed)}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO claims (conv_key, owner, pid, host, claimed_at, renewed_at)
		VALUES (?, ?, ?, ?, ?, ?)`, key, c.owner, os.Getpid(), host, ms(now), ms(now)); err != nil {
		return nil, fmt.Errorf("claiming %s: %w", key, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claiming %s: %w", key, err)
	}
	go c.keep()
	return c, nil
}

// processAlive reports whether process pid (on this host) still runs.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || !(errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH))
}

func (c *Claim) keep() {
	defer close(c.done)
	t := time.NewTicker(claimRenewEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.Renew(context.Background()); errors.Is(err, ErrClaimLost) || c.db.closed.Load() {
				return
			}
			// Any other error (a lock, a full disk): try again next time;
			// the claim only goes stale after claimStaleAfter.
		}
	}
}

// Renew extends the claim; ErrClaimLost if another process took it over.
func (c *Claim) Renew(ctx context.Context) error {
	res, err := c.db.w.ExecContext(ctx, `UPDATE claims SET renewed_at = ? WHERE conv_key = ? AND owner = ?`,
		ms(c.db.now()), c.key, c.owner)
	if err != nil {
		return fmt.Errorf("renewing the claim on %s: %w", c.key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("renewing the claim on %s: %w", c.key, err)
	} else if n == 0 {
		c.lostOnce.Do(func() { close(c.lost) })
		return ErrClaimLost
	}
	return nil
}

// Lost is closed when another process has taken the conversation over.
func (c *Claim) Lost() <-chan struct{} { return c.lost }

// Release gives the conversation up. Releasing twice is harmless.
func (c *Claim) Release(ctx context.Context) error {
	var err error
	c.relOnce.Do(func() {
		close(c.stop)
		<-c.done
		_, err = c.db.w.ExecContext(ctx, `DELETE FROM claims WHERE conv_key = ? AND owner = ?`, c.key, c.owner)
		if err != nil {
			err = fmt.Errorf("releasing the claim on %s: %w", c.key, err)
		}
	})
	return err
}
