package vpc

import (
	"strconv"
	"strings"

	"sgswitch/internal/wildcard"
)

// filterFunc lists the values a filter name sees in one resource; ok is
// false for a name the resource type does not know.
type filterFunc func(name string) (vals []string, ok bool)

// matchFilters reports whether every filter sees a matching value. An
// unknown filter name is InvalidParameterValue, as EC2 answers.
func matchFilters(filters []Filter, f filterFunc) (bool, error) {
	for _, flt := range filters {
		vals, ok := f(flt.Name)
		if !ok {
			return false, errorf(CodeInvalidParameterValue, "The filter '%s' is invalid", flt.Name)
		}
		if !wildcard.AnyMatch(flt.Values, vals) {
			return false, nil
		}
	}
	return true, nil
}

// checkFilterNames validates filter names against one resource even when
// there is nothing to describe, so a bad name fails on an empty list too.
func checkFilterNames(filters []Filter, f filterFunc) error {
	for _, flt := range filters {
		if _, ok := f(flt.Name); !ok {
			return errorf(CodeInvalidParameterValue, "The filter '%s' is invalid", flt.Name)
		}
	}
	return nil
}

// tagFilter answers tag:<key>, tag-key and tag-value.
func tagFilter(name string, tags []Tag) ([]string, bool) {
	var vs []string
	switch {
	case name == "tag-key":
		for _, t := range tags {
			vs = append(vs, t.Key)
		}
		return vs, true
	case name == "tag-value":
		for _, t := range tags {
			vs = append(vs, t.Value)
		}
		return vs, true
	}
	k, ok := strings.CutPrefix(name, "tag:")
	if !ok {
		return nil, false
	}
	for _, t := range tags {
		if t.Key == k {
			vs = append(vs, t.Value)
		}
	}
	return vs, true
}

func one(s string) []string { return []string{s} }

func boolStr(b bool) string { return strconv.FormatBool(b) }

func itoa(n int) string { return strconv.Itoa(n) }
