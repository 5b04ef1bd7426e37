package ec2api

import (
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The EC2 Query protocol flattens a request into form parameters:
//
//	Struct member     Name=value             (tag `query:"Name"`)
//	Nested struct     Name.Member=value
//	List              Name.1=a&Name.2=b      (1-based; each element may be a struct:
//	                  Name.1.Member=value)
//
// decodeQuery and encodeQuery walk request structs by reflection, driven
// by `query` tags, so one description of each action serves the server
// (decode) and the CLI client (encode), and the fuzz target covers both.
// Supported field types: string, *string, *int32, *bool, nested structs
// (or pointers to them), slices of strings or structs, and list[T].

// Limits on what one request may hold; they bound the work a hostile or
// broken client can cause.
const (
	maxQueryParams = 4096
	maxListIndex   = 1000
	maxKeyDepth    = 8
)

// queryNode is one level of the dotted parameter tree.
type queryNode struct {
	value    *string
	children map[string]*queryNode
	path     string
}

func (n *queryNode) child(name string) *queryNode {
	if n.children == nil {
		n.children = map[string]*queryNode{}
	}
	c := n.children[name]
	if c == nil {
		p := name
		if n.path != "" {
			p = n.path + "." + name
		}
		c = &queryNode{path: p}
		n.children[name] = c
	}
	return c
}

// refuseRepeats refuses a request that gives one parameter more than once
// (GroupId.1 twice), where keeping either value would be a guess. The
// Query API pages (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/CommonParameters.html)
// say nothing about repeats and no EC2 error code names them, so this is
// InvalidParameterValue, which the error-code page
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html)
// gives for a value that "is not valid … or cannot be used": the value of a
// repeated parameter cannot be used. InvalidParameterCombination is for
// different parameters that conflict, which a repeat is not.
func refuseRepeats(vals url.Values) error {
	for _, key := range slices.Sorted(maps.Keys(vals)) {
		if n := len(vals[key]); n > 1 {
			return errorf(codeInvalidParameterValue, "The parameter %s is given %d times; give each parameter once", key, n)
		}
	}
	return nil
}

// buildQueryTree splits the dotted keys of vals into a tree.
func buildQueryTree(vals url.Values) (*queryNode, error) {
	if len(vals) > maxQueryParams {
		return nil, errorf(codeInvalidParameterValue, "too many parameters (%d, at most %d)", len(vals), maxQueryParams)
	}
	if err := refuseRepeats(vals); err != nil {
		return nil, err
	}
	root := &queryNode{}
	for key, vs := range vals {
		parts := strings.Split(key, ".")
		if len(parts) > maxKeyDepth {
			return nil, errorf(codeUnknownParameter, "The parameter %s is not recognized", key)
		}
		n := root
		for _, p := range parts {
			if p == "" {
				return nil, errorf(codeUnknownParameter, "The parameter %s is not recognized", key)
			}
			n = n.child(p)
		}
		if len(vs) == 1 {
			v := vs[0]
			n.value = &v
		}
	}
	return root, nil
}

// decodeQuery fills the struct pointed to by dst from vals. Parameters
// that no field claims are an UnknownParameter error, as in EC2.
func decodeQuery(vals url.Values, dst any) error {
	root, err := buildQueryTree(vals)
	if err != nil {
		return err
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("ec2api: decodeQuery needs a pointer to a struct")
	}
	return decodeStruct(root, rv.Elem())
}

func decodeStruct(n *queryNode, v reflect.Value) error {
	if n.value != nil && *n.value != "" {
		return errorf(codeInvalidParameterValue, "Invalid value '%s' for %s: a structure is expected", *n.value, n.path)
	}
	claimed := map[string]bool{}
	if err := decodeFields(n, v, claimed); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(n.children)) {
		if !claimed[name] {
			return errorf(codeUnknownParameter, "The parameter %s is not recognized", n.children[name].path)
		}
	}
	return nil
}

// decodeFields decodes the tagged fields of v (and of its embedded
// structs) and records which child names they claimed.
func decodeFields(n *queryNode, v reflect.Value, claimed map[string]bool) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := decodeFields(n, v.Field(i), claimed); err != nil {
				return err
			}
			continue
		}
		name := f.Tag.Get("query")
		if name == "" || name == "-" {
			continue
		}
		c := n.children[name]
		if c == nil {
			continue
		}
		claimed[name] = true
		if err := decodeValue(c, v.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

func decodeValue(n *queryNode, v reflect.Value) error {
	if l, ok := v.Addr().Interface().(queryList); ok {
		return decodeList(n, l.elems())
	}
	switch v.Kind() {
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		if err := decodeValue(n, e.Elem()); err != nil {
			return err
		}
		v.Set(e)
		return nil
	case reflect.Struct:
		return decodeStruct(n, v)
	case reflect.Slice:
		return decodeList(n, v)
	}
	if len(n.children) > 0 {
		return errorf(codeUnknownParameter, "The parameter %s is not recognized", firstChildPath(n))
	}
	s := ""
	if n.value != nil {
		s = *n.value
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int32, reflect.Int64, reflect.Int:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return errorf(codeInvalidParameterValue, "Invalid value '%s' for %s: an integer is expected", s, n.path)
		}
		v.SetInt(i)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errorf(codeInvalidParameterValue, "Invalid value '%s' for %s: true or false is expected", s, n.path)
		}
		v.SetBool(b)
	default:
		panic(fmt.Sprintf("ec2api: unsupported query field type %s", v.Type()))
	}
	return nil
}

// decodeList decodes Name.1, Name.2, … into the slice v, in index order.
func decodeList(n *queryNode, v reflect.Value) error {
	if n.value != nil && *n.value != "" {
		return errorf(codeInvalidParameterValue, "Invalid value '%s' for %s: a list is expected", *n.value, n.path)
	}
	if len(n.children) == 0 {
		return nil // "Name=" alone: an empty list, as when it is left out
	}
	idx := make([]int, 0, len(n.children))
	byIdx := make(map[int]*queryNode, len(n.children))
	for name, c := range n.children {
		i, err := strconv.Atoi(name)
		if err != nil || i < 1 || i > maxListIndex || strconv.Itoa(i) != name {
			return errorf(codeUnknownParameter, "The parameter %s is not recognized", c.path)
		}
		idx = append(idx, i)
		byIdx[i] = c
	}
	sort.Ints(idx)
	s := reflect.MakeSlice(v.Type(), len(idx), len(idx))
	for k, i := range idx {
		if err := decodeValue(byIdx[i], s.Index(k)); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

func firstChildPath(n *queryNode) string {
	return n.children[slices.Sorted(maps.Keys(n.children))[0]].path
}

// encodeQuery adds the parameters of the struct src (a struct or a
// pointer to one) to vals. Nil pointers, empty strings and empty lists
// are left out, as the AWS SDKs do.
func encodeQuery(src any, vals url.Values) {
	v := reflect.ValueOf(src)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	} else {
		addressable := reflect.New(v.Type()).Elem()
		addressable.Set(v)
		v = addressable
	}
	encodeFields("", v, vals)
}

func encodeFields(prefix string, v reflect.Value, vals url.Values) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			encodeFields(prefix, v.Field(i), vals)
			continue
		}
		name := f.Tag.Get("query")
		if name == "" || name == "-" {
			continue
		}
		encodeValue(prefix+name, v.Field(i), vals)
	}
}

func encodeValue(key string, v reflect.Value, vals url.Values) {
	if v.CanAddr() {
		if l, ok := v.Addr().Interface().(queryList); ok {
			encodeList(key, l.elems(), vals)
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			encodeValue(key, v.Elem(), vals)
		}
	case reflect.Struct:
		encodeFields(key+".", v, vals)
	case reflect.Slice:
		encodeList(key, v, vals)
	case reflect.String:
		if v.String() != "" {
			vals.Set(key, v.String())
		}
	case reflect.Int32, reflect.Int64, reflect.Int:
		vals.Set(key, strconv.FormatInt(v.Int(), 10))
	case reflect.Bool:
		vals.Set(key, strconv.FormatBool(v.Bool()))
	default:
		panic(fmt.Sprintf("ec2api: unsupported query field type %s", v.Type()))
	}
}

// encodeList writes every element of v, empty ones included: an element
// that encodes to nothing (an empty string, a struct with no members set)
// is written as "Name.N=", so the indexes stay 1..len and the decoder,
// which packs the indexes it sees in order, reads back the same list. The
// AWS SDKs write an empty string element the same way (botocore's query
// serialiser sets Name.N for every string); for an empty struct they write
// nothing, which would leave a gap that decodes to a shorter list.
// (Found by FuzzParseQuery: "SecurityGroupRuleId.1&SecurityGroupRuleId.2=0"
// encoded to SecurityGroupRuleId.2=0 and then to SecurityGroupRuleId.1=0.)
func encodeList(key string, v reflect.Value, vals url.Values) {
	for i := 0; i < v.Len(); i++ {
		elem := key + "." + strconv.Itoa(i+1)
		before := len(vals)
		encodeValue(elem, v.Index(i), vals)
		if len(vals) == before {
			vals.Set(elem, "")
		}
	}
}
