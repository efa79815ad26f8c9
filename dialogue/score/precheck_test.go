package score

import (
	"path/filepath"
	"testing"
)

// TestPreChecksNeverHideAMatch checks what the scan's speed rests on: a
// pattern the pre-check rules out for a reply (none of its key words is
// there, or a word it cannot match without is missing) never matches
// that reply, and one the check of the words after a word (fits) rules
// out there never matches there. It runs every rule
// pattern, phase cue, unless and not_after pattern over every labelled
// line in both roles, pre-check or not, and fails on any match the
// pre-check would have hidden: such a rule would silently never fire.
func TestPreChecksNeverHideAMatch(t *testing.T) {
	// the hand-labelled lines and the held-out sets: some 1,500 lines in
	// many voices, each in both roles (every file would take a minute
	// under the race detector)
	files, _ := filepath.Glob("testdata/heldout_*.jsonl")
	files = append(files, ownPath, devPath)
	rs, _ := Default().ready()
	lines, hidden, unfit := 0, 0, 0
	for _, path := range files {
		ex, err := readLabelledFile(path)
		if err != nil {
			continue // a file of interviews, or the shared set missing
		}
		for _, e := range ex {
			for _, role := range []Role{Survivor, Perpetrator} {
				lines++
				sc := rs.scan(role, e.Text)
				run := rs.newRun(sc, role)
				// a rule pattern is one sequence: it matches somewhere
				// (Find) when it matches at some word (At)
				for _, p := range allPatterns(rs) {
					if run.verdict[p.id] != ruledOut && run.holds(p.check) {
						for i := range sc.toks {
							if run.fits(p, i) {
								continue
							}
							unfit++
							if _, ok := run.matcher.At(p.p, i); ok {
								t.Errorf("%s: %q matches %q at word %d, but the words after it say it cannot", path, p.p.Source(), e.Text, i)
							}
						}
						continue
					}
					hidden++
					if _, ok := run.matcher.Find(p.p); ok {
						t.Errorf("%s: %q matches %q, but its pre-check says it cannot", path, p.p.Source(), e.Text)
					}
				}
				for _, ru := range rs.rules {
					guards := append([]guardPattern(nil), ru.unless...)
					if ru.notAfter != nil {
						guards = append(guards, *ru.notAfter)
					}
					for k := range guards {
						if run.mayHold(&guards[k]) {
							continue
						}
						hidden++
						if _, ok := run.matcher.Find(guards[k].p); ok {
							t.Errorf("%s: rule %s: %q matches %q, but its pre-check says it cannot", path, ru.id, guards[k].p.Source(), e.Text)
						}
					}
				}
				rs.release(sc)
			}
		}
	}
	if lines == 0 || hidden == 0 || unfit == 0 {
		t.Fatalf("%d lines, %d patterns ruled out, %d places ruled out by the words after: nothing was checked", lines, hidden, unfit)
	}
	t.Logf("%d patterns ruled out in %d lines, and %d places by the words after, none of which matches", hidden, lines, unfit)
}

func allPatterns(rs *ruleSet) []*rulePattern {
	var ps []*rulePattern
	for _, ru := range rs.rules {
		ps = append(ps, ru.patterns...)
	}
	for _, c := range rs.cues {
		ps = append(ps, c.patterns...)
	}
	return ps
}
