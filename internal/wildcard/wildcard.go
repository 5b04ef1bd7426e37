// Package wildcard matches EC2 describe-filter values: * stands for any
// sequence of characters, ? for one, and everything else for itself,
// case-sensitive (EC2 API reference, "Filter"). It is the one matcher of
// the packages that answer Describe calls (ruleset, vpc, ec2api).
package wildcard

import (
	"path"
	"strings"
)

// AnyMatch reports whether any value matches any pattern.
func AnyMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if Match(p, v) {
				return true
			}
		}
	}
	return false
}

// Match reports whether v matches pattern.
func Match(pattern, v string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == v
	}
	// path.Match has the same * and ?, but a '*' stops at '/' (CIDRs have
	// one) and '[' and '\' are special: escape those, and hide '/'.
	var b strings.Builder
	for _, c := range pattern {
		switch c {
		case '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	ok, err := path.Match(strings.ReplaceAll(b.String(), "/", "\x00"), strings.ReplaceAll(v, "/", "\x00"))
	return err == nil && ok
}
