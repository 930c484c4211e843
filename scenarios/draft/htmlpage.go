package draft

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// readHTML reads a saved web page into blocks: its <title>, headings,
// paragraphs, list items and table rows. Scripts, styles, navigation and
// footers are not the postmortem. A block's line is where its first words
// are found in the source, after the previous block's.
func readHTML(source []byte) []block {
	root, err := html.Parse(bytes.NewReader(source))
	if err != nil {
		return nil
	}
	finder := sourceFinder{source: source, lines: newLineIndex(source, 1)}
	var out []block
	add := func(b block) {
		b.text = strings.TrimSpace(b.text)
		if b.text == "" {
			return
		}
		b.line = finder.find(b.text)
		out = append(out, b)
	}
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Nav, atom.Footer, atom.Svg, atom.Form, atom.Button, atom.Iframe:
			case atom.Title:
				add(block{kind: blockHeading, level: 1, text: nodeText(c), title: true})
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				add(block{kind: blockHeading, level: int(c.Data[1] - '0'), text: nodeText(c)})
			case atom.P, atom.Blockquote, atom.Dd, atom.Dt:
				if hasBlockChild(c) {
					walk(c, depth)
					continue
				}
				b := block{kind: blockParagraph, text: nodeText(c)}
				if first := firstElement(c); first != nil && (first.DataAtom == atom.Strong || first.DataAtom == atom.B) && strings.TrimSpace(textBefore(c, first)) == "" {
					b.lead = nodeText(first)
				}
				add(b)
			case atom.Pre:
				add(block{kind: blockCode, text: nodeText(c)})
			case atom.Ul, atom.Ol:
				walk(c, depth+1)
			case atom.Li:
				add(block{kind: blockItem, level: max(depth-1, 0), text: ownText(c)})
				walk(c, depth)
			case atom.Tr:
				var cells []string
				for cell := c.FirstChild; cell != nil; cell = cell.NextSibling {
					if cell.Type == html.ElementNode && (cell.DataAtom == atom.Td || cell.DataAtom == atom.Th) {
						cells = append(cells, strings.Join(strings.Fields(nodeText(cell)), " "))
					}
				}
				add(block{kind: blockRow, text: strings.Join(cells, " | ")})
			default:
				walk(c, depth)
			}
		}
	}
	walk(root, 0)
	return out
}

var blockElements = map[atom.Atom]bool{atom.P: true, atom.Ul: true, atom.Ol: true, atom.Table: true, atom.Div: true, atom.Pre: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true}

func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && blockElements[c.DataAtom] {
			return true
		}
	}
	return false
}

func firstElement(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	return nil
}

func textBefore(parent, child *html.Node) string {
	var buf strings.Builder
	for c := parent.FirstChild; c != nil && c != child; c = c.NextSibling {
		if c.Type == html.TextNode {
			buf.WriteString(c.Data)
		}
	}
	return buf.String()
}

// nodeText is the text of an element; <br> breaks a line.
func nodeText(n *html.Node) string {
	var buf strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				buf.WriteString(c.Data)
			case c.Type == html.ElementNode && c.DataAtom == atom.Br:
				buf.WriteByte('\n')
			case c.Type == html.ElementNode && (c.DataAtom == atom.Script || c.DataAtom == atom.Style || c.DataAtom == atom.Sup):
			case c.Type == html.ElementNode:
				walk(c)
			}
		}
	}
	walk(n)
	return stripMarkers(buf.String())
}

// ownText is a list item's text without its nested lists, which are
// items of their own.
func ownText(li *html.Node) string {
	var buf strings.Builder
	for c := li.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode:
			buf.WriteString(c.Data)
		case c.Type == html.ElementNode && (c.DataAtom == atom.Ul || c.DataAtom == atom.Ol):
		case c.Type == html.ElementNode:
			buf.WriteString(nodeText(c))
			if c.DataAtom == atom.P {
				buf.WriteByte('\n')
			}
		}
	}
	return stripMarkers(buf.String())
}

// sourceFinder finds where a block's words are in the source, moving
// forward only, to give HTML blocks a line number.
type sourceFinder struct {
	source []byte
	lines  lineIndex
	offset int
}

func (f *sourceFinder) find(text string) int {
	for _, word := range strings.Fields(text) {
		if len(word) < 3 || strings.ContainsAny(word, "&<>\"'") {
			continue
		}
		if i := bytes.Index(f.source[f.offset:], []byte(word)); i >= 0 {
			f.offset += i
			return f.lines.at(f.offset)
		}
		break
	}
	return f.lines.at(f.offset)
}
