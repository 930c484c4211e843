package scenarios

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/redrill/redrill/internal/secret"
)

// sensitiveMark marks values that must never be shown. cty carries marks
// through every function and operator, so anything computed from a
// sensitive variable is sensitive too.
type mark string

const sensitiveMark = mark("sensitive")

// IsSensitive reports whether v is, or contains, a sensitive value.
func IsSensitive(v cty.Value) bool {
	return v.HasMarkDeep(sensitiveMark)
}

// EnvPrefix is the prefix of environment variables that set scenario
// variables: REDRILL_VAR_dump=/backups/latest.dump.
const EnvPrefix = "REDRILL_VAR_"

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"},
		{Name: "default"},
		{Name: "description"},
		{Name: "sensitive"},
	},
}

// rawValue is a variable value given outside the scenario files.
type rawValue struct {
	from string
	// Exactly one of text (--var, environment) and expr (--var-file).
	text  string
	expr  hcl.Expression
	isSet bool
}

func (l *loader) decodeVariables(blocks hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	declared := map[string]*hcl.Block{}
	for _, block := range blocks {
		name := block.Labels[0]
		if previous, ok := declared[name]; ok {
			diags = append(diags, duplicate("variable", name, block, previous))
			continue
		}
		declared[name] = block
		if d := checkName("variable", block); d != nil {
			diags = append(diags, d)
		}
	}

	given, givenDiags := l.givenValues(declared)
	diags = append(diags, givenDiags...)

	for _, block := range blocks {
		name := block.Labels[0]
		if declared[name] != block {
			continue
		}
		v, varDiags := decodeVariable(block, given[name])
		diags = append(diags, varDiags...)
		l.set.Variables = append(l.set.Variables, v)
	}
	return diags
}

// decodeVariable reads one variable block and picks its value.
func decodeVariable(block *hcl.Block, given rawValue) (*Variable, hcl.Diagnostics) {
	v := &Variable{Name: block.Labels[0], Type: cty.DynamicPseudoType, Value: cty.DynamicVal, Range: block.DefRange}
	content, diags := block.Body.Content(variableSchema)
	if attr, ok := content.Attributes["type"]; ok {
		ty, tyDiags := typeexpr.TypeConstraint(attr.Expr)
		diags = append(diags, tyDiags...)
		if !tyDiags.HasErrors() {
			v.Type = ty
		}
	}
	diags = append(diags, decodeString(content.Attributes["description"], nil, &v.Description)...)
	diags = append(diags, decodeBool(content.Attributes["sensitive"], nil, &v.Sensitive)...)

	var value cty.Value
	var valueDiags hcl.Diagnostics
	switch {
	case given.isSet && given.expr != nil:
		value, valueDiags = given.expr.Value(nil)
		valueDiags = append(valueDiags, convertVariable(v, &value, given.expr.Range().Ptr(), given.from)...)
	case given.isSet:
		value, valueDiags = parseVariableText(v, given)
	case content.Attributes["default"] != nil:
		attr := content.Attributes["default"]
		given.from = "default"
		value, valueDiags = attr.Expr.Value(nil)
		valueDiags = append(valueDiags, convertVariable(v, &value, attr.Expr.Range().Ptr(), "default")...)
		if v.Sensitive {
			valueDiags = hideDefault(block, value, valueDiags)
		}
	default:
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No value for required variable",
			Detail: fmt.Sprintf("Variable %q has no default and no value was given. Set it with --var %s=VALUE, in a --var-file, or in the environment as %s%s.",
				v.Name, v.Name, EnvPrefix, v.Name),
			Subject: block.DefRange.Ptr(),
		})
		return v, diags
	}
	diags = append(diags, valueDiags...)
	if valueDiags.HasErrors() {
		return v, diags
	}
	v.From = given.from
	if v.Sensitive {
		value = value.Mark(sensitiveMark)
	}
	v.Value = value
	return v, diags
}

// parseVariableText reads a value given as text: a string variable takes it
// as it is, any other type reads it as an HCL expression, as Terraform does.
func parseVariableText(v *Variable, given rawValue) (cty.Value, hcl.Diagnostics) {
	if v.Type == cty.String || v.Type == cty.DynamicPseudoType {
		return cty.StringVal(given.text), nil
	}
	expr, diags := hclsyntax.ParseExpression([]byte(given.text), given.from, hcl.InitialPos)
	var value cty.Value
	if !diags.HasErrors() {
		value, diags = expr.Value(nil)
	}
	if diags.HasErrors() {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail: fmt.Sprintf("The value of variable %q from %s is not a %s written in HCL syntax; for example %s.",
				v.Name, given.from, v.Type.FriendlyName(), exampleOf(v.Type)),
		}}
	}
	diags = append(diags, convertVariable(v, &value, nil, given.from)...)
	return value, diags
}

// exampleOf shows how a value of a type is written on a command line.
func exampleOf(ty cty.Type) string {
	switch {
	case ty == cty.Number:
		return "4"
	case ty == cty.Bool:
		return "true"
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		return `["a", "b"]`
	}
	return `{ name = "value" }`
}

func convertVariable(v *Variable, value *cty.Value, subject *hcl.Range, from string) hcl.Diagnostics {
	converted, err := convert.Convert(*value, v.Type)
	if err != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The value of variable %q from %s is not a %s: %v.", v.Name, from, v.Type.FriendlyName(), err),
			Subject:  subject,
		}}
	}
	*value = converted
	return nil
}

// givenValues collects values from the environment, var files and --var, in
// that order, each overriding the one before.
func (l *loader) givenValues(declared map[string]*hcl.Block) (map[string]rawValue, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	given := map[string]rawValue{}
	names := make([]string, 0, len(declared))
	for name := range declared {
		names = append(names, name)
	}
	sort.Strings(names)

	for _, name := range names {
		if text, ok := l.opts.LookupEnv(EnvPrefix + name); ok {
			given[name] = rawValue{from: EnvPrefix + name, text: text, isSet: true}
		}
	}

	for _, path := range l.opts.VarFiles {
		src, err := readRegularFile(path, MaxFileSize)
		if err != nil {
			diag := tooLarge(err, "a --var-file")
			if diag == nil {
				diag = &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read --var-file", Detail: err.Error()}
			}
			diags = append(diags, diag)
			continue
		}
		// A var file holds secrets: it is not kept with the scenario files,
		// so no diagnostic quotes its lines, only FILE:LINE:COL.
		parsedFile := parse(path, src)
		diags = append(diags, parsedFile.diags...)
		if parsedFile.file == nil || parsedFile.diags.HasErrors() {
			continue
		}
		attrs, attrDiags := parsedFile.file.Body.JustAttributes()
		diags = append(diags, attrDiags...)
		for name, attr := range attrs {
			if declared[name] == nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Value for undeclared variable",
					Detail:   fmt.Sprintf("%s sets %q, but no variable of that name is declared.%s", path, name, suggest(name, names)),
					Subject:  attr.NameRange.Ptr(),
				})
				continue
			}
			given[name] = rawValue{from: "--var-file " + path, expr: attr.Expr, isSet: true}
		}
	}

	for _, pair := range l.opts.Vars {
		name, text, ok := strings.Cut(pair, "=")
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid --var",
				Detail:   fmt.Sprintf("--var %q has no value: write --var NAME=VALUE.", pair),
			})
			continue
		}
		if declared[name] == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("--var sets %q, but no variable of that name is declared.%s", name, suggest(name, names)),
			})
			continue
		}
		given[name] = rawValue{from: "--var", text: text, isSet: true}
	}
	return given, diags
}

// hideDefault keeps the default of a sensitive variable out of its
// diagnostics: they point at the variable block rather than at the line of
// the value, and their detail does not quote it.
func hideDefault(block *hcl.Block, value cty.Value, diags hcl.Diagnostics) hcl.Diagnostics {
	var texts []string
	if value != cty.NilVal {
		texts = SensitiveTexts(value.Mark(sensitiveMark))
	}
	for _, diag := range diags {
		diag.Subject, diag.Context = block.DefRange.Ptr(), nil
		diag.Expression, diag.EvalContext = nil, nil
		for _, text := range texts {
			if text != "" {
				diag.Detail = strings.ReplaceAll(diag.Detail, text, secret.Hidden)
			}
		}
	}
	return diags
}
