package slack_test

// A group exercise in one channel under Slack's per-channel rate limit:
// a trainer starts it, the trainees join, all practise at once, the
// trainer ends it.
// Opt-in (it takes tens of seconds):
//
//	PIVOT_LOAD=1 go test -run TestChannelRateLimitLoad -v ./adapters/slack
//
// PIVOT_LOAD_TRAINEES (default 40), PIVOT_LOAD_TURNS (default 3) and
// PIVOT_LOAD_RATE (posts per second per channel, default 10) change the
// load. Slack's real limit for posting is about 1 message per second per
// channel; the default compresses time tenfold so the run stays short,
// and the ratio to the floor is what matters.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/adapters/slack/slackfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/sqlite"
)

// channelLimiter stands in front of the fake and enforces a per-channel
// limit on chat.postMessage and chat.postEphemeral as Slack does: at most
// perSecond posts in any one-second window (a window opens with the first
// post after the last one closed); beyond that, 429 with Retry-After in
// whole seconds. Everything else is passed through to the fake.
type channelLimiter struct {
	perSecond int
	next      http.Handler

	mu      sync.Mutex
	windows map[string]*window
	limited int
	passed  map[string]int
}

type window struct {
	start time.Time
	n     int
}

func (l *channelLimiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/chat.postMessage") && !strings.HasSuffix(r.URL.Path, "/chat.postEphemeral") {
		l.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form, _ := url.ParseQuery(string(body))
	channel := form.Get("channel")
	now := time.Now()
	l.mu.Lock()
	win := l.windows[channel]
	if win == nil || now.Sub(win.start) >= time.Second {
		win = &window{start: now}
		l.windows[channel] = win
	}
	if win.n >= l.perSecond {
		l.limited++
		wait := time.Second - now.Sub(win.start)
		l.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	win.n++
	l.passed[channel]++
	l.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	l.next.ServeHTTP(w, r)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func TestChannelRateLimitLoad(t *testing.T) {
	if os.Getenv("PIVOT_LOAD") == "" {
		t.Skip("load test (tens of seconds); run with PIVOT_LOAD=1")
	}
	trainees := envInt("PIVOT_LOAD_TRAINEES", 40)
	turns := envInt("PIVOT_LOAD_TURNS", 3)
	rate := envInt("PIVOT_LOAD_RATE", 10)
	const channel = "CCOURSE"

	fake := slackfake.New(t)
	target, _ := url.Parse(strings.TrimSuffix(fake.URL, "/api/"))
	lim := &channelLimiter{perSecond: rate, next: httputil.NewSingleHostReverseProxy(target),
		windows: map[string]*window{}, passed: map[string]int{}}
	proxy := httptest.NewServer(lim)
	t.Cleanup(proxy.Close)
	fake.URL = proxy.URL + "/api/" // the adapter talks to Slack through the limiter

	// A trainer runs a group exercise; the trainees join from its card,
	// each getting a session thread.
	path := dbFile(t)
	pre, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pre.AddTrainer(context.Background(), bot.TrainerID{Platform: "slack", User: "UTRAIN"}); err != nil {
		t.Fatal(err)
	}
	pre.Close()
	h := start(t, fake, path)

	startAt := time.Now()
	h.slash(channel, "UTRAIN", "group start jennifer")
	card := h.waitPosts("the exercise card", 1, func(p slackfake.Post) bool {
		return p.Channel == channel && p.ThreadTS == "" && !p.Ephemeral && strings.Contains(p.Text, "Group exercise 1") && len(p.BlocksOfType("actions")) > 0
	})[0]
	briefs := func() []slackfake.Post {
		return filter(h.fake.Posts(), func(p slackfake.Post) bool {
			return p.Channel == channel && p.ThreadTS == "" && !p.Ephemeral && strings.Contains(p.Text, "Say *hint*")
		})
	}
	threads := make([]string, trainees)
	for i := range threads {
		h.click(channel, fmt.Sprintf("U%03d", i), card.TS, "", "group join 1")
		h.waitUntil(fmt.Sprintf("trainee %d's session thread", i), func() bool { return len(briefs()) == i+1 })
		threads[i] = briefs()[i].TS
	}
	for _, th := range threads {
		h.waitPosts("an opening line", 1, character(channel, th))
	}
	startDur := time.Since(startAt)

	// Then every trainee speaks at once, each line as soon as they can.
	lines := []string{
		"How are you doing with everything this week?",
		"What happens when Brian has been drinking?",
		"Why haven't you left him?",
		"What have you done to keep the boys safe on those Friday nights?",
		"Can you tell me about the support you get from DASAT?",
	}
	before := len(fake.Posts())
	t0 := time.Now()
	for k := 0; k < turns; k++ {
		for i := range threads {
			h.say(channel, fmt.Sprintf("U%03d", i), threads[i], lines[(i+k)%len(lines)])
		}
	}
	want := trainees * turns
	deadline := time.Now().Add(time.Duration(4*want/rate+60) * time.Second)
	var got int
	for {
		got = 0
		for _, th := range threads {
			got += len(filter(fake.Posts(), character(channel, th))) - 1 // less the opening line
		}
		if got >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	drain := time.Since(t0)
	if got != want {
		t.Fatalf("%d of %d replies delivered before the deadline", got, want)
	}
	posts := fake.Posts()[before:]
	n := len(posts)

	// Every reply delivered once, in order within its thread: the
	// thread's character lines are the stored turns' replies, in turn
	// order.
	ctx := context.Background()
	for i, th := range threads {
		s, err := h.db.LatestOpenSession(ctx, "slack", fmt.Sprintf("U%03d", i), "")
		if err != nil {
			t.Fatalf("trainee %d: %v", i, err)
		}
		recs, err := h.db.Turns(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		said := filter(posts, character(channel, th))
		if len(recs) != turns || len(said) != turns {
			t.Fatalf("trainee %d: %d turns stored, %d replies posted, want %d", i, len(recs), len(said), turns)
		}
		for k := range recs {
			if !strings.Contains(said[k].Text, firstWords(recs[k].Turn.Reply)) {
				t.Errorf("trainee %d: reply %d out of order: posted %q, turn %d replied %q", i, k+1, said[k].Text, recs[k].Turn.Number, recs[k].Turn.Reply)
			}
		}
	}

	// The trainer ends the exercise: a debrief in every thread and the
	// group's in the channel.
	before = len(fake.Posts())
	t1 := time.Now()
	h.slash(channel, "UTRAIN", "group end")
	debriefed := func(th string) func(slackfake.Post) bool {
		return func(p slackfake.Post) bool {
			return p.Channel == channel && p.ThreadTS == th && strings.Contains(p.Text+p.BlocksText(), "Debrief")
		}
	}
	for {
		all := fake.Posts()[before:]
		done := len(filter(all, func(p slackfake.Post) bool {
			return p.Channel == channel && p.ThreadTS == "" && strings.Contains(p.Text, "Group debrief")
		})) == 1
		for _, th := range threads {
			done = done && len(filter(all, debriefed(th))) >= 1
		}
		if done {
			break
		}
		if time.Now().After(deadline.Add(time.Duration(4*trainees/rate+30) * time.Second)) {
			t.Fatalf("not every debrief was delivered:\n%s", transcript(all))
		}
		time.Sleep(20 * time.Millisecond)
	}
	endDrain := time.Since(t1)
	endPosts := len(fake.Posts()) - before
	for _, th := range threads {
		if n := len(filter(fake.Posts()[before:], debriefed(th))); n != 1 {
			t.Errorf("thread %s got %d debriefs, want 1", th, n)
		}
	}

	// The floor: n posts need ceil(n/rate) one-second windows, and the
	// last window is done as soon as its posts are.
	floorOf := func(posts int) time.Duration {
		return time.Duration((posts+rate-1)/rate-1) * time.Second
	}
	floor, endFloor := floorOf(n), floorOf(endPosts)
	t.Logf("group exercise, %d trainees in one channel, limit %d posts/s (%d answered 429 in all); joining took %.1fs", trainees, rate, lim.limited, startDur.Seconds())
	t.Logf("  %d turns each: %d posts drained in %.1fs; floor %.1fs; ratio %.2f", turns, n, drain.Seconds(), floor.Seconds(), drain.Seconds()/floor.Seconds())
	t.Logf("  group end: %d posts (debriefs) drained in %.1fs; floor %.1fs; ratio %.2f", endPosts, endDrain.Seconds(), endFloor.Seconds(), endDrain.Seconds()/endFloor.Seconds())
	if lim.limited == 0 {
		t.Error("the limiter never answered 429: the load did not reach the limit")
	}
}

// firstWords is the start of a reply, as plain words (the post escapes
// and formats the text).
func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	out := strings.Join(f, " ")
	for _, c := range []string{"&", "<", ">", "*", "_"} {
		if i := strings.Index(out, c); i >= 0 {
			out = out[:i]
		}
	}
	return out
}
