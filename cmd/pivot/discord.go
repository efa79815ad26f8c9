package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/pivotcoach/pivot/adapters/discord"
)

func init() {
	register(command{name: "discord", summary: "run the practice bot in Discord with /pivot (setup: docs/discord.md)", run: runDiscord})
}

func runDiscord(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("discord", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	flags := addChatFlags(fs)
	public := fs.Bool("public-threads", false, "give sessions public threads (default: private threads only the trainee sees)")
	resume := fs.Duration("resume-window", 24*time.Hour, "at start, tell sessions active within this window that the bot is back (0: resume silently)")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: pivot discord [--db FILE] [--scenarios DIR] [--public-threads] [--metrics-addr ADDR] [--debug]")
		fmt.Fprintln(env.stderr, "\nRuns Pivot as a Discord bot with the /pivot command. It reads")
		fmt.Fprintln(env.stderr, "DISCORD_TOKEN (the bot token) and, optionally, DISCORD_GUILD_ID: the")
		fmt.Fprintln(env.stderr, "server to register /pivot in at once for testing (else globally).")
		fmt.Fprintln(env.stderr, "docs/discord.md creates the application and invites the bot.")
		fmt.Fprintln(env.stderr)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("discord takes no arguments, only options")
	}
	cfg, err := discord.ConfigFromEnv(env.getenv)
	if err != nil {
		return err
	}
	chat, err := startChat(ctx, env, flags, discord.Platform)
	if err != nil {
		return err
	}
	defer chat.store.Close()
	log := chat.log
	// discordgo's own log lines go through slog too, at warning and above
	// unless debugging (its informational lines can carry request URLs).
	discordgo.Logger = func(msgL, caller int, format string, a ...any) {
		lvl := map[int]slog.Level{discordgo.LogError: slog.LevelError, discordgo.LogWarning: slog.LevelWarn,
			discordgo.LogInformational: slog.LevelDebug, discordgo.LogDebug: slog.LevelDebug}[msgL]
		log.Log(context.Background(), lvl, "discordgo", "msg", fmt.Sprintf(format, a...))
	}
	cfg.Logger = log
	cfg.PublicThreads = *public
	cfg.ResumeWindow = *resume
	cfg.Observer = chat.platformObserver()
	ad := discord.New(chat.bot, cfg)
	if err := chat.serveOps(ctx, ad.Connected); err != nil {
		return err
	}
	scope := "globally (may take up to an hour to appear)"
	if cfg.GuildID != "" {
		scope = "in server " + cfg.GuildID
	}
	log.Info("starting pivot discord", "db", storeName(chat.store), "scenarios", chat.scenarios, "commands", scope)
	return ad.Run(ctx)
}
