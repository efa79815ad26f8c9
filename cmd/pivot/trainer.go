package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/pivotcoach/pivot/bot"
)

func init() {
	register(command{name: "trainer", summary: "name who runs group exercises: pivot trainer add|remove|list [--platform P] USER", run: runTrainer})
}

func runTrainer(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("trainer", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	db := fs.String("db", "", "database file (default $PIVOT_DB, else $XDG_DATA_HOME/pivot/pivot.db)")
	platform := fs.String("platform", "", "the trainer's platform: slack, discord or terminal (default: any)")
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: pivot trainer add|remove|list [--platform P] [USER]\n\n"+
			"Trainers can start, watch and end group exercises and read their reports.\n"+
			"USER is a platform user id (U123) or platform:id (slack:U123). PIVOT_TRAINERS names more.\n\n")
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("say add, remove or list")
	}
	verb, rest := fs.Arg(0), fs.Args()[1:]
	open := openStore
	if verb == "list" {
		open = openReadStore
	}
	store, err := open(ctx, env, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	switch verb {
	case "list":
		if len(rest) > 0 {
			return usagef("list takes no user")
		}
		ids, err := store.Trainers(ctx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			fmt.Fprintf(env.stdout, "%s\n", id)
		}
		for _, id := range configuredTrainers(env) {
			fmt.Fprintf(env.stdout, "%s (PIVOT_TRAINERS)\n", id)
		}
		if len(ids) == 0 && len(configuredTrainers(env)) == 0 {
			fmt.Fprintln(env.stderr, "No trainers yet. Add one with: pivot trainer add --platform slack U123")
		}
		return nil
	case "add", "remove":
		if len(rest) != 1 {
			return usagef("%s takes one user id", verb)
		}
		id := bot.ParseTrainerID(rest[0])
		if *platform != "" {
			if id.Platform != "" && id.Platform != strings.ToLower(*platform) {
				return usagef("%s names platform %s but --platform says %s", rest[0], id.Platform, *platform)
			}
			id.Platform = strings.ToLower(*platform)
		}
		if verb == "add" {
			if err := store.AddTrainer(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "%s is a trainer%s.\n", id.User, onPlatform(id))
			return nil
		}
		ok, err := store.RemoveTrainer(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s was not a trainer%s", id.User, onPlatform(id))
		}
		fmt.Fprintf(env.stdout, "%s is no longer a trainer%s.\n", id.User, onPlatform(id))
		return nil
	}
	return usagef("unknown action %q: say add, remove or list", verb)
}

func onPlatform(id bot.TrainerID) string {
	if id.Platform == "" {
		return " (on any platform)"
	}
	return " on " + id.Platform
}

// configuredTrainers are the trainers PIVOT_TRAINERS names.
func configuredTrainers(env *environment) []bot.TrainerID {
	return bot.ParseTrainers(env.getenv("PIVOT_TRAINERS"))
}

// chatOptions are the bot options every chat adapter command should use:
// trainers from PIVOT_TRAINERS and the retention period from
// PIVOT_RETENTION_DAYS. After bot.New, call RunRetention(ctx) once.
func chatOptions(env *environment) ([]bot.Option, error) {
	opts := []bot.Option{bot.WithTrainers(env.getenv("PIVOT_TRAINERS"))}
	if v := strings.TrimSpace(env.getenv("PIVOT_RETENTION_DAYS")); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil || days < 0 {
			return nil, fmt.Errorf("PIVOT_RETENTION_DAYS=%q: want a whole number of days (0: keep for ever)", v)
		}
		opts = append(opts, bot.WithRetention(days))
	}
	return opts, nil
}
