package terminal

import (
	"strings"
)

// HelpText lists the commands the terminal supports, and only those: the
// chat platforms' start, list, join and group have no meaning in a
// terminal session (one interview per 'pivot practice SCENARIO').
const HelpText = `Commands (type them on a line of their own):
/hint         a question worth asking next (also: hint, hint please)
/undo         take back your last reply and say it another way (the debrief shows both)
/coach on     feedback after a blaming reply (on by default)
/coach off    feedback in the debrief only, as in an assessment
/restart      start this interview again (the first attempt stays in your history)
/end          finish and get your debrief (also /quit, /exit, or Ctrl-D)
/history      your past sessions and how they went
/review       every turn of this session so far, with its feedback
/forget me    delete your transcripts and scores (asks you to confirm)
/help         this list
Everything else you type is said to the character.
To practise another scenario, end this one and run 'pivot practice SCENARIO'; 'pivot scenarios' lists them.
After a session, 'pivot review' shows every turn with its feedback.`

// unsupported are the chat platforms' commands the terminal does not run.
var unsupported = map[string]bool{
	"start": true, "practice": true, "practise": true, "list": true, "scenarios": true,
	"join": true, "group": true,
}

// lineKind says what a trainee's line is in the terminal.
type lineKind int

const (
	sayLine         lineKind = iota // said to the character
	helpLine                        // /help: the terminal's own help
	unsupportedLine                 // a chat command the terminal does not run
	commandLine                     // a command the bot runs
)

// classify sorts a line typed in the terminal. A line starting with "/"
// is always a command. Without the slash, help and the chat commands are
// caught only when the line is nothing but the command ("list", "start
// jennifer", "join 12", "group status"), so "Start wherever you like" is
// still said to Jennifer; the bot itself catches the other bare commands
// (end, hint, …).
func classify(text string) (lineKind, string) {
	t := strings.TrimSpace(text)
	slash := strings.HasPrefix(t, "/")
	t = strings.TrimPrefix(t, "/")
	fields := strings.Fields(strings.ToLower(strings.TrimRight(t, ".!")))
	if len(fields) > 0 && fields[0] == "pivot" && slash {
		fields = fields[1:]
	}
	if len(fields) == 0 {
		if slash {
			return helpLine, "help"
		}
		return sayLine, ""
	}
	name := fields[0]
	switch {
	case (name == "help" || name == "?") && (slash || len(fields) == 1):
		return helpLine, name
	case unsupported[name] && (slash || bareChatCommand(fields)):
		return unsupportedLine, name
	case slash:
		return commandLine, name
	}
	return sayLine, ""
}

// bareChatCommand reports whether fields, typed without a slash, are a
// whole chat command and not a sentence that starts with the same word.
func bareChatCommand(fields []string) bool {
	if len(fields) > 3 || strings.HasSuffix(fields[len(fields)-1], "?") {
		return false
	}
	switch fields[0] {
	case "list", "scenarios":
		return len(fields) == 1
	case "join":
		return len(fields) <= 2
	case "group":
		return len(fields) == 1 || fields[1] == "start" || fields[1] == "status" || fields[1] == "end"
	}
	// start, practice, practise: alone or with a scenario id and maybe a
	// difficulty; an id is one word without spaces, so three words at most.
	return len(fields) <= 2 || fields[2] == "gentle" || fields[2] == "standard" || fields[2] == "hard"
}

// unsupportedNotice says why a chat command does nothing here.
func unsupportedNotice(name string) string {
	switch name {
	case "join", "group":
		return "Group exercises run in Slack or Discord, not in the terminal. Nothing was said to the character. Type /help for what works here."
	}
	return "In the terminal you practise one scenario at a time: /end this one, then run 'pivot practice SCENARIO' ('pivot scenarios' lists them). Nothing was said to the character. Type /help for what works here."
}
