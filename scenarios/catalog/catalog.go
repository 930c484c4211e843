// Package catalog holds drill scenarios derived from real public
// postmortems of incidents whose recovery took far longer than planned.
// They are embedded in the binary: `redrill catalog show NAME > drill.hcl`
// is the starting point of a real drill.
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

//go:embed *.hcl
var files embed.FS

// Entry is one catalog scenario.
type Entry struct {
	// Name is the file name without .hcl, used by `catalog show NAME`.
	Name string
	// Title, Date and URL are the postmortem's, as the scenario cites it.
	Title string
	Date  string
	URL   string
}

// List returns every entry, sorted by name.
func List() ([]Entry, error) {
	names, err := fs.Glob(files, "*.hcl")
	if err != nil {
		return nil, err
	}
	var entries []Entry
	for _, file := range names {
		src, err := files.ReadFile(file)
		if err != nil {
			return nil, err
		}
		entry := Entry{Name: strings.TrimSuffix(file, ".hcl")}
		entry.Title, entry.Date, entry.URL = postmortem(src, file)
		entries = append(entries, entry)
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return entries, nil
}

// Source returns the scenario file of an entry, as written.
func Source(name string) ([]byte, error) {
	src, err := files.ReadFile(name + ".hcl")
	if err != nil {
		entries, _ := List()
		var names []string
		for _, e := range entries {
			names = append(names, e.Name)
		}
		return nil, fmt.Errorf("no catalog scenario %q; the catalog has: %s", name, strings.Join(names, ", "))
	}
	return src, nil
}

// postmortem reads the first postmortem block's literal title, date and url.
func postmortem(src []byte, filename string) (title, date, url string) {
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return "", "", ""
	}
	for _, block := range file.Body.(*hclsyntax.Body).Blocks {
		if block.Type != "scenario" {
			continue
		}
		for _, inner := range block.Body.Blocks {
			if inner.Type == "postmortem" {
				return literal(inner.Body, "title"), literal(inner.Body, "date"), literal(inner.Body, "url")
			}
		}
	}
	return "", "", ""
}

func literal(body *hclsyntax.Body, name string) string {
	attr, ok := body.Attributes[name]
	if !ok {
		return ""
	}
	value, diags := attr.Expr.Value(nil)
	if diags.HasErrors() || value.IsNull() || !value.IsKnown() {
		return ""
	}
	return value.AsString()
}

// WriteAll writes every entry into dir as NAME.hcl, creating dir if needed,
// and returns the paths written. The entries' variables and locals have
// names of their own, so the folder loads as one set.
func WriteAll(dir string) ([]string, error) {
	entries, err := List()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	var written []string
	for _, e := range entries {
		src, err := Source(e.Name)
		if err != nil {
			return written, err
		}
		path := filepath.Join(dir, e.Name+".hcl")
		if err := os.WriteFile(path, src, 0o644); err != nil {
			return written, fmt.Errorf("write %s: %w", path, err)
		}
		written = append(written, path)
	}
	return written, nil
}
