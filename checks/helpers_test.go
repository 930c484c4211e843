package checks

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// config builds a kind's attributes as a scenario would decode them: every
// attribute of the kind, null unless given.
func config(t testing.TB, kind Kind, attrs map[string]cty.Value) cty.Value {
	t.Helper()
	ty := hcldec.ImpliedType(kind.Spec())
	values := map[string]cty.Value{}
	for name, attrType := range ty.AttributeTypes() {
		values[name] = cty.NullVal(attrType)
	}
	for name, value := range attrs {
		if _, ok := values[name]; !ok {
			t.Fatalf("%s has no attribute %q", kind.Name(), name)
		}
		values[name] = value
	}
	return cty.ObjectVal(values)
}

func kind(t testing.TB, name string) Kind {
	t.Helper()
	k, ok := Builtin().Lookup(name)
	if !ok {
		t.Fatalf("no kind %q", name)
	}
	return k
}

// execute runs one call with a fresh Env and returns the outcome.
func execute(t *testing.T, call Call, secrets ...string) Outcome {
	t.Helper()
	env := NewEnv(Deps{}, secrets...)
	t.Cleanup(func() { _ = env.Close() })
	return env.Execute(context.Background(), call)
}

func strs(items ...string) cty.Value {
	values := make([]cty.Value, len(items))
	for i, item := range items {
		values[i] = cty.StringVal(item)
	}
	return cty.ListVal(values)
}

// field returns a result field as a Go value for comparisons.
func field(t *testing.T, result cty.Value, name string) any {
	t.Helper()
	v := result.GetAttr(name)
	switch {
	case v.IsNull():
		return nil
	case v.Type() == cty.String:
		return v.AsString()
	case v.Type() == cty.Bool:
		return v.True()
	case v.Type() == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f
	}
	return v
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
