package main

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func envWithDB(t *testing.T, db, stdin string) (*environment, *strings.Builder, *strings.Builder) {
	env, out, errb := testEnv(t, stdin)
	env.getenv = func(k string) string {
		switch k {
		case "PIVOT_DB":
			return db
		case "USER":
			return "tester"
		}
		return ""
	}
	o, e := &strings.Builder{}, &strings.Builder{}
	env.stdout, env.stderr = o, e
	_, _ = out, errb
	return env, o, e
}

// history and report only read, so they work on a read-only copy of the
// database (they used to fail: every open wrote to the file).
func TestHistoryAndReportReadAReadOnlyCopy(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a read-only file system needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	db := filepath.Join(dir, "pivot.db")
	env, _, errb := envWithDB(t, db, "Is it safe to talk?\nHow are the boys?\n")
	if code := runMain(context.Background(), env, []string{"practice", "jennifer"}); code != 0 {
		t.Fatalf("practice: exit %d: %s", code, errb)
	}
	if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot remount read-only (%v: %s)", err, out)
	}
	for _, args := range [][]string{{"history"}, {"report", "--user", "tester"}, {"trainer", "list"}} {
		env, out, errb := envWithDB(t, db, "")
		if code := runMain(context.Background(), env, args); code != 0 {
			t.Errorf("%v on a read-only copy: exit %d: %s", args, code, errb)
			continue
		}
		if args[0] != "trainer" && !strings.Contains(out.String(), "2") {
			t.Errorf("%v: output does not show the session's 2 turns:\n%s", args, out)
		}
	}
}

func TestPracticeRefusesAnotherProgramsDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "photos.db")
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	env, _, errb := envWithDB(t, db, "hello\n")
	if code := runMain(context.Background(), env, []string{"practice", "jennifer"}); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errb)
	}
	if !strings.Contains(errb.String(), "is not a Pivot database (its tables are photos)") {
		t.Errorf("message: %s", errb)
	}
	raw, _ = sql.Open("sqlite", db)
	defer raw.Close()
	var n int
	raw.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n)
	if n != 1 {
		t.Errorf("the other program's file now has %d tables, want its 1", n)
	}
}
