package imds

import "strings"

// node is one item of the metadata tree: a leaf with a value, or a
// directory whose listing names its children, directories with a
// trailing slash, as EC2 lists them.
type node struct {
	value    string
	dir      bool
	children []child
}

type child struct {
	name  string // the path segment
	label string // what the listing shows when not name (public-keys: "0=key")
	n     *node
}

func leaf(v string) *node { return &node{value: v} }

func newDir() *node { return &node{dir: true} }

// add appends a child; a nil child is skipped, so optional items read as
// one line each where the tree is built.
func (d *node) add(name string, c *node) *node {
	if c != nil {
		d.children = append(d.children, child{name: name, n: c})
	}
	return d
}

func (d *node) addLabelled(name, label string, c *node) {
	d.children = append(d.children, child{name: name, label: label, n: c})
}

// walk returns the node at segs below d, or nil.
func (d *node) walk(segs []string) *node {
	n := d
	for _, s := range segs {
		if !n.dir {
			return nil
		}
		var next *node
		for _, c := range n.children {
			if c.name == s {
				next = c.n
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// body is what a GET of the node returns: a leaf's value, or a
// directory's listing, one entry a line, no newline after the last.
func (d *node) body() string {
	if !d.dir {
		return d.value
	}
	var b strings.Builder
	for i, c := range d.children {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case c.label != "":
			b.WriteString(c.label)
		case c.n.dir:
			b.WriteString(c.name + "/")
		default:
			b.WriteString(c.name)
		}
	}
	return b.String()
}

// lines joins values one a line, or returns nil (no item) when there are
// none, for the items EC2 leaves out when empty.
func lines(vs []string) *node {
	if len(vs) == 0 {
		return nil
	}
	return leaf(strings.Join(vs, "\n"))
}
