package main

import (
	"bytes"
	"maps"
	"slices"
	"strings"
)

// writeText writes v in the AWS CLI's text format: one line per object,
// its scalar values tab-separated in key order, prefixed with the
// upper-cased key it came from; the objects of a list share the list's
// scalar keys as columns (an absent one is an empty field), and each
// object's lists and objects follow it on their own lines. A list of
// scalars is one line, or one line per value under a key.
func writeText(buf *bytes.Buffer, v any, ident string, columns []string) {
	switch v := v.(type) {
	case map[string]any:
		writeTextObject(buf, v, ident, columns)
	case []any:
		writeTextList(buf, v, ident)
	default:
		buf.WriteString(pyString(v) + "\n")
	}
}

func writeTextList(buf *bytes.Buffer, list []any, ident string) {
	var scalars, others []any
	objects := false
	for _, e := range list {
		if isScalar(e) {
			scalars = append(scalars, e)
		} else {
			others = append(others, e)
			_, isObject := e.(map[string]any)
			objects = objects || isObject
		}
	}
	switch {
	case objects:
		columns := listScalarKeys(list)
		for _, e := range list {
			writeText(buf, e, ident, columns)
		}
	case len(others) > 0:
		writeScalarLine(buf, scalars, ident)
		for _, e := range others {
			writeText(buf, e, ident, nil)
		}
	default:
		writeScalarLine(buf, scalars, ident)
	}
}

// writeScalarLine writes scalars on one line, or under a key one line each.
func writeScalarLine(buf *bytes.Buffer, scalars []any, ident string) {
	if len(scalars) == 0 {
		return
	}
	if ident != "" {
		for _, s := range scalars {
			buf.WriteString(strings.ToUpper(ident) + "\t" + pyString(s) + "\n")
		}
		return
	}
	fields := make([]string, len(scalars))
	for i, s := range scalars {
		fields[i] = pyString(s)
	}
	buf.WriteString(strings.Join(fields, "\t") + "\n")
}

// writeTextObject writes an object's scalars (the given columns, or its
// own scalar keys sorted) then its other values, sorted by key.
func writeTextObject(buf *bytes.Buffer, m map[string]any, ident string, columns []string) {
	var fields, nested []string
	if columns == nil {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if isScalar(m[k]) {
				fields = append(fields, pyString(m[k]))
			} else {
				nested = append(nested, k)
			}
		}
	} else {
		for _, k := range columns {
			if v, ok := m[k]; ok {
				fields = append(fields, pyString(v))
			} else {
				fields = append(fields, "")
			}
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !slices.Contains(columns, k) {
				nested = append(nested, k)
			}
		}
	}
	if len(fields) > 0 {
		if ident != "" {
			fields = append([]string{strings.ToUpper(ident)}, fields...)
		}
		buf.WriteString(strings.Join(fields, "\t") + "\n")
	}
	for _, k := range nested {
		writeText(buf, m[k], k, nil)
	}
}

// listScalarKeys is the sorted union of the scalar keys of a list's objects.
func listScalarKeys(list []any) []string {
	seen := map[string]bool{}
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			for k, v := range m {
				if isScalar(v) {
					seen[k] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
