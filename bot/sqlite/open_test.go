package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// rawExec runs statements on path through a plain connection, as another
// program would.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestOpenRefusesAnotherProgramsDatabase(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.db")
	rawExec(t, notes, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`, `INSERT INTO notes (body) VALUES ('shopping')`)
	marked := filepath.Join(dir, "marked.db")
	rawExec(t, marked, `PRAGMA application_id = 1234`)
	for _, path := range []string{notes, marked} {
		before, _ := os.ReadFile(path)
		db, err := Open(context.Background(), path)
		if err == nil {
			db.Close()
			t.Fatalf("Open(%s) of another program's database succeeded", path)
		}
		var fe *ForeignFileError
		if !errors.As(err, &fe) {
			t.Fatalf("err = %T %v, want *ForeignFileError", err, err)
		}
		for _, want := range []string{"not a Pivot database", "--db"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("%s was changed by the refused open", filepath.Base(path))
		}
		if _, err := os.Stat(path + "-wal"); err == nil {
			t.Errorf("%s: a WAL was made", filepath.Base(path))
		}
	}
}

func TestOpenRefusesADatabaseFromANewerPivot(t *testing.T) {
	for _, c := range []struct{ name, stmt string }{
		{"user_version", "PRAGMA user_version = 99"},
		{"unknown migration", "INSERT INTO migrations VALUES ('migrations/0099_future.sql', 0)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pivot.db")
			db := open(t, path, nil)
			db.Close()
			rawExec(t, path, c.stmt)
			before, _ := os.ReadFile(path)
			db, err := Open(context.Background(), path)
			if err == nil {
				db.Close()
				t.Fatal("Open of a newer database succeeded")
			}
			var ne *NewerSchemaError
			if !errors.As(err, &ne) || ne.Known != schemaVersion() {
				t.Fatalf("err = %T %v, want *NewerSchemaError", err, err)
			}
			if !strings.Contains(err.Error(), "newer version of Pivot") || !strings.Contains(err.Error(), "upgrade Pivot") {
				t.Errorf("message %q does not say what is wrong and what to do", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("the newer file was changed")
			}
		})
	}
}

func TestOpenMarksTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pivot.db")
	db := open(t, path, nil)
	if got := pragma(t, db.w, "application_id"); got != "1346983508" {
		t.Errorf("application_id = %s, want %d", got, ApplicationID)
	}
	if got := pragma(t, db.w, "user_version"); got != "4" || schemaVersion() != 4 {
		t.Errorf("user_version = %s, want %d", got, schemaVersion())
	}
	db.Close()
	// A file from before the marks (a Pivot table set, no id) is adopted.
	rawExec(t, path, `PRAGMA application_id = 0`, `PRAGMA user_version = 0`)
	db = open(t, path, nil)
	if got := pragma(t, db.w, "application_id"); got != "1346983508" {
		t.Errorf("after adopting an older file: application_id = %s", got)
	}
}

func TestOpenWhileAnotherProcessWritesSaysLocked(t *testing.T) {
	old := busyTimeout
	busyTimeout = 200
	defer func() { busyTimeout = old }()
	path := filepath.Join(t.TempDir(), "pivot.db")
	db := open(t, path, nil)
	newSession(t, db, conv("U1", ""), "jennifer")
	db.Close()

	locker, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	conn, err := locker.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), `ROLLBACK`)

	// Nothing to migrate: the open succeeds; only writes wait for the lock.
	db, err = Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open of an up-to-date file while another process writes: %v", err)
	}
	db.Close()

	// A migration pending: the lock is named, not the migration.
	conn.ExecContext(context.Background(), `ROLLBACK`)
	rawExec(t, path, `DELETE FROM migrations WHERE name LIKE '%0003%'`, `PRAGMA user_version = 2`)
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	db, err = Open(context.Background(), path)
	if err == nil {
		db.Close()
		t.Fatal("Open with a migration to apply under another's lock succeeded")
	}
	var oe *OpenError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "locked") || !strings.Contains(err.Error(), "try again in a moment") || strings.Contains(err.Error(), "migration") {
		t.Errorf("err = %v; want an OpenError saying it is locked and to try again, not blaming a migration", err)
	}
}

func TestOpenTightensAFileOthersCanRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pivot.db")
	db := open(t, path, nil)
	db.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	open(t, path, nil)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after open = %v, want 0600", fi.Mode().Perm())
	}
}

func TestOpenReadOnlyWritesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pivot.db")
	db := open(t, path, nil)
	sessionWithWords(t, db, "ALICE", 3, true)
	db.Close()
	before, _ := os.ReadFile(path)
	fi0, _ := os.Stat(path)
	time.Sleep(20 * time.Millisecond)

	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ro.Sessions(ctx, bot.SessionFilter{})
	if err != nil || len(rows) != 1 || rows[0].Turns != 3 {
		t.Errorf("Sessions read-only = %d rows, %v", len(rows), err)
	}
	if _, err := ro.FirstDelivery(ctx, "ev1"); err == nil {
		t.Error("a write through a read-only open succeeded")
	}
	ro.Close()
	after, _ := os.ReadFile(path)
	fi1, _ := os.Stat(path)
	if !bytes.Equal(before, after) || !fi0.ModTime().Equal(fi1.ModTime()) {
		t.Error("the file changed through a read-only open")
	}
	if _, err := OpenReadOnly(ctx, filepath.Join(t.TempDir(), "none.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only open of a missing file: err = %v, want ErrNotExist", err)
	}
}

func TestOpenOnAFullDiskSaysSo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
	}
	f.Close()
	db, err := Open(context.Background(), filepath.Join(dir, "pivot.db"))
	if err == nil {
		db.Close()
		t.Fatal("Open on a full disk succeeded")
	}
	if !strings.Contains(err.Error(), "disk is full") || !strings.Contains(err.Error(), "free some space") {
		t.Errorf("err = %v; want it to say the disk is full and what to do", err)
	}
}

func TestOpenReadOnlyOfAnOlderFileSaysItNeedsUpgrading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pivot.db")
	db := open(t, path, nil)
	db.Close()
	rawExec(t, path, `DELETE FROM migrations WHERE name LIKE '%0003%'`, `PRAGMA user_version = 2`)
	_, err := OpenReadOnly(context.Background(), path)
	if !errors.Is(err, ErrNeedsUpgrade) || !strings.Contains(err.Error(), "pivot practice") {
		t.Errorf("err = %v, want ErrNeedsUpgrade saying what to do", err)
	}
}

// A file made by the Pivot before issue 16 (migrations 0001 and 0002, no
// application_id, no user_version) is adopted and migrated: its sessions
// keep their turn number, so the next turn is stored where it belongs.
func TestOpenMigratesAFileFromTheLastRelease(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pivot.db")
	var stmts []string
	for _, name := range []string{"migrations/0001_init.sql", "migrations/0002_groups_trainers.sql"} {
		body, err := fs.ReadFile(migrationFS, name)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, string(body))
	}
	stmts = append(stmts,
		`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		`INSERT INTO migrations VALUES ('migrations/0001_init.sql', 0), ('migrations/0002_groups_trainers.sql', 0)`,
		`INSERT INTO sessions (id, platform, user, conv_key, scenario_id, state, status, started_at, updated_at)
			VALUES (1, 'slack', 'U1', 'slack/T1/C1//U1', 'jennifer', '{"scenario":"jennifer","turn":2,"trust":50,"last_used":{}}', 'open', 0, 0)`)
	rawExec(t, path, stmts...)
	if _, err := OpenReadOnly(ctx, path); !errors.Is(err, ErrNeedsUpgrade) {
		t.Errorf("read-only open before the upgrade: err = %v, want ErrNeedsUpgrade", err)
	}
	db := open(t, path, nil)
	s, err := db.OpenSession(ctx, conv("U1", ""))
	if err != nil {
		t.Fatal(err)
	}
	if s.State.Turn != 2 {
		t.Fatalf("state at turn %d after migrating", s.State.Turn)
	}
	t3, st3 := turn(s.State, 3, dialogue.NonBlaming, dialogue.Worries, dialogue.OpenQuestion)
	if err := db.SaveTurn(ctx, s.ID, t3, st3); err != nil {
		t.Errorf("turn 3 after migrating: %v", err)
	}
	if got := pragma(t, db.w, "user_version"); got != fmt.Sprint(schemaVersion()) {
		t.Errorf("user_version = %s", got)
	}
}
