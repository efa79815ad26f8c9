package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/loadtest"
	"github.com/pivotcoach/pivot/bot/metrics"
	"github.com/pivotcoach/pivot/bot/postgres"
	"github.com/pivotcoach/pivot/bot/sqlite"
)

func init() {
	register(command{name: "bench", summary: "load-test the bot core: pivot bench --trainees 1000 --seconds 20", run: runBench})
}

func runBench(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	trainees := fs.Int("trainees", 1000, "simulated trainees, each with an open session, all at once")
	turns := fs.Int("turns", 20, "lines each trainee says (ignored with --seconds)")
	seconds := fs.Float64("seconds", 0, "run for this many seconds instead of a number of turns")
	rate := fs.Float64("rate", 0, "target turns per second over all trainees (0: as fast as the bot answers)")
	db := fs.String("db", "", "database: a SQLite file or a postgres:// URL (default: a new temporary SQLite file, removed afterwards)")
	scenario := fs.String("scenario", "", "scenario ids, comma-separated (default: all, round-robin)")
	blaming := fs.Float64("blaming", 0.15, "share of blaming lines")
	seed := fs.Int64("seed", 1, "seed for the trainees' choice of lines")
	micro := fs.Int("micro", 20000, "calls per scenario for the scorer and engine figures (0: skip)")
	hold := fs.Bool("hold", false, "print each committed turn as a line 'committed session=S turn=N' (fault tests)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	memprofile := fs.String("memprofile", "", "write a heap profile at the end of the run to this file")
	metricsAt := fs.String("metrics-addr", "", "serve Prometheus metrics at http://`ADDR`/metrics and health at /healthz during the run, as pivot slack does")
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: pivot bench [options]\n\nRun many simulated trainees through the bot core and a real store at once (a SQLite\nfile, or PostgreSQL with --db postgres://…), and print turns per second, latency per turn and memory.\n\n")
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *trainees < 1 {
		return usagef("--trainees must be at least 1")
	}
	if *seconds <= 0 && *turns < 1 {
		return usagef("give --turns (at least 1) or --seconds")
	}
	if *blaming < 0 || *blaming > 1 {
		return usagef("--blaming is a share between 0 and 1")
	}
	lib, err := loadLibrary(env, "")
	if err != nil {
		return err
	}
	var ids []string
	if *scenario != "" {
		for _, id := range strings.Split(*scenario, ",") {
			if _, err := lib.Get(strings.TrimSpace(id)); err != nil {
				return err
			}
			ids = append(ids, strings.TrimSpace(id))
		}
	}
	path := *db
	if path == "" {
		dir, err := os.MkdirTemp("", "pivot-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "bench.db")
	}
	var store bot.Store
	if postgres.IsURL(path) {
		store, err = postgres.Open(ctx, path)
	} else {
		store, err = sqlite.Open(ctx, path)
	}
	if err != nil {
		return err
	}
	defer store.Close()

	out := env.stdout
	cfg := loadtest.Config{Trainees: *trainees, Turns: *turns, Rate: *rate, Scenarios: ids, BlamingShare: *blaming, Seed: *seed,
		Duration: time.Duration(*seconds * float64(time.Second))}
	if *metricsAt != "" {
		m := metrics.New(loadtest.Platform, metrics.WithOpenSessions(loadtest.Platform, countOpen(store)))
		log := slog.New(slog.NewTextHandler(env.stderr, nil))
		opsCtx, stopOps := context.WithCancel(ctx)
		defer stopOps()
		if _, err := serveOps(opsCtx, log, *metricsAt, m, databaseCheck(store)); err != nil {
			return err
		}
		cfg.Observer = m
	}
	if *hold {
		// One write per line, so every line printed before a kill is in
		// the pipe: each names a turn already committed.
		var mu sync.Mutex
		lines := env.stdout
		cfg.OnTurn = func(e loadtest.TurnEvent) {
			mu.Lock()
			fmt.Fprintf(lines, "committed session=%d turn=%d\n", e.SessionID, e.Turn)
			mu.Unlock()
		}
		out = env.stderr // the report
	}

	fmt.Fprintf(out, "pivot bench: %d trainees, %s, %s, GOMAXPROCS=%d, db %s\n", *trainees, describeLoad(cfg), describeRate(*rate), runtime.GOMAXPROCS(0), benchDBName(store))
	if *micro > 0 && !*hold {
		for _, id := range orAll(ids, lib.IDs()) {
			sc, _ := lib.Get(id)
			score, step := loadtest.Micro(sc, *micro)
			fmt.Fprintf(out, "  %-10s scoring %6.1f µs/reply   engine step (incl. scoring) %6.1f µs/turn\n", id, us(score), us(step))
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := loadtest.Run(ctx, store, lib, cfg)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if *memprofile != "" {
		if err := writeHeapProfile(*memprofile); err != nil {
			return err
		}
	}
	printBench(out, res)
	if db, ok := store.(*sqlite.DB); ok {
		printSQLiteFigures(out, db, path)
	}
	if res.Duplicates > 0 {
		return fmt.Errorf("%d replies were delivered twice", res.Duplicates)
	}
	return err
}

func printBench(w io.Writer, r loadtest.Result) {
	fmt.Fprintf(w, "  turns         %d in %.2fs: %.0f turns/s (%d sessions started, %d resumed, %d errors, %d duplicate replies)\n",
		r.Turns, r.Elapsed.Seconds(), r.TurnsPerS, r.Sessions, r.Resumed, r.Errors, r.Duplicates)
	row := func(name string, s loadtest.Summary) {
		fmt.Fprintf(w, "  %-13s p50 %7.3f ms   p99 %7.3f ms   max %7.3f ms   mean %7.3f ms\n", name, ms(s.P50), ms(s.P99), ms(s.Max), ms(s.Mean))
	}
	row("turn", r.Latency)
	row("  commit", r.Write)
	row("  read", r.Read)
	row("  engine+bot", r.Rest)
	if r.Turns > 0 && r.CPUUser+r.CPUSystem > 0 {
		fmt.Fprintf(w, "  cpu           %.1f µs per turn (user %.1f, system %.1f; the whole process: engine, store, GC): at most %.0f turns/s per core\n",
			us(r.CPUPerTurn()), us(r.CPUUser)/float64(r.Turns), us(r.CPUSystem)/float64(r.Turns), float64(time.Second)/float64(r.CPUPerTurn()))
	}
	fmt.Fprintf(w, "  memory        peak heap %.1f MB, stacks %.1f MB, from OS %.1f MB\n", mb(r.PeakHeapInuse), mb(r.PeakStackInuse), mb(r.PeakSys))
	fmt.Fprintf(w, "  per session   %.1f KB open and idle, %.1f KB at peak (heap+stacks over baseline / trainees)\n", r.PerSession/1024, r.PerSessionPeak/1024)
}

func describeLoad(c loadtest.Config) string {
	if c.Duration > 0 {
		return c.Duration.String()
	}
	return fmt.Sprintf("%d turns each", c.Turns)
}

func describeRate(r float64) string {
	if r <= 0 {
		return "closed loop (no think time)"
	}
	return fmt.Sprintf("target %.0f turns/s", r)
}

func orAll(ids, all []string) []string {
	if len(ids) > 0 {
		return ids
	}
	return all
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(f)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func mb(b uint64) float64        { return float64(b) / (1 << 20) }

// benchDBName names the database in the report's first line.
func benchDBName(s bot.Store) string {
	if db, ok := s.(*postgres.DB); ok {
		return "postgres " + db.Where()
	}
	return s.(*sqlite.DB).Path()
}

// printSQLiteFigures prints the file, log and group-commit figures of a
// SQLite run.
func printSQLiteFigures(out io.Writer, store *sqlite.DB, path string) {
	if fi, err := os.Stat(path); err == nil {
		wal, _ := os.Stat(path + "-wal")
		var walSize int64
		if wal != nil {
			walSize = wal.Size()
		}
		now, peak := store.LogBytes()
		fmt.Fprintf(out, "  database      %.1f MB (+ %.1f MB WAL file; log %.1f MB at the last checkpoint, at most %.1f MB)\n",
			mb(uint64(fi.Size())), mb(uint64(walSize)), mb(uint64(now)), mb(uint64(peak)))
	}
	if groups, turns := store.CommitGroups(); groups > 0 {
		fmt.Fprintf(out, "  commits       %d transactions for %d turns (%.1f per commit)\n", groups, turns, float64(turns)/float64(groups))
	}
}
