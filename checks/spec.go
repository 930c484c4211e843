package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/scenarios/duration"
)

// Helpers that kinds use to declare their attributes.

func required(name string, ty cty.Type) hcldec.Spec {
	return &hcldec.AttrSpec{Name: name, Type: ty, Required: true}
}

func optional(name string, ty cty.Type) hcldec.Spec {
	return &hcldec.AttrSpec{Name: name, Type: ty}
}

// optionalDuration is a string attribute that must read as a duration.
func optionalDuration(name string) hcldec.Spec {
	return validatedString(name, "Invalid duration", func(text string) string {
		d, err := duration.Parse(text)
		if err != nil {
			return fmt.Sprintf("The %q attribute: %v.", name, err)
		}
		if d == 0 {
			return fmt.Sprintf("The %q attribute must be longer than zero.", name)
		}
		return ""
	})
}

// oneOf is a string attribute limited to the given values.
func oneOf(name string, allowed ...string) hcldec.Spec {
	return validatedString(name, "Invalid "+name, func(text string) string {
		if slices.Contains(allowed, text) {
			return ""
		}
		return fmt.Sprintf("The %q attribute is %q; it must be one of %s.", name, text, quoteList(allowed))
	})
}

// validatedString is an optional string attribute checked by problem, which
// returns what is wrong with a value, or "".
func validatedString(name, summary string, problem func(text string) string) hcldec.Spec {
	return &hcldec.ValidateSpec{
		Wrapped: optional(name, cty.String),
		Func: func(value cty.Value) hcl.Diagnostics {
			_, marked := value.Unmark()
			text, ok := knownString(value)
			if !ok {
				return nil
			}
			detail := problem(text)
			if detail == "" {
				return nil
			}
			if len(marked) > 0 && text != "" {
				// The value is sensitive: say what is wrong without it.
				detail = strings.ReplaceAll(detail, text, Redacted)
			}
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail}}
		},
	}
}

// knownString returns the text of a known, non-null string, looking through
// marks such as "sensitive".
func knownString(value cty.Value) (string, bool) {
	value, _ = value.Unmark()
	if !value.IsKnown() || value.IsNull() || value.Type() != cty.String {
		return "", false
	}
	return value.AsString(), true
}

func quoteList(items []string) string {
	quoted := make([]string, len(items))
	for i, item := range items {
		quoted[i] = fmt.Sprintf("%q", item)
	}
	return strings.Join(quoted, ", ")
}
