// Package terminal runs a practice session in a terminal, or over piped
// input for scripts: each non-empty line is one trainee turn, and lines
// starting with "/" are commands (/help, /hint, /coach on|off, /restart,
// /end, /history, /forget me). The chat platforms' start, list, join and
// group are answered with a notice and never reach the character.
package terminal

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/dialogue"
)

// Adapter prints what the bot says. In JSON mode it prints one object per
// trainee turn and one debrief object to Out, and everything else, as
// text, to Info; otherwise everything goes to Out as text.
type Adapter struct {
	Out  io.Writer
	Info io.Writer
	JSON bool
	// Trace shows the engine's decisions after each reply (pivot play --trace).
	Trace bool
	// Color draws the trust meter in colour (a terminal that shows it,
	// NO_COLOR unset); otherwise it is plain text.
	Color bool

	mu    sync.Mutex
	ended bool
}

// TurnJSON is the --json shape of one trainee turn.
type TurnJSON struct {
	Turn     int                `json:"turn"`
	Text     string             `json:"text"`
	Reply    string             `json:"reply"`
	Intent   string             `json:"intent"`
	Fallback bool               `json:"fallback"`
	Label    dialogue.Label     `json:"label"`
	Findings []dialogue.Finding `json:"findings"`
	Phase    dialogue.Phase     `json:"phase"`
	Question string             `json:"question"`
	Trust    int                `json:"trust"`
	// TrustChanges are the moves of trust on the turn with their causes.
	TrustChanges []dialogue.TrustChange `json:"trust_changes,omitempty"`
	Disclosed    []string               `json:"disclosed"`
	New          []string               `json:"new_disclosures"`
	Ended        bool                   `json:"ended"`
}

// Send writes m.
func (a *Adapter) Send(_ context.Context, _ bot.Conversation, m bot.Message) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if m.Kind == bot.KindDebrief {
		a.ended = true
	}
	if a.JSON {
		return a.sendJSON(m)
	}
	w := a.Out
	var err error
	// Scenario text and the trainee's words quoted back are printed only
	// through Sanitize: a scenario file or a line cannot drive the
	// terminal.
	m.Text = Sanitize(plain(m.Text))
	m.Speaker = Sanitize(m.Speaker)
	switch m.Kind {
	case bot.KindCharacter:
		_, err = fmt.Fprintf(w, "%s: %s\n", m.Speaker, m.Text)
		if m.Meter != nil && err == nil {
			_, err = fmt.Fprintf(w, "  %s\n", a.meter(*m.Meter))
		}
		if a.Trace && m.Turn != nil {
			a.writeTrace(w, m.Turn)
		}
	case bot.KindCoaching:
		_, err = fmt.Fprintf(w, "%s\n", indent(m.Text, "  │ "))
	case bot.KindBrief:
		_, err = fmt.Fprintf(w, "%s\n\n", m.Text)
	case bot.KindDebrief:
		_, err = fmt.Fprintf(w, "\n%s\n", m.Text)
	default:
		_, err = fmt.Fprintf(w, "%s\n", indent(m.Text, "· "))
	}
	return err
}

func (a *Adapter) sendJSON(m bot.Message) error {
	enc := json.NewEncoder(a.Out)
	enc.SetEscapeHTML(false)
	switch {
	case m.Kind == bot.KindCharacter && m.Turn != nil:
		t := m.Turn
		findings := t.Assessment.Findings
		if findings == nil {
			findings = []dialogue.Finding{}
		}
		disclosed := m.Disclosed
		if disclosed == nil {
			disclosed = []string{}
		}
		fresh := t.Disclosed
		if fresh == nil {
			fresh = []string{}
		}
		if err := enc.Encode(TurnJSON{Turn: t.Number, Text: t.Text, Reply: t.Reply, Intent: t.Intent, Fallback: t.Fallback,
			Label: t.Assessment.Label, Findings: findings, Phase: t.Assessment.Phase, Question: string(t.Assessment.Question),
			Trust: t.TrustAfter, TrustChanges: t.TrustChanges, Disclosed: disclosed, New: fresh, Ended: t.Ended}); err != nil {
			return err
		}
		if a.Trace && a.Info != nil {
			a.writeTrace(a.Info, t)
		}
		return nil
	case m.Kind == bot.KindDebrief && m.Debrief != nil:
		return enc.Encode(struct {
			Debrief *dialogue.Debrief `json:"debrief"`
		}{m.Debrief})
	}
	if a.Info != nil {
		prefix := ""
		if m.Kind == bot.KindCharacter {
			prefix = Sanitize(m.Speaker) + ": "
		}
		_, err := fmt.Fprintf(a.Info, "%s%s\n", prefix, Sanitize(m.Text))
		return err
	}
	return nil
}

// ANSI colours for the trust meter.
const (
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
	ansiReset  = "\x1b[0m"
)

// meter is the trust meter line: plain text, or with the filled cells in
// the colour of where trust stands and each move in the colour of its
// direction. Causes quote scenario text and the trainee's words, so they
// are sanitised.
func (a *Adapter) meter(m bot.Meter) string {
	if !a.Color {
		return Sanitize(m.Text())
	}
	f := m.Filled()
	fill := ansiGreen
	switch {
	case f < 3:
		fill = ansiRed
	case f < 6:
		fill = ansiYellow
	}
	s := fmt.Sprintf("trust %s%s%s%s%s%s %d", fill, strings.Repeat("▮", f), ansiReset,
		ansiDim, strings.Repeat("▯", bot.MeterCells-f), ansiReset, m.Trust)
	if len(m.Changes) == 0 {
		return s
	}
	parts := make([]string, len(m.Changes))
	for i, c := range m.Changes {
		colour, sign := ansiGreen, "+"
		if c.Delta < 0 {
			colour, sign = ansiRed, ""
		}
		parts[i] = fmt.Sprintf("%s%s%d%s: %s", colour, sign, c.Delta, ansiReset, Sanitize(c.Cause))
	}
	return s + " (" + strings.Join(parts, "; ") + ")"
}

func (a *Adapter) writeTrace(w io.Writer, t *dialogue.Turn) {
	fmt.Fprintf(w, "  ┌ trace: %s, %s, %s question\n", Sanitize(string(t.Assessment.Label)), Sanitize(string(t.Assessment.Phase)), Sanitize(string(t.Assessment.Question)))
	for _, line := range t.Trace {
		fmt.Fprintf(w, "  │ %s\n", Sanitize(line))
	}
	fmt.Fprintf(w, "  └ trust %d → %d\n", t.TrustBefore, t.TrustAfter)
}

// notices is where the terminal's own notices go: standard error in
// JSON mode (standard output holds only JSON), else with the interview.
func (a *Adapter) notices() io.Writer {
	if a.JSON && a.Info != nil {
		return a.Info
	}
	if a.JSON {
		return io.Discard
	}
	return a.Out
}

// Ended reports whether a debrief has been printed.
func (a *Adapter) Ended() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ended
}

// bold is the chat platforms' *bold* markup, which a terminal shows as
// stray asterisks.
var bold = regexp.MustCompile(`\*([^*\n]+)\*`)

// plain drops chat markup for the terminal.
func plain(s string) string { return bold.ReplaceAllString(s, "$1") }

// Plain is text for the terminal: chat markup dropped and sanitised.
func Plain(s string) string { return Sanitize(plain(s)) }

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// reported reports whether err was already told to the trainee (a store
// that was locked or full for a moment): the interview goes on, and the
// trainee can say the line again.
func reported(err error) bool {
	var re *bot.ReportedError
	return errors.As(err, &re)
}

// echo is the trainee's line as echoed: sanitised, and no longer than
// what the character hears.
func echo(text string) string {
	text = Sanitize(text)
	if utf8.RuneCountInString(text) <= dialogue.MaxReplyRunes {
		return text
	}
	r := []rune(text)
	return string(r[:dialogue.MaxReplyRunes]) + " … (cut)"
}

// Session drives one conversation from a line reader.
type Session struct {
	Bot     *bot.Bot
	Adapter *Adapter
	Conv    bot.Conversation
	// Echo writes each trainee line back ("You: …") so piped runs read as
	// a transcript; Prompt shows "> " before reading (interactive runs).
	Echo   bool
	Prompt bool
}

// ErrInterrupted means the run stopped (Ctrl-C) with the session left
// open, so it can be resumed.
var ErrInterrupted = errors.New("interrupted; the session is saved and can be resumed")

// Run reads trainee lines from in until /end, end of input, or ctx ends.
// At end of input the session ends and the debrief is printed.
func (s *Session) Run(ctx context.Context, in io.Reader) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		// Bounded: a line of any length (a 10 MB paste, a 200 MB pipe)
		// keeps MaxLineBytes; the character hears the first 4,000
		// characters of that and the trainee is told.
		r, ok := in.(*bufio.Reader)
		if !ok || r.Size() < 4096 {
			r = bufio.NewReaderSize(in, 64*1024)
		}
		for {
			line, _, err := ReadLine(r, MaxLineBytes)
			if err == nil {
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
				continue
			}
			if errors.Is(err, io.EOF) {
				err = nil
			}
			readErr <- err
			close(lines)
			return
		}
	}()
	// A turn once begun runs to the end even if ctx ends (Ctrl-C,
	// SIGTERM): its commit and reply are not cut off half-way; the loop
	// stops before the next line.
	turnCtx := context.WithoutCancel(ctx)
	for {
		if ctx.Err() != nil {
			fmt.Fprintln(s.Adapter.Out)
			return ErrInterrupted
		}
		if s.Prompt {
			fmt.Fprint(s.Adapter.Out, "> ")
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			fmt.Fprintln(s.Adapter.Out)
			return ErrInterrupted
		case line, ok = <-lines:
		}
		if !ok {
			if err := <-readErr; err != nil {
				return fmt.Errorf("reading your replies: %w", err)
			}
			if s.Adapter.Ended() {
				return nil
			}
			return s.Bot.End(turnCtx, s.Adapter, s.Conv)
		}
		text := strings.TrimSpace(line)
		if text == "" {
			continue
		}
		switch kind, name := classify(text); kind {
		case helpLine:
			fmt.Fprintln(s.Adapter.notices(), indent(HelpText, "· "))
			continue
		case unsupportedLine:
			fmt.Fprintln(s.Adapter.notices(), indent(unsupportedNotice(name), "· "))
			continue
		}
		if strings.HasPrefix(text, "/") {
			cmd := strings.ToLower(strings.Fields(strings.TrimPrefix(text, "/") + " x")[0])
			if cmd == "quit" || cmd == "exit" {
				cmd = "end"
				text = "/end"
			}
			err := s.Bot.Handle(turnCtx, s.Adapter, bot.Event{Conv: s.Conv, Text: text, Command: true})
			if err != nil && !reported(err) {
				return err
			}
			if cmd == "end" && err == nil {
				return nil
			}
			continue // a failed /end leaves the trainee in the interview, told to try again
		}
		if s.Echo && !s.Adapter.JSON {
			fmt.Fprintf(s.Adapter.Out, "You: %s\n", echo(text))
		}
		if err := s.Bot.Handle(turnCtx, s.Adapter, bot.Event{Conv: s.Conv, Text: line, Direct: true}); err != nil && !reported(err) {
			return err
		}
		if s.Adapter.Ended() {
			s.reportUnused(lines)
			return nil
		}
	}
}

// reportUnused tells a trainee whose piped lines outlived the interview
// (the character ended it) how many were not used, rather than dropping
// them silently. Typed input is not waited for.
func (s *Session) reportUnused(lines <-chan string) {
	if !s.Echo || s.Info() == nil {
		return
	}
	n := 0
	for l := range lines {
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	if n > 0 {
		fmt.Fprintf(s.Info(), "The interview is over, so %s of your input %s not used. Start a new interview to try them.\n", bot.Plural(n, "line"), plural(n, "was", "were"))
	}
}

// Info is where notices go (standard error), if set.
func (s *Session) Info() io.Writer { return s.Adapter.Info }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
