package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A missing or malformed token stops `pivot slack` before it touches the
// network, naming the variable and the setup guide and never the token.
func TestSlackTokens(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"none", map[string]string{}, []string{"SLACK_APP_TOKEN is not set", "SLACK_BOT_TOKEN is not set", "docs/slack.md"}},
		{"bot missing", map[string]string{"SLACK_APP_TOKEN": "xapp-1-secret"}, []string{"SLACK_BOT_TOKEN is not set", "docs/slack.md"}},
		{"swapped", map[string]string{"SLACK_APP_TOKEN": "xoxb-secret", "SLACK_BOT_TOKEN": "xapp-1-secret"},
			[]string{"SLACK_APP_TOKEN holds a bot token", "SLACK_BOT_TOKEN holds an app-level token"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.env["PIVOT_DB"] = t.TempDir() + "/pivot.db"
			var out, errb bytes.Buffer
			env := &environment{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return c.env[k] }}
			if code := runMain(context.Background(), env, []string{"slack"}); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, w := range c.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q should say %q", errb.String(), w)
				}
			}
			if strings.Contains(errb.String(), "secret") {
				t.Errorf("stderr shows a token: %q", errb.String())
			}
		})
	}
}
