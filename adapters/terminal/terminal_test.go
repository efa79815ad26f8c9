package terminal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

func TestSanitize(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"plain", "Hello, Jennifer — how are the boys? 👋🏽", "Hello, Jennifer — how are the boys? 👋🏽"},
		{"newlines and tabs kept", "a\n\tb", "a\n\tb"},
		{"clear screen", "hi\x1b[2J\x1b[Hthere", "hithere"},
		{"window title (OSC, BEL)", "x\x1b]0;pwned\ay", "xy"},
		{"window title (OSC, ST)", "x\x1b]2;pwned\x1b\\y", "xy"},
		{"colour", "\x1b[31;1mred\x1b[0m", "red"},
		{"charset", "\x1b(0lqk\x1b(B", "lqk"},
		{"lone ESC at end", "abc\x1b", "abc"},
		{"8-bit CSI", "a\u009b2Jb", "ab"},
		{"8-bit OSC", "a\u009d0;t\u009cb", "ab"},
		{"C1", "a\u0085b", "ab"},
		{"carriage return and backspace", "safe\rEVIL\b\b", "safeEVIL"},
		{"NUL and bell", "a\x00b\x07c", "abc"},
		{"DEL", "a\x7fb", "ab"},
		{"bidi override and isolate", "abc\u202edcba\u202c \u2066x\u2069", "abcdcba x"},
		{"line separator", "a\u2028b", "a\nb"},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
		{"OSC never swallows the next line", "a\x1b]0;t\nb", "a\nb"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Sanitize(c.in); got != c.want {
				t.Errorf("Sanitize(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"hi\x1b[2J", "\x1b]0;x\a", "\u202e", "a\rb", "\u009b31m", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		for _, r := range out {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				t.Fatalf("Sanitize(%q) = %q keeps %U", s, out, r)
			}
		}
		if Sanitize(out) != out {
			t.Fatalf("not idempotent on %q", s)
		}
	})
}

// Scenario text printed through the adapter (a trainer's own scenario
// file may hold anything that passes validate) cannot drive the terminal.
func TestScenarioTextIsSanitized(t *testing.T) {
	var out, info bytes.Buffer
	a := &Adapter{Out: &out, Info: &info, Trace: true}
	turn := &dialogue.Turn{Trace: []string{"heard \x1b[2J"}}
	for _, m := range []bot.Message{
		{Kind: bot.KindCharacter, Speaker: "Jen\x1b]0;owned\a", Text: "Hello\x1b[2J\u202e.", Turn: turn},
		{Kind: bot.KindBrief, Text: "Brief\x1b[31m\r"},
		{Kind: bot.KindCoaching, Text: "Coach\x00"},
		{Kind: bot.KindDebrief, Text: "Debrief\u009b2J"},
		{Kind: bot.KindNotice, Text: "Notice\b\b"},
	} {
		if err := a.Send(context.Background(), bot.Conversation{}, m); err != nil {
			t.Fatal(err)
		}
	}
	j := &Adapter{Out: io.Discard, Info: &info, JSON: true}
	j.Send(context.Background(), bot.Conversation{}, bot.Message{Kind: bot.KindCharacter, Speaker: "Jen\x1b[2J", Text: "Hi\x1b]0;x\a"})
	for name, b := range map[string]*bytes.Buffer{"out": &out, "info": &info} {
		if i := bytes.IndexFunc(b.Bytes(), func(r rune) bool {
			return r == 0x1b || r == '\r' || r == '\b' || r == 0 || r == 0x202e || r == 0x9b || r == 0x07
		}); i >= 0 {
			t.Errorf("%s holds a control character at %d: %q", name, i, b.String())
		}
	}
	if !strings.Contains(out.String(), "Jen: Hello.") {
		t.Errorf("text lost: %q", out.String())
	}
}

// rig is a practice session over an in-memory store.
func rig(t *testing.T, store bot.Store) (*Session, *bytes.Buffer) {
	t.Helper()
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	b := bot.New(store, lib, bot.WithSeed(func(bot.Conversation, string) int64 { return 1 }))
	a := &Adapter{Out: &out, Info: &out}
	conv := bot.Conversation{Platform: "terminal", Channel: "local", Thread: "jennifer", User: "t"}
	if _, err := b.Start(context.Background(), a, conv, "jennifer"); err != nil {
		t.Fatal(err)
	}
	return &Session{Bot: b, Adapter: a, Conv: conv, Echo: true}, &out
}

func memStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// repeat is an endless stream of one byte.
type repeat byte

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// A 10 MB line is neither buffered whole nor echoed in full: the
// character hears the first 4,000 characters, the trainee is told, and
// the echo is cut to that.
func TestLongLineIsBoundedAndNotEchoedInFull(t *testing.T) {
	s, out := rig(t, memStore(t))
	in := io.MultiReader(strings.NewReader("Is it safe to talk? "), io.LimitReader(repeat('a'), 10<<20),
		strings.NewReader("\x1b[2J\nHow are the boys?\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := s.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("a 10 MB line cost %d MB of allocation; want it bounded", alloc>>20)
	}
	if out.Len() > 64<<10 {
		t.Errorf("printed %d KB for a 10 MB line; want it cut", out.Len()>>10)
	}
	for _, want := range []string{"longer than 4000 characters", "You: How are the boys?", "(cut)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if bytes.IndexByte(out.Bytes(), 0x1b) >= 0 {
		t.Error("an escape sequence was echoed")
	}
}

func TestReadLine(t *testing.T) {
	r := bufio.NewReaderSize(strings.NewReader("short\r\n"+strings.Repeat("é", 100)+"\nlast"), 16)
	for _, want := range []struct {
		line string
		cut  bool
	}{{"short", false}, {strings.Repeat("é", 10), true}, {"last", false}} {
		line, cut, err := ReadLine(r, 21) // 21 bytes: ten é and half of one
		if err != nil || line != want.line || cut != want.cut {
			t.Errorf("ReadLine = %q, %v, %v; want %q, %v", line, cut, err, want.line, want.cut)
		}
	}
	if _, _, err := ReadLine(r, 21); !errors.Is(err, io.EOF) {
		t.Errorf("at the end: err = %v, want EOF", err)
	}
}

// failingOnce fails the next SaveTurn, as a database locked by another
// writer for a moment would.
type failingOnce struct {
	bot.Store
	mu   sync.Mutex
	fail bool
}

func (s *failingOnce) SaveTurn(ctx context.Context, id int64, t dialogue.Turn, st dialogue.State) error {
	s.mu.Lock()
	fail := s.fail
	s.fail = false
	s.mu.Unlock()
	if fail {
		return errors.New("database is locked (5) (SQLITE_BUSY)")
	}
	return s.Store.SaveTurn(ctx, id, t, st)
}

// After "please try again in a moment" the trainee can try again: the
// terminal stays in the interview (it used to exit).
func TestTransientStoreErrorKeepsTheInterviewGoing(t *testing.T) {
	store := &failingOnce{Store: memStore(t), fail: true}
	s, out := rig(t, store)
	err := s.Run(context.Background(), strings.NewReader("Is it safe to talk?\nIs it safe to talk?\nHow are the boys?\n"))
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out)
	}
	text := out.String()
	if !strings.Contains(text, "Please try again in a moment") {
		t.Errorf("the trainee was not told: %s", text)
	}
	if !strings.Contains(text, "Debrief") {
		t.Errorf("the interview did not go on to the debrief: %s", text)
	}
	sess, err := store.Store.(*sqlite.DB).Sessions(context.Background(), bot.SessionFilter{})
	if err != nil || len(sess) != 1 || sess[0].Turns != 2 {
		t.Errorf("stored: %+v, %v; want one session of 2 turns", sess, err)
	}
}

func TestSanitizeMalformedCSIKeepsTheText(t *testing.T) {
	// A CSI cut short by a newline or a non-ASCII letter stops there.
	for in, want := range map[string]string{"a\x1b[12\nb": "a\nb", "a\x1b[1é": "aé"} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

// The trust meter follows each character reply: plain text unless the
// terminal shows colour, and a cause quoting the trainee's words can never
// drive the terminal.
func TestTrustMeterPlainOrColour(t *testing.T) {
	m := bot.Message{Kind: bot.KindCharacter, Speaker: "Jennifer", Text: "Go on.",
		Meter: &bot.Meter{Trust: 52, Min: 0, Max: 100, Changes: []dialogue.TrustChange{{Delta: 4, Cause: "asked about his behaviour"}, {Delta: -1, Cause: "said “\x1b[2Jhi”"}}}}
	var plainOut, colourOut strings.Builder
	if err := (&Adapter{Out: &plainOut}).Send(context.Background(), bot.Conversation{}, m); err != nil {
		t.Fatal(err)
	}
	if err := (&Adapter{Out: &colourOut, Color: true}).Send(context.Background(), bot.Conversation{}, m); err != nil {
		t.Fatal(err)
	}
	if want := "  trust ▮▮▮▮▮▯▯▯▯▯ 52 (+4: asked about his behaviour; -1: said “"; !strings.Contains(plainOut.String(), want) || strings.Contains(plainOut.String(), "\x1b") {
		t.Errorf("plain meter:\n%q\nwant %q and no escape codes", plainOut.String(), want)
	}
	c := colourOut.String()
	if !strings.Contains(c, "\x1b[33m▮▮▮▮▮\x1b[0m") || !strings.Contains(c, "\x1b[32m+4\x1b[0m: asked about his behaviour") || strings.Contains(c, "\x1b[2J") {
		t.Errorf("colour meter: %q", c)
	}
}
