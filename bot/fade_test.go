package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/bot"
)

// sessions builds ended sessions (newest first) of 10 replies with the
// given non-blaming counts.
func sessions(nonBlaming ...int) []bot.SessionSummary {
	var out []bot.SessionSummary
	for _, n := range nonBlaming {
		out = append(out, bot.SessionSummary{Session: bot.Session{Status: bot.SessionEnded}, Turns: 10, NonBlaming: n})
	}
	return out
}

// The switch points documented in docs/trainers.md.
func TestDecideFadeSwitchPoints(t *testing.T) {
	short := bot.SessionSummary{Session: bot.Session{Status: bot.SessionEnded}, Turns: bot.FadeMinTurns - 1, NonBlaming: 0}
	open := bot.SessionSummary{Session: bot.Session{Status: bot.SessionOpen}, Turns: 10, NonBlaming: 0}
	for _, c := range []struct {
		name        string
		history     []bot.SessionSummary
		prev        bot.FadeLevel
		level, want bot.FadeLevel // level given, target earned
	}{
		{"no history", nil, bot.FadeFull, bot.FadeFull, bot.FadeFull},
		{"two sessions are not a record", sessions(10, 10), bot.FadeFull, bot.FadeFull, bot.FadeFull},
		{"69% holds full", sessions(7, 7, 6), bot.FadeFull, bot.FadeFull, bot.FadeFull},
		{"70% earns brief", sessions(7, 7, 7), bot.FadeFull, bot.FadeBrief, bot.FadeBrief},
		{"80% earns alternate, one step at a time", sessions(8, 9, 8), bot.FadeFull, bot.FadeBrief, bot.FadeAlternate},
		{"80% after brief", sessions(8, 9, 8), bot.FadeBrief, bot.FadeAlternate, bot.FadeAlternate},
		{"90% after brief steps to alternate", sessions(9, 10, 9), bot.FadeBrief, bot.FadeAlternate, bot.FadeDebriefOnly},
		{"90% after alternate", sessions(9, 10, 9), bot.FadeAlternate, bot.FadeDebriefOnly, bot.FadeDebriefOnly},
		{"89% after alternate holds alternate", sessions(9, 10, 8), bot.FadeAlternate, bot.FadeAlternate, bot.FadeAlternate},
		{"a slip falls straight back", sessions(5, 10, 10), bot.FadeDebriefOnly, bot.FadeFull, bot.FadeFull},
		{"a slip to 75% falls to brief", sessions(10, 10, 8, 10), bot.FadeDebriefOnly, bot.FadeAlternate, bot.FadeAlternate},
		{"only the last three count", append(sessions(10, 10, 10), sessions(0)...), bot.FadeAlternate, bot.FadeDebriefOnly, bot.FadeDebriefOnly},
		{"short and open sessions do not count", append([]bot.SessionSummary{short, open}, sessions(10, 10, 10)...), bot.FadeAlternate, bot.FadeDebriefOnly, bot.FadeDebriefOnly},
	} {
		d := bot.DecideFade(c.history, c.prev)
		if d.Level != c.level || d.Target != c.want {
			t.Errorf("%s: level %s (target %s), want %s (target %s)", c.name, d.Level, d.Target, c.level, c.want)
		}
	}
	d := bot.DecideFade(sessions(9, 10, 10), bot.FadeAlternate)
	if want := "Inline coaching is fading (debrief only) because your last 3 sessions were 90%+ non-blaming."; !strings.Contains(d.Note(), want) {
		t.Errorf("note %q lacks %q", d.Note(), want)
	}
	if n := bot.DecideFade(sessions(5, 10, 10), bot.FadeBrief).Note(); !strings.Contains(n, "back to full") {
		t.Errorf("falling back should say so: %q", n)
	}
}

// playSession runs one session of good lines with blaming lines at the
// given positions, and returns the coaching messages it produced.
func (r *groupRig) playSession(user string, replies int, blamingAt ...int) []string {
	r.t.Helper()
	r.chat.Reset()
	r.cmd(chanConv(user), "start jennifer")
	th := r.threadOf(user)
	for i := range replies {
		line := goodLines[i%len(goodLines)]
		for _, b := range blamingAt {
			if b == i {
				line = blameSurvivor
			}
		}
		r.say(th, line)
	}
	var notes []string
	for _, m := range r.chat.Of(bot.KindCoaching, user) {
		notes = append(notes, m.Text)
	}
	return notes
}

func (r *groupRig) endSession(user string) string {
	r.t.Helper()
	r.cmd(r.threadOf(user), "end")
	return lastText(r.chat.Of(bot.KindDebrief, user))
}

// Through the bot: three 100% sessions, then coaching fades one level per
// session, coach on wins, and a slip brings full coaching back.
func TestCoachingFadesThroughTheBot(t *testing.T) {
	r := newGroupRig(t)
	const u = "U1"

	// Session 1: full coaching from the start.
	notes := r.playSession(u, 10, 9)
	if len(notes) != 1 || !strings.Contains(notes[0], "Coaching: that reply was *blaming*") {
		t.Fatalf("session 1 should give full coaching, got %q", notes)
	}
	if d := r.endSession(u); strings.Contains(d, "fading") {
		t.Errorf("no fading note yet:\n%s", d)
	}
	// Sessions 2 and 3: 100% non-blaming.
	for range 2 {
		r.playSession(u, 10)
		r.endSession(u)
	}
	// Session 4: the record (100, 100, 90) earns debrief-only; it steps
	// to brief first.
	notes = r.playSession(u, 10, 5)
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "Coaching (brief):") || strings.Contains(notes[0], "Trust") {
		t.Fatalf("session 4 should give brief coaching, got %q", notes)
	}
	if d := r.endSession(u); !strings.Contains(d, "Inline coaching is fading (brief) because your last 3 sessions were 70%+ non-blaming") ||
		!strings.Contains(d, "one level per session") {
		t.Errorf("session 4 debrief should explain fading:\n%s", d)
	}
	// Session 5: every other blaming reply (1st and 3rd of three), 90%.
	notes = r.playSession(u, 30, 3, 13, 23)
	if len(notes) != 2 {
		t.Fatalf("session 5 should coach the 1st and 3rd of 3 blaming replies, got %d: %q", len(notes), notes)
	}
	r.endSession(u)
	// Session 6: debrief only (100, 90, 90 earns it; previous was
	// alternate). Then coach on wins over fading.
	notes = r.playSession(u, 10, 4)
	if len(notes) != 0 {
		t.Fatalf("session 6 should give no inline coaching, got %q", notes)
	}
	th := r.threadOf(u)
	r.say(th, "coach on")
	r.say(th, blameSurvivor)
	if got := r.chat.Of(bot.KindCoaching, u); len(got) != 1 || !strings.Contains(got[0].Text, "Coaching: that reply was *blaming*") {
		t.Fatalf("coach on should bring full coaching back, got %+v", got)
	}
	r.say(th, "coach off")
	r.say(th, blameSurvivor)
	if got := r.chat.Of(bot.KindCoaching, u); len(got) != 1 {
		t.Fatalf("coach off should silence coaching, got %d notes", len(got))
	}
	if d := r.endSession(u); !strings.Contains(d, "which overrides fading") {
		t.Errorf("session 6 debrief should say the switch overrode fading:\n%s", d)
	}
	// Session 6 was 75% (9 of 12): the record falls to brief.
	notes = r.playSession(u, 10, 2)
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "Coaching (brief):") {
		t.Fatalf("after a slip to 75%%, coaching should be brief again, got %q", notes)
	}
	r.endSession(u)
	// history says where coaching stands.
	r.chat.Reset()
	rep, err := r.bot.UserReport(t.Context(), "test", u, time.Time{}, nil)
	if err != nil || len(rep.Sessions) != 7 || !strings.HasPrefix(rep.Coaching, "Inline coaching in your next session:") {
		t.Errorf("user report: %v %+v", err, rep)
	}
}
