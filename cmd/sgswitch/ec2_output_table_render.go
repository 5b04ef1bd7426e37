package main

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// writeTable renders v as the AWS CLI's table titled with the operation.
func writeTable(buf *bytes.Buffer, operation string, v any) error {
	var b tableBuilder
	b.add(&operation, v, 0)
	if b.err != nil {
		return b.err
	}
	if len(b.sections) == 0 {
		return nil
	}
	width := tableWidth(b.sections)
	if width > tableTerminalWidth {
		for i, s := range b.sections {
			b.sections[i] = verticalSection(s)
		}
		width = tableWidth(b.sections)
	}
	buf.WriteString(strings.Repeat("-", width) + "\n")
	for _, s := range b.sections {
		renderSection(buf, s, width)
	}
	return nil
}

func tableWidth(sections []*tableSection) int {
	w := 0
	for _, s := range sections {
		w = max(w, s.width())
	}
	return w
}

// verticalSection turns a one-row section with headers into key/value rows.
func verticalSection(s *tableSection) *tableSection {
	if len(s.rows) != 1 || len(s.headers) == 0 {
		return s
	}
	v := &tableSection{title: s.title, indent: s.indent}
	for i, h := range s.headers {
		v.addRow([]any{h, s.rows[0][i]})
	}
	return v
}

// renderSection writes a section inside its parents' borders, one "|"
// each side per nesting level.
func renderSection(buf *bytes.Buffer, s *tableSection, width int) {
	edge := strings.Repeat("|", s.indent)
	line := func(text string) { buf.WriteString(edge + text + edge + "\n") }
	inner := width - 2*s.indent
	if s.title != "" {
		line(centerText(s.title, inner, "|", "|"))
		if len(s.headers) == 0 && len(s.rows) == 0 {
			line("+" + strings.Repeat("-", inner-2) + "+")
		}
	}
	widths := s.columnWidths(inner)
	if len(s.headers) > 0 {
		line(lineBreak(widths))
		var b strings.Builder
		for i, h := range s.headers {
			b.WriteString(centerText(h, widths[i], leftEdge(i), "|"))
		}
		line(b.String())
	}
	if len(s.rows) == 0 || len(widths) == 0 {
		return
	}
	line(lineBreak(widths))
	for _, row := range s.rows {
		var b strings.Builder
		for i, cell := range row {
			b.WriteString(alignLeft(cell, widths[i], leftEdge(i), "|"))
		}
		line(b.String())
	}
	line(lineBreak(widths))
}

// leftEdge: only a row's first cell draws its left border.
func leftEdge(column int) string {
	if column == 0 {
		return "|"
	}
	return ""
}

// lineBreak is a rule like +-----+------+ for the columns.
func lineBreak(widths []int) string {
	var b strings.Builder
	for i, w := range widths {
		if i == 0 {
			b.WriteString("+" + strings.Repeat("-", max(w-2, 0)) + "+")
		} else {
			b.WriteString(strings.Repeat("-", max(w-1, 0)) + "+")
		}
	}
	return b.String()
}

// centerText centres text in a cell of length characters including its
// edges. The arithmetic is the AWS CLI's: the text starts at
// length/2 - textlen/2 - 1, so it leans left, and a cell too narrow
// still gets its whole text.
func centerText(text string, length int, left, right string) string {
	n := textWidth(text)
	start := length/2 - n/2 - 1
	soFar := len(left) + start + n
	return left + spaces(start) + text + spaces(length-len(right)-soFar) + right
}

// alignLeft puts text two spaces from the cell's left edge, or against it
// when the cell is too narrow for the padding.
func alignLeft(text string, length int, left, right string) string {
	n := textWidth(text)
	pad := 2
	if length-(n+pad+len(left)+len(right)) < 0 {
		pad = 0
	}
	soFar := len(left) + pad + n
	return left + spaces(pad) + text + spaces(length-soFar-len(right)) + right
}

func spaces(n int) string { return strings.Repeat(" ", max(n, 0)) }

func textWidth(s string) int { return utf8.RuneCountInString(s) }
