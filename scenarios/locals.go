package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// decodeLocals evaluates every local value in dependency order and adds them
// to ctx as local.NAME. A cycle is an error naming the whole chain.
func (l *loader) decodeLocals(ctx *hcl.EvalContext, blocks hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	attrs := map[string]*hcl.Attribute{}
	var order []string // declaration order, for stable messages
	for _, block := range blocks {
		blockAttrs, attrDiags := block.Body.JustAttributes()
		diags = append(diags, attrDiags...)
		for _, attr := range sortedAttributes(blockAttrs) {
			if previous, ok := attrs[attr.Name]; ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate local value",
					Detail:   fmt.Sprintf("Local value %q is already defined at %s. Names must be unique; rename one of them.", attr.Name, at(previous.NameRange)),
					Subject:  attr.NameRange.Ptr(),
				})
				continue
			}
			attrs[attr.Name] = attr
			order = append(order, attr.Name)
		}
	}

	sc := scope{variables: l.variableNames(), locals: map[string]bool{}}
	for name := range attrs {
		sc.locals[name] = true
	}

	values := map[string]cty.Value{}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		switch state[name] {
		case done:
			return
		case visiting:
			cycle := append(stack[slices.Index(stack, name):], name)
			attr := attrs[name]
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cycle in local values",
				Detail:   fmt.Sprintf("Local values refer to each other in a circle: %s. Break the cycle.", strings.Join(cycle, " → ")),
				Subject:  attr.NameRange.Ptr(),
			})
			for _, member := range cycle {
				values[member] = cty.DynamicVal
				state[member] = done
			}
			return
		}
		state[name] = visiting
		stack = append(stack, name)
		attr := attrs[name]
		traversals := attr.Expr.Variables()
		for _, traversal := range traversals {
			if dep, _, ok := secondName(traversal); ok && traversal.RootName() == "local" && attrs[dep] != nil {
				visit(dep)
			}
		}
		stack = stack[:len(stack)-1]
		if state[name] == done { // decided inside a cycle
			return
		}
		badRoots, refDiags := sc.checkReferences(traversals)
		diags = append(diags, refDiags...)
		ctx.Variables["local"] = cty.ObjectVal(values)
		value, valueDiags := attr.Expr.Value(withUnknownRoots(ctx, badRoots))
		diags = append(diags, valueDiags...)
		if valueDiags.HasErrors() {
			value = cty.DynamicVal
		}
		values[name] = value
		state[name] = done
	}
	for _, name := range order {
		visit(name)
	}
	ctx.Variables["local"] = cty.ObjectVal(values)
	return diags
}

func (l *loader) variableNames() map[string]bool {
	names := map[string]bool{}
	for _, v := range l.set.Variables {
		names[v.Name] = true
	}
	return names
}

// sortedAttributes orders attributes as they appear in the file.
func sortedAttributes(attrs hcl.Attributes) []*hcl.Attribute {
	list := slices.Collect(maps.Values(attrs))
	slices.SortFunc(list, func(a, b *hcl.Attribute) int { return a.Range.Start.Byte - b.Range.Start.Byte })
	return list
}

// declaredLocals lists the local values decodeLocals put in ctx.
func declaredLocals(ctx *hcl.EvalContext) map[string]bool {
	names := map[string]bool{}
	for name := range ctx.Variables["local"].Type().AttributeTypes() {
		names[name] = true
	}
	return names
}
