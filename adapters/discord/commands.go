package discord

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/pivotcoach/pivot/bot"
)

// CommandName is the one application command; everything is a subcommand.
const CommandName = "pivot"

// pivotCommand is /pivot and its subcommands. Each subcommand is a bot
// command of the same name, so the words match every other platform.
func pivotCommand() *discordgo.ApplicationCommand {
	// Slash commands work in servers and in direct messages with the bot.
	contexts := []discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	return &discordgo.ApplicationCommand{
		Name:        CommandName,
		Description: "Practise non-blaming domestic-violence interviews",
		Contexts:    &contexts,
		Options: []*discordgo.ApplicationCommandOption{
			sub("start", "Begin an interview in a thread of its own",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "scenario",
					Description: "Who to interview", Required: true, Autocomplete: true},
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "difficulty",
					Description: "gentle to learn, standard for a course day (default), hard for assessment",
					Choices:     []*discordgo.ApplicationCommandOptionChoice{{Name: "gentle", Value: "gentle"}, {Name: "standard", Value: "standard"}, {Name: "hard", Value: "hard"}}}),
			sub("list", "The scenarios you can practise"),
			sub("hint", "A question worth asking next (only you see it)"),
			sub("undo", "Take back your last reply and say it another way"),
			sub("coach", "Inline feedback after a blaming reply",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "mode",
					Description: "on (default) or off for an exam-style run", Required: true,
					Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "on", Value: "on"}, {Name: "off", Value: "off"}}}),
			sub("end", "Finish the interview and get your debrief"),
			sub("restart", "Start the same interview again"),
			sub("history", "Your past sessions and how they went"),
			sub("review", "A session turn by turn (only you see it)",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "which",
					Description: "a session number; trainers: a trainee (@name) in your group exercise. Default: your last"}),
			sub("help", "What Pivot does and its commands"),
			sub("group", "Trainers: run a group exercise in this channel",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "what",
					Description: "start SCENARIO · status · end (names:on to show names) · coach on|off|auto", Required: true}),
			sub("join", "Join the group exercise running in this channel",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "exercise",
					Description: "the exercise number, if more than one is running"}),
			sub("forget", "Delete your transcripts and scores",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "step",
					Description: "ask first, then confirm", Required: true,
					Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "ask", Value: "me"}, {Name: "confirm", Value: "me confirm"}}}),
		},
	}
}

// commandText is the bot command an interaction carries: "start
// jennifer" from /pivot start scenario:jennifer, a button's custom_id.
func commandText(i *discordgo.Interaction) (string, bool) {
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		d := i.ApplicationCommandData()
		if d.Name != CommandName || len(d.Options) == 0 {
			return "", false
		}
		sub := d.Options[0]
		words := []string{sub.Name}
		for _, o := range sub.Options {
			// Not o.StringValue(): it panics on a string option whose
			// value is missing or not a string, which would take the
			// process down from discordgo's handler goroutine.
			if v, ok := o.Value.(string); ok && o.Type == discordgo.ApplicationCommandOptionString {
				words = append(words, strings.Join(strings.Fields(v), " "))
			}
		}
		return strings.Join(words, " "), true
	case discordgo.InteractionMessageComponent:
		id := i.MessageComponentData().CustomID
		return id, id != ""
	}
	return "", false
}

// autocomplete offers the library's scenarios matching what the user has
// typed so far: at most 25, as Discord allows.
func (a *Adapter) autocomplete(i *discordgo.Interaction) {
	typed := ""
	if d := i.ApplicationCommandData(); len(d.Options) > 0 {
		for _, o := range d.Options[0].Options {
			if o.Focused {
				typed = strings.ToLower(strings.TrimSpace(o.StringValue()))
			}
		}
	}
	choices := []*discordgo.ApplicationCommandOptionChoice{}
	for _, s := range bot.ScenarioInfos(a.bot.Library()) {
		hay := strings.ToLower(s.ID + " " + s.Character + " " + s.Title)
		if typed != "" && !strings.Contains(hay, typed) {
			continue
		}
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{
			Name: truncate(fmt.Sprintf("%s — %s", s.Character, s.Title), 100), Value: s.ID})
		if len(choices) == 25 {
			break
		}
	}
	ctx, cancel := context.WithTimeout(a.ctx, 3*time.Second)
	defer cancel()
	err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	}, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Warn("discord autocomplete not answered", "interaction", i.ID, "err", redact(err))
	}
}
