package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/storetest"
)

// The store contract, shared with bot/postgres.
func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) (bot.Store, func() bot.Store) {
		path := filepath.Join(t.TempDir(), "pivot.db")
		open := func() bot.Store {
			t.Helper()
			db, err := Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			if now != nil {
				db.Now = now
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		return open(), open
	})
}
