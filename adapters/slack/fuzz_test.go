package slack

// Fuzz the Slack adapter's event parsing: whatever JSON arrives in a
// Socket Mode envelope (an Events API callback, a slash command, a block
// action) is turned into a bot.Event without panicking, and the event is
// well formed. Seeds run under plain `go test`; longer runs by hand:
//
//	go test -run '^$' -fuzz '^FuzzSlackEvent$' -fuzztime 60s ./adapters/slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/pivotcoach/pivot/adapters/slack/slackfake"
)

func fuzzSeeds(f *testing.F) {
	fake := slackfake.New(f)
	add := func(kind uint8, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(kind, b)
	}
	add(0, slackfake.MessageEvent("Ev1", "C1", "U1", "How are the boys?", "1.1", "1.0"))
	add(0, slackfake.MessageEvent("Ev2", "D1", "U1", "start jennifer", "1.2", ""))
	add(0, slackfake.MessageEvent("Ev3", "C1", "U1", "<@U0PIVOTBOT> end &lt;b&gt; &amp;amp;", "1.3", "1.0"))
	add(0, slackfake.MentionEvent("Ev4", "C1", "U1", "<@U0PIVOTBOT|pivot> <@U0PIVOTBOT", "1.4", ""))
	add(0, slackfake.Callback("Ev5", map[string]any{"type": "message", "subtype": "message_changed", "channel": "C1"}))
	add(0, slackfake.Callback("Ev6", map[string]any{"type": "message", "bot_id": "B1", "text": "x"}))
	add(0, map[string]any{"type": "event_callback", "event": "not an object"})
	add(1, fake.SlashCommand("C1", "U1", "start jennifer"))
	add(1, fake.SlashCommand("", "", "\xff\xfe"))
	add(2, fake.BlockAction("C1", "U1", "1.5", "1.0", ActionPrefix+"0", "end"))
	add(2, fake.BlockAction("D1", "U1", "1.5", "", ActionPrefix+"0", "start ../../x"))
	for _, s := range []string{"", "{}", "null", "[]", `{"type":"event_callback","event":{"type":"app_mention"}}`, "\x00"} {
		f.Add(uint8(0), []byte(s))
		f.Add(uint8(1), []byte(s))
		f.Add(uint8(2), []byte(s))
	}
}

func FuzzSlackEvent(f *testing.F) {
	fuzzSeeds(f)
	a := &Adapter{team: slackfake.TeamID, botUser: slackfake.BotUserID}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		var in *incoming
		switch kind % 3 {
		case 0:
			ev, err := slackevents.ParseEvent(json.RawMessage(data), slackevents.OptionNoVerifyToken())
			if err != nil {
				return
			}
			switch e := ev.InnerEvent.Data.(type) {
			case *slackevents.MessageEvent:
				in = a.fromMessage(ev.TeamID, "Ev", e)
			case *slackevents.AppMentionEvent:
				in = a.fromMention(ev.TeamID, "Ev", e)
				if in != nil && strings.Contains(in.ev.Text, "<@"+a.botUser+">") {
					t.Fatalf("the bot's own mention was left in %q", in.ev.Text)
				}
			}
		case 1:
			var cmd slack.SlashCommand
			if json.Unmarshal(data, &cmd) != nil {
				return
			}
			in = a.fromSlash("env", cmd)
		case 2:
			var cb slack.InteractionCallback
			if json.Unmarshal(data, &cb) != nil {
				return
			}
			in = a.fromAction("env", cb)
		}
		if in == nil {
			return
		}
		if in.ev.Conv.Platform != Platform || !strings.HasPrefix(in.ev.ID, "slack/") {
			t.Fatalf("malformed event %+v", in.ev)
		}
		if strings.Contains(in.ev.Text, "&lt;") && !strings.Contains(string(data), "&amp;lt;") && !strings.Contains(string(data), `\u0026lt;`) {
			t.Fatalf("text left escaped: %q", in.ev.Text)
		}
	})
}

// Unescaping incoming text and escaping it again on the way out gives
// back Slack's form, so nothing a trainee types becomes markup.
func FuzzSlackEscape(f *testing.F) {
	for _, s := range []string{"", "<@U1> <!channel> @here", "a &amp; b &lt; c", "&&lt;lt;", "\xff<"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if strings.ContainsAny(out, "<>") {
			t.Fatalf("Escape(%q) = %q keeps markup characters", s, out)
		}
		if unescape(out) != s {
			t.Fatalf("unescape(Escape(%q)) = %q", s, unescape(out))
		}
	})
}
