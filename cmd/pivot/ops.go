package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/metrics"
)

// healthCheck is one thing /healthz checks: the database, the platform
// connection. check returns nil when it is up.
type healthCheck struct {
	name  string
	check func(ctx context.Context) error
}

// healthTimeout bounds each check, so a hung database answers 503 in time
// for the orchestrator's own timeout.
const healthTimeout = 2 * time.Second

// healthReport is /healthz's body: {"status":"ok","checks":{"database":"ok"}},
// or {"status":"down","down":["slack"],"checks":{…,"slack":"not connected"}}.
// It names what is down, not why: the reason goes to the log, which is
// where the address and the database's own words belong.
type healthReport struct {
	Status string            `json:"status"`
	Down   []string          `json:"down,omitempty"`
	Checks map[string]string `json:"checks"`
}

// healthHandler serves /healthz: 200 when every check passes, else 503.
func healthHandler(log *slog.Logger, checks []healthCheck) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := healthReport{Status: "ok", Checks: map[string]string{}}
		for _, c := range checks {
			ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
			err := c.check(ctx)
			cancel()
			if err == nil {
				rep.Checks[c.name] = "ok"
				continue
			}
			rep.Status = "down"
			rep.Down = append(rep.Down, c.name)
			var short downError
			if errors.As(err, &short) {
				rep.Checks[c.name] = string(short)
			} else {
				rep.Checks[c.name] = "unreachable"
			}
			log.Warn("health check failed", "check", c.name, "err", err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if rep.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(rep)
	})
}

// downError is a check's failure already in the words /healthz shows.
type downError string

func (e downError) Error() string { return string(e) }

// pinger is a store that can check its database is reachable.
type pinger interface {
	Ping(ctx context.Context) error
}

// databaseCheck checks the store's database with a query.
func databaseCheck(store bot.Store) healthCheck {
	return healthCheck{name: "database", check: func(ctx context.Context) error {
		if p, ok := store.(pinger); ok {
			return p.Ping(ctx)
		}
		_, err := store.Sessions(ctx, bot.SessionFilter{Limit: 1})
		return err
	}}
}

// platformCheck checks an adapter's connection to its platform.
func platformCheck(platform string, connected func() bool) healthCheck {
	return healthCheck{name: platform, check: func(context.Context) error {
		if !connected() {
			return downError("not connected")
		}
		return nil
	}}
}

// countOpen counts a platform's open sessions for pivot_open_sessions.
func countOpen(store bot.Store) metrics.CountOpen {
	return func(ctx context.Context, platform string) (int, error) {
		open, err := store.ListOpenSessions(ctx, platform)
		return len(open), err
	}
}

// opsServer serves /metrics and /healthz on --metrics-addr.
type opsServer struct {
	srv  *http.Server
	addr net.Addr
}

// serveOps listens on addr and serves /metrics and /healthz until ctx
// ends. A port in use or a bad address fails at once, before the bot
// connects anywhere.
func serveOps(ctx context.Context, log *slog.Logger, addr string, m *metrics.Metrics, checks ...healthCheck) (*opsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("GET /healthz", healthHandler(log, checks))
	o := &opsServer{addr: ln.Addr(),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}}
	go func() {
		if err := o.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("the /metrics and /healthz server stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		o.stop()
	}()
	log.Info("serving /metrics and /healthz", "addr", o.addr.String())
	return o, nil
}

// stop closes the server, letting scrapes in flight finish for a moment.
func (o *opsServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = o.srv.Shutdown(ctx)
}
