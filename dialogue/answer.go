package dialogue

import (
	"fmt"
	"strings"
)

// topicalMoves are the shared moves that open a topic a follow-up can
// return to; greetings, thanks and the like do not.
var topicalMoves = map[string]bool{
	"children_general": true, "hopes": true, "supports": true, "signs_of_change": true,
	"scaling": true, "confidentiality": true, "process": true, "how_are_you": true,
}

// answer has the character answer the intent the engine read. A
// follow-up is answered from the topic discussed last, with something not
// yet said about it. It reports false when the intent has no reply the
// character can give now, so the caller falls back.
func (sc *Scenario) answer(t Turn, st State, rd reading, phase Phase) (Turn, State, bool) {
	in := &sc.Intents[rd.intent]
	tracef := func(format string, a ...any) { t.Trace = append(t.Trace, fmt.Sprintf(format, a...)) }
	if in.Move == MoveFollowUp && st.Topic != "" {
		if j, ok := sc.index.byID[st.Topic]; ok {
			prev := &sc.Intents[j]
			// A skilled follow-up on the incident moves a perpetrator on
			// before he answers it, as a question on it would.
			held := st
			if note := sc.hold(&held, t.Assessment, in.ID, prev.ID); note != "" {
				tracef("%s", note)
			}
			if r, key, ok := sc.pickUnsaid(held, "intents."+prev.ID, prev.Replies, phase); ok {
				st = held
				t.Intent, t.FollowUp = in.ID, prev.ID
				t.Stage = sc.Stage(st)
				tracef("follow-up read against the last topic, %s (%.2f by %s)", prev.ID, rd.confidence, rd.how)
				sc.say(&t, &st, key, r)
				t.TrustAfter, t.Ended = st.Trust, st.Ended
				return t, st, true
			}
			tracef("follow-up on %s, which has nothing more to say", prev.ID)
		}
	}
	if note := sc.hold(&st, t.Assessment, in.ID, ""); note != "" {
		tracef("%s", note)
	}
	t.Stage = sc.Stage(st)
	r, key, ok := sc.pick(st, "intents."+in.ID, in.Replies, phase)
	if !ok {
		tracef("intent %s read (%.2f by %s) but has no reply for trust %d (%s) now", in.ID, rd.confidence, rd.how, st.Trust, sc.BandOf(st.Trust))
		return t, st, false
	}
	t.Intent = in.ID
	if rd.pattern != "" {
		tracef("intent %s read by %s (%.2f, pattern %q)", in.ID, rd.how, rd.confidence, rd.pattern)
	} else {
		tracef("intent %s read by %s (%.2f)", in.ID, rd.how, rd.confidence)
	}
	if in.Move == "" || topicalMoves[in.Move] {
		st.Topic = in.ID
	}
	st.Asked[in.ID]++
	sc.say(&t, &st, key, r)
	t.TrustAfter, t.Ended = st.Trust, st.Ended
	return t, st, true
}

// pickUnsaid is pick restricted to replies not yet said this session,
// "like I said" lines excluded: a follow-up asks for something new.
func (sc *Scenario) pickUnsaid(st State, prefix string, rs []Reply, phase Phase) (Reply, string, bool) {
	return sc.pickWhere(st, prefix, rs, phase, func(key string, r Reply) bool {
		_, said := st.LastUsed[key]
		return !said && !r.Again
	})
}

// askAbout has the character check her best guess instead of answering
// a line she is not sure of ("The money, you mean?"). A yes next turn
// answers it.
func (sc *Scenario) askAbout(t Turn, st State, rd reading, phase Phase) (Turn, State) {
	in := sc.Intents[rd.intent]
	r, key, ok := sc.pick(st, "confirm", sc.Confirm, phase)
	if !ok {
		r, key = Reply{Text: "{Topic}, you mean?"}, "confirm.default"
	}
	r.Text = strings.NewReplacer("{topic}", topic(in), "{Topic}", capitalise(topic(in))).Replace(r.Text)
	t.Confirm = true
	st.Pending = in.ID
	t.Trace = append(t.Trace, fmt.Sprintf("not sure what was asked (best guess %s, %.2f by %s): asked about it", in.ID, rd.confidence, rd.how))
	sc.say(&t, &st, key, r)
	t.TrustAfter, t.Ended = st.Trust, st.Ended
	return t, st
}

// builtinAffirm answers a clarifying question when no moves library is
// linked.
var builtinAffirm = []string{"yes", "yeah", "yep", "aye", "exactly", "that is right", "correct", "yes please", "uh huh", "mhm"}

// answerPending handles the turn after the character asked about her best
// guess: a yes answers the guessed intent; anything else is read afresh.
func (sc *Scenario) answerPending(t Turn, st State, toks []Token, phase Phase) (Turn, State, bool) {
	if st.Pending == "" {
		return t, st, false
	}
	affirm := builtinAffirm
	if sc.moves != nil && len(sc.moves.Affirm) > 0 {
		affirm = sc.moves.Affirm
	}
	i, ok := sc.index.byID[st.Pending]
	if !ok || !shortAnswer(toks, affirm) {
		return t, st, false
	}
	st.Pending = ""
	return sc.answer(t, st, reading{intent: i, confidence: 1, how: "a yes to the character's question"}, phase)
}
