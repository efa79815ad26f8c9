package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/pivotcoach/pivot/adapters/slack"
)

func init() {
	register(command{name: "slack", summary: "run the practice bot in Slack over Socket Mode (setup: docs/slack.md)", run: runSlack})
}

func runSlack(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("slack", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	flags := addChatFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: pivot slack [--db FILE] [--scenarios DIR] [--metrics-addr ADDR] [--debug]")
		fmt.Fprintln(env.stderr, "\nRuns Pivot in Slack over Socket Mode (no public URL needed). It reads")
		fmt.Fprintln(env.stderr, "SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN (xoxb-…); docs/slack.md")
		fmt.Fprintln(env.stderr, "creates the Slack app from docs/slack-manifest.yaml in a few minutes.")
		fmt.Fprintln(env.stderr)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("slack takes no arguments, only options")
	}
	cfg, err := slack.ConfigFromEnv(env.getenv)
	if err != nil {
		return err
	}
	chat, err := startChat(ctx, env, flags, slack.Platform)
	if err != nil {
		return err
	}
	defer chat.store.Close()
	cfg.Logger = chat.log
	cfg.Observer = chat.platformObserver()
	ad, err := slack.New(chat.bot, cfg)
	if err != nil {
		return err
	}
	if err := chat.serveOps(ctx, ad.Connected); err != nil {
		return err
	}
	chat.log.Info("starting pivot slack", "db", storeName(chat.store), "scenarios", chat.scenarios)
	return ad.Run(ctx)
}
