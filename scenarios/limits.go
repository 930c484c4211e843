package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/hashicorp/hcl/v2"
)

// The limits of what Load reads. A real scenario file is a few KB and a
// large set a few hundred files; the limits are far above that and far
// below what hurts: HCL needs about 70 times a file's size in memory to
// parse it, and a deep enough nesting overflows the stack. They are documented in docs/language.md, "Limits".
const (
	// MaxFileSize is the most bytes one scenario file, --var-file or file()
	// argument may hold: 1 MiB, some 25,000 lines.
	MaxFileSize = 1 << 20
	// MaxSetSize is the most bytes the files of one set may hold together:
	// 16 MiB, four times a folder of 1,000 realistic scenario files.
	MaxSetSize = 16 << 20
	// MaxNestingDepth is how deep brackets, parentheses, braces, template
	// interpolations and unary operators may nest in a file: HCL's parsers
	// recurse once per level. A scenario nests about 8 deep (scenario,
	// recover, step, command, env, a call in a value).
	MaxNestingDepth = 100
	// MaxDiagnosticsPrinted is how many diagnostics WriteDiagnostics
	// writes in full before it counts the rest: after the first few,
	// errors mostly follow from them, and thousands take long to print
	// and to read. The count of errors found counts them all.
	MaxDiagnosticsPrinted = 50
)

// tooLargeError is the error of a file over its limit.
type tooLargeError struct {
	path string
	// size is the file's size, or -1 when it grew past the limit while
	// it was read.
	size, limit int64
}

func (e *tooLargeError) Error() string {
	if e.size < 0 {
		return fmt.Sprintf("%s holds more than %d bytes (%d MiB)", e.path, e.limit, e.limit>>20)
	}
	return fmt.Sprintf("%s holds %d bytes, more than %d (%d MiB)", e.path, e.size, e.limit, e.limit>>20)
}

// readRegularFile reads a regular file (or a symlink to one) of at most
// limit bytes. Anything else is refused before it is read: a FIFO would
// block the read, a device such as /dev/zero would never end, and a folder
// has no content. The file is opened without blocking (a FIFO put in its
// place after the check would otherwise wait for a writer) and checked
// again once open.
func readRegularFile(path string, limit int64) ([]byte, error) {
	if err := checkRegular(path); err != nil {
		return nil, err
	}
	file, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, not a regular file: only regular files are read", path, modeName(info.Mode()))
	}
	if info.Size() > limit {
		return nil, &tooLargeError{path: path, size: info.Size(), limit: limit}
	}
	// The file may grow after Stat: the limit is on what is read. The
	// buffer is sized for the file as os.ReadFile sizes it, so that a
	// file is read in one call.
	var content bytes.Buffer
	content.Grow(int(info.Size()) + bytes.MinRead)
	if _, err := content.ReadFrom(io.LimitReader(file, limit+1)); err != nil {
		return nil, err
	}
	if int64(content.Len()) > limit {
		return nil, &tooLargeError{path: path, size: -1, limit: limit}
	}
	return content.Bytes(), nil
}

// checkRegular returns an error naming what path is unless it is a
// regular file or a symlink to one.
func checkRegular(path string) error {
	link, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if link.Mode().IsRegular() {
		return nil
	}
	if link.Mode()&fs.ModeSymlink == 0 {
		return fmt.Errorf("%s is %s, not a regular file: only regular files are read", path, modeName(link.Mode()))
	}
	target, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s is a symlink that cannot be followed: %w", path, err)
	}
	if target.Mode().IsRegular() {
		return nil
	}
	destination, _ := os.Readlink(path)
	return fmt.Errorf("%s is a symlink to %s, %s, not a regular file: only regular files are read", path, destination, modeName(target.Mode()))
}

// modeName says what kind of file a mode is, for messages.
func modeName(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "a folder"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeCharDevice != 0, mode&fs.ModeDevice != 0:
		return "a device"
	case mode&fs.ModeSymlink != 0:
		return "a symlink"
	}
	return "not a regular file"
}

// tooLarge is the diagnostic of a file of what (a scenario file, a
// --var-file) over its limit, or nil when err is another error.
func tooLarge(err error, what string) *hcl.Diagnostic {
	var large *tooLargeError
	if !errors.As(err, &large) {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "File too large",
		Detail: fmt.Sprintf("%v, the most %s may hold. Split it into several files: the files of a folder load as one set.",
			large, what),
	}
}

// readSources reads the files of the set at path, each within
// MaxFileSize and all within MaxSetSize. Every file that cannot be read is
// reported; reading stops at the set's limit.
func readSources(path string, paths []string) (map[string][]byte, hcl.Diagnostics) {
	sources := make(map[string][]byte, len(paths))
	var diags hcl.Diagnostics
	total := 0
	for _, p := range paths {
		src, err := readRegularFile(p, MaxFileSize)
		if err != nil {
			diag := tooLarge(err, "a scenario file")
			if diag == nil {
				diag = &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read scenarios", Detail: err.Error()}
			}
			diags = append(diags, diag)
			continue
		}
		if total += len(src); total > MaxSetSize {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Scenario set too large",
				Detail: fmt.Sprintf("The scenario files of %s hold more than %d bytes (%d MiB) together, the most one set may hold; %s is past the limit. Split the set into folders loaded separately.",
					path, MaxSetSize, MaxSetSize>>20, p),
			})
			break
		}
		sources[p] = src
	}
	return sources, diags
}
