package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// Answers are the answers given ahead to manual steps, for dry runs in CI:
// run --yes answers every one done, run --answer FILE those it names.
type Answers struct {
	all    *store.Answer
	byStep map[string]store.Answer // by NAME or PHASE.NAME
}

// AnswerEvery answers every manual step done, said by by.
func AnswerEvery(by string) Answers {
	return Answers{all: &store.Answer{Outcome: store.AnswerDone, By: by, Note: "answered by run --yes"}}
}

// answerEntry is a step's entry in an answers file: "done", or
// {"outcome": "failed", "note": "…"}.
type answerEntry struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

func (e *answerEntry) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte(`"`)) {
		return json.Unmarshal(data, &e.Outcome)
	}
	type plain answerEntry
	return json.Unmarshal(data, (*plain)(e))
}

// ReadAnswers reads an answers file: a JSON object from step names (NAME
// or PHASE.NAME) to "done", "failed" or "skip", or to an object with an
// outcome and a note. Every name must be a manual step of the scenarios,
// so that a typo is not a step left to wait.
func ReadAnswers(path, by string, selected []*scenarios.Scenario) (Answers, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return Answers{}, fmt.Errorf("read answers: %w", err)
	}
	var entries map[string]answerEntry
	decoder := json.NewDecoder(bytes.NewReader(content))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&entries); err != nil {
		return Answers{}, fmt.Errorf("answers file %s: %w; write a JSON object such as {\"promote\": \"done\", \"recover.check\": {\"outcome\": \"failed\", \"note\": \"why\"}}", path, err)
	}
	manual := manualSteps(selected)
	answers := Answers{byStep: map[string]store.Answer{}}
	for name, entry := range entries {
		outcome := entry.Outcome
		if outcome == "skip" {
			outcome = store.AnswerSkipped
		}
		if !slices.Contains([]string{store.AnswerDone, store.AnswerFailed, store.AnswerSkipped}, outcome) {
			return Answers{}, fmt.Errorf("answers file %s: %q: outcome %q is not done, failed or skip", path, name, entry.Outcome)
		}
		if !slices.Contains(manual, name) && !slices.ContainsFunc(manual, func(full string) bool { return strings.HasSuffix(full, "."+name) }) {
			return Answers{}, fmt.Errorf("answers file %s: %q is not a manual step of the scenarios run (they have %s)", path, name, listOrNone(manual))
		}
		note := entry.Note
		if note == "" {
			note = "answered by run --answer " + path
		}
		answers.byStep[name] = store.Answer{Outcome: outcome, By: by, Note: note}
	}
	return answers, nil
}

// For is the answer given ahead to a step; false when none was.
func (a Answers) For(stage phase.Phase, step string) (store.Answer, bool) {
	if answer, ok := a.byStep[string(stage)+"."+step]; ok {
		return answer, true
	}
	if answer, ok := a.byStep[step]; ok {
		return answer, true
	}
	if a.all != nil {
		return *a.all, true
	}
	return store.Answer{}, false
}

// manualSteps names the manual steps of the scenarios, PHASE.NAME.
func manualSteps(selected []*scenarios.Scenario) []string {
	var names []string
	for _, sc := range selected {
		for _, step := range sc.Steps() {
			if step.Kind.Name() == store.KindManual {
				names = append(names, string(step.Phase)+"."+step.Name)
			}
		}
	}
	return names
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
