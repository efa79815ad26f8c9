package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pivotcoach/pivot/bot"
)

func init() {
	register(command{name: "report", summary: "course records: a group exercise's or a trainee's figures (md, csv, json)", run: runReport})
}

// errRefused is a report the asker may not read.
var errRefused = errors.New("not allowed")

func runReport(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	db := fs.String("db", "", "database file (default $PIVOT_DB, else $XDG_DATA_HOME/pivot/pivot.db)")
	dir := fs.String("scenarios", "", "a folder of your own scenarios (default $PIVOT_SCENARIOS)")
	group := fs.Int64("group", 0, "report on this group exercise (its trainer only)")
	user := fs.String("user", "", "report on this trainee's sessions (yourself, or, for a trainer, a trainee in exercises you ran)")
	since := fs.String("since", "", "only sessions started on or after this day (YYYY-MM-DD)")
	format := fs.String("format", "md", "md, csv or json")
	as := fs.String("as", "", "who is asking: a user id or platform:id (default: you, in the terminal)")
	platform := fs.String("platform", "", "the platform of --as and --user: terminal, slack or discord (default terminal)")
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: pivot report [--group ID | --user ID] [--since YYYY-MM-DD] [--format md|csv|json] [--as USER] [--platform P]\n\n"+
			"Trainers read the group exercises they ran (with no --group or --user: all of them);\n"+
			"trainees read their own sessions.\n\n")
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("report takes only options")
	}
	switch *format {
	case "md", "markdown", "csv", "json":
	default:
		return usagef("--format %q: want md, csv or json", *format)
	}
	var from time.Time
	if *since != "" {
		t, err := time.ParseInLocation("2006-01-02", *since, time.Local)
		if err != nil {
			return usagef("--since %q: want a day as YYYY-MM-DD", *since)
		}
		from = t
	}
	asker := bot.ParseTrainerID(*as)
	if *as == "" {
		asker = bot.TrainerID{User: localUser(env)}
	}
	if *platform != "" {
		asker.Platform = strings.ToLower(*platform)
	}
	if asker.Platform == "" {
		asker.Platform = "terminal"
	}
	who := asker.User
	if *user != "" {
		u := bot.ParseTrainerID(*user)
		if u.Platform != "" && u.Platform != asker.Platform {
			return usagef("--user %s is on %s but the report is for %s", *user, u.Platform, asker.Platform)
		}
		who = u.User
	}

	b, store, err := openReader(ctx, env, *dir, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	reports, err := buildReports(ctx, b, store, asker, who, *user != "", *group, from)
	if errors.Is(err, errRefused) {
		return err
	}
	if err != nil {
		return err
	}
	return bot.WriteReport(env.stdout, *format, reports...)
}

type report = interface {
	Markdown() string
	CSV(io.Writer) error
}

// groupLister is what reports need beyond bot.Store.
type groupLister interface {
	bot.Store
	bot.GroupStore
}

// buildReports applies the permissions: trainers see the exercises they
// ran (and their trainees' sessions in them); trainees see their own.
func buildReports(ctx context.Context, b *bot.Bot, store groupLister, asker bot.TrainerID, who string, userGiven bool, group int64, since time.Time) ([]report, error) {
	// A trainer of record: named a trainer, or ran an exercise here
	// (only trainers can start one).
	trainer, err := b.IsTrainer(ctx, asker.Platform, asker.User)
	if err != nil {
		return nil, err
	}
	ran, err := groupsRunBy(ctx, store, asker, time.Time{})
	if err != nil {
		return nil, err
	}
	trainer = trainer || len(ran) > 0
	if group != 0 {
		g, err := store.Group(ctx, group)
		if errors.Is(err, bot.ErrNotFound) {
			return nil, fmt.Errorf("there is no group exercise %d", group)
		}
		if err != nil {
			return nil, err
		}
		if g.Trainer != asker.User || g.Platform != asker.Platform {
			return nil, fmt.Errorf("%w: group exercise %d was run by another trainer; only they can read its report (you are %s on %s)",
				errRefused, group, asker.User, asker.Platform)
		}
		if userGiven {
			r, err := b.UserReport(ctx, g.Platform, who, since, []int64{g.ID})
			return []report{r}, err
		}
		r, err := b.GroupReport(ctx, g.ID)
		return []report{r}, err
	}
	if who != asker.User {
		if !trainer {
			return nil, fmt.Errorf("%w: you can read only your own report (you are %s on %s)", errRefused, asker.User, asker.Platform)
		}
		if len(ran) == 0 {
			return nil, fmt.Errorf("%w: %s has no sessions in a group exercise you ran", errRefused, who)
		}
		r, err := b.UserReport(ctx, asker.Platform, who, since, ran)
		if err == nil && len(r.Sessions) == 0 {
			return nil, fmt.Errorf("%w: %s has no sessions in a group exercise you ran", errRefused, who)
		}
		return []report{r}, err
	}
	if trainer && !userGiven {
		ids, err := groupsRunBy(ctx, store, asker, since)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			var out []report
			for _, id := range ids {
				r, err := b.GroupReport(ctx, id)
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
			return out, nil
		}
	}
	r, err := b.UserReport(ctx, asker.Platform, who, since, nil)
	return []report{r}, err
}

// groupsRunBy lists the ids of the groups asker ran, oldest first.
func groupsRunBy(ctx context.Context, store bot.GroupStore, asker bot.TrainerID, since time.Time) ([]int64, error) {
	gs, err := store.Groups(ctx, bot.GroupFilter{Platform: asker.Platform, Trainer: asker.User, Since: since})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(gs))
	for i := len(gs) - 1; i >= 0; i-- {
		ids = append(ids, gs[i].ID)
	}
	return ids, nil
}
