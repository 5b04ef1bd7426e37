package testbed

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"

	"gopkg.in/yaml.v3"
)

// decoder walks a yaml.v3 node tree. Working on nodes rather than on
// structs lets every error name the key path and line, and lets unknown
// keys be refused by name.
type decoder struct {
	errList
	budget int // nodes left to visit: aliases cannot blow up the walk
}

// maxNodes bounds the nodes one file may expand to (aliases included).
const maxNodes = 200000

// kv is one key/value pair of a mapping.
type kv struct {
	key  string
	line int
	val  *yaml.Node
}

// resolve follows aliases and charges the visit budget; nil when the
// budget is spent (the error is reported once).
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		return nil
	}
	d.budget--
	if d.budget == 0 {
		d.add("", n.Line, "file too complex (more than %d nodes after alias expansion)", maxNodes)
	}
	if d.budget <= 0 {
		return nil
	}
	return n
}

// mapping returns the pairs of a mapping node in order, refusing
// duplicate and non-scalar keys. A null node is an empty mapping.
func (d *decoder) mapping(n *yaml.Node, path string) ([]kv, bool) {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return nil, n != nil
	}
	if n.Kind != yaml.MappingNode {
		d.add(path, n.Line, "expected a mapping, found %s", kindName(n))
		return nil, false
	}
	seen := map[string]bool{}
	var out []kv
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		if k == nil {
			return nil, false
		}
		if k.Kind != yaml.ScalarNode {
			d.add(path, k.Line, "keys must be plain strings")
			continue
		}
		if seen[k.Value] {
			d.add(path, k.Line, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		out = append(out, kv{key: k.Value, line: k.Line, val: n.Content[i+1]})
	}
	return out, true
}

// sequence returns the items of a sequence node; a null node is empty.
func (d *decoder) sequence(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return nil, n != nil
	}
	if n.Kind != yaml.SequenceNode {
		d.add(path, n.Line, "expected a list, found %s", kindName(n))
		return nil, false
	}
	return n.Content, true
}

func (d *decoder) unknown(path string, p kv) {
	d.add(path, p.line, "unknown key %q", p.key)
}

// scalar returns a scalar's text.
func (d *decoder) scalar(n *yaml.Node, path string) (string, int, bool) {
	n = d.resolve(n)
	if n == nil {
		return "", 0, false
	}
	if n.Kind != yaml.ScalarNode {
		d.add(path, n.Line, "expected a single value, found %s", kindName(n))
		return "", n.Line, false
	}
	return n.Value, n.Line, true
}

func (d *decoder) str(n *yaml.Node, path string) string {
	s, _, _ := d.scalar(n, path)
	return s
}

// integer decodes a scalar as an integer within [lo, hi].
func (d *decoder) integer(n *yaml.Node, path string, lo, hi int64) (int64, bool) {
	s, line, ok := d.scalar(n, path)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		d.add(path, line, "expected an integer, found %q", s)
		return 0, false
	}
	if v < lo || v > hi {
		d.add(path, line, "%d is out of range %d..%d", v, lo, hi)
		return 0, false
	}
	return v, true
}

func (d *decoder) int32p(n *yaml.Node, path string) *int32 {
	v, ok := d.integer(n, path, math.MinInt32, math.MaxInt32)
	if !ok {
		return nil
	}
	i := int32(v)
	return &i
}

func (d *decoder) uint64v(n *yaml.Node, path string) uint64 {
	v, _ := d.integer(n, path, 0, math.MaxInt64)
	return uint64(v)
}

func (d *decoder) prefix(n *yaml.Node, path string) netip.Prefix {
	s, line, ok := d.scalar(n, path)
	if !ok {
		return netip.Prefix{}
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		d.add(path, line, "invalid CIDR %q", s)
	}
	return p
}

func (d *decoder) addr(n *yaml.Node, path string) netip.Addr {
	s, line, ok := d.scalar(n, path)
	if !ok {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		d.add(path, line, "invalid IP address %q", s)
		return netip.Addr{}
	}
	return a
}

// strings decodes a list of scalars.
func (d *decoder) strings(n *yaml.Node, path string) []string {
	items, _ := d.sequence(n, path)
	out := make([]string, 0, len(items))
	for i, it := range items {
		if s, _, ok := d.scalar(it, fmt.Sprintf("%s[%d]", path, i)); ok {
			out = append(out, s)
		}
	}
	return out
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
