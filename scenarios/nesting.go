package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// HCL's parsers recurse once per level of nesting, and Go grows a
// goroutine's stack until it dies with a fatal error that no recover
// catches: 70,000 nested parentheses in a 140 KB file kill the process.
// So the nesting of a file is measured by a scan of its bytes before HCL
// sees it. The scan knows enough of the syntax to skip comments and the
// text of strings; where it is unsure it counts more, never less, and a
// file it misjudges still reaches HCL, which reports the real error.

// checkNesting returns an error when src nests deeper than
// MaxNestingDepth, pointing at the first opening past the limit.
func checkNesting(name string, src []byte) *hcl.Diagnostic {
	var offset int
	if strings.HasSuffix(name, jsonSuffix) || strings.HasSuffix(name, ".json") {
		offset = jsonTooDeep(src, MaxNestingDepth)
	} else {
		offset = nativeTooDeep(src, false, 0, MaxNestingDepth)
	}
	if offset < 0 {
		return nil
	}
	start := positionOf(src, offset)
	end := start
	_, size := utf8.DecodeRune(src[offset:])
	end.Byte += size
	end.Column++
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Nesting too deep",
		Detail: fmt.Sprintf("This opens level %d of nesting; brackets, parentheses, braces, template interpolations and unary operators may nest at most %d deep. Flatten the expression, or move parts of it into locals.",
			MaxNestingDepth+1, MaxNestingDepth),
		Subject: &hcl.Range{Filename: name, Start: start, End: end},
	}
}

// positionOf is the line and column of a byte offset, columns counted in
// characters as HCL counts them.
func positionOf(src []byte, offset int) hcl.Pos {
	lineStart := bytes.LastIndexByte(src[:offset], '\n') + 1
	return hcl.Pos{
		Line:   bytes.Count(src[:lineStart], []byte{'\n'}) + 1,
		Column: utf8.RuneCount(src[lineStart:offset]) + 1,
		Byte:   offset,
	}
}

// nativeFrame is one open construct of native syntax.
type nativeFrame struct {
	kind nativeFrameKind
	// delimiter ends a heredoc: the word after <<.
	delimiter []byte
}

type nativeFrameKind uint8

const (
	bracketFrame       nativeFrameKind = iota // ( [ { of an expression or a block
	interpolationFrame                        // ${ or %{ in a template, ended by }
	quotedFrame                               // a "quoted" template
	heredocFrame                              // a <<EOT heredoc template
)

// counted reports whether a frame is a level of HCL's recursion; the
// text of a template is not, the interpolations in it are.
func (k nativeFrameKind) counted() bool {
	return k == bracketFrame || k == interpolationFrame
}

// nativeTooDeep returns the offset of the first construct of native syntax
// src that opens a level past limit, or -1. inTemplate scans src as the
// text of a template (a JSON string) and base is the depth src starts at.
func nativeTooDeep(src []byte, inTemplate bool, base, limit int) int {
	stack := make([]nativeFrame, 0, 16)
	if inTemplate {
		stack = append(stack, nativeFrame{kind: heredocFrame})
	}
	depth := base
	// unary counts the prefix operators (! and -) in a row: each is a
	// level of the parser, a binary minus among them only counts one more.
	unary := 0
	push := func(frame nativeFrame) bool {
		stack = append(stack, frame)
		if frame.kind.counted() {
			depth++
		}
		return depth > limit
	}
	pop := func() {
		if frame := stack[len(stack)-1]; frame.kind.counted() {
			depth--
		}
		stack = stack[:len(stack)-1]
	}
	for i := 0; i < len(src); {
		c := src[i]
		var next byte
		if i+1 < len(src) {
			next = src[i+1]
		}
		top := bracketFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1].kind
		}

		if top == quotedFrame || top == heredocFrame {
			// A JSON string is a template without delimiter: it ends
			// with the string.
			if delimiter := stack[len(stack)-1].delimiter; top == heredocFrame && len(delimiter) > 0 && (i == 0 || src[i-1] == '\n') {
				if end, ok := heredocEnd(src, i, delimiter); ok {
					pop()
					i = end
					continue
				}
			}
			switch {
			case top == quotedFrame && c == '\\':
				i += 2
			case top == quotedFrame && (c == '"' || c == '\n'):
				// A newline ends an unterminated string, as HCL's
				// lexer does.
				pop()
				i++
			case (c == '$' || c == '%') && next == c && i+2 < len(src) && src[i+2] == '{':
				i += 3 // $${ and %%{ are the literal text ${ and %{
			case (c == '$' || c == '%') && next == '{':
				if push(nativeFrame{kind: interpolationFrame}) {
					return i
				}
				unary = 0
				i += 2
			default:
				i++
			}
			continue
		}

		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
			continue // a run of unary operators goes on over spaces
		case c == '!' || c == '-':
			unary++
			if depth+unary > limit {
				return i
			}
			i++
			continue
		}
		unary = 0
		switch {
		case c == '#' || (c == '/' && next == '/'):
			if end := bytes.IndexByte(src[i:], '\n'); end >= 0 {
				i += end
			} else {
				i = len(src)
			}
		case c == '/' && next == '*':
			if end := bytes.Index(src[i+2:], []byte("*/")); end >= 0 {
				i += 2 + end + 2
			} else {
				i = len(src)
			}
		case c == '"':
			push(nativeFrame{kind: quotedFrame})
			i++
		case c == '<' && next == '<':
			if delimiter, end, ok := heredocStart(src, i+2); ok {
				push(nativeFrame{kind: heredocFrame, delimiter: delimiter})
				i = end
			} else {
				i += 2
			}
		case c == '(' || c == '[' || c == '{':
			if push(nativeFrame{kind: bracketFrame}) {
				return i
			}
			i++
		case c == ')' || c == ']' || c == '}':
			// A closing bracket without an opening one is HCL's error
			// to report; the scan only must not go below the start.
			if len(stack) > 0 {
				pop()
			}
			i++
		default:
			i++
		}
	}
	return -1
}

// heredocStart reads the rest of a heredoc opening after <<: an optional
// -, the delimiter word and the end of the line. It returns the delimiter
// and the offset of the template's first line.
func heredocStart(src []byte, i int) (delimiter []byte, end int, ok bool) {
	if i < len(src) && src[i] == '-' {
		i++
	}
	start := i
	for i < len(src) && (isLetter(src[i]) || (i > start && (isDigit(src[i]) || src[i] == '-'))) {
		i++
	}
	if i == start {
		return nil, 0, false
	}
	delimiter = src[start:i]
	if i < len(src) && src[i] == '\r' {
		i++
	}
	if i >= len(src) || src[i] != '\n' {
		return nil, 0, false
	}
	return delimiter, i + 1, true
}

// heredocEnd reports whether the line at offset i closes a heredoc: only
// spaces before the delimiter, and nothing after it.
func heredocEnd(src []byte, i int, delimiter []byte) (end int, ok bool) {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	if !bytes.HasPrefix(src[i:], delimiter) {
		return 0, false
	}
	i += len(delimiter)
	if i < len(src) && src[i] == '\r' {
		i++
	}
	if i < len(src) && src[i] != '\n' {
		return 0, false
	}
	return i, true
}

func isLetter(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') || c >= 0x80 }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// jsonTooDeep returns the offset of the first [ or { of JSON src that
// opens a level past limit, or -1. HCL reads JSON strings as templates,
// so a string with an interpolation is scanned as one, from the depth of
// the string.
func jsonTooDeep(src []byte, limit int) int {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '[', '{':
			depth++
			if depth > limit {
				return i
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case '"':
			start := i
			for i++; i < len(src) && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
			if i >= len(src) {
				return -1 // unterminated: HCL's error to report
			}
			quoted := src[start : i+1]
			if !bytes.Contains(quoted, []byte("${")) && !bytes.Contains(quoted, []byte("%{")) {
				continue
			}
			var text string
			if json.Unmarshal(quoted, &text) != nil {
				continue // an invalid string: HCL's error to report
			}
			if nativeTooDeep([]byte(text), true, depth, limit) >= 0 {
				// The offset is in the unescaped text: the string
				// itself is the place to show.
				return start
			}
		}
	}
	return -1
}
