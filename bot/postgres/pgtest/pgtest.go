// Package pgtest gives tests a throwaway PostgreSQL database.
//
// With PIVOT_TEST_POSTGRES set (a URL of a server where that user may
// CREATE DATABASE), each test gets a new database there, dropped when it
// ends. Without it, the first test to ask starts a cluster of its own:
// initdb and postgres (from PATH, else /usr/lib/postgresql/*/bin) in a
// temporary directory, listening only on a Unix socket there, stopped by
// Main when the package's tests end. initdb refuses to run as root, so as
// root the cluster is run as the "postgres" user.
//
// When neither works the tests are skipped with a message saying how to
// run them, except in CI (CI set in the environment), where they fail:
// CI must never pass without having run them.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding a server URL to use instead of
// starting a cluster.
const EnvURL = "PIVOT_TEST_POSTGRES"

var (
	once    sync.Once
	cluster *Cluster
	admin   string // URL of a database to run CREATE DATABASE in
	failure error
	counter atomic.Int64
)

// Main runs the package's tests (m.Run) and then stops a cluster started
// for them. Use it in TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	return code
}

// URL returns the URL of a new, empty database for t, dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			admin = u
			return
		}
		cluster, failure = Start()
		if failure == nil {
			admin = cluster.URL("postgres")
		}
	})
	if failure != nil {
		unavailable(t, failure)
	}
	name := fmt.Sprintf("pivot_test_%d_%d", os.Getpid(), counter.Add(1))
	ctx := context.Background()
	if err := adminExec(ctx, "CREATE DATABASE "+name); err != nil {
		unavailable(t, fmt.Errorf("creating a test database on %s: %w", EnvURL, err))
	}
	t.Cleanup(func() {
		if err := adminExec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("dropping test database %s: %v", name, err)
		}
	})
	return withDatabase(admin, name)
}

// unavailable skips t, or fails it in CI.
func unavailable(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("no PostgreSQL for this test: %v. Install PostgreSQL (Debian: apt-get install postgresql) so initdb is on PATH or in /usr/lib/postgresql/*/bin, or set %s to a server URL whose user may create databases", err, EnvURL)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func adminExec(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase is raw with its database replaced by name.
func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

// Cluster is a PostgreSQL cluster started for tests.
type Cluster struct {
	Dir    string // data directory; the socket is here too
	bin    string
	asUser string              // run as this user (when started as root)
	creds  *syscall.Credential // of asUser
	server *exec.Cmd
	exited chan struct{}
}

// Start makes and starts a throwaway cluster in a new temporary directory.
func Start() (*Cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin}
	if os.Geteuid() == 0 {
		c.asUser = "postgres"
	}
	dir, err := os.MkdirTemp("", "pivot-pgtest-")
	if err != nil {
		return nil, err
	}
	c.Dir = dir
	if c.asUser != "" {
		u, err := user.Lookup(c.asUser)
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, initdb needs an unprivileged user %q: %w", c.asUser, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.creds = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "pivot", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	// One user must give a password, so tests can see a wrong one
	// refused; every other local user is trusted.
	hba := filepath.Join(data, "pg_hba.conf")
	rules, err := os.ReadFile(hba)
	if err == nil {
		err = os.WriteFile(hba, append([]byte("local all "+PasswordUser+" scram-sha-256\n"), rules...), 0o600)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// postgres runs as a child of this process (not daemonised by
	// pg_ctl), and is told to stop if this process dies, so a test binary
	// killed by a timeout leaves no server behind. Only a Unix socket, in
	// the directory; speed over durability: the cluster is thrown away.
	args := []string{"-D", data, "-c", "listen_addresses=", "-c", "unix_socket_directories=" + dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=400", "-c", "shared_buffers=32MB"}
	logf, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.server = c.command("postgres", args...)
	c.server.Stdout, c.server.Stderr = logf, logf
	// If this process dies, an immediate shutdown: the data is thrown away.
	c.server.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := c.server.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting postgres: %w", err)
	}
	c.exited = make(chan struct{})
	go func() { c.server.Wait(); logf.Close(); close(c.exited) }()
	if err := c.waitReady(60 * time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		c.Stop()
		return nil, fmt.Errorf("%w: %s", err, log)
	}
	if err := c.createPasswordUser(); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// PasswordUser is a user of a started cluster who must give
// PasswordUserPassword.
const (
	PasswordUser         = "pivot_pw"
	PasswordUserPassword = "right-horse-battery"
)

func (c *Cluster) createPasswordUser() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connecting to the test cluster: %w", err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "CREATE ROLE "+PasswordUser+" LOGIN PASSWORD '"+PasswordUserPassword+"'")
	return err
}

// PasswordURL is the URL of the server's "postgres" database as
// PasswordUser, giving password; false when there is no such user (a
// server from PIVOT_TEST_POSTGRES without PIVOT_TEST_POSTGRES_PASSWORD_USER
// set, which says that user was made as a started cluster makes it).
func PasswordURL(t testing.TB, password string) (string, bool) {
	t.Helper()
	if cluster == nil && admin == "" {
		// Not started yet: a throwaway database starts it.
		URL(t)
	}
	base := admin
	if cluster != nil {
		base = cluster.URL("postgres")
	} else if os.Getenv("PIVOT_TEST_POSTGRES_PASSWORD_USER") != PasswordUser {
		return "", false
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", false
	}
	u.User = url.UserPassword(PasswordUser, password)
	return u.String(), true
}

// URL is the URL of database on the cluster.
func (c *Cluster) URL(database string) string {
	return fmt.Sprintf("postgres://pivot@/%s?host=%s", database, c.Dir)
}

// Stop stops the cluster (a fast shutdown) and removes its directory.
func (c *Cluster) Stop() error {
	defer os.RemoveAll(c.Dir)
	if c.server == nil || c.server.Process == nil {
		return nil
	}
	_ = c.server.Process.Signal(syscall.SIGINT) // a fast shutdown
	select {
	case <-c.exited:
		return nil
	case <-time.After(30 * time.Second):
		_ = c.server.Process.Kill()
		return errors.New("postgres did not stop in 30s; killed")
	}
}

// waitReady waits until the server accepts connections.
func (c *Cluster) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-c.exited:
			return errors.New("postgres exited while starting")
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after %v: %w", limit, err)
		}
	}
}

func (c *Cluster) run(tool string, args ...string) ([]byte, error) {
	return c.command(tool, args...).CombinedOutput()
}

// command runs one of the PostgreSQL programs, as the unprivileged user
// if set (directly, not through runuser or su, so signals reach it).
func (c *Cluster) command(tool string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, tool), args...)
	cmd.Dir = c.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if c.creds != nil {
		cmd.SysProcAttr.Credential = c.creds
	}
	return cmd
}

// findBin finds the directory with initdb and postgres.
func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		// /usr/local/bin/initdb may be a link into the version's bin.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "postgres")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- { // the newest version first
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", errors.New("initdb not found on PATH nor in /usr/lib/postgresql/*/bin")
}
