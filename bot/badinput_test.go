package bot_test

// Bad input through the bot core, one row per case in the table of
// docs/reliability.md: what the trainee sends, what they get back, and
// what is stored.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

type badInput struct {
	name    string
	text    string
	command bool
	// turn: the line is played as a turn (else nothing is stored).
	turn bool
	// notice: a bot notice containing this is sent ("" for none).
	notice string
	// check inspects the stored turn, when there is one.
	check func(t *testing.T, stored dialogue.Turn)
}

var badInputs = []badInput{
	{name: "empty", text: ""},
	{name: "only spaces and newlines", text: "  \n\t \r\n "},
	{name: "only zero-width and bidi controls", text: "\u200b\u200c\u200d\u2060\ufeff\u202e\u202c"},
	{name: "100 KB", text: strings.Repeat("How are the boys doing at school these days? ", 2300), turn: true,
		notice: "longer than 4000 characters",
		check: func(t *testing.T, s dialogue.Turn) {
			if n := utf8.RuneCountInString(s.Text); !s.Cut || n > dialogue.MaxReplyRunes {
				t.Errorf("stored %d runes, cut=%v; want at most %d, cut", n, s.Cut, dialogue.MaxReplyRunes)
			}
		}},
	{name: "invalid UTF-8", text: "How are \xff\xfe the boys \xc3\x28 doing?", turn: true,
		check: func(t *testing.T, s dialogue.Turn) {
			if !utf8.ValidString(s.Text) || !strings.Contains(s.Text, "\uFFFD") {
				t.Errorf("stored %q: want valid UTF-8 with replacement characters", s.Text)
			}
		}},
	{name: "zero-width characters hiding a blaming question", text: "Why ha\u200bven't you l\u200de\u2060ft h\ufeffim?", turn: true,
		check: func(t *testing.T, s dialogue.Turn) {
			if s.Text != "Why haven't you left him?" || !s.Assessment.Blaming() {
				t.Errorf("stored %q labelled %s: invisible characters must not hide blame", s.Text, s.Assessment.Label)
			}
		}},
	{name: "right-to-left override", text: "\u202eWhy haven't you left him?\u202c", turn: true,
		check: func(t *testing.T, s dialogue.Turn) {
			if strings.ContainsRune(s.Text, '\u202e') || !s.Assessment.Blaming() {
				t.Errorf("stored %q labelled %s: want the override dropped and the blame seen", s.Text, s.Assessment.Label)
			}
		}},
	{name: "right-to-left script", text: "لماذا لم تتركيه؟ למה לא עזבת אותו", turn: true,
		check: func(t *testing.T, s dialogue.Turn) {
			if s.Text != "لماذا لم تتركيه؟ למה לא עזבת אותו" || !s.Fallback {
				t.Errorf("stored %q fallback=%v: want the text kept and an in-character fallback", s.Text, s.Fallback)
			}
		}},
	{name: "emoji", text: "How are the boys doing? 🙂👨‍👩‍👦🇬🇧", turn: true,
		check: func(t *testing.T, s dialogue.Turn) {
			if !strings.Contains(s.Text, "🙂") || !strings.Contains(s.Text, "🇬🇧") {
				t.Errorf("stored %q: emoji lost", s.Text)
			}
		}},
	{name: "mention and markup injection", text: "<!channel> @everyone <@U0PIVOTBOT> *end* `/end` <https://evil.example|click> How are you?", turn: true,
		check: func(t *testing.T, s dialogue.Turn) {
			if !strings.Contains(s.Text, "<!channel> @everyone") || s.Ended {
				t.Errorf("stored %q ended=%v: markup must be kept as words and not act as a command", s.Text, s.Ended)
			}
		}},
	{name: "SQL-looking text", text: "'); DROP TABLE turns; DELETE FROM sessions; -- how are you?", turn: true,
		check: func(t *testing.T, s dialogue.Turn) {
			if s.Text != "'); DROP TABLE turns; DELETE FROM sessions; -- how are you?" {
				t.Errorf("stored %q: want the text verbatim", s.Text)
			}
		}},
	{name: "unknown command", text: "/frobnicate --all", command: true, notice: `I don't know the command "frobnicate"`},
	{name: "unknown command with markup, 10 KB", text: "/<!channel>" + strings.Repeat("x", 10000), command: true, notice: "I don't know the command"},
	{name: "start an unknown scenario with a path", text: "start ../../etc/passwd", command: true, notice: "There is no scenario"},
	{name: "slash text in a channel thread is said, not a command", text: "/end", turn: true},
	{name: "coach with nonsense", text: "/coach maybe-ish", command: true, notice: "Say *coach on* or *coach off*"},
}

// TestBadInput plays each bad input in an open session and checks the
// answer, what is stored, and that the session stays consistent and
// playable.
func TestBadInput(t *testing.T) {
	base := newFaultRig(t, filepath.Join(t.TempDir(), "pivot.db"))
	for i, bi := range badInputs {
		t.Run(bi.name, func(t *testing.T) {
			r := base.fork(t, fmt.Sprintf("bad%d", i))
			r.mustSay("Hi Jennifer, is it safe to talk just now?", 1)
			r.chat.Reset()
			err := r.bot.Handle(context.Background(), r.chat, bot.Event{Conv: r.conv, Text: bi.text, Command: bi.command})
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			var notice, character bool
			for _, m := range r.chat.Messages() {
				if !utf8.ValidString(m.Message.Text) {
					t.Errorf("sent invalid UTF-8: %q", m.Message.Text)
				}
				switch m.Message.Kind {
				case bot.KindCharacter:
					character = true
				case bot.KindNotice:
					if bi.notice != "" && strings.Contains(m.Message.Text, bi.notice) {
						notice = true
					}
					if len(m.Message.Text) > 1000 {
						t.Errorf("notice of %d bytes echoes the input", len(m.Message.Text))
					}
				}
			}
			if bi.notice != "" && !notice {
				t.Errorf("no notice containing %q; sent %+v", bi.notice, r.chat.Messages())
			}
			if character != bi.turn {
				t.Errorf("character answered: %v, want %v", character, bi.turn)
			}
			n := r.consistent()
			want := 1
			if bi.turn {
				want = 2
			}
			if n != want {
				t.Fatalf("%d turns stored, want %d", n, want)
			}
			if bi.check != nil {
				s, _ := r.store.OpenSession(context.Background(), r.conv)
				recs, err := r.store.Turns(context.Background(), s.ID)
				if err != nil {
					t.Fatal(err)
				}
				bi.check(t, recs[len(recs)-1].Turn)
			}
			// The session goes on.
			r.mustSay("How are the boys doing?", want+1)
		})
	}
}
