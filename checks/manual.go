package checks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// manualKind waits for a person to do something and say so:
// `manual { instructions = "Promote the replica", timeout = "30m" }`.
// Whoever runs the drill decides how people are asked (the runner's
// terminal, the store that the CLI and the dashboard answer through): it
// hands the check an Asker in the step's context.
type manualKind struct{ declaration }

func init() { register(newManualKind()) }

// ManualDefaultTimeout is how long a manual step waits for an answer when
// neither its block nor its step says.
const ManualDefaultTimeout = 30 * time.Minute

// The outcomes of a manual step, as its result's outcome field holds them.
const (
	ManualDone    = "done"
	ManualFailed  = "failed"
	ManualSkipped = "skipped"
)

func newManualKind() manualKind {
	return manualKind{declaration{
		name: "manual",
		spec: hcldec.ObjectSpec{
			"instructions": required("instructions", cty.String),
			"timeout":      optionalDuration("timeout"),
		},
		result: resultType(map[string]cty.Type{
			"instructions": cty.String,
			"outcome":      cty.String,
			"by":           cty.String,
			"note":         cty.String,
			"answered_at":  cty.String,
			"automatic":    cty.Bool,
			"waited":       cty.Number,
		}),
		defaultTimeout: ManualDefaultTimeout,
	}}
}

// Question is what a manual step asks.
type Question struct {
	Instructions string // secrets already hidden
	// Deadline is when the step stops waiting; zero when nothing bounds
	// it but the drill.
	Deadline time.Time
}

// Reply is a person's answer (or run --yes's).
type Reply struct {
	Outcome   string // ManualDone, ManualFailed or ManualSkipped
	By        string
	Note      string
	At        time.Time
	Automatic bool
}

// Asker asks people a manual step's question and waits for the first
// answer; it returns ctx's error when nobody answered in time.
type Asker interface {
	Ask(ctx context.Context, q Question) (Reply, error)
}

type askerKey struct{}

// WithAsker hands asker to the manual step run with ctx.
func WithAsker(ctx context.Context, asker Asker) context.Context {
	return context.WithValue(ctx, askerKey{}, asker)
}

// errNobodyToAsk is a manual step run where nobody can answer it.
var errNobodyToAsk = errors.New("nobody can answer here: no terminal, no store")

func (manualKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	instructions := env.Redactor.String(stringAttr(config, "instructions"))
	fields := map[string]cty.Value{"instructions": cty.StringVal(instructions)}
	started := env.Now()
	asker, _ := ctx.Value(askerKey{}).(Asker)
	if asker == nil {
		// The step still waits out its timeout: the drill is told, at the
		// time it would have been, that nobody answered.
		<-ctx.Done()
		fields["waited"] = seconds(env.Now().Sub(started))
		return fields, fmt.Errorf("%w: %w", errNobodyToAsk, context.Cause(ctx))
	}
	deadline, _ := ctx.Deadline()
	reply, err := asker.Ask(ctx, Question{Instructions: instructions, Deadline: deadline})
	fields["waited"] = seconds(env.Now().Sub(started))
	if err != nil {
		if ctx.Err() != nil {
			return fields, fmt.Errorf("nobody answered: %w", context.Cause(ctx))
		}
		return fields, err
	}
	fields["outcome"] = cty.StringVal(reply.Outcome)
	fields["by"] = cty.StringVal(reply.By)
	fields["note"] = cty.StringVal(reply.Note)
	fields["answered_at"] = cty.StringVal(reply.At.UTC().Format(time.RFC3339Nano))
	fields["automatic"] = cty.BoolVal(reply.Automatic)
	return fields, nil
}

// Succeeded passes a step done or skipped; failed fails it, with who said
// so and why.
func (manualKind) Succeeded(result cty.Value) (bool, string) {
	outcome, by, note := result.GetAttr("outcome"), result.GetAttr("by"), result.GetAttr("note")
	if outcome.IsNull() {
		return false, "nobody answered"
	}
	switch outcome.AsString() {
	case ManualDone, ManualSkipped:
		return true, ""
	}
	message := outcome.AsString()
	if !by.IsNull() && by.AsString() != "" {
		message += " by " + by.AsString()
	}
	if !note.IsNull() && note.AsString() != "" {
		message += ": " + note.AsString()
	}
	return false, message
}
