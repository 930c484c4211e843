package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/scenarios/phase"
)

// Options are the inputs of a load besides the files themselves.
type Options struct {
	// Vars are "name=value" pairs from --var, in order; a later one wins.
	Vars []string
	// VarFiles are files of `name = value` lines from --var-file, in order.
	VarFiles []string
	// LookupEnv reads the environment for REDRILL_VAR_<name> and env();
	// nil means an empty environment.
	LookupEnv func(string) (string, bool)
	// Kinds are the check kinds scenarios may use; nil means checks.Builtin().
	Kinds *checks.Registry
}

// File name endings of scenario files: HCL native and HCL JSON syntax.
const (
	nativeSuffix = ".hcl"
	jsonSuffix   = ".hcl.json"
)

var topLevelSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "scenario", LabelNames: []string{"name"}},
		{Type: "gameday", LabelNames: []string{"name"}},
		{Type: "notify", LabelNames: []string{"name"}},
	},
}

// loader carries the state of one Load.
type loader struct {
	opts    Options
	baseDir string
	set     *Set
	// Built once per load, used by every scenario; scenarios are decoded
	// concurrently, so zones is guarded by mu and schemas is read-only.
	schemas map[phase.Phase]*hcl.BodySchema
	// measureSchema is the body of a measure block.
	measureSchema *hcl.BodySchema
	// workloadSchema and verifySchema are the bodies of a workload and of
	// its verify block.
	workloadSchema, verifySchema *hcl.BodySchema
	mu                           sync.Mutex
	zones                        map[string]*time.Location
	// names are the declared variables and locals, known after pass one.
	names scope
}

// Load reads a scenario set: path is a scenario file or a folder whose
// *.hcl and *.hcl.json files are read together. Only regular files (or
// symlinks to them) are read, within MaxFileSize each and MaxSetSize
// together. Variables and locals are
// resolved first, then every scenario, game day and notifier is decoded and
// validated. All errors found are returned together; the set is usable only
// when the diagnostics have no error.
func Load(path string, opts Options) (*Set, hcl.Diagnostics) {
	paths, baseDir, err := scenarioFiles(path)
	if err != nil {
		return &Set{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read scenarios", Detail: err.Error()}}
	}
	sources, diags := readSources(path, paths)
	if diags.HasErrors() {
		return &Set{}, diags
	}
	return load(sources, baseDir, opts)
}

// LoadSources loads a set from memory: file names (ending in .hcl or
// .hcl.json) to contents. Relative paths given to file() are read from the
// current folder.
func LoadSources(sources map[string][]byte, opts Options) (*Set, hcl.Diagnostics) {
	return load(sources, ".", opts)
}

func load(sources map[string][]byte, baseDir string, opts Options) (*Set, hcl.Diagnostics) {
	if opts.Kinds == nil {
		opts.Kinds = checks.Builtin()
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = func(string) (string, bool) { return "", false }
	}
	l := &loader{
		opts:          opts,
		baseDir:       baseDir,
		set:           &Set{Files: map[string]*hcl.File{}},
		schemas:       stepSchemas(opts.Kinds),
		measureSchema: measureSchema(opts.Kinds),
		zones:         map[string]*time.Location{},
	}
	l.workloadSchema, l.verifySchema = workloadSchemas(opts.Kinds)

	var diags hcl.Diagnostics
	blocks := map[string]hcl.Blocks{}
	names := sortedKeys(sources)
	for i, parsed := range parseAll(names, sources) {
		diags = append(diags, parsed.diags...)
		file := l.addFile(names[i], parsed)
		if file == nil {
			continue
		}
		content, contentDiags := file.Body.Content(topLevelSchema)
		diags = append(diags, contentDiags...)
		for _, block := range content.Blocks {
			blocks[block.Type] = append(blocks[block.Type], block)
		}
	}

	diags = append(diags, l.decodeVariables(blocks["variable"])...)
	ctx := l.baseContext()
	diags = append(diags, l.decodeLocals(ctx, blocks["locals"])...)
	l.set.evalContext = ctx
	l.names = scope{variables: l.variableNames(), locals: declaredLocals(ctx)}

	diags = append(diags, l.decodeScenarios(blocks["scenario"])...)
	diags = append(diags, l.decodeGameDays(blocks["gameday"])...)
	diags = append(diags, l.decodeNotifiers(blocks["notify"])...)
	return l.set, tidy(hideSensitiveDetails(diags))
}

// scenarioFiles lists the files of a set and the folder relative paths are
// read from.
func scenarioFiles(path string) (files []string, baseDir string, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, "", err
	}
	if !info.IsDir() {
		if !isScenarioFile(path) {
			return nil, "", fmt.Errorf("%s is not a scenario file: scenario files end in %s or %s", path, nativeSuffix, jsonSuffix)
		}
		return []string{path}, filepath.Dir(path), nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, "", err
	}
	for _, entry := range entries {
		// Hidden files are editors' and tools' (.#orders.hcl), not the user's.
		if !entry.IsDir() && isScenarioFile(entry.Name()) && !strings.HasPrefix(entry.Name(), ".") {
			files = append(files, filepath.Join(path, entry.Name()))
		}
	}
	if len(files) == 0 {
		return nil, "", fmt.Errorf("no scenario files in %s: scenario files end in %s or %s", path, nativeSuffix, jsonSuffix)
	}
	sort.Strings(files)
	return files, path, nil
}

func isScenarioFile(name string) bool {
	return strings.HasSuffix(name, nativeSuffix) || strings.HasSuffix(name, jsonSuffix)
}

// parsed is one parsed file.
type parsed struct {
	file  *hcl.File
	diags hcl.Diagnostics
}

// parseAll parses files on every core: parsing is most of a load, and
// files are independent.
func parseAll(names []string, sources map[string][]byte) []parsed {
	results := make([]parsed, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Go(func() {
			for i := range next {
				results[i] = parse(names[i], sources[names[i]])
			}
		})
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func parse(name string, src []byte) parsed {
	var p parsed
	if tooDeep := checkNesting(name, src); tooDeep != nil {
		// The source is kept so that the error shows its line.
		p.file = &hcl.File{Body: hcl.EmptyBody(), Bytes: src}
		p.diags = hcl.Diagnostics{tooDeep}
		return p
	}
	if strings.HasSuffix(name, ".json") {
		p.file, p.diags = hcljson.Parse(src, name)
	} else {
		p.file, p.diags = hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	}
	return p
}

// addFile records a parsed file for diagnostics and returns it, or nil when
// it has syntax errors: its content would only produce errors that follow
// from the first.
func (l *loader) addFile(name string, p parsed) *hcl.File {
	if p.file != nil {
		l.set.Files[name] = p.file
	}
	if p.diags.HasErrors() {
		return nil
	}
	return p.file
}

// baseContext is the evaluation context of everything after variables:
// var, local (filled by decodeLocals) and the functions.
func (l *loader) baseContext() *hcl.EvalContext {
	vars := make(map[string]cty.Value, len(l.set.Variables))
	for _, v := range l.set.Variables {
		vars[v.Name] = v.Value
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":   cty.ObjectVal(vars),
			"local": cty.EmptyObjectVal,
		},
		Functions: functions(l.baseDir, l.opts.LookupEnv),
	}
}

// tidy drops repeated diagnostics (the same problem reached along two
// paths is reported once) and orders them as they appear in the files.
// Errors without a place, such as a bad --var, come first.
func tidy(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[string]bool{}
	var out hcl.Diagnostics
	for _, d := range diags {
		key := d.Summary + "\x00" + d.Detail
		if d.Subject != nil {
			key += "\x00" + d.Subject.String()
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Subject, out[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return out
}
