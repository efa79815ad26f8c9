package discord

// Fuzz the Discord adapter's event parsing: an interaction as the
// gateway delivers it (JSON decoded by discordgo) is turned into a bot
// command without panicking. Seeds run under plain `go test`; longer runs
// by hand:
//
//	go test -run '^$' -fuzz '^FuzzInteraction$' -fuzztime 60s ./adapters/discord

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

func FuzzInteraction(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","type":2,"data":{"name":"pivot","options":[{"name":"start","type":1,"options":[{"name":"scenario","type":3,"value":"jennifer"}]}]}}`,
		`{"id":"2","type":2,"data":{"name":"pivot","options":[{"name":"end","type":1}]}}`,
		`{"id":"3","type":3,"data":{"custom_id":"start brian","component_type":2}}`,
		`{"id":"4","type":2,"data":{"name":"pivot","options":[{"name":"start","type":1,"options":[{"name":"scenario","type":3,"value":5}]}]}}`,
		`{"id":"5","type":2,"data":{"name":"pivot","options":[{"name":"start","type":1,"options":[{"name":"scenario","type":3}]}]}}`,
		`{"id":"6","type":2,"data":{"name":"pivot","options":[{"name":"coach","type":1,"options":[{"name":"on","type":5,"value":"yes"}]}]}}`,
		`{"id":"7","type":2,"data":null}`,
		`{"id":"8","type":3}`,
		`{"id":"9","type":4,"data":{"name":"pivot","options":[{"name":"start","type":1,"options":[{"name":"scenario","type":3,"value":"j","focused":true}]}]}}`,
		`{"id":"10","type":2,"data":{"name":"pivot","options":[{"name":"start\u202e","type":1,"options":[{"name":"scenario","type":3,"value":"<@&1> @everyone \u0000"}]}]}}`,
		`{}`, `null`, `[]`, `{"type":"2"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var i discordgo.Interaction
		if json.Unmarshal(data, &i) != nil {
			return // discordgo drops a payload it cannot decode
		}
		text, ok := commandText(&i)
		if !ok {
			return
		}
		if utf8.ValidString(string(data)) && !utf8.ValidString(text) {
			t.Fatalf("command text %q is not valid UTF-8", text)
		}
	})
}

// FuzzMessageMentions checks the mention handling of onMessage's input:
// a MessageCreate decoded from any JSON has the fields onMessage reads.
func FuzzMessageCreate(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","channel_id":"C","guild_id":"G","content":"<@B> start jennifer","author":{"id":"U"},"type":0}`,
		`{"id":"2","channel_id":"C","content":"hello","type":19}`,
		`{"id":"3","content":"x","author":null}`,
		`{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m discordgo.MessageCreate
		if json.Unmarshal(data, &m) != nil {
			return
		}
		// onMessage starts by rejecting messages with no author; the
		// fields it then reads must be safe to read.
		if m.Message == nil || m.Author == nil {
			return
		}
		_ = m.Content + m.ChannelID + m.GuildID + m.Author.ID
	})
}
