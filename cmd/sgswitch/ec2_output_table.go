package main

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// The AWS CLI's table format. The response becomes a list of sections,
// each a title, optional column headers and rows, at a nesting depth:
// an object's scalar keys (sorted) are the columns of a one-row section
// (a single scalar is a one-row key/value pair); each list or object
// under it is a section one level deeper, titled with its key; a list of
// objects is one section whose rows are its objects, the columns the
// union of their scalar keys, and when the objects have nested values
// each object after the first starts its own section. Empty values
// (null, false, 0, "", [], {}) are left out.
//
// All sections share the widest section's width, their columns scaled to
// fill it. A table wider than the terminal is first made narrower by
// turning every one-row section into key/value rows. The AWS CLI asks the
// terminal for its width and colours a terminal's output; this renders as
// it does into a pipe or file: 80 columns, no colours.
const tableTerminalWidth = 80

type tableSection struct {
	title   string
	indent  int
	headers []string
	rows    [][]string
	widths  []int // widest text per column, of headers and rows
}

func (s *tableSection) grow(cells []string) {
	for i, c := range cells {
		if i == len(s.widths) {
			s.widths = append(s.widths, 0)
		}
		s.widths[i] = max(s.widths[i], textWidth(c))
	}
}

func (s *tableSection) addRow(values []any) {
	row := make([]string, len(values))
	for i, v := range values {
		row[i] = pyString(v)
	}
	s.rows = append(s.rows, row)
	s.grow(row)
}

// width is the section's natural width: its columns padded by 4 and its
// borders, or its title's.
func (s *tableSection) width() int {
	total := 2 + 2*s.indent
	for _, w := range s.widths {
		total += w + 4
	}
	return max(total, textWidth(s.title)+2+2*s.indent)
}

// columnWidths scales the padded columns to fill width exactly, rounding
// half to even and then taking the remainder from the first columns (or
// giving it to the last ones).
func (s *tableSection) columnWidths(width int) []int {
	if len(s.widths) == 0 {
		return nil
	}
	sum := 0
	for _, w := range s.widths {
		sum += w + 4
	}
	scaled := make([]int, len(s.widths))
	off := -width
	for i, w := range s.widths {
		scaled[i] = int(math.RoundToEven(float64(width) / float64(sum) * float64(w+4)))
		off += scaled[i]
	}
	for off != 0 {
		for j := range scaled {
			i := j
			if off < 0 {
				i = len(scaled) - 1 - j
				scaled[i]++
				off++
			} else {
				scaled[i]--
				off--
			}
			if off == 0 {
				break
			}
		}
	}
	return scaled
}

type tableBuilder struct {
	sections []*tableSection
	cur      *tableSection
	err      error // a row of another length than the section's first
}

// row adds a row to the current section; like the AWS CLI, a table
// cannot hold rows of different lengths in one section.
func (b *tableBuilder) row(values []any) {
	if n := len(b.cur.rows); n > 0 && len(b.cur.rows[0]) != len(values) && b.err == nil {
		//lint:ignore ST1005 the AWS CLI's message
		b.err = fmt.Errorf("Row should have %d elements, instead it has %d", len(b.cur.rows[0]), len(values))
	}
	b.cur.addRow(values)
}

func (b *tableBuilder) section(title string, indent int) {
	b.cur = &tableSection{title: title, indent: indent}
	b.sections = append(b.sections, b.cur)
}

// falsy is Python's falsiness, by which the AWS CLI skips a value.
func falsy(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case float64:
		return v == 0
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

// add adds v's sections; title is nil for a list's nested list, which
// continues the current section.
func (b *tableBuilder) add(title *string, v any, indent int) {
	if falsy(v) {
		return
	}
	if title != nil {
		b.section(*title, indent)
	}
	switch v := v.(type) {
	case []any:
		if _, ok := v[0].(map[string]any); ok {
			t := ""
			if title != nil {
				t = *title
			}
			b.addObjects(t, v, indent)
			return
		}
		for _, e := range v {
			if list, ok := e.([]any); ok && allScalar(list) {
				b.row(list)
			} else if isScalar(e) {
				b.row([]any{e})
			} else {
				b.add(nil, e, 0)
			}
		}
	case map[string]any:
		b.addObject(v, indent)
	}
}

func allScalar(list []any) bool {
	for _, e := range list {
		if !isScalar(e) {
			return false
		}
	}
	return true
}

// scalarKeys splits an object's keys into those of scalars and the rest, sorted.
func scalarKeys(m map[string]any) (scalars, nested []string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if isScalar(m[k]) {
			scalars = append(scalars, k)
		} else {
			nested = append(nested, k)
		}
	}
	return scalars, nested
}

func (b *tableBuilder) addObject(m map[string]any, indent int) {
	scalars, nested := scalarKeys(m)
	switch len(scalars) {
	case 0:
	case 1:
		b.row([]any{scalars[0], m[scalars[0]]})
	default:
		b.setHeaders(scalars)
		row := make([]any, len(scalars))
		for i, k := range scalars {
			row[i] = m[k]
		}
		b.row(row)
	}
	for _, k := range nested {
		b.add(&k, m[k], indent+1)
	}
}

func (b *tableBuilder) setHeaders(headers []string) {
	b.cur.headers = headers
	b.cur.grow(headers)
}

func (b *tableBuilder) addObjects(title string, list []any, indent int) {
	headerSet, nestedSet := map[string]bool{}, map[string]bool{}
	for _, e := range list {
		m, _ := e.(map[string]any)
		scalars, nested := scalarKeys(m)
		for _, k := range scalars {
			headerSet[k] = true
		}
		for _, k := range nested {
			nestedSet[k] = true
		}
	}
	headers, nested := slices.Sorted(maps.Keys(headerSet)), slices.Sorted(maps.Keys(nestedSet))
	b.setHeaders(headers)
	for i, e := range list {
		m, _ := e.(map[string]any)
		if i > 0 && len(nested) > 0 {
			b.section(title, indent)
			b.setHeaders(headers)
		}
		row := make([]any, len(headers))
		for j, h := range headers {
			if v, ok := m[h]; ok {
				row[j] = v
			} else {
				row[j] = ""
			}
		}
		b.row(row)
		for _, k := range nested {
			if v, ok := m[k]; ok {
				b.add(&k, v, indent+1)
			}
		}
	}
}
