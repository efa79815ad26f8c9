// Package scenarios holds Pivot's scenario files, embedded in the binary,
// and loads trainers' own scenarios from a folder beside them.
package scenarios

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/pivotcoach/pivot/dialogue"
)

//go:embed *.yaml
var embedded embed.FS

// matchers are the trained intent matchers of the embedded scenarios
// (pivot train --matchers), so no command trains at start-up.
//
//go:embed matchers/*.pvm
var matchers embed.FS

// training holds extra labelled wordings for the embedded scenarios'
// matchers (training/ID.jsonl).
//
//go:embed training
var training embed.FS

// movesFile is the shared library of interview moves every scenario
// answers (greetings, safe to talk, thanks, closing...).
//
//go:embed shared/moves.yaml
var movesFile []byte

var (
	sharedOnce  sync.Once
	sharedMoves *dialogue.Moves
	sharedErr   error
)

// SharedMoves returns the embedded library of interview moves.
func SharedMoves() (*dialogue.Moves, error) {
	sharedOnce.Do(func() {
		sharedMoves, sharedErr = dialogue.LoadMoves(movesFile, "scenarios/shared/moves.yaml")
	})
	return sharedMoves, sharedErr
}

// Entry is a loaded scenario and where it came from.
type Entry struct {
	Scenario *dialogue.Scenario
	// Origin is "embedded" or the path of the file it was loaded from.
	Origin string
}

// Library is the set of scenarios a run can use, by id.
type Library struct {
	byID map[string]Entry
}

// UnknownScenarioError names the scenario asked for and the ones there are.
type UnknownScenarioError struct {
	ID    string
	Known []string
}

func (e *UnknownScenarioError) Error() string {
	return fmt.Sprintf("no scenario %q; the scenarios are: %s", e.ID, strings.Join(e.Known, ", "))
}

// Embedded loads the scenarios built into the binary. On error the
// library still holds every scenario that did load.
func Embedded() (*Library, error) {
	lib := &Library{byID: map[string]Entry{}}
	return lib, lib.addFS(embedded, ".", "embedded", true)
}

// Load returns the embedded scenarios plus those in dir (if dir is not
// empty). On error the library still holds every scenario that loaded, and
// the error names each file that did not. A folder scenario with an embedded id replaces the embedded one,
// so a trainer can adapt a built-in case study without forking it.
func Load(dir string) (*Library, error) {
	lib, embeddedErr := Embedded()
	if dir == "" {
		return lib, embeddedErr
	}
	info, err := os.Stat(dir)
	if err != nil {
		return lib, errors.Join(embeddedErr, fmt.Errorf("scenario folder %s: %w", dir, err))
	}
	if !info.IsDir() {
		return lib, errors.Join(embeddedErr, fmt.Errorf("scenario folder %s is a file; give the folder that holds your .yaml scenarios", dir))
	}
	// The trainer's folder is loaded even when a built-in file is broken,
	// so one bad file never hides the others; every problem is reported.
	return lib, errors.Join(embeddedErr, lib.addFS(os.DirFS(dir), ".", dir, false))
}

func (l *Library) addFS(fsys fs.FS, root, origin string, isEmbedded bool) error {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return err
	}
	more, _ := fs.Glob(fsys, "*.yml")
	names = append(names, more...)
	sort.Strings(names)
	moves, err := SharedMoves()
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		src := name
		if !isEmbedded {
			src = filepath.Join(origin, name)
		} else {
			src = filepath.Join("scenarios", name)
		}
		sc, err := dialogue.LoadScenario(data, src, dialogue.WithMoves(moves))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		o := "embedded"
		// Extra training lines: training/ID.jsonl beside the scenarios.
		tfs := fsys
		if isEmbedded {
			tfs = training
		}
		if err := attachTraining(sc, tfs, "training/"+sc.ID+".jsonl"); err != nil {
			errs = append(errs, err)
			continue
		}
		if !isEmbedded {
			o = src
		} else if data, err := matchers.ReadFile("matchers/" + sc.ID + ".pvm"); err == nil {
			// A stale matcher (examples changed since training) is
			// ignored: the scenario trains its own on first use, and
			// TestStoredMatchersAreFresh says to retrain.
			_ = sc.UseMatcher(data)
		}
		if prev, dup := l.byID[sc.ID]; dup && (isEmbedded || prev.Origin != "embedded") {
			errs = append(errs, fmt.Errorf("%s: scenario id %q is also used by %s", src, sc.ID, prev.Origin))
			continue
		}
		l.byID[sc.ID] = Entry{Scenario: sc, Origin: o}
	}
	return errors.Join(errs...)
}

// Get returns the scenario with id, or an *UnknownScenarioError.
func (l *Library) Get(id string) (*dialogue.Scenario, error) {
	e, ok := l.byID[strings.ToLower(strings.TrimSpace(id))]
	if !ok {
		return nil, &UnknownScenarioError{ID: id, Known: l.IDs()}
	}
	return e.Scenario, nil
}

// Entries lists every scenario, sorted by id.
func (l *Library) Entries() []Entry {
	out := make([]Entry, 0, len(l.byID))
	for _, e := range l.byID {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Scenario.ID < out[j].Scenario.ID })
	return out
}

// IDs lists the scenario ids, sorted.
func (l *Library) IDs() []string {
	ids := make([]string, 0, len(l.byID))
	for id := range l.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// attachTraining gives sc the training lines in name, if the file exists.
func attachTraining(sc *dialogue.Scenario, fsys fs.FS, name string) error {
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	lines, err := ParseTraining(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if probs := sc.AddTraining(lines); len(probs) > 0 {
		return fmt.Errorf("%s: %w", name, &dialogue.ScenarioError{Problems: probs})
	}
	return nil
}

// ParseTraining reads training lines: {"say": ..., "expect": ...} a line.
func ParseTraining(data []byte) ([]dialogue.TrainingExample, error) {
	var out []dialogue.TrainingExample
	for n, raw := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		var l struct {
			Say    string `json:"say"`
			Expect string `json:"expect"`
		}
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			return nil, fmt.Errorf("line %d: %v", n+1, err)
		}
		if strings.TrimSpace(l.Say) == "" || l.Expect == "" {
			return nil, fmt.Errorf("line %d: want \"say\" and \"expect\"", n+1)
		}
		out = append(out, dialogue.TrainingExample{Text: l.Say, Intent: l.Expect})
	}
	return out, nil
}
