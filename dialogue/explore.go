package dialogue

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Explore plays random walks through a scenario, as a trainee who asks
// its intents' examples in a random order would, and reports where the
// interview goes wrong: dead ends (the interview ends before the key
// disclosures, or gets stuck with every line answered by a fallback),
// fallback loops (three fallbacks in a row on lines the scenario claims
// to understand), and disclosures that no walk reaches.
//
// Every other walk is perturbed: about one line in ten is blaming and one
// in ten is off the subject, to show how the character copes.
//
// Explore is pure and deterministic: the same scenario and n always give
// the same report, because every choice comes from a PCG seeded with n
// and the scenario's id.
func Explore(sc *Scenario, n int) ExploreReport {
	rep := ExploreReport{Scenario: sc.ID, Walks: n}
	if sc.index == nil || n <= 0 {
		return rep
	}
	h := fnv.New64a()
	h.Write([]byte(sc.ID))
	rng := rand.New(rand.NewPCG(uint64(n), h.Sum64()))

	// A walk asks intents that have examples. Intents whose every reply
	// costs trust are the scenario's own nets for blaming lines: clean
	// walks leave them out, perturbed walks ask them too.
	var asked, clean []int
	for i, in := range sc.Intents {
		if len(in.Examples) == 0 {
			continue
		}
		asked = append(asked, i)
		if !costsTrust(in) {
			clean = append(clean, i)
		}
	}
	maxTurns := min(max(3*len(sc.Intents), 12), 60)
	key := sc.KeyDisclosures()
	if len(key) == 0 {
		for _, d := range sc.Disclosures {
			key = append(key, d.ID)
		}
	}
	blaming, offTopic := blamingLines[sc.Role], offTopicLines
	if len(blaming) == 0 {
		blaming = blamingLines[Survivor]
	}

	reached := map[string]bool{}
	agg := map[string]*exploreFinding{}
	var order []string
	note := func(k, path, code string, walk, turn int, msg string) {
		f, ok := agg[k]
		if !ok {
			f = &exploreFinding{path: path, code: code, walk: walk, turn: turn, msg: msg}
			agg[k] = f
			order = append(order, k)
		}
		f.walks++
	}

	probe := clean
	if len(probe) == 0 {
		probe = asked
	}
	for w := 0; w < n; w++ {
		perturbed := w%2 == 1
		pool := clean
		if perturbed || len(clean) == 0 {
			pool = asked
		}
		st := NewState(sc, rng.Int64())
		var recent []string
		streak, blamed := 0, false
		var streakLines []string
		looped := false
		for turn := 1; turn <= maxTurns; turn++ {
			kind, line, intent := "example", "", -1
			roll := rng.IntN(10)
			switch {
			case perturbed && roll == 0:
				kind, line = "blaming", blaming[rng.IntN(len(blaming))]
			case perturbed && roll == 1 || len(pool) == 0:
				kind, line = "off-topic", offTopic[rng.IntN(len(offTopic))]
			default:
				intent = pool[rng.IntN(len(pool))]
				ex := sc.Intents[intent].Examples
				line = ex[rng.IntN(len(ex))]
			}
			var t Turn
			t, st = Step(sc, st, line)
			rep.Turns++
			recent = append(recent, fmt.Sprintf("%q → %s", line, describeTurn(t)))
			if len(recent) > 3 {
				recent = recent[1:]
			}
			if t.Assessment.Blaming() || t.Reaction != "" || kind == "blaming" || intent >= 0 && costsTrust(sc.Intents[intent]) {
				blamed = true
			}
			for _, d := range t.Disclosed {
				reached[d] = true
			}
			if st.Ended {
				missing := missingOf(key, st)
				shutdown := sc.Trust.EndBelow > 0 && st.Trust < sc.Trust.EndBelow
				if len(missing) == 0 || (shutdown && blamed) {
					break
				}
				if shutdown {
					note("shutdown", "trust.end_below", CodeDeadEnd, w+1, turn,
						fmt.Sprintf("trust fell below trust.end_below (%d) with no blaming line, ending the interview before %s", sc.Trust.EndBelow, strings.Join(missing, ", ")))
				} else {
					path := sc.replyPath(t.ReplyID)
					note("ends "+t.ReplyID, path, CodeDeadEnd, w+1, turn,
						fmt.Sprintf("reply %s ends the interview before %s could be disclosed (after %s)", t.ReplyID, strings.Join(missing, ", "), strings.Join(recent, "; ")))
				}
				break
			}
			if kind != "example" {
				continue
			}
			if !t.Fallback {
				streak, streakLines = 0, nil
				continue
			}
			streak++
			streakLines = append(streakLines, fmt.Sprintf("%q (%s)", line, sc.Intents[intent].ID))
			band := sc.BandOf(st.Trust)
			if streak == 3 && !looped {
				looped = true
				note("loop "+band, "fallbacks", CodeFallbackLoop, w+1, turn,
					fmt.Sprintf("three fallbacks in a row at trust %d (%s), to examples of intents: %s", st.Trust, band, strings.Join(streakLines, ", ")))
			}
			if sc.stuck(st, probe) {
				note("stuck "+band, "intents", CodeDeadEnd, w+1, turn,
					fmt.Sprintf("stuck at trust %d (%s) with %s disclosed: no example of any intent gets an answer any more, nor raises trust (last: %s)",
						st.Trust, band, listOrNone(st.Disclosed), strings.Join(recent, "; ")))
				break
			}
		}
	}

	for _, k := range order {
		f := agg[k]
		what := "walk"
		if f.code == CodeDeadEnd {
			what = "dead end"
		}
		msg := fmt.Sprintf("%s in %d of %d walks (first: walk %d, turn %d): %s", what, f.walks, n, f.walk, f.turn, f.msg)
		rep.Problems = append(rep.Problems, Problem{Source: sc.Source, Pos: sc.Pos.At(f.path), Code: f.code, Msg: msg})
		if f.code == CodeDeadEnd {
			rep.DeadEnds += f.walks
		} else {
			rep.Loops += f.walks
		}
	}
	for i, d := range sc.Disclosures {
		if reached[d.ID] {
			rep.Reached = append(rep.Reached, d.ID)
			continue
		}
		rep.Unreached = append(rep.Unreached, d.ID)
		rep.Problems = append(rep.Problems, Problem{Source: sc.Source, Pos: sc.Pos.At("disclosures." + strconv.Itoa(i)), Code: CodeNeverReached,
			Msg: fmt.Sprintf("disclosure %q was not reached in any of %d walks", d.ID, n)})
	}
	sortProblems(rep.Problems)
	return rep
}

// ExploreReport is what Explore found in one scenario.
type ExploreReport struct {
	Scenario string
	Walks    int
	// Turns is the number of turns played in all walks.
	Turns int
	// Reached and Unreached list disclosures, in file order, by whether
	// any walk reached them.
	Reached   []string
	Unreached []string
	// DeadEnds and Loops count walks with each kind of problem.
	DeadEnds int
	Loops    int
	// Problems hold one entry per kind of dead end or loop (with how many
	// walks hit it) and one per disclosure never reached, sorted by line.
	Problems []Problem
}

type exploreFinding struct {
	path, code, msg string
	walk, turn      int
	walks           int
}

// costsTrust reports whether every reply of an intent lowers trust: the
// intent stands for something a worker should not say.
func costsTrust(in Intent) bool {
	for _, r := range in.Replies {
		if r.Trust >= 0 {
			return false
		}
	}
	return len(in.Replies) > 0
}

// stuck reports whether, from st, no example line of any intent gets an
// intent's answer, raises trust, reveals something or opens a new phase:
// every remaining line would get a fallback.
func (sc *Scenario) stuck(st State, asked []int) bool {
	for _, i := range asked {
		for _, ex := range sc.Intents[i].Examples {
			t, next := Step(sc, st, ex)
			if t.Intent != "" || next.Trust > st.Trust || len(t.Disclosed) > 0 || next.Ended {
				return false
			}
			if !st.Visited(t.Assessment.Phase) {
				return false
			}
		}
	}
	return true
}

// replyPath turns a reply key (as in Turn.ReplyID) into its position path.
func (sc *Scenario) replyPath(key string) string {
	for i, in := range sc.Intents {
		for j, r := range in.Replies {
			if replyKey("intents."+in.ID, j, r) == key {
				return "intents." + strconv.Itoa(i) + ".replies." + strconv.Itoa(j)
			}
		}
	}
	for k, rs := range sc.Reactions {
		for j, r := range rs {
			if replyKey("reactions."+string(k), j, r) == key {
				return "reactions." + string(k) + "." + strconv.Itoa(j)
			}
		}
	}
	for _, l := range []struct {
		name string
		rs   []Reply
	}{{"fallbacks", sc.Fallbacks}, {"clarify", sc.Clarify}, {"shutdown", sc.Shutdown}} {
		for j, r := range l.rs {
			if replyKey(l.name, j, r) == key {
				return l.name + "." + strconv.Itoa(j)
			}
		}
	}
	return "intents"
}

func describeTurn(t Turn) string {
	switch {
	case t.Reaction != "":
		return "reaction to " + string(t.Reaction)
	case t.Clarify:
		return "clarify"
	case t.Fallback:
		return "fallback"
	case t.Intent != "":
		return t.Intent
	}
	return orNone(t.ReplyID)
}

func missingOf(ids []string, st State) []string {
	var out []string
	for _, d := range ids {
		if !slices.Contains(st.Disclosed, d) {
			out = append(out, d)
		}
	}
	return out
}

func listOrNone(ids []string) string {
	if len(ids) == 0 {
		return "nothing"
	}
	return strings.Join(ids, ", ")
}

// blamingLines perturb a walk: what a worker should not say, by whom the
// worker is speaking to.
var blamingLines = map[Role][]string{
	Survivor: {
		"Why haven't you left him?",
		"Why do you keep letting him back in?",
		"You need to protect your children from him.",
		"Why did you stay when you knew the kids were at risk?",
	},
	Perpetrator: {
		"It sounds like you two fight a lot.",
		"She must really wind you up.",
		"Both of you need to stop arguing in front of the kids.",
		"You are nothing but a bully.",
	},
}

// offTopicLines perturb a walk with lines no scenario should understand.
var offTopicLines = []string{
	"Did you watch the football last night?",
	"I like your curtains.",
	"What is the capital of Peru?",
	"Purple elephant sandwich.",
}
