// Package checks holds the kinds of check a drill can run against a real
// system. Each kind lives in its own file, declares the HCL attributes its
// block accepts and the fields of its result, and registers itself;
// Builtin lists every registered kind.
package checks

import (
	"context"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Kind is one kind of check.
type Kind interface {
	// Name is the block type that selects the kind in a scenario: `sql { ... }`.
	Name() string
	// Spec lists the attributes of the kind's block with their types, so that
	// a scenario is type-checked before anything runs.
	Spec() hcldec.ObjectSpec
	// ResultType is the object type of `result` in an assert.
	ResultType() cty.Type
	// Timeout is the bound on one attempt that the kind's block sets (its
	// timeout attribute); zero when it sets none.
	Timeout(config cty.Value) time.Duration
	// DefaultTimeout bounds an attempt when neither the block nor the step
	// sets a timeout; zero means none.
	DefaultTimeout() time.Duration
	// Run performs the check once. config holds the kind's attributes,
	// decoded and unmarked. It returns the result fields it measured; an
	// error means the check could not run (bad address, unknown driver),
	// not that the system failed it.
	Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error)
	// Succeeded is the default success condition, used when a step has no
	// assert. The message says why a result failed.
	Succeeded(result cty.Value) (ok bool, message string)
}

// declaration is the part of a Kind that is data rather than behaviour: a
// kind embeds it and adds Run and Succeeded. Results are built on every
// poll, so the result type is built once, with the kind.
type declaration struct {
	name   string
	spec   hcldec.ObjectSpec
	result cty.Type // built by resultType
	// defaultTimeout is DefaultTimeout: zero means none.
	defaultTimeout time.Duration
}

func (d declaration) Name() string                  { return d.name }
func (d declaration) Spec() hcldec.ObjectSpec       { return d.spec }
func (d declaration) ResultType() cty.Type          { return d.result }
func (d declaration) DefaultTimeout() time.Duration { return d.defaultTimeout }

// Timeout reads the block's timeout attribute when the kind declares one,
// so that no kind can accept the attribute and then ignore it.
func (d declaration) Timeout(config cty.Value) time.Duration {
	if _, declared := d.spec["timeout"]; !declared {
		return 0
	}
	return timeoutAttr(config)
}

// Registry maps block type names to kinds.
type Registry struct {
	kinds map[string]Kind
}

// NewRegistry returns a registry of the given kinds.
func NewRegistry(kinds ...Kind) *Registry {
	r := &Registry{kinds: make(map[string]Kind, len(kinds))}
	for _, k := range kinds {
		r.kinds[k.Name()] = k
	}
	return r
}

// builtinKinds are the kinds redrill ships with. Each kind's file adds
// its own from an init function, so that adding a kind touches its own
// file and nothing else; nothing changes the list after start-up.
var builtinKinds []Kind

// register adds a kind redrill ships with; only init functions call it.
func register(kind Kind) { builtinKinds = append(builtinKinds, kind) }

// Builtin returns the registry of the kinds redrill ships with.
func Builtin() *Registry { return NewRegistry(builtinKinds...) }

// Lookup returns the kind named name.
func (r *Registry) Lookup(name string) (Kind, bool) {
	k, ok := r.kinds[name]
	return k, ok
}

// Names returns the names of all kinds, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.kinds))
	for name := range r.kinds {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// ErrorField is the result field, common to every kind, that holds why the
// check could not run (empty when it ran).
const ErrorField = "error"

// resultType builds a kind's result type: its own fields plus ErrorField.
func resultType(fields map[string]cty.Type) cty.Type {
	all := make(map[string]cty.Type, len(fields)+1)
	for name, ty := range fields {
		all[name] = ty
	}
	all[ErrorField] = cty.String
	return cty.Object(all)
}
