package scenarios

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/redrill/redrill/scenarios/duration"
)

// functions returns the functions a scenario may call: the go-cty standard
// library under Terraform's names, try and can, and redrill's own env,
// duration, file and unix. Relative paths given to file() are read from
// baseDir; env() reads lookupEnv.
func functions(baseDir string, lookupEnv func(string) (string, bool)) map[string]function.Function {
	return map[string]function.Function{
		// Numbers.
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc,
		"log": stdlib.LogFunc, "max": stdlib.MaxFunc, "min": stdlib.MinFunc,
		"parseint": stdlib.ParseIntFunc, "pow": stdlib.PowFunc, "signum": stdlib.SignumFunc,

		// Strings.
		"chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
		"indent": stdlib.IndentFunc, "join": stdlib.JoinFunc, "lower": stdlib.LowerFunc,
		"regex": stdlib.RegexFunc, "regexall": stdlib.RegexAllFunc, "replace": replaceFunc,
		"split": stdlib.SplitFunc, "strrev": stdlib.ReverseFunc, "substr": stdlib.SubstrFunc,
		"title": stdlib.TitleFunc, "trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc,
		"trimspace": stdlib.TrimSpaceFunc, "trimsuffix": stdlib.TrimSuffixFunc, "upper": stdlib.UpperFunc,

		// Collections.
		"chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc,
		"coalescelist": stdlib.CoalesceListFunc, "compact": stdlib.CompactFunc,
		"concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc, "distinct": stdlib.DistinctFunc,
		"element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc, "index": stdlib.IndexFunc,
		"keys": stdlib.KeysFunc, "length": lengthFunc, "lookup": stdlib.LookupFunc,
		"merge": stdlib.MergeFunc, "range": stdlib.RangeFunc, "reverse": stdlib.ReverseListFunc,
		"slice": stdlib.SliceFunc, "sort": stdlib.SortFunc, "values": stdlib.ValuesFunc,
		"zipmap": stdlib.ZipmapFunc,

		// Types and encodings.
		"tobool": stdlib.MakeToFunc(cty.Bool), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)), "tonumber": stdlib.MakeToFunc(cty.Number),
		"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tostring": stdlib.MakeToFunc(cty.String),
		"csvdecode": stdlib.CSVDecodeFunc, "jsondecode": stdlib.JSONDecodeFunc, "jsonencode": stdlib.JSONEncodeFunc,

		// Time.
		"formatdate": stdlib.FormatDateFunc, "timeadd": stdlib.TimeAddFunc,

		// Errors.
		"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,

		// redrill's own.
		"env":      envFunc(lookupEnv),
		"duration": durationFunc,
		"file":     fileFunc(baseDir),
		"unix":     unixFunc,
	}
}

// replaceFunc is Terraform's replace: a search string wrapped in slashes is
// a regular expression.
var replaceFunc = function.New(&function.Spec{
	Description: "Replaces each occurrence of substr in str; /substr/ is a regular expression.",
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substr", Type: cty.String},
		{Name: "replace", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		substr := args[1].AsString()
		if len(substr) > 1 && strings.HasPrefix(substr, "/") && strings.HasSuffix(substr, "/") {
			pattern := cty.StringVal(substr[1 : len(substr)-1])
			return stdlib.RegexReplace(args[0], pattern, args[2])
		}
		return stdlib.Replace(args[0], args[1], args[2])
	},
})

// lengthFunc is Terraform's length: collections, and strings in characters.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the number of elements of a collection or the number of characters of a string.",
	Params: []function.Parameter{{
		Name: "value", Type: cty.DynamicPseudoType,
		AllowDynamicType: true, AllowUnknown: true, AllowMarked: true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		if ty == cty.String || ty == cty.DynamicPseudoType || ty.IsCollectionType() || ty.IsTupleType() || ty.IsObjectType() {
			return cty.Number, nil
		}
		return cty.NilType, fmt.Errorf("length needs a string, a list, a map or an object, not %s", ty.FriendlyName())
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		value, marks := args[0].Unmark()
		if value.Type() == cty.String {
			n, err := stdlib.Strlen(value)
			return n.WithMarks(marks), err
		}
		if !value.IsKnown() || value.Type() == cty.DynamicPseudoType {
			return cty.UnknownVal(cty.Number).WithMarks(marks), nil
		}
		if value.IsNull() {
			return cty.NilVal, fmt.Errorf("length of null")
		}
		return value.Length().WithMarks(marks), nil
	},
})

// envFunc reads an environment variable: env("NAME") or env("NAME", "default").
func envFunc(lookupEnv func(string) (string, bool)) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable, or the default when it is not set.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		VarParam:    &function.Parameter{Name: "default", Type: cty.String},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 2 {
				return cty.NilVal, fmt.Errorf("env takes a name and at most one default, not %d arguments", len(args))
			}
			name := args[0].AsString()
			if value, ok := lookupEnv(name); ok {
				return cty.StringVal(value), nil
			}
			if len(args) == 2 {
				return args[1], nil
			}
			return cty.NilVal, fmt.Errorf("environment variable %s is not set; set it, or give a default: env(%q, \"...\")", name, name)
		},
	})
}

// durationFunc turns "90m" into 5400: durations in results are seconds.
var durationFunc = function.New(&function.Spec{
	Description: "Converts a duration such as \"90m\" or \"2d\" to seconds.",
	Params:      []function.Parameter{{Name: "duration", Type: cty.String}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		d, err := duration.Parse(args[0].AsString())
		if err != nil {
			return cty.NilVal, err
		}
		return cty.NumberFloatVal(d.Seconds()), nil
	},
})

// fileFunc reads a file as a string, relative to the scenario set's folder.
func fileFunc(baseDir string) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a file, relative to the scenario files' folder, as a UTF-8 string.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			path := args[0].AsString()
			if !filepath.IsAbs(path) {
				path = filepath.Join(baseDir, path)
			}
			// A file() of /dev/zero or a FIFO must not hang or exhaust
			// the load: the same rules as for scenario files.
			// Its errors name the path.
			content, err := readRegularFile(path, MaxFileSize)
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(string(content)), nil
		},
	})
}

// unixFunc turns an RFC 3339 time into Unix seconds.
var unixFunc = function.New(&function.Spec{
	Description: "Converts an RFC 3339 time to Unix seconds.",
	Params:      []function.Parameter{{Name: "time", Type: cty.String}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		parsed, err := time.Parse(time.RFC3339Nano, args[0].AsString())
		if err != nil {
			return cty.NilVal, fmt.Errorf("unix: %q is not an RFC 3339 time such as \"2026-03-14T09:30:00Z\"", args[0].AsString())
		}
		return cty.NumberFloatVal(float64(parsed.UnixNano()) / 1e9), nil
	},
})
