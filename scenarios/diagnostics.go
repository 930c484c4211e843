package scenarios

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics writes diagnostics as a user reads them. Each starts
// with a line in the form compilers use, FILE:LINE:COL: error: SUMMARY, so
// editors and terminals can jump to it; then where it is in the file with
// the source line (HCL's snippet), then what is wrong and what is allowed.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics) error {
	var snippet bytes.Buffer
	writer := hcl.NewDiagnosticTextWriter(&snippet, files, 100, false)
	for _, diag := range diags {
		snippet.Reset()
		if err := writer.WriteDiagnostic(diag); err != nil {
			return err
		}
		severity, hclSeverity := "error", "Error"
		if diag.Severity == hcl.DiagWarning {
			severity, hclSeverity = "warning", "Warning"
		}
		// HCL's writer opens with "Error: SUMMARY"; the first line
		// replaces it, and the snippet and detail follow as HCL writes them.
		rest := strings.TrimPrefix(snippet.String(), hclSeverity+": "+diag.Summary+"\n\n")
		// A file kept out of files (a --var-file, which holds secrets) is
		// named by the first line alone.
		if diag.Subject != nil && files[diag.Subject.Filename] == nil {
			rest = strings.TrimPrefix(rest, fmt.Sprintf("  on %s line %d:\n  (source code not available)\n\n", diag.Subject.Filename, diag.Subject.Start.Line))
		}
		first := severity + ": " + diag.Summary
		if diag.Subject != nil {
			start := diag.Subject.Start
			first = fmt.Sprintf("%s:%d:%d: %s", diag.Subject.Filename, start.Line, start.Column, first)
		}
		if _, err := fmt.Fprintf(w, "%s\n%s", first, rest); err != nil {
			return err
		}
	}
	return nil
}
