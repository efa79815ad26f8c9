package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os/user"
	"strings"
	"sync/atomic"

	"github.com/pivotcoach/pivot/adapters/terminal"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/dialogue"
)

func init() {
	register(command{name: "practice", summary: "interview a character in the terminal: pivot practice jennifer", run: runPractice})
	register(command{name: "play", summary: "practice with the engine's decisions shown: pivot play --trace jennifer", run: runPlay})
}

func runPlay(ctx context.Context, env *environment, args []string) error {
	return practice(ctx, env, "play", args, true)
}

func runPractice(ctx context.Context, env *environment, args []string) error {
	return practice(ctx, env, "practice", args, false)
}

func practice(ctx context.Context, env *environment, name string, args []string, trace bool) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per turn, then the debrief (for scripts)")
	resume := fs.Bool("resume", false, "resume an unfinished session without asking")
	fresh := fs.Bool("new", false, "start a new session without asking, closing any unfinished one")
	fs.BoolVar(&trace, "trace", trace, "show the engine's decisions after each reply")
	db := fs.String("db", "", "database file (default $PIVOT_DB, else $XDG_DATA_HOME/pivot/pivot.db)")
	dir := fs.String("scenarios", "", "a folder of your own scenarios (default $PIVOT_SCENARIOS)")
	seed := fs.Int64("seed", 0, "seed for replies, so a scripted run replays exactly (0: new each time)")
	difficulty := fs.String("difficulty", "standard", "how forgiving the character is: gentle (recover from mistakes), standard (a course day) or hard (assessment)")
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: pivot %s [options] SCENARIO\n\nInterview a character; type your replies, /help for commands.\n\n", name)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *resume && *fresh {
		return usagef("--resume and --new cannot be used together")
	}
	level := dialogue.Difficulty(strings.ToLower(*difficulty))
	if !level.Valid() {
		return usagef("--difficulty is %q; say gentle, standard or hard", *difficulty)
	}
	lib, err := loadLibrary(env, *dir)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("name one scenario to practise; the scenarios are: %s", strings.Join(lib.IDs(), ", "))
	}
	sc, err := lib.Get(fs.Arg(0))
	if err != nil {
		return err
	}
	who := terminal.Sanitize(sc.Character) // scenario text, printed below
	store, err := openStore(ctx, env, *db)
	if err != nil {
		return err
	}
	defer store.Close()

	opts := []bot.Option{bot.WithLogger(slog.New(slog.DiscardHandler))}
	if *seed != 0 {
		s := *seed
		opts = append(opts, bot.WithSeed(func(bot.Conversation, string) int64 { return s }))
	}
	b := bot.New(store, lib, opts...)
	// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
	colour := env.colourOut && env.getenv("NO_COLOR") == ""
	out := &terminal.Adapter{Out: env.stdout, Info: env.stderr, JSON: *asJSON, Trace: trace, Color: colour}
	conv := bot.Conversation{Platform: "terminal", Channel: "local", Thread: sc.ID, User: localUser(env)}
	sess := &terminal.Session{Bot: b, Adapter: out, Conv: conv, Echo: !env.interactive, Prompt: env.interactive && !*asJSON}

	// One process per interview: a second 'pivot practice jennifer' on the
	// same database is refused rather than closing this one's session and
	// starting its own under it.
	lostClaim, release, err := claimInterview(ctx, store, conv.Key(), who)
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var lost atomic.Bool
	go func() {
		select {
		case <-lostClaim:
			lost.Store(true)
			cancel()
		case <-ctx.Done():
		}
	}()

	in := bufio.NewReader(env.stdin)
	old, err := store.OpenSession(ctx, conv)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		if *resume {
			fmt.Fprintf(env.stderr, "No unfinished session with %s to resume; starting a new one.\n", who)
		}
		_, err = b.Start(ctx, out, conv, sc.ID, bot.WithDifficulty(level))
	case err != nil:
		return err
	default:
		doResume := *resume
		if !*resume && !*fresh && env.interactive {
			doResume = ask(env, in, fmt.Sprintf("You have an unfinished interview with %s (%s, started %s). Resume it? [Y/n] ",
				who, bot.Plural(old.State.Turn, "turn"), old.StartedAt.Local().Format("2 Jan 15:04")))
		}
		if doResume {
			_, err = b.Resume(ctx, out, conv)
		} else {
			if !*fresh && !env.interactive {
				fmt.Fprintf(env.stderr, "An unfinished session with %s was closed (it stays in your history); use --resume to continue one instead.\n", who)
			}
			if err = b.Abandon(ctx, conv); err == nil {
				_, err = b.Start(ctx, out, conv, sc.ID, bot.WithDifficulty(level))
			}
		}
	}
	if err != nil {
		return err
	}
	err = sess.Run(ctx, in)
	if errors.Is(err, terminal.ErrInterrupted) && lost.Load() {
		return fmt.Errorf("another pivot process took this interview over; your replies so far are saved. Carry on in that one")
	}
	if errors.Is(err, terminal.ErrInterrupted) {
		fmt.Fprintf(env.stderr, "Session saved. Run 'pivot %s %s' to pick it up again.\n", name, sc.ID)
		return nil
	}
	return err
}

// ask reads a yes/no answer; anything but n/no is yes.
func ask(env *environment, in *bufio.Reader, question string) bool {
	fmt.Fprint(env.stdout, terminal.Sanitize(question))
	line, _, _ := terminal.ReadLine(in, 4096)
	a := strings.ToLower(strings.TrimSpace(line))
	return a != "n" && a != "no"
}

// localUser names the trainee in the terminal: $USER, else the OS user.
func localUser(env *environment) string {
	if u := env.getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "trainee"
}

// interleave lets flags come after positional arguments
// ("pivot practice jennifer --json"), which is how people type.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") {
				if f := fs.Lookup(name); f != nil {
					if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !bf.IsBoolFlag() {
						if i+1 < len(args) {
							flags = append(flags, args[i+1])
							i++
						}
					}
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

// claimInterview makes this process the one driving the interview in a
// SQLite file (a second 'pivot practice' on it is refused with who holds
// it). lost is closed if another process takes it over. On PostgreSQL the
// bot's per-conversation lock in the database serialises the turns, and
// its compare-and-set writes keep two terminals from overwriting each
// other, so there is no claim (lost is never closed).
func claimInterview(ctx context.Context, st store, key, who string) (lost <-chan struct{}, release func(), err error) {
	db, ok := st.(*sqlite.DB)
	if !ok {
		return nil, func() {}, nil
	}
	claim, err := db.Claim(ctx, key)
	var held *sqlite.ClaimedError
	if errors.As(err, &held) {
		return nil, nil, fmt.Errorf("your interview with %s is already open in another pivot (process %d on %s, since %s). Carry on there, or finish it there (/end, or Ctrl-C to keep it for later) and run this again",
			who, held.PID, held.Host, held.Since.Local().Format("15:04"))
	}
	if err != nil {
		return nil, nil, err
	}
	return claim.Lost(), func() { claim.Release(context.WithoutCancel(ctx)) }, nil
}
