package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

func init() {
	register(command{name: "healthcheck", summary: "ask a running pivot slack/discord its /healthz (for Docker's HEALTHCHECK)", run: runHealthcheck})
}

// runHealthcheck asks /healthz of the pivot serving --metrics-addr on this
// machine, prints its answer and exits 0 when healthy, 1 when not. It
// exists so a container image with no shell or curl can still have a
// HEALTHCHECK.
func runHealthcheck(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	addr := fs.String("addr", "", "the `ADDR` given to --metrics-addr (default $PIVOT_METRICS_ADDR)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "Usage: pivot healthcheck [--addr ADDR]")
		fmt.Fprintln(env.stderr, "\nAsks the pivot slack or pivot discord running here for /healthz and exits 0")
		fmt.Fprintln(env.stderr, "when it answers 200 (database reachable, platform connected), else 1.")
		fmt.Fprintln(env.stderr)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("healthcheck takes no arguments, only options")
	}
	target := metricsAddr(env, *addr)
	if target == "" {
		return usagef("give --addr or set PIVOT_METRICS_ADDR: the address pivot serves /healthz on")
	}
	url, err := healthURL(target)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("no answer from %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	env.stdout.Write(body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return nil
}

// healthURL is /healthz on a listening address: ":9464" and
// "0.0.0.0:9464" are asked on the loopback address.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", errors.New("the address " + addr + " is not host:port (for example 127.0.0.1:9464 or :9464)")
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}
