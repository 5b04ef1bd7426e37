package main

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// writeYAML writes v as YAML with the response's key order, block style.
// The AWS CLI here (Debian's 2.9.19) has no yaml output to compare with,
// so this is YAML with the JSON output's keys and order, not a copy of
// another renderer's spacing and quoting.
func writeYAML(buf *bytes.Buffer, v any, order keyOrder) error {
	if falsy(v) && v == nil {
		buf.WriteString("null\n")
		return nil
	}
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(2)
	if err := enc.Encode(yamlNode(v, order)); err != nil {
		return err
	}
	return enc.Close()
}

func yamlNode(v any, order keyOrder) *yaml.Node {
	switch v := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		if len(v) == 0 {
			n.Style = yaml.FlowStyle
		}
		for _, k := range order.keys(v) {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, yamlNode(v[k], order))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if len(v) == 0 {
			n.Style = yaml.FlowStyle
		}
		for _, e := range v {
			n.Content = append(n.Content, yamlNode(e, order))
		}
		return n
	case string:
		n := &yaml.Node{}
		n.SetString(v)
		return n
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Value: scalarJSON(v)}
}
