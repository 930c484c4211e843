package scenarios

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
)

// WriteDiagnostics writes diagnostics as a user reads them. Each starts
// with a line in the form compilers use, FILE:LINE:COL: error: SUMMARY, so
// editors and terminals can jump to it; then where it is in the file with
// the source line (HCL's snippet), then what is wrong and what is allowed.
// The first MaxDiagnosticsPrinted are written; a line counts the others.
//
// The cost is linear in the size of the files and the number of
// diagnostics: each file's lines are indexed once. HCL's own writer scans
// the file from its start for every diagnostic, counting characters as it
// goes, which made 2,000 errors in a 237 KB file take a minute to print; it
// is still used for the rest of each diagnostic, given no files.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics) error {
	var text bytes.Buffer
	writer := hcl.NewDiagnosticTextWriter(&text, nil, 100, false)
	sources := &sourceLines{files: files, starts: map[string][]int{}}
	for i, diag := range diags {
		if i == MaxDiagnosticsPrinted {
			return writeNotShown(w, diags[i:])
		}
		text.Reset()
		if err := writer.WriteDiagnostic(diag); err != nil {
			return err
		}
		severity, hclSeverity := "error", "Error"
		if diag.Severity == hcl.DiagWarning {
			severity, hclSeverity = "warning", "Warning"
		}
		// HCL's writer opens with "Error: SUMMARY"; the first line
		// replaces it, and the detail follows as HCL writes it.
		rest := strings.TrimPrefix(text.String(), hclSeverity+": "+diag.Summary+"\n\n")
		first := severity + ": " + diag.Summary
		if diag.Subject != nil {
			start := diag.Subject.Start
			first = fmt.Sprintf("%s:%d:%d: %s", diag.Subject.Filename, start.Line, start.Column, first)
			// A file kept out of files (a --var-file, which holds secrets)
			// is named by the first line alone.
			unavailable := fmt.Sprintf("  on %s line %d:\n  (source code not available)\n\n", diag.Subject.Filename, start.Line)
			rest = strings.TrimPrefix(rest, unavailable)
			if snippet, ok := sources.snippet(diag); ok {
				rest = snippet + rest
			}
		}
		if _, err := fmt.Fprintf(w, "%s\n%s", first, rest); err != nil {
			return err
		}
	}
	return nil
}

// writeNotShown counts the diagnostics past MaxDiagnosticsPrinted.
func writeNotShown(w io.Writer, rest hcl.Diagnostics) error {
	errs := len(rest.Errs())
	var counts []string
	if errs > 0 {
		counts = append(counts, fmt.Sprintf("%d more error%s", errs, pluralS(errs)))
	}
	if warnings := len(rest) - errs; warnings > 0 {
		counts = append(counts, fmt.Sprintf("%d more warning%s", warnings, pluralS(warnings)))
	}
	_, err := fmt.Fprintf(w, "… and %s, not shown: the first %d are.\n\n", strings.Join(counts, " and "), MaxDiagnosticsPrinted)
	return err
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// maxSnippetLine is the longest source line shown whole; of a longer one
// (a generated file, minified JSON) the part around the subject is shown.
const maxSnippetLine = 200

// sourceLines finds the lines of a diagnostic in its file, indexing the
// line starts of each file once.
type sourceLines struct {
	files  map[string]*hcl.File
	starts map[string][]int
}

// snippet is where a diagnostic is and its source lines, as HCL's writer
// shows them: "  on FILE line N, in BLOCK:", the lines, an empty line.
func (s *sourceLines) snippet(diag *hcl.Diagnostic) (string, bool) {
	subject := *diag.Subject
	file := s.files[subject.Filename]
	if file == nil || file.Bytes == nil {
		return "", false
	}
	src := file.Bytes
	starts, ok := s.starts[subject.Filename]
	if !ok {
		starts = lineStarts(src)
		s.starts[subject.Filename] = starts
	}

	var out strings.Builder
	context := hcled.ContextString(file, subject.Start.Byte)
	if context != "" {
		context = ", in " + context
	}
	fmt.Fprintf(&out, "  on %s line %d%s:\n", subject.Filename, subject.Start.Line, context)

	shown := subject
	if diag.Context != nil {
		shown = hcl.RangeOver(shown, *diag.Context)
	}
	if shown.Empty() {
		shown.End.Byte++ // as HCL's writer does, to show an empty range's line
	}
	// The first line that can overlap is the one the range starts on.
	first := sort.Search(len(starts), func(i int) bool { return starts[i] > shown.Start.Byte }) - 1
	for line := max(first, 0); line < len(starts) && starts[line] <= shown.End.Byte; line++ {
		lineStart := starts[line]
		lineEnd := len(src)
		if line+1 < len(starts) {
			lineEnd = starts[line+1] - 1
		}
		content := bytes.TrimSuffix(src[lineStart:lineEnd], []byte{'\r'})
		if !overlaps(lineStart, lineStart+len(content), shown.Start.Byte, shown.End.Byte) {
			continue
		}
		fmt.Fprintf(&out, "%4d: %s\n", line+1, window(content, subject.Start.Byte-lineStart))
	}
	out.WriteByte('\n')
	return out.String(), true
}

// lineStarts are the offsets at which the lines of src start.
func lineStarts(src []byte) []int {
	starts := make([]int, 1, bytes.Count(src, []byte{'\n'})+1)
	for offset, c := range src {
		if c == '\n' {
			starts = append(starts, offset+1)
		}
	}
	return starts
}

// overlaps is hcl.Range.Overlaps of [aStart, aEnd) and [bStart, bEnd):
// HCL's writer shows the lines it holds true for, including its quirk
// that a range touching a line's start or end overlaps it.
func overlaps(aStart, aEnd, bStart, bEnd int) bool {
	if aStart == aEnd || bStart == bEnd {
		return false
	}
	contains := func(start, end, offset int) bool { return offset >= start && offset < end }
	return contains(aStart, aEnd, bStart) || contains(aStart, aEnd, bEnd) ||
		contains(bStart, bEnd, aStart) || contains(bStart, bEnd, aEnd)
}

// window is a line as shown: whole, or, past maxSnippetLine, the part
// around offset (where the subject starts, when it is on this line)
// between ellipses.
func window(line []byte, offset int) string {
	if len(line) <= maxSnippetLine {
		return string(line)
	}
	if offset < 0 || offset > len(line) {
		offset = 0
	}
	from := max(offset-maxSnippetLine/2, 0)
	to := min(from+maxSnippetLine, len(line))
	for from > 0 && !utf8.RuneStart(line[from]) {
		from--
	}
	for to < len(line) && !utf8.RuneStart(line[to]) {
		to++
	}
	shown := string(line[from:to])
	if from > 0 {
		shown = "…" + shown
	}
	if to < len(line) {
		shown += "…"
	}
	return shown
}
