package scenarios

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in canonical HCL layout. A file with syntax errors is
// refused: formatting it would only move the errors around.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	if tooDeep := checkNesting(nativeSuffix, src); tooDeep != nil {
		tooDeep.Subject.Filename = filename
		return nil, hcl.Diagnostics{tooDeep}
	}
	_, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}

// FormattableFiles lists the native-syntax scenario files under path: the
// file itself, or every *.hcl file in the folder and its subfolders. JSON
// files are left as they are.
func FormattableFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		if !strings.HasSuffix(path, nativeSuffix) {
			return nil, fmt.Errorf("%s: fmt formats native syntax files (%s); JSON files are left as they are", path, nativeSuffix)
		}
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, entry os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entry.IsDir() && p != path && strings.HasPrefix(entry.Name(), ".") {
			return filepath.SkipDir
		}
		if !entry.IsDir() && strings.HasSuffix(entry.Name(), nativeSuffix) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// FormatFile formats one file in place when write is set. It reports
// whether the file was (or would be) changed.
func FormatFile(path string, write bool) (changed bool, files map[string]*hcl.File, diags hcl.Diagnostics) {
	src, err := readRegularFile(path, MaxFileSize)
	if err != nil {
		diag := tooLarge(err, "a scenario file")
		if diag == nil {
			diag = &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read file", Detail: err.Error()}
		}
		return false, nil, hcl.Diagnostics{diag}
	}
	formatted, diags := Format(src, path)
	if diags.HasErrors() {
		return false, map[string]*hcl.File{path: {Bytes: src}}, diags
	}
	if bytes.Equal(src, formatted) {
		return false, nil, nil
	}
	if write {
		info, err := os.Stat(path)
		if err != nil {
			return false, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot write file", Detail: err.Error()}}
		}
		if err := os.WriteFile(path, formatted, info.Mode().Perm()); err != nil {
			return false, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot write file", Detail: err.Error()}}
		}
	}
	return true, nil, nil
}
