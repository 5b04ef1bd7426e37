package testbed

import (
	"encoding/json"
	"testing"
)

// FuzzParse: Parse never panics, and whatever it accepts is a lab that
// passes its own validation again after a JSON round trip (what the
// daemon receives).
func FuzzParse(f *testing.F) {
	for _, name := range []string{"shop.yaml", "conntrack.yaml", "default-group.yaml", "ipv6.yaml"} {
		f.Add(readExample(f, name))
	}
	f.Add([]byte(minimal))
	f.Add([]byte(twotier))
	f.Add([]byte(withNode(vmNode)))
	f.Fuzz(func(t *testing.T, data []byte) {
		lab, err := Parse("f.yaml", data)
		if err != nil {
			if lab != nil {
				t.Fatal("lab and error both returned")
			}
			return
		}
		b, err := json.Marshal(lab)
		if err != nil {
			t.Fatal(err)
		}
		var back Lab
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		var e errList
		validate(&e, &back)
		if e.err() != nil {
			t.Fatalf("accepted lab fails validation after JSON: %v", e.err())
		}
		for _, nd := range back.Nodes {
			if !validIfName(HostIfName(back.Name, nd.Name)) {
				t.Fatalf("host link name %q", HostIfName(back.Name, nd.Name))
			}
		}
	})
}
