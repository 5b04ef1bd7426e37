package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/jmespath/go-jmespath"
	"github.com/urfave/cli/v2"
)

// The AWS CLI's output options: --output json|text|table|yaml and
// --query (JMESPath), rendered as AWS CLI v2 renders the same response.
// A response is first turned into plain JSON values (map, slice, float64,
// string, bool, nil), the form JMESPath works on; Go maps forget key
// order, which JSON and YAML output show, so a keyOrder remembers it. The
// response's order is the ec2api structs', which follow the EC2 model's
// member order as the AWS CLI does.

var outputFormats = []string{"json", "text", "table", "yaml"}

func outputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "output", EnvVars: []string{"AWS_DEFAULT_OUTPUT"},
			Usage: "output format: " + strings.Join(outputFormats, ", ") + " (default json)"},
		&cli.StringFlag{Name: "query", Usage: "a JMESPath query applied to the response"},
	}
}

// outputOptions is the subcommand's --output and --query when set, else the
// ec2 command's, as for --endpoint-url.
type outputOptions struct {
	format string
	query  *jmespath.JMESPath
	expr   string
}

func parseOutputOptions(c *cli.Context) (outputOptions, error) {
	var o outputOptions
	for _, ctx := range c.Lineage() {
		if ctx.IsSet("output") && o.format == "" {
			o.format = ctx.String("output")
		}
		if ctx.IsSet("query") && o.expr == "" {
			o.expr = ctx.String("query")
		}
	}
	if o.format == "" {
		o.format = "json"
	}
	if !slices.Contains(outputFormats, o.format) {
		return o, fmt.Errorf("argument --output: Invalid choice, valid choices are: %s", strings.Join(outputFormats, ", "))
	}
	if o.expr != "" {
		q, err := jmespath.Compile(legacyLiterals(o.expr))
		if err != nil {
			//lint:ignore ST1005 the AWS CLI's message, which scripts may match
			return o, fmt.Errorf("Bad value for --query %s: Invalid jmespath expression: %v", o.expr, err)
		}
		o.query = q
	}
	return o, nil
}

// printOutput renders out, an action's output message, for the operation
// (the table's title).
func printOutput(w io.Writer, o outputOptions, operation string, out any) error {
	raw, err := json.Marshal(out)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	order := newKeyOrder(raw)
	if o.query != nil {
		order.addQuery(o.expr)
		if v, err = o.query.Search(v); err != nil {
			return fmt.Errorf("--query %s: %w", o.expr, err)
		}
	}
	var buf bytes.Buffer
	switch o.format {
	case "text":
		writeText(&buf, v, "", nil)
	case "table":
		if err := writeTable(&buf, operation, v); err != nil {
			return err
		}
	case "yaml":
		if err := writeYAML(&buf, v, order); err != nil {
			return err
		}
	default:
		writeJSON(&buf, v, order, 0)
		buf.WriteByte('\n')
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// keyOrder gives an object's keys in the order the AWS CLI would print
// them: the response's order for an object of the response (found by its
// set of keys), a multiselect hash's order for an object the query made,
// and sorted order otherwise (objects made by functions such as merge).
type keyOrder map[string][]string

func keySetID(keys []string) string {
	s := slices.Clone(keys)
	sort.Strings(s)
	return strings.Join(s, "\x00")
}

// newKeyOrder records every object's key order in the raw JSON document.
func newKeyOrder(raw []byte) keyOrder {
	k := keyOrder{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	k.scan(dec)
	return k
}

// scan reads one JSON value from dec, recording the key order of the
// objects in it.
func (k keyOrder) scan(dec *json.Decoder) {
	tok, err := dec.Token()
	if err != nil {
		return
	}
	switch tok {
	case json.Delim('{'):
		var keys []string
		for dec.More() {
			key, _ := dec.Token()
			keys = append(keys, fmt.Sprint(key))
			k.scan(dec)
		}
		dec.Token() // '}'
		if _, seen := k[keySetID(keys)]; !seen {
			k[keySetID(keys)] = keys
		}
	case json.Delim('['):
		for dec.More() {
			k.scan(dec)
		}
		dec.Token() // ']'
	}
}

// addQuery records the key order of the query's multiselect hashes
// ({A: expr, B: expr}), which takes precedence over the response's.
func (k keyOrder) addQuery(expr string) {
	for _, keys := range multiselectKeys(expr) {
		k[keySetID(keys)] = keys
	}
}

func (k keyOrder) keys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	if order, ok := k[keySetID(keys)]; ok {
		return order
	}
	sort.Strings(keys)
	return keys
}

// writeJSON writes v as Python's json.dump(indent=4, ensure_ascii=False)
// does, which the AWS CLI uses: integers without a fraction, "{}" and "[]"
// for empty containers.
func writeJSON(buf *bytes.Buffer, v any, order keyOrder, depth int) {
	indent := func(d int) { buf.WriteString("\n" + strings.Repeat("    ", d)) }
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			buf.WriteString("{}")
			return
		}
		buf.WriteByte('{')
		for i, key := range order.keys(v) {
			if i > 0 {
				buf.WriteByte(',')
			}
			indent(depth + 1)
			writeJSONString(buf, key)
			buf.WriteString(": ")
			writeJSON(buf, v[key], order, depth+1)
		}
		indent(depth)
		buf.WriteByte('}')
	case []any:
		if len(v) == 0 {
			buf.WriteString("[]")
			return
		}
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			indent(depth + 1)
			writeJSON(buf, e, order, depth+1)
		}
		indent(depth)
		buf.WriteByte(']')
	case string:
		writeJSONString(buf, v)
	default:
		buf.WriteString(scalarJSON(v))
	}
}

func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	buf.Truncate(buf.Len() - 1) // Encode's newline
}

// scalarJSON is a number, bool or null as JSON writes it.
func scalarJSON(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return formatNumber(v)
	}
	return fmt.Sprint(v)
}

// formatNumber prints an integral number as an integer, as Python prints
// the ints of a response and of JMESPath's length() and sum().
func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// pyString is a scalar as Python's str() prints it, which the text and
// table formats use: True, False, None.
func pyString(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return v
	case float64:
		return formatNumber(v)
	}
	return fmt.Sprint(v)
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}
