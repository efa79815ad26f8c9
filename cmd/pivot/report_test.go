package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/bottest"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/scenarios"
)

// runGroup runs a small Slack group exercise (trainer T1, trainees U1…U3)
// into env's database, with U1 also practising alone.
func runGroup(t *testing.T, env *environment) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, dbPath(env, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(store, lib, bot.WithTrainers("slack:T1"))
	chat := &bottest.Adapter{Threads: true, Private: true}
	do := func(c bot.Conversation, text string, command bool) {
		t.Helper()
		if err := b.Handle(ctx, chat.For(), bot.Event{Conv: c, Text: text, Command: command}); err != nil {
			t.Fatal(err)
		}
	}
	ch := func(u string) bot.Conversation { return bot.Conversation{Platform: "slack", Channel: "C1", User: u} }
	do(ch("T1"), "group start jennifer", true)
	for _, u := range []string{"U1", "U2", "U3"} {
		do(ch(u), "group join 1", true)
	}
	threads := map[string]bot.Conversation{}
	for _, s := range chat.Messages() {
		if s.Message.Kind == bot.KindBrief {
			threads[s.To.User] = s.To
		}
	}
	do(threads["U1"], "Why haven't you left him?", false)
	do(threads["U2"], "What have you done to keep the boys safe when Brian drinks?", false)
	do(threads["U3"], "How are the boys doing at school?", false)
	do(ch("T1"), "group end", true)
	do(bot.Conversation{Platform: "slack", Channel: "D1", User: "U1"}, "start brian", true)
}

func TestReportPermissionsAndFormats(t *testing.T) {
	env, out, errb := testEnv(t, "")
	runGroup(t, env)
	ctx := context.Background()
	run := func(args ...string) (int, string, string) {
		out.Reset()
		errb.Reset()
		code := runMain(ctx, env, append([]string{"report"}, args...))
		return code, out.String(), errb.String()
	}

	// The trainer reads the group in all three formats.
	code, md, stderr := run("--group", "1", "--as", "slack:T1")
	if code != 0 || !strings.Contains(md, "# Group exercise 1:") || !strings.Contains(md, "| U2 | ended | 1 |") {
		t.Fatalf("markdown (%d): %s%s", code, md, stderr)
	}
	code, csvOut, _ := run("--group", "1", "--as", "T1", "--platform", "slack", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if code != 0 || err != nil || len(recs) != 4 || recs[1][2] != "U1" {
		t.Errorf("csv (%d, %v): %q", code, err, csvOut)
	}
	code, js, _ := run("--group", "1", "--as", "slack:T1", "--format", "json")
	var g bot.GroupReport
	if code != 0 || json.Unmarshal([]byte(js), &g) != nil || g.Trainees != 3 || g.Turns != 3 || g.NonBlaming != 2 {
		t.Errorf("json (%d): %s", code, js)
	}
	// With no --group, a trainer gets every exercise they ran.
	if code, all, _ := run("--as", "slack:T1"); code != 0 || !strings.Contains(all, "# Group exercise 1:") {
		t.Errorf("trainer's reports (%d): %s", code, all)
	}
	// A trainer reads a trainee's sessions in their exercises only.
	if code, u1, _ := run("--as", "slack:T1", "--user", "U1"); code != 0 || !strings.Contains(u1, "| jennifer | 1 |") || strings.Contains(u1, "brian") {
		t.Errorf("trainer reading U1 (%d): %s", code, u1)
	}

	// A trainee reads their own, solo sessions included…
	if code, own, _ := run("--as", "slack:U1", "--since", "2000-01-01"); code != 0 || !strings.Contains(own, "# Practice sessions: U1 (slack)") || !strings.Contains(own, "brian") {
		t.Errorf("own report (%d): %s", code, own)
	}
	// …and nobody else's, nor the group's.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--as", "slack:U1", "--group", "1"}, "only they can read its report"},
		{[]string{"--as", "slack:U1", "--user", "U2"}, "only your own report"},
		{[]string{"--as", "slack:T2", "--group", "1"}, "only they can read its report"},
		{[]string{"--as", "discord:T1", "--group", "1"}, "only they can read its report"},
		{[]string{"--as", "slack:T1", "--group", "9"}, "no group exercise 9"},
	} {
		code, stdout, stderr := run(c.args...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want refusal %q", c.args, code, stdout, stderr, c.want)
		}
	}
	for _, bad := range [][]string{{"--format", "pdf"}, {"--since", "last week"}, {"extra"}} {
		if code, _, _ := run(bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

func TestTrainerCommand(t *testing.T) {
	env, out, errb := testEnv(t, "")
	ctx := context.Background()
	run := func(args ...string) int {
		out.Reset()
		errb.Reset()
		return runMain(ctx, env, append([]string{"trainer"}, args...))
	}
	if run("add", "--platform", "slack", "U9") != 0 || run("add", "discord:42") != 0 || run("add", "T7") != 0 {
		t.Fatalf("add: %s", errb)
	}
	if run("list") != 0 || out.String() != "T7\ndiscord:42\nslack:U9\n" {
		t.Errorf("list: %q", out)
	}
	if run("remove", "slack:U9") != 0 || run("remove", "slack:U9") != 1 {
		t.Errorf("remove: %s", errb)
	}
	if run("add", "--platform", "slack", "discord:1") != 2 || run("frobnicate") != 2 || run() != 2 {
		t.Error("bad usage should exit 2")
	}
	// Trainers in the database can run reports on their groups.
	store, err := openStore(ctx, env, "")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	b := bot.New(store, nil)
	if ok, _ := b.IsTrainer(ctx, "discord", "42"); !ok {
		t.Error("discord:42 should be a trainer")
	}
	if ok, _ := b.IsTrainer(ctx, "slack", "42"); ok {
		t.Error("discord:42 should not be a trainer on slack")
	}
}

func TestChatOptionsReadTheEnvironment(t *testing.T) {
	env, _, _ := testEnv(t, "")
	base := env.getenv
	vars := map[string]string{"PIVOT_TRAINERS": "U1, slack:U2", "PIVOT_RETENTION_DAYS": "30"}
	env.getenv = func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return base(k)
	}
	opts, err := chatOptions(env)
	if err != nil {
		t.Fatal(err)
	}
	store, err := openStore(context.Background(), env, "")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	b := bot.New(store, nil, opts...)
	if ok, _ := b.IsTrainer(context.Background(), "slack", "U2"); !ok {
		t.Error("PIVOT_TRAINERS should make slack:U2 a trainer")
	}
	if err := b.RunRetention(t.Context()); err != nil {
		t.Errorf("retention: %v", err)
	}
	vars["PIVOT_RETENTION_DAYS"] = "a month"
	if _, err := chatOptions(env); err == nil {
		t.Error("a bad PIVOT_RETENTION_DAYS should be an error")
	}
}
