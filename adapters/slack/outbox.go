package slack

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/pivotcoach/pivot/bot"
)

// outbox sends Web API posts through one lane per channel: in order, one
// at a time, and when Slack answers 429 the lane waits out Retry-After and
// sends the same message again, so a busy channel slows down but never
// drops or reorders a message. Different channels do not wait for each
// other.
type outbox struct {
	log *slog.Logger
	// observer, if set, counts 429s and the posts sent again.
	observer bot.PlatformObserver

	mu    sync.Mutex
	ctx   context.Context
	lanes map[string]chan *postJob
	wg    sync.WaitGroup
}

type postJob struct {
	ctx     context.Context
	method  string
	channel string
	call    func(context.Context) (string, error)
	done    chan postResult
}

type postResult struct {
	ts  string
	err error
}

var errStopped = errors.New("slack adapter stopped")

func newOutbox(log *slog.Logger, observer bot.PlatformObserver) *outbox {
	return &outbox{log: log, observer: observer, lanes: map[string]chan *postJob{}}
}

// start opens the outbox; its lanes end with ctx.
func (o *outbox) start(ctx context.Context) {
	o.mu.Lock()
	o.ctx = ctx
	o.lanes = map[string]chan *postJob{}
	o.mu.Unlock()
}

// post queues call on channel's lane and waits for its result: the
// message's ts, or the error after rate limits were waited out.
func (o *outbox) post(ctx context.Context, method, channel string, call func(context.Context) (string, error)) (string, error) {
	o.mu.Lock()
	life := o.ctx
	if life == nil || life.Err() != nil {
		o.mu.Unlock()
		return "", errStopped
	}
	lane, ok := o.lanes[channel]
	if !ok {
		lane = make(chan *postJob)
		o.lanes[channel] = lane
		o.wg.Add(1)
		go o.run(life, channel, lane)
	}
	o.mu.Unlock()
	j := &postJob{ctx: ctx, method: method, channel: channel, call: call, done: make(chan postResult, 1)}
	select {
	case lane <- j:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-life.Done():
		return "", errStopped
	}
	select {
	case r := <-j.done:
		return r.ts, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (o *outbox) run(life context.Context, channel string, lane chan *postJob) {
	defer o.wg.Done()
	for {
		select {
		case <-life.Done():
			return
		case j := <-lane:
			ts, err := o.send(j)
			j.done <- postResult{ts, err}
		}
	}
}

// send makes the call, retrying the same message after each 429.
func (o *outbox) send(j *postJob) (string, error) {
	for attempt := 1; ; attempt++ {
		if err := j.ctx.Err(); err != nil {
			return "", err
		}
		if attempt > 1 && o.observer != nil {
			o.observer.Retried(Platform)
		}
		ts, err := j.call(j.ctx)
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			return ts, err
		}
		if o.observer != nil {
			o.observer.RateLimited(Platform)
		}
		wait := rl.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		o.log.Warn("rate limited by Slack; waiting before sending again", "method", j.method, "channel", j.channel, "retry_after", wait, "attempt", attempt)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-j.ctx.Done():
			t.Stop()
			return "", j.ctx.Err()
		}
	}
}

// wait waits for the lanes to end (after the start context ends).
func (o *outbox) wait() { o.wg.Wait() }
