// Package metrics turns what the bot and the adapters report into
// Prometheus metrics, served at /metrics on `--metrics-addr`. It is the
// one package that imports github.com/prometheus/client_golang: the bot
// knows only its small bot.Observer interface, the adapters only
// bot.PlatformObserver, and cmd/pivot wires this package to both.
//
// Every series is labelled by platform (and failures by kind) only: never
// a user, a channel, a scenario or anything a trainee wrote, so scraping
// the metrics cannot leak a transcript and their number stays small.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pivotcoach/pivot/bot"
)

// The metric names, as an operator writes them in queries and alerts
// (docs/deploy.md).
const (
	TurnsName       = "pivot_turns_total"
	TurnSecondsName = "pivot_turn_seconds"
	ScoringName     = "pivot_scoring_seconds"
	RateLimitedName = "pivot_platform_rate_limited_total"
	RetriesName     = "pivot_platform_retries_total"
	ConnectedName   = "pivot_platform_connected"
	ErrorsName      = "pivot_errors_total"
	OpenName        = "pivot_open_sessions"
)

// Metrics holds Pivot's metrics in a registry of their own (with the Go
// runtime's and the process's). It implements bot.Observer and
// bot.PlatformObserver; every method is safe for concurrent use.
type Metrics struct {
	reg         *prometheus.Registry
	turns       *prometheus.CounterVec
	turnSeconds *prometheus.HistogramVec
	scoring     *prometheus.HistogramVec
	rateLimited *prometheus.CounterVec
	retries     *prometheus.CounterVec
	connected   *prometheus.GaugeVec
	errors      *prometheus.CounterVec
}

var (
	_ bot.Observer         = (*Metrics)(nil)
	_ bot.PlatformObserver = (*Metrics)(nil)
)

// Option configures Metrics.
type Option func(*Metrics)

// CountOpen counts the open practice sessions on a platform, at the time
// of a scrape (bot.Store's ListOpenSessions, for one).
type CountOpen func(ctx context.Context, platform string) (int, error)

// WithOpenSessions adds the pivot_open_sessions gauge for platform,
// counted by count in the database when Prometheus scrapes, so it is right
// after a restart and the same on every instance sharing the database.
// A count that fails or takes over five seconds leaves the gauge out of
// that scrape (and /healthz says why).
func WithOpenSessions(platform string, count CountOpen) Option {
	return func(m *Metrics) {
		m.reg.MustRegister(&openSessions{platform: platform, count: count,
			desc: prometheus.NewDesc(OpenName, "Practice sessions open in the database (all instances).", nil, prometheus.Labels{"platform": platform})})
	}
}

// turnBuckets span a turn: a few milliseconds when quiet, seconds when
// the database or the machine is struggling.
var turnBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// scoringBuckets span the engine's step: tens of microseconds on a quiet
// machine (docs/benchmarks.md), milliseconds when starved of CPU.
var scoringBuckets = []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .01, .1}

// New makes the metrics. The series of platform (the one this process
// serves) exist from the start at zero, so rate() and alerts work before
// the first turn.
func New(platform string, opts ...Option) *Metrics {
	byPlatform := []string{"platform"}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: TurnsName,
			Help: "Trainee replies played: committed to the database and answered by the character."}, byPlatform),
		turnSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: TurnSecondsName,
			Help:    "Time from a trainee's reply reaching the bot to the character's answer handed to the platform.",
			Buckets: turnBuckets}, byPlatform),
		scoring: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: ScoringName,
			Help:    "Time the engine took to score a reply and choose the character's answer (no database or platform time).",
			Buckets: scoringBuckets}, byPlatform),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: RateLimitedName,
			Help: "Calls the chat platform answered with 429 Too Many Requests."}, byPlatform),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: RetriesName,
			Help: "Calls sent to the chat platform again (the same message, after a rate limit)."}, byPlatform),
		connected: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: ConnectedName,
			Help: "1 while the connection to the chat platform is up, else 0."}, byPlatform),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ErrorsName,
			Help: "Events whose handling failed, by kind: database, stale, timeout, platform, scenario."}, []string{"platform", "kind"}),
	}
	m.reg.MustRegister(m.turns, m.turnSeconds, m.scoring, m.rateLimited, m.retries, m.connected, m.errors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.turns.WithLabelValues(platform)
	m.rateLimited.WithLabelValues(platform)
	m.retries.WithLabelValues(platform)
	for _, k := range bot.FailureKinds {
		m.errors.WithLabelValues(platform, string(k))
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// TurnPlayed counts a turn and its timings. The timings go first, so a
// scrape that sees the turn counted sees them too.
func (m *Metrics) TurnPlayed(t bot.TurnTiming) {
	m.turnSeconds.WithLabelValues(t.Platform).Observe(t.Took.Seconds())
	m.scoring.WithLabelValues(t.Platform).Observe(t.Scoring.Seconds())
	m.turns.WithLabelValues(t.Platform).Inc()
}

// Failed counts a failure by kind.
func (m *Metrics) Failed(platform string, kind bot.FailureKind) {
	m.errors.WithLabelValues(platform, string(kind)).Inc()
}

// RateLimited counts a 429.
func (m *Metrics) RateLimited(platform string) { m.rateLimited.WithLabelValues(platform).Inc() }

// Retried counts a call sent again.
func (m *Metrics) Retried(platform string) { m.retries.WithLabelValues(platform).Inc() }

// Connected records the platform connection going up or down.
func (m *Metrics) Connected(platform string, up bool) {
	v := 0.0
	if up {
		v = 1
	}
	m.connected.WithLabelValues(platform).Set(v)
}

// openSessions is the pivot_open_sessions gauge, counted at scrape time.
type openSessions struct {
	platform string
	count    CountOpen
	desc     *prometheus.Desc
}

// countTimeout bounds the database count in a scrape.
const countTimeout = 5 * time.Second

func (o *openSessions) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

func (o *openSessions) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
	defer cancel()
	n, err := o.count(ctx, o.platform)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, float64(n))
}
