package discord

import (
	"testing"

	"github.com/bwmarrin/discordgo"
)

// Every /pivot subcommand reaches the bot as the words a user could type
// on any platform.
func TestSubcommandsBecomeBotCommands(t *testing.T) {
	opt := func(name, value string) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: value}
	}
	cases := []struct {
		sub  string
		opts []*discordgo.ApplicationCommandInteractionDataOption
		want string
	}{
		{"start", []*discordgo.ApplicationCommandInteractionDataOption{opt("scenario", "jennifer")}, "start jennifer"},
		{"start", []*discordgo.ApplicationCommandInteractionDataOption{opt("scenario", "jennifer"), opt("difficulty", "hard")}, "start jennifer hard"},
		{"group", []*discordgo.ApplicationCommandInteractionDataOption{opt("what", "end  names:on")}, "group end names:on"},
		{"join", nil, "join"},
		{"forget", []*discordgo.ApplicationCommandInteractionDataOption{opt("step", "me confirm")}, "forget me confirm"},
	}
	registered := map[string]bool{}
	for _, o := range pivotCommand().Options {
		registered[o.Name] = true
	}
	for _, c := range cases {
		if !registered[c.sub] {
			t.Errorf("/pivot %s is not registered", c.sub)
		}
		i := &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, Data: discordgo.ApplicationCommandInteractionData{
			Name:    CommandName,
			Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: c.sub, Type: discordgo.ApplicationCommandOptionSubCommand, Options: c.opts}},
		}}
		got, ok := commandText(i)
		if !ok || got != c.want {
			t.Errorf("/pivot %s → %q (%v), want %q", c.sub, got, ok, c.want)
		}
	}
}
