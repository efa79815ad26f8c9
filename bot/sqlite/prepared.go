package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Statements run on every turn are prepared once. database/sql with this
// driver otherwise parses the SQL text again on every call: parsing was
// 11–18 % of a turn's CPU in pivot bench's profile (docs/benchmarks.md),
// more than the statements' execution. A prepared *sql.Stmt is prepared
// again by database/sql on each pool connection it meets, and SQLite
// re-prepares it by itself after a schema change.

// statements holds a pool's prepared statements by their SQL text.
type statements struct {
	pool *sql.DB
	mu   sync.Mutex
	byQ  map[string]*sql.Stmt
	shut bool
}

func newStatements(pool *sql.DB) *statements {
	return &statements{pool: pool, byQ: map[string]*sql.Stmt{}}
}

// get returns query prepared on the pool, preparing it on first use.
func (s *statements) get(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return nil, ErrClosed
	}
	if st, ok := s.byQ[query]; ok {
		return st, nil
	}
	st, err := s.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.byQ[query] = st
	return st, nil
}

// close closes every statement; get fails afterwards.
func (s *statements) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shut = true
	var errs []error
	for _, st := range s.byQ {
		errs = append(errs, st.Close())
	}
	clear(s.byQ)
	return errors.Join(errs...)
}
