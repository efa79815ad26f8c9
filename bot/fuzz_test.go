package bot_test

// Fuzz targets for the bot core: the message splitter, and whole events
// (messages and commands) through Handle with a real SQLite store and the
// in-memory adapter. Seeds run under plain `go test`; longer runs by hand:
//
//	go test -run '^$' -fuzz '^FuzzSplit$' -fuzztime 60s ./bot

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/bottest"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

var fuzzTexts = []string{
	"",
	"hello",
	"line one\nline two\r\nline three",
	"\xff\xfe broken \xc3",
	"😡👨‍👩‍👦🇬🇧" + strings.Repeat("😀", 30),
	strings.Repeat("word ", 900),
	strings.Repeat("x", 4500),
	"\r\n\r\n\r\n",
	"a\u200bb\u202ec\ufeff",
}

func FuzzSplit(f *testing.F) {
	for i, s := range fuzzTexts {
		f.Add(s, uint16(2+i*7))
		f.Add(s, uint16(2000))
	}
	f.Fuzz(func(t *testing.T, text string, lim uint16) {
		limit := 2 + int(lim)%5000
		parts := bot.Split(text, limit)
		if strings.Join(parts, "") != text {
			t.Fatalf("parts do not join back to the text (limit %d)", limit)
		}
		for i, p := range parts {
			if p == "" {
				t.Fatalf("part %d is empty", i)
			}
			if w := bot.Width(p); w > limit {
				t.Fatalf("part %d is %d wide, over the limit %d", i, w, limit)
			}
			if utf8.ValidString(text) && !utf8.ValidString(p) {
				t.Fatalf("part %d cuts a rune: %q", i, p)
			}
			if strings.HasSuffix(p, "\r") && i+1 < len(parts) && strings.HasPrefix(parts[i+1], "\n") {
				t.Fatalf("part %d cuts a CRLF", i)
			}
		}
	})
}

// FuzzHandle sends anything as a message or a command, in a conversation
// with an open session and in one without: Handle never panics, every
// message it sends is valid UTF-8, and the stored session stays
// consistent (turns 1..n, state counting n).
func FuzzHandle(f *testing.F) {
	for _, s := range append(fuzzTexts, "start jennifer", "/end", "/hint", "coach off", "restart", "/frobnicate now", "start ../../etc/passwd", "history") {
		f.Add(s, false)
		f.Add(s, true)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Memory)
	if err != nil {
		f.Fatal(err)
	}
	defer store.Close()
	lib, err := scenarios.Embedded()
	if err != nil {
		f.Fatal(err)
	}
	b := bot.New(store, lib)
	chat := &bottest.Adapter{Threads: true, Private: true}
	session := bot.Conversation{Platform: "fuzz", Channel: "C", Thread: "T", User: "U"}
	plain := bot.Conversation{Platform: "fuzz", Channel: "C", User: "V"}
	f.Fuzz(func(t *testing.T, text string, command bool) {
		chat.Reset()
		if _, err := store.OpenSession(ctx, session); err != nil {
			if _, err := b.Start(ctx, chat.For(), session, "jennifer"); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []bot.Conversation{session, plain} {
			if err := b.Handle(ctx, chat.For(), bot.Event{Conv: c, Text: text, Command: command, Direct: c == plain}); err != nil {
				t.Fatalf("Handle(%q, command=%v): %v", text, command, err)
			}
		}
		for _, m := range chat.Messages() {
			if !utf8.ValidString(m.Message.Text) {
				t.Fatalf("sent invalid UTF-8: %q", m.Message.Text)
			}
		}
		if s, err := store.OpenSession(ctx, session); err == nil {
			recs, err := store.Turns(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != s.State.Turn {
				t.Fatalf("%d turns stored, state counts %d", len(recs), s.State.Turn)
			}
			for i, r := range recs {
				if r.Turn.Number != i+1 || !utf8.ValidString(r.Turn.Text) {
					t.Fatalf("stored turn %d: number %d, text %q", i+1, r.Turn.Number, r.Turn.Text)
				}
			}
		}
	})
}
