package discord

import (
	"sync"
	"testing"

	"github.com/pivotcoach/pivot/adapters/discord/discordfake"
)

// platformEvents records what the adapter reports to its observer.
type platformEvents struct {
	mu               sync.Mutex
	limited, retried int
	ups, downs       int
	platforms        map[string]bool
}

func (p *platformEvents) RateLimited(platform string) { p.note(platform, func() { p.limited++ }) }
func (p *platformEvents) Retried(platform string)     { p.note(platform, func() { p.retried++ }) }
func (p *platformEvents) Connected(platform string, up bool) {
	p.note(platform, func() {
		if up {
			p.ups++
		} else {
			p.downs++
		}
	})
}

func (p *platformEvents) note(platform string, f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.platforms == nil {
		p.platforms = map[string]bool{}
	}
	p.platforms[platform] = true
	f()
}

func (p *platformEvents) counts() (limited, retried, ups, downs int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limited, p.retried, p.ups, p.downs
}

// The gateway connection shows as up once Open has connected and down
// after Close; a 429 that discordgo waits out is reported as a rate limit
// and a retry, for the metrics.
func TestRateLimitAndConnectionAreObserved(t *testing.T) {
	seen := &platformEvents{}
	h := newHarness(t, func(c *Config) { c.Observer = seen })
	if !h.ad.Connected() {
		t.Fatal("not Connected after Open")
	}
	u := trainee(3, channelID)
	thread := h.startSession(u)
	h.fake.RateLimitNext("POST", "/channels/"+thread+"/messages", 0.1)
	before := len(h.messagesIn(thread))
	h.dispatch(h.fake.UserMessage(trainee(3, thread), "Can you tell me about the boys?"))
	h.waitMessage("the reply after a 429", func(m discordfake.Message) bool { return len(h.messagesIn(thread)) > before })
	h.waitIdle()
	if limited, retried, ups, _ := seen.counts(); limited != 1 || retried != 1 || ups != 1 {
		t.Errorf("observed %d rate limits, %d retries, %d connections; want 1, 1, 1", limited, retried, ups)
	}
	ad := h.ad
	h.stop()
	if ad.Connected() {
		t.Error("Connected after Close")
	}
	if _, _, _, downs := seen.counts(); downs != 1 {
		t.Errorf("%d disconnections observed after Close, want 1", downs)
	}
	if len(seen.platforms) != 1 || !seen.platforms[Platform] {
		t.Errorf("reported for platforms %v, want only %q", seen.platforms, Platform)
	}
}
