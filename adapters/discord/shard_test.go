package discord

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pivotcoach/pivot/adapters/discord/discordfake"
	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/sqlite"
	"github.com/pivotcoach/pivot/dialogue"
	"github.com/pivotcoach/pivot/scenarios"
)

func shardOf(guild string, count int) int {
	g, _ := strconv.ParseUint(guild, 10, 64)
	return int((g >> 22) % uint64(count))
}

// Several `pivot discord` processes share a database as one gateway shard
// each: a shard identifies as itself, and on start resumes only the open
// sessions of its own guilds (shard 0 also direct messages), so a
// session is announced once, by the process Discord sends its events to.
func TestAShardResumesOnlyItsOwnSessions(t *testing.T) {
	for _, ours := range []int{0, 1} {
		t.Run(fmt.Sprintf("shard %d of 2", ours), func(t *testing.T) { testShardResumes(t, ours) })
	}
}

func testShardResumes(t *testing.T, ours int) {
	const count = 2
	// A guild on each shard, with a channel.
	ourGuild := strconv.FormatUint(uint64(1000+ours)<<22, 10)
	otherGuild := strconv.FormatUint(uint64(1000+1-ours)<<22, 10)
	if shardOf(ourGuild, count) != ours || shardOf(otherGuild, count) == ours {
		t.Fatal("test setup: the guilds are not on the shards meant")
	}
	const ourChannel, otherChannel, dmChannel = "300000000000000066", "300000000000000077", "300000000000000088"

	fake := discordfake.New(testToken)
	t.Cleanup(fake.Close)
	fake.AddChannel(discordfake.Channel{ID: ourChannel, Type: discordfake.GuildText, GuildID: ourGuild, Name: "practice"})
	fake.AddChannel(discordfake.Channel{ID: otherChannel, Type: discordfake.GuildText, GuildID: otherGuild, Name: "elsewhere"})
	fake.AddChannel(discordfake.Channel{ID: dmChannel, Type: discordfake.DM, Recipient: "400000000000000003"})

	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pivot.db")
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := scenarios.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := lib.Get("jennifer")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []bot.Conversation{
		{Platform: Platform, Workspace: ourGuild, Channel: ourChannel, User: "400000000000000001"},
		{Platform: Platform, Workspace: otherGuild, Channel: otherChannel, User: "400000000000000002"},
		{Platform: Platform, Channel: dmChannel, User: "400000000000000003"},
	} {
		s := &bot.Session{Conv: c, ScenarioID: sc.ID, Coach: true, State: dialogue.NewState(sc, 7)}
		if err := store.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}

	b := bot.New(store, lib)
	ad := New(b, Config{Token: testToken, GuildID: ourGuild, HTTPClient: fake.Client(), NoReconnect: true,
		ResumeWindow: time.Hour, ShardID: ours, ShardCount: count})
	if err := ad.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ad.Close(); store.Close() })

	ids := fake.Identifies()
	if len(ids) != 1 || ids[0].Shard == nil || *ids[0].Shard != [2]int{ours, count} {
		t.Fatalf("identified as %+v, want shard [%d %d]", ids, ours, count)
	}
	resumed := func(channel string) bool {
		for _, m := range fake.Messages() {
			if m.ChannelID == channel && strings.HasPrefix(m.Content, "Resuming your interview with Jennifer") {
				return true
			}
		}
		return false
	}
	if !fake.Wait(10*time.Second, func() bool { return resumed(ourChannel) }) {
		t.Fatalf("our guild's session was not resumed\n%s", fake.Transcript())
	}
	ad.Close() // lets the queued work finish
	if resumed(otherChannel) {
		t.Error("the other shard's session was resumed here too")
	}
	if got, want := resumed(dmChannel), ours == 0; got != want {
		t.Errorf("direct-message session resumed here: %v, want %v (direct messages go to shard 0)", got, want)
	}
	if registered := fake.Commands(ourGuild) != nil; registered != (ours == 0) {
		t.Errorf("/pivot registered by shard %d: %v; only shard 0 registers it", ours, registered)
	}
}

func TestShardSettingsFromTheEnvironment(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{TokenEnv: "tok"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cfg, err := ConfigFromEnv(env(ShardIDEnv, "1", ShardCountEnv, "3"))
	if err != nil || cfg.ShardID != 1 || cfg.ShardCount != 3 {
		t.Errorf("1 of 3: %+v, %v", cfg, err)
	}
	for _, bad := range [][]string{{ShardIDEnv, "1"}, {ShardIDEnv, "2", ShardCountEnv, "2"}, {ShardIDEnv, "x", ShardCountEnv, "2"}, {ShardCountEnv, "0", ShardIDEnv, "0"}} {
		if _, err := ConfigFromEnv(env(bad...)); err == nil || !strings.Contains(err.Error(), "docs/multi-instance.md") {
			t.Errorf("%v: err = %v, want one naming the settings and the guide", bad, err)
		}
	}
}
