package wildcard

import "testing"

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, v string
		want       bool
	}{
		{"web", "web", true}, {"web", "Web", false}, {"we?", "web", true}, {"w*", "web-1", true},
		{"*", "", true}, {"198.18.*", "198.18.0.0/24", true}, {"*/24", "198.18.0.0/24", true},
		{"a[b]*", "a[b]c", true}, {"a[b]", "ab", false}, {`a\*`, `a\x`, true}, {"?", "ab", false},
	} {
		if got := Match(c.pattern, c.v); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.v, got, c.want)
		}
	}
	if !AnyMatch([]string{"x", "w*"}, []string{"a", "web"}) || AnyMatch([]string{"x"}, []string{"y"}) || AnyMatch(nil, []string{"y"}) {
		t.Error("AnyMatch")
	}
}
