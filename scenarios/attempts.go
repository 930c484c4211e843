package scenarios

import (
	"maps"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Attempts decodes the attempts of one workload in one run, with the
// results of the steps that ran before it. An attempt differs from the
// next only by workload.seq and workload.at, and a workload may send
// thousands a second, so what does not read workload (a DSN, a query, a
// URL) is decoded once, and each attempt decodes only the attributes and
// blocks that read it. Attempts is safe for concurrent use.
type Attempts struct {
	set *Set
	w   *Workload
	// ctx gives the steps the attempt reads, without workload or result.
	ctx *hcl.EvalContext
	// split is false when every attempt decodes the whole body.
	split bool
	// static is what every attempt decodes alike, by spec key; dynamic is
	// the spec of the rest, decoded from content on each attempt.
	static  map[string]cty.Value
	dynamic hcldec.ObjectSpec
	content hcl.Body
}

// changingFunctions may return another value on a later call with the
// same arguments: the environment, a file the drill rewrites.
var changingFunctions = map[string]bool{"env": true, "file": true}

// Attempts returns the decoder of workload w's attempts; results must
// not change while it is used.
func (s *Set) Attempts(w *Workload, results Results) *Attempts {
	a := &Attempts{set: s, w: w, ctx: s.stepContext(w.Attempt, results, cty.NilVal)}
	a.splitBody()
	return a
}

// splitBody decodes once what no attempt changes. A body it cannot split
// safely is decoded whole on each attempt: one that calls a function
// whose value may change, one whose content or fixed part has any
// diagnostic (each attempt then reports it exactly as a whole decode
// does).
func (a *Attempts) splitBody() {
	body, spec := a.w.Attempt.Body, a.w.Attempt.Kind.Spec()
	syntax, ok := body.(*hclsyntax.Body)
	if !ok || callsChangingFunction(syntax) {
		return
	}
	content, diags := body.Content(hcldec.ImpliedSchema(spec))
	if len(diags) > 0 {
		return
	}
	fixed := contentBody{content: content, body: body}
	static, dynamic := hcldec.ObjectSpec{}, hcldec.ObjectSpec{}
	for key, keySpec := range spec {
		if readsWorkload(hcldec.Variables(body, keySpec)) {
			dynamic[key] = keySpec
		} else {
			static[key] = keySpec
		}
	}
	values, diags := hcldec.Decode(fixed, static, a.ctx)
	if len(diags) > 0 {
		return
	}
	a.static = make(map[string]cty.Value, len(static))
	for key := range static {
		a.static[key] = values.GetAttr(key)
	}
	a.split, a.dynamic, a.content = true, dynamic, fixed
}

func callsChangingFunction(body *hclsyntax.Body) bool {
	calls := false
	_ = hclsyntax.VisitAll(body, func(node hclsyntax.Node) hcl.Diagnostics {
		if call, ok := node.(*hclsyntax.FunctionCallExpr); ok && changingFunctions[call.Name] {
			calls = true
		}
		return nil
	})
	return calls
}

func readsWorkload(traversals []hcl.Traversal) bool {
	for _, traversal := range traversals {
		if traversal.RootName() == "workload" {
			return true
		}
	}
	return false
}

// Config decodes the kind attributes of the attempt numbered seq, started
// at at. The value keeps its sensitive marks.
func (a *Attempts) Config(seq int64, at time.Time) (cty.Value, hcl.Diagnostics) {
	ctx := a.attemptContext(cty.NilVal, seq, at)
	if !a.split {
		config, diags := hcldec.Decode(a.w.Attempt.Body, a.w.Attempt.Kind.Spec(), ctx)
		return config, hideSensitiveDetails(diags)
	}
	// Key by key, as an ObjectSpec decodes them, without an object of the
	// dynamic keys alone.
	attrs := make(map[string]cty.Value, len(a.static)+len(a.dynamic))
	maps.Copy(attrs, a.static)
	var diags hcl.Diagnostics
	for key, keySpec := range a.dynamic {
		value, keyDiags := hcldec.Decode(a.content, keySpec, ctx)
		attrs[key], diags = value, append(diags, keyDiags...)
	}
	return cty.ObjectVal(attrs), hideSensitiveDetails(diags)
}

// CheckAsserts evaluates the asserts of the attempt numbered seq, started
// at at, against its result.
func (a *Attempts) CheckAsserts(result cty.Value, seq int64, at time.Time) []AssertFailure {
	return a.set.checkAsserts(a.w.Attempt, a.attemptContext(result, seq, at))
}

func (a *Attempts) attemptContext(result cty.Value, seq int64, at time.Time) *hcl.EvalContext {
	ctx := a.ctx.NewChild()
	ctx.Variables = map[string]cty.Value{"workload": cty.ObjectVal(map[string]cty.Value{
		"seq": cty.NumberIntVal(seq),
		"at":  cty.StringVal(at.UTC().Format(time.RFC3339Nano)),
	})}
	if result != cty.NilVal {
		ctx.Variables["result"] = result
	}
	return ctx
}

// Unmarked returns v without its marks, or v itself, not a copy, when
// nothing in it is marked: the config of an attempt seldom holds a
// secret, and unmarking copies the whole value.
func Unmarked(v cty.Value) cty.Value {
	if !containsMarks(v) {
		return v
	}
	plain, _ := v.UnmarkDeep()
	return plain
}

func containsMarks(v cty.Value) bool {
	switch {
	case v.IsMarked() || !v.IsKnown(): // an unknown value may hide nested marks
		return true
	case v.IsNull():
		return false
	}
	ty := v.Type()
	switch {
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			if containsMarks(v.GetAttr(name)) {
				return true
			}
		}
	case ty.IsCollectionType() || ty.IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			if _, element := it.Element(); containsMarks(element) {
				return true
			}
		}
	}
	return false
}

// contentBody is a body whose content was read once, with the schema of
// the whole kind: decoding a part of it reads the part from that content
// (hcldec's specs pick what they decode from it) instead of the body again.
type contentBody struct {
	content *hcl.BodyContent
	body    hcl.Body
}

func (b contentBody) Content(*hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	return b.content, nil
}

func (b contentBody) PartialContent(*hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	return b.content, b.body, nil
}

func (b contentBody) JustAttributes() (hcl.Attributes, hcl.Diagnostics) {
	return b.body.JustAttributes()
}

func (b contentBody) MissingItemRange() hcl.Range { return b.body.MissingItemRange() }
