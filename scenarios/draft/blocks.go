package draft

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// blockKind is what a block of a document is, as far as a draft cares.
type blockKind int

const (
	blockParagraph blockKind = iota
	blockHeading
	blockItem // a list item's own text, continuation lines included
	blockRow  // a table row, cells joined by " | "
	blockCode
)

// block is one heading, paragraph, list item or table row of a document,
// in plain text, with the line of the source it starts on. Markdown and
// HTML documents are both read into blocks, so that what a draft finds
// does not depend on how the document was written.
type block struct {
	kind  blockKind
	level int    // heading level 1 to 6; for an item, its list depth (0 is top level)
	text  string // plain text; "\n" where the source broke a paragraph's lines
	lead  string // the bold text a paragraph starts with ("Resolution:"), if any
	line  int    // 1-based line in the whole document, front matter included
	title bool   // an HTML <title>
}

var markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// readMarkdown reads a CommonMark document with GFM tables into blocks.
// firstLine is the document line the source starts on (after front matter).
func readMarkdown(source []byte, firstLine int) []block {
	root := markdown.Parser().Parse(text.NewReader(source))
	lines := newLineIndex(source, firstLine)
	var out []block
	var walk func(n ast.Node, depth int)
	walk = func(n ast.Node, depth int) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Heading:
				out = append(out, block{kind: blockHeading, level: c.Level, text: inlineText(c, source), line: lines.of(c)})
			case *ast.Paragraph, *ast.TextBlock:
				b := block{kind: blockParagraph, text: inlineText(c, source), line: lines.of(c)}
				if strong, ok := c.FirstChild().(*ast.Emphasis); ok && strong.Level == 2 {
					b.lead = inlineText(strong, source)
				}
				if _, inItem := n.(*ast.ListItem); inItem && c == n.FirstChild() {
					continue // the item's own text, read with the item
				}
				out = append(out, b)
			case *ast.List:
				walk(c, depth+1)
			case *ast.ListItem:
				b := block{kind: blockItem, level: depth - 1, line: lines.of(c)}
				if first := c.FirstChild(); first != nil && (first.Kind() == ast.KindParagraph || first.Kind() == ast.KindTextBlock) {
					b.text = inlineText(first, source)
					b.line = lines.of(first)
				}
				out = append(out, b)
				walk(c, depth)
			case *ast.FencedCodeBlock, *ast.CodeBlock:
				out = append(out, block{kind: blockCode, text: string(c.Lines().Value(source)), line: lines.of(c)})
			case *extast.Table:
				for row := c.FirstChild(); row != nil; row = row.NextSibling() {
					var cells []string
					for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
						cells = append(cells, strings.TrimSpace(inlineText(cell, source)))
					}
					out = append(out, block{kind: blockRow, text: strings.Join(cells, " | "), line: lines.of(row)})
				}
			case *ast.HTMLBlock:
				// Raw HTML in Markdown (comments, <details>) is not prose.
			default:
				walk(c, depth)
			}
		}
	}
	walk(root, 0)
	return out
}

// inlineText is the plain text of a node's inlines: emphasis and links
// reduced to their words, soft line breaks kept as "\n".
func inlineText(n ast.Node, source []byte) string {
	var buf bytes.Buffer
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				buf.Write(c.Segment.Value(source))
				if c.SoftLineBreak() || c.HardLineBreak() {
					buf.WriteByte('\n')
				}
			case *ast.String:
				buf.Write(c.Value)
			case *ast.CodeSpan:
				for t := c.FirstChild(); t != nil; t = t.NextSibling() {
					if seg, ok := t.(*ast.Text); ok {
						buf.Write(seg.Segment.Value(source))
						if seg.SoftLineBreak() {
							buf.WriteByte('\n') // "`rustup-init.exe`\nare" is two words
						}
					}
				}
			case *ast.AutoLink:
				buf.Write(c.URL(source))
			case *ast.RawHTML:
				// <br>, <sup> and the like carry no words.
			case *ast.Image:
				// An image's alt text is not a sentence of the document.
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return stripMarkers(buf.String())
}

// Footnote markers ("[^1]", "[1]") and reference links left unresolved
// ("[the fix][3]") are the document's furniture, not its words.
var (
	footnoteMarker = regexp.MustCompile(`\[\^[^\]\s]+\]|\[\d{1,3}\]`)
	referenceLink  = regexp.MustCompile(`\[([^\[\]]+)\]\[[^\[\]]*\]`)
)

func stripMarkers(text string) string {
	text = referenceLink.ReplaceAllString(text, "$1")
	return footnoteMarker.ReplaceAllString(text, "")
}

// lineIndex turns byte offsets of a source into document lines.
type lineIndex struct {
	starts    []int
	firstLine int
}

func newLineIndex(source []byte, firstLine int) lineIndex {
	starts := []int{0}
	for i, c := range source {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{starts: starts, firstLine: firstLine}
}

func (l lineIndex) at(offset int) int {
	lo, hi := 0, len(l.starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if l.starts[mid] <= offset {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + l.firstLine
}

// of is the line a node starts on: its first line of text, or its first
// descendant's.
func (l lineIndex) of(n ast.Node) int {
	for ; n != nil; n = n.FirstChild() {
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			return l.at(n.Lines().At(0).Start)
		}
		if t, ok := n.(*ast.Text); ok {
			return l.at(t.Segment.Start)
		}
	}
	return l.firstLine
}
