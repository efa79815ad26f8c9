// Package loadtest drives many simulated trainees through the bot core at
// once, for `pivot bench` and the fault tests. Each trainee holds one
// practice session in its own conversation and says a realistic mix of
// lines: the scenario's intents' examples (what a trainee would ask) with
// some blaming lines mixed in, so trust moves, coaching is sent and some
// interviews end early (the trainee then starts again).
//
// The driver measures what a course day costs: turns per second, latency
// per turn (split into the store's write, its read and the rest, which is
// the engine, the scorer and the bot), peak memory and memory per open
// session. It uses a real store (the caller's, usually bot/sqlite on a
// temporary file) and a counting in-memory adapter that keeps one entry
// per conversation, so the adapter itself does not grow with the run.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

// Platform is the conversation platform of simulated trainees.
const Platform = "bench"

// Config says how hard to drive the bot.
type Config struct {
	// Trainees is the number of concurrent trainees (open sessions).
	Trainees int
	// Turns per trainee; the run ends when every trainee has said them.
	// With Duration set, Turns is ignored.
	Turns int
	// Duration, when set, runs for this long instead of a turn count.
	Duration time.Duration
	// Rate is the target total turns per second, spread over the
	// trainees (open loop: a slow turn delays only its own trainee, and
	// latency is measured from when the turn was due). 0: closed loop,
	// every trainee sends its next line as soon as the last is answered.
	Rate float64
	// Scenarios to use, round-robin over trainees (empty: all).
	Scenarios []string
	// BlamingShare is the share of lines that are blaming (default 0.15).
	BlamingShare float64
	// Seed makes the choice of lines repeatable.
	Seed int64
	// OnTurn, if set, is called after each turn is committed and its
	// reply delivered (from the trainee's goroutine).
	OnTurn func(TurnEvent)
	// Sample is how often memory is sampled (default 50ms).
	Sample time.Duration
	// Observer, if set, is the bot's (metrics during a bench run).
	Observer bot.Observer
}

// TurnEvent is one committed, answered turn.
type TurnEvent struct {
	Trainee   int
	SessionID int64
	Turn      int
	Blaming   bool
}

// Summary is a latency distribution.
type Summary struct {
	N                   int
	Mean, P50, P99, Max time.Duration
}

func summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return Summary{N: len(ds), Mean: sum / time.Duration(len(ds)), P50: at(0.50), P99: at(0.99), Max: ds[len(ds)-1]}
}

// Result is what a run measured.
type Result struct {
	Trainees int
	// Turns answered; Sessions started (including restarts after an
	// interview ended); Resumed: sessions found open and continued.
	Turns, Sessions, Resumed int
	// Errors: turns whose Handle returned an error or got no reply.
	Errors int
	// Duplicates: replies delivered twice for one turn (must be 0).
	Duplicates int
	Elapsed    time.Duration
	TurnsPerS  float64
	// Latency of a whole turn (Handle: read session, score, step,
	// commit, send); Write: the store's SaveTurn (a committed
	// transaction); Read: the store's OpenSession (and, on a store
	// shared by processes, the wait for the conversation lock); Rest:
	// Latency minus store time, i.e. the scorer, the engine and the bot.
	Latency, Write, Read, Rest Summary
	// Memory: peaks sampled during the run (heap in use, goroutine
	// stacks, total from the OS), and heap+stacks after a GC before the
	// sessions opened and with every session open.
	PeakHeapInuse, PeakStackInuse, PeakSys uint64
	BaseLive, OpenLive                     uint64
	// PerSession is (OpenLive-BaseLive)/Trainees, in bytes: what an idle
	// open session costs. PerSessionPeak is (peak heap+stacks during the
	// run - BaseLive)/Trainees: an upper bound while every trainee is
	// busy (it includes garbage not yet collected).
	PerSession, PerSessionPeak float64
	// CPUUser and CPUSystem are the CPU time the whole process used while
	// the trainees spoke (not while their sessions were opened): every
	// goroutine's, the store's and the garbage collector's. Divided by
	// Turns it is what a turn costs, whatever else the machine is doing
	// (zero where it cannot be measured).
	CPUUser, CPUSystem time.Duration
}

// CPUPerTurn is the process's CPU time per answered turn.
func (r Result) CPUPerTurn() time.Duration {
	if r.Turns == 0 {
		return 0
	}
	return (r.CPUUser + r.CPUSystem) / time.Duration(r.Turns)
}

// timing collects the store time of one turn; the timed store finds it
// in the context.
type timing struct{ write, read time.Duration }

type timingKey struct{}

// TimedStore wraps a store and adds the time spent in SaveTurn and
// OpenSession to the turn timing carried by the context, if any.
type TimedStore struct{ bot.Store }

func (s TimedStore) SaveTurn(ctx context.Context, id int64, t dialogue.Turn, st dialogue.State) error {
	start := time.Now()
	err := s.Store.SaveTurn(ctx, id, t, st)
	if tm, ok := ctx.Value(timingKey{}).(*timing); ok {
		tm.write += time.Since(start)
	}
	return err
}

func (s TimedStore) OpenSession(ctx context.Context, c bot.Conversation) (*bot.Session, error) {
	start := time.Now()
	sess, err := s.Store.OpenSession(ctx, c)
	if tm, ok := ctx.Value(timingKey{}).(*timing); ok {
		tm.read += time.Since(start)
	}
	return sess, err
}

// timedLockingStore is a TimedStore over a store shared by several
// processes (PostgreSQL): the bot takes the store's conversation lock
// around each turn, as it does in service, and the wait for it counts as
// read time (it is a round trip to the database before the session is read).
type timedLockingStore struct {
	TimedStore
	locker bot.ConversationLocker
}

func (s timedLockingStore) LockConversation(ctx context.Context, key string) (func(), error) {
	start := time.Now()
	unlock, err := s.locker.LockConversation(ctx, key)
	if tm, ok := ctx.Value(timingKey{}).(*timing); ok {
		tm.read += time.Since(start)
	}
	return unlock, err
}

// timed wraps store so the turns' store time is measured, keeping the
// conversation lock of a store that has one.
func timed(store bot.Store) bot.Store {
	if l, ok := store.(bot.ConversationLocker); ok {
		return timedLockingStore{TimedStore{store}, l}
	}
	return TimedStore{store}
}

// trainee is one simulated trainee and what the adapter saw for it.
// Only its own goroutine touches it (the bot answers synchronously).
type trainee struct {
	i       int
	conv    bot.Conversation
	sc      *dialogue.Scenario
	pool    *pool
	share   float64
	rng     *rand.Rand
	session int64
	// filled by the adapter during Handle
	replied  int // turn number of the last character reply seen
	ended    bool
	lastTurn int
	dups     int
}

type line struct {
	text    string
	blaming bool
}

// sink is the in-memory adapter: it routes each message to its trainee.
type sink struct{ byKey map[string]*trainee }

func (s *sink) Send(_ context.Context, to bot.Conversation, m bot.Message) error {
	tr := s.byKey[to.Key()]
	if tr == nil {
		return fmt.Errorf("loadtest: message to unknown conversation %s", to.Key())
	}
	if m.Kind == bot.KindCharacter && m.Turn != nil {
		if m.Turn.Number <= tr.lastTurn {
			tr.dups++
		}
		tr.lastTurn = m.Turn.Number
		tr.replied = m.Turn.Number
		if m.Turn.Ended {
			tr.ended = true
		}
	}
	if m.Kind == bot.KindDebrief {
		tr.ended = true
	}
	return nil
}

// BlamingLines are said now and then, by the role spoken to.
var BlamingLines = map[dialogue.Role][]string{
	dialogue.Survivor: {
		"Why haven't you left him?",
		"Why do you keep letting him back in the house?",
		"You need to protect the boys from him.",
		"What did you do to set him off that night?",
		"The two of you need to stop fighting in front of the children.",
		"Why didn't you call the police yourself?",
	},
	dialogue.Perpetrator: {
		"What does she do that winds you up?",
		"How do the two of you stop the arguments?",
		"It sounds like you both lose your temper.",
		"Why does she provoke you like that?",
		"The fights between you are scaring the kids.",
	},
}

// Lines returns a scenario's practice lines: its intents' examples, then
// blaming lines for its role.
func Lines(sc *dialogue.Scenario) (good, blaming []string) {
	for _, in := range sc.Intents {
		good = append(good, in.Examples...)
	}
	return good, BlamingLines[sc.Role]
}

// pool is a scenario's lines, shared by its trainees.
type pool struct{ good, bad []string }

func newPool(sc *dialogue.Scenario) *pool {
	good, bad := Lines(sc)
	if len(good) == 0 {
		good = []string{"How are you doing today?"}
	}
	return &pool{good, bad}
}

// next picks the trainee's next line.
func (tr *trainee) next() line {
	if len(tr.pool.bad) > 0 && tr.rng.Float64() < tr.share {
		return line{tr.pool.bad[tr.rng.IntN(len(tr.pool.bad))], true}
	}
	return line{tr.pool.good[tr.rng.IntN(len(tr.pool.good))], false}
}

// Run drives cfg.Trainees trainees through a bot over store (wrapped in a
// TimedStore). It returns when every trainee has said cfg.Turns lines, or
// cfg.Duration has passed, or ctx ends (then the turns already answered
// are counted and ctx's error is returned with the result).
func Run(ctx context.Context, store bot.Store, lib *scenarios.Library, cfg Config) (Result, error) {
	if cfg.Trainees <= 0 {
		return Result{}, errors.New("loadtest: need at least one trainee")
	}
	if cfg.Turns <= 0 && cfg.Duration <= 0 {
		return Result{}, errors.New("loadtest: give a number of turns or a duration")
	}
	if cfg.BlamingShare == 0 {
		cfg.BlamingShare = 0.15
	}
	if cfg.Sample <= 0 {
		cfg.Sample = 50 * time.Millisecond
	}
	ids := cfg.Scenarios
	if len(ids) == 0 {
		ids = lib.IDs()
	}
	var scs []*dialogue.Scenario
	var pools []*pool
	for _, id := range ids {
		sc, err := lib.Get(id)
		if err != nil {
			return Result{}, err
		}
		scs = append(scs, sc)
		pools = append(pools, newPool(sc))
	}
	ts := timed(store)
	opts := []bot.Option{bot.WithSeed(func(c bot.Conversation, id string) int64 {
		return cfg.Seed + int64(len(c.Key())) // repeatable per run
	})}
	if cfg.Observer != nil {
		opts = append(opts, bot.WithObserver(cfg.Observer))
	}
	b := bot.New(ts, lib, opts...)
	out := &sink{byKey: make(map[string]*trainee, cfg.Trainees)}
	trs := make([]*trainee, cfg.Trainees)
	for i := range trs {
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i)))
		tr := &trainee{i: i, sc: scs[i%len(scs)], pool: pools[i%len(scs)], share: cfg.BlamingShare, rng: rng,
			conv: bot.Conversation{Platform: Platform, Channel: "course", Thread: fmt.Sprintf("t%05d", i), User: fmt.Sprintf("u%05d", i)}}
		trs[i] = tr
		out.byKey[tr.conv.Key()] = tr
	}

	res := Result{Trainees: cfg.Trainees}
	res.BaseLive = live()

	// Open (or resume) every session before the clock starts.
	for _, tr := range trs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		resumed, err := tr.open(ctx, b, out)
		if err != nil {
			return res, err
		}
		if resumed {
			res.Resumed++
		} else {
			res.Sessions++
		}
	}
	res.OpenLive = live()

	// Sample memory while running.
	stopSample := make(chan struct{})
	var sampleWG sync.WaitGroup
	var peakHeap, peakStack, peakSys atomic.Uint64
	sampleWG.Add(1)
	go func() {
		defer sampleWG.Done()
		t := time.NewTicker(cfg.Sample)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			setMax(&peakHeap, ms.HeapInuse)
			setMax(&peakStack, ms.StackInuse)
			setMax(&peakSys, ms.Sys)
			select {
			case <-stopSample:
				return
			case <-t.C:
			}
		}
	}()

	runCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	type stats struct {
		lat, write, read, rest []time.Duration
		turns, errs, sessions  int
	}
	all := make([]stats, len(trs))
	var wg sync.WaitGroup
	user0, system0 := processCPU()
	start := time.Now()
	// With a rate, each trainee speaks every interval, offset so the
	// trainees are spread evenly over it.
	var interval time.Duration
	if cfg.Rate > 0 {
		interval = time.Duration(float64(cfg.Trainees) / cfg.Rate * float64(time.Second))
	}
	for i, tr := range trs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := &all[i]
			due := start
			if interval > 0 {
				due = start.Add(time.Duration(tr.rng.Int64N(int64(interval))))
			}
			for k := 0; cfg.Duration > 0 || k < cfg.Turns; k++ {
				if interval > 0 {
					if d := time.Until(due); d > 0 {
						select {
						case <-time.After(d):
						case <-runCtx.Done():
							return
						}
					}
				}
				if runCtx.Err() != nil {
					return
				}
				ln := tr.next()
				tm := &timing{}
				began := time.Now()
				origin := began
				if interval > 0 && due.Before(began) {
					origin = due // a late turn counts its wait
				}
				before := tr.replied
				err := b.Handle(context.WithValue(context.WithoutCancel(runCtx), timingKey{}, tm), out,
					bot.Event{Conv: tr.conv, Text: ln.text})
				end := time.Now()
				due = due.Add(interval)
				if err != nil || tr.replied == before {
					st.errs++
				} else {
					st.turns++
					lat := end.Sub(origin)
					st.lat = append(st.lat, lat)
					st.write = append(st.write, tm.write)
					st.read = append(st.read, tm.read)
					st.rest = append(st.rest, end.Sub(began)-tm.write-tm.read)
					if cfg.OnTurn != nil {
						cfg.OnTurn(TurnEvent{Trainee: tr.i, SessionID: tr.session, Turn: tr.replied, Blaming: ln.blaming})
					}
				}
				if tr.ended {
					// The interview ended (trust fell, or the character
					// closed it): start again, as a trainee would.
					tr.ended = false
					if _, err := tr.open(context.WithoutCancel(runCtx), b, out); err != nil {
						st.errs++
						return
					}
					st.sessions++
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	user1, system1 := processCPU()
	res.CPUUser, res.CPUSystem = user1-user0, system1-system0
	close(stopSample)
	sampleWG.Wait()

	var lat, write, read, rest []time.Duration
	for i := range all {
		st := &all[i]
		res.Turns += st.turns
		res.Errors += st.errs
		res.Sessions += st.sessions
		lat = append(lat, st.lat...)
		write = append(write, st.write...)
		read = append(read, st.read...)
		rest = append(rest, st.rest...)
	}
	for _, tr := range trs {
		res.Duplicates += tr.dups
	}
	res.Latency, res.Write, res.Read, res.Rest = summarize(lat), summarize(write), summarize(read), summarize(rest)
	res.TurnsPerS = float64(res.Turns) / res.Elapsed.Seconds()
	res.PeakHeapInuse, res.PeakStackInuse, res.PeakSys = peakHeap.Load(), peakStack.Load(), peakSys.Load()
	if res.OpenLive > res.BaseLive {
		res.PerSession = float64(res.OpenLive-res.BaseLive) / float64(cfg.Trainees)
	}
	if p := res.PeakHeapInuse + res.PeakStackInuse; p > res.BaseLive {
		res.PerSessionPeak = float64(p-res.BaseLive) / float64(cfg.Trainees)
	}
	runtime.KeepAlive(trs)
	if cfg.Duration == 0 && ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

// open resumes the trainee's open session or starts a new one.
func (tr *trainee) open(ctx context.Context, b *bot.Bot, a bot.Adapter) (bool, error) {
	if s, err := b.Store().OpenSession(ctx, tr.conv); err == nil {
		tr.session = s.ID
		tr.lastTurn = s.State.Turn
		tr.replied = s.State.Turn
		return true, nil
	} else if !errors.Is(err, bot.ErrNotFound) {
		return false, err
	}
	s, err := b.Start(ctx, a, tr.conv, tr.sc.ID)
	if err != nil {
		return false, err
	}
	if s == nil {
		return false, fmt.Errorf("loadtest: trainee %d: no session started", tr.i)
	}
	tr.session = s.ID
	tr.lastTurn, tr.replied = 0, 0
	return false, nil
}

func setMax(a *atomic.Uint64, v uint64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// live is heap and stack memory in use after a full collection.
func live() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// Micro measures the scorer and the engine alone, one goroutine, over a
// scenario's practice lines: time per call of the scenario's scorer and per
// dialogue.Step call (which includes scoring), each over n calls.
func Micro(sc *dialogue.Scenario, n int) (score, step time.Duration) {
	good, bad := Lines(sc)
	lines := append(slices.Clone(good), bad...)
	if len(lines) == 0 || n <= 0 {
		return 0, 0
	}
	scorer := sc.Scorer()
	start := time.Now()
	for i := 0; i < n; i++ {
		_ = scorer.Score(sc.Role, lines[i%len(lines)])
	}
	score = time.Since(start) / time.Duration(n)
	st := dialogue.NewState(sc, 1)
	start = time.Now()
	for i := 0; i < n; i++ {
		var t dialogue.Turn
		t, st = dialogue.Step(sc, st, lines[i%len(lines)])
		if t.Ended || st.Turn > 60 {
			st = dialogue.NewState(sc, int64(i))
		}
	}
	step = time.Since(start) / time.Duration(n)
	return score, step
}
