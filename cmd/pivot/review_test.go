package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pivotcoach/pivot/bot"
	"github.com/pivotcoach/pivot/bot/sqlite"
)

// reviewStoredTurns returns the stored turns of the newest session
func reviewStoredTurns(t *testing.T, env *environment) []bot.TurnRecord {
	t.Helper()
	db, err := sqlite.Open(context.Background(), env.getenv("PIVOT_DB"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Sessions(context.Background(), bot.SessionFilter{Limit: 1})
	if err != nil || len(rows) != 1 {
		t.Fatalf("sessions: %v %v", rows, err)
	}
	recs, err := db.Turns(context.Background(), rows[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

const reviewScript = "Hi Jennifer, I'm Sam from social work. Is it safe to talk just now?\nWhat happens when Brian has been drinking?\nWhat have you done to keep the boys safe on those Friday nights?\nWhy haven't you left him?\n"

// pivot review prints every stored turn: the trainee's words, the reply,
// label, phase, trust change, findings and what it unlocked, in all three
// formats.
func TestReviewMatchesTheStoredTurns(t *testing.T) {
	env, out, errb := testEnv(t, reviewScript)
	if code := runMain(context.Background(), env, []string{"practice", "--seed", "1", "jennifer"}); code != 0 {
		t.Fatalf("practice: exit %d: %s", code, errb)
	}
	recs := reviewStoredTurns(t, env)
	if len(recs) != 4 {
		t.Fatalf("stored %d turns, want 4", len(recs))
	}

	out.Reset()
	if code := runMain(context.Background(), env, []string{"review", "--format", "json"}); code != 0 {
		t.Fatalf("review --format json: exit %d: %s", code, errb)
	}
	var r bot.Review
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(r.Turns) != len(recs) {
		t.Fatalf("review has %d turns, stored %d", len(r.Turns), len(recs))
	}
	for i, rec := range recs {
		got, want := r.Turns[i], rec.Turn
		if got.Turn != want.Number || got.Text != want.Text || got.Reply != want.Reply || got.Label != want.Assessment.Label ||
			got.Phase != want.Assessment.Phase || got.TrustBefore != want.TrustBefore || got.TrustAfter != want.TrustAfter ||
			len(got.Findings) != len(want.Assessment.Findings) || len(got.Unlocked) != len(want.Disclosed) {
			t.Errorf("turn %d: review %+v\nstored %+v", i+1, got, want)
		}
		for j, u := range got.Unlocked {
			if u.ID != want.Disclosed[j] || u.Title == u.ID {
				t.Errorf("turn %d unlocked %+v, stored %q", i+1, u, want.Disclosed[j])
			}
		}
	}

	out.Reset()
	if code := runMain(context.Background(), env, []string{"review"}); code != 0 {
		t.Fatalf("review: exit %d: %s", code, errb)
	}
	text := out.String()
	for _, rec := range recs {
		tu := rec.Turn
		head := fmt.Sprintf("Turn %d · ", tu.Number)
		trust := fmt.Sprintf("trust %d → %d", tu.TrustBefore, tu.TrustAfter)
		for _, want := range []string{head, trust, "You: " + tu.Text, "Jennifer: " + tu.Reply} {
			if !strings.Contains(text, want) {
				t.Errorf("text review lacks %q:\n%s", want, text)
			}
		}
		for _, f := range tu.Assessment.Findings {
			if !strings.Contains(text, "“"+f.Words+"”") {
				t.Errorf("text review lacks finding %q", f.Words)
			}
		}
	}
	for _, want := range []string{"· blaming ·", "Survivor blame", "Try: “", "Acts of protection", "Unlocked: Jennifer's protective actions"} {
		if !strings.Contains(text, want) {
			t.Errorf("text review lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "*") {
		t.Errorf("chat markup in the review:\n%s", text)
	}

	out.Reset()
	if code := runMain(context.Background(), env, []string{"review", "--format", "md", fmt.Sprint(recs[0].SessionID)}); code != 0 {
		t.Fatalf("review --format md: exit %d: %s", code, errb)
	}
	if md := out.String(); !strings.HasPrefix(md, "# Session ") || strings.Count(md, "\n## Turn ") != len(recs) {
		t.Errorf("markdown review:\n%s", md)
	}
}

// A trainee sees their own sessions only.
func TestReviewRefusesAnotherTraineesSession(t *testing.T) {
	env, _, errb := testEnv(t, reviewScript)
	if code := runMain(context.Background(), env, []string{"practice", "jennifer"}); code != 0 {
		t.Fatalf("practice: exit %d: %s", code, errb)
	}
	id := reviewStoredTurns(t, env)[0].SessionID
	other := *env
	other.getenv = func(k string) string {
		if k == "USER" {
			return "someone-else"
		}
		return env.getenv(k)
	}
	var out strings.Builder
	other.stdout = &out
	errb.Reset()
	if code := runMain(context.Background(), &other, []string{"review", fmt.Sprint(id)}); code == 0 {
		t.Fatalf("another trainee read session %d:\n%s", id, out.String())
	}
	if !strings.Contains(errb.String(), fmt.Sprintf("you cannot review session %d", id)) {
		t.Errorf("error: %s", errb)
	}
	if code := runMain(context.Background(), &other, []string{"review"}); code == 0 || strings.Contains(out.String(), "Jennifer:") {
		t.Errorf("another trainee's last session was shown:\n%s", out.String())
	}
}

func TestHistoryInTheTerminalHasNoChatMarkup(t *testing.T) {
	env, out, errb := testEnv(t, reviewScript)
	if code := runMain(context.Background(), env, []string{"practice", "jennifer"}); code != 0 {
		t.Fatalf("practice: exit %d: %s", code, errb)
	}
	out.Reset()
	if code := runMain(context.Background(), env, []string{"history"}); code != 0 {
		t.Fatalf("history: exit %d: %s", code, errb)
	}
	if s := out.String(); strings.Contains(s, "*") || !strings.Contains(s, "4 turns") || !strings.Contains(s, "pivot review") {
		t.Errorf("history:\n%s", s)
	}
}

// A turn taken back with /undo: the review matches the stored (kept)
// turns and shows the wording taken back on its turn; the terminal showed
// a plain trust meter (no colour when not on a terminal) after each reply.
func TestReviewAfterUndoShowsTheWordingTakenBack(t *testing.T) {
	script := "Hi Jennifer, I'm Sam from social work. Is it safe to talk just now?\nWhy haven't you left him?\n/undo\nWhat gets in the way when you think about leaving?\n"
	env, out, errb := testEnv(t, script)
	if code := runMain(context.Background(), env, []string{"practice", "--seed", "1", "jennifer"}); code != 0 {
		t.Fatalf("practice: exit %d: %s", code, errb)
	}
	transcript := out.String()
	for _, want := range []string{"  trust ▮▮▮▮▯▯▯▯▯▯ 41 (+3: ", "(-15: blamed her: “Why haven't you left”)", "Turn 2 taken back: “Why haven't you left him?”",
		"Tried again: you took back 1 turn.", "Kept: “What gets in the way when you think about leaving?” (non-blaming"} {
		if !strings.Contains(transcript, want) {
			t.Errorf("transcript lacks %q:\n%s", want, transcript)
		}
	}
	if strings.Contains(transcript, "\x1b[") {
		t.Errorf("colour codes written to a pipe:\n%s", transcript)
	}
	recs := reviewStoredTurns(t, env)
	if len(recs) != 2 || recs[1].Turn.Text != "What gets in the way when you think about leaving?" {
		t.Fatalf("stored turns = %+v; want the two kept", recs)
	}
	out.Reset()
	if code := runMain(context.Background(), env, []string{"review", "--format", "json"}); code != 0 {
		t.Fatalf("review: exit %d: %s", code, errb)
	}
	var r bot.Review
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Turns) != 2 || r.Turns[1].Text != recs[1].Turn.Text || len(r.Turns[1].TakenBack) != 1 ||
		r.Turns[1].TakenBack[0].Text != "Why haven't you left him?" || len(r.Turns[0].TakenBack) != 0 {
		t.Errorf("review turns = %+v", r.Turns)
	}
	if len(r.Turns[1].TrustChanges) == 0 || r.Turns[1].TrustChanges[0].Cause == "" {
		t.Errorf("review turn 2 has no trust causes: %+v", r.Turns[1])
	}
}

// A trainer reviews a group member's session from the command line; a
// trainee who is not a trainer is refused.
func TestReviewByATrainerOfTheirGroup(t *testing.T) {
	env, out, errb := testEnv(t, "")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, env.getenv("PIVOT_DB"))
	if err != nil {
		t.Fatal(err)
	}
	g := &bot.Group{Platform: "slack", Channel: "C1", Trainer: "UT", ScenarioID: "jennifer", Seed: 1}
	if err := db.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	s := &bot.Session{Conv: bot.Conversation{Platform: "slack", Channel: "C1", Thread: "1.2", User: "U2"}, ScenarioID: "jennifer", GroupID: g.ID, Status: bot.SessionOpen}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	db.Close()
	trainer := *env
	trainer.getenv = func(k string) string {
		if k == "PIVOT_TRAINERS" {
			return "slack:UT"
		}
		return env.getenv(k)
	}
	if code := runMain(ctx, &trainer, []string{"review", "--platform", "slack", "--as", "UT", fmt.Sprint(s.ID)}); code != 0 {
		t.Fatalf("trainer review: exit %d: %s", code, errb)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("Session %d", s.ID)) {
		t.Errorf("trainer review:\n%s", out)
	}
	out.Reset()
	if code := runMain(ctx, &trainer, []string{"review", "--platform", "slack", "--as", "UT", "--trainee", "U2"}); code != 0 {
		t.Fatalf("trainer review --trainee: exit %d: %s", code, errb)
	}
	errb.Reset()
	if code := runMain(ctx, env, []string{"review", "--platform", "slack", "--as", "U3", fmt.Sprint(s.ID)}); code == 0 {
		t.Errorf("a trainee read another's session")
	}
	if !strings.Contains(errb.String(), "you cannot review session") {
		t.Errorf("refusal: %s", errb)
	}
}
