package netns

import (
	"encoding/json"
	"testing"
)

// Port records of both formats name their namespace and link: the first
// format (what the previous version wrote, one port per namespace) by
// the record's name, the current one by its fields.
func TestPortRecordFormats(t *testing.T) {
	for _, c := range []struct {
		json, ns, link string
	}{
		{`{"kind":"port","name":"shop-web","owner":"lab/shop","pid":7,"ifindex":4,"link":"eth0","created":"2026-12-01T00:00:00Z"}`, "shop-web", "eth0"},
		{`{"kind":"port","name":"shop-nat1:eth1","owner":"lab/shop","pid":7,"ifindex":5,"link":"eth1","netns":"shop-nat1","created":"2026-12-01T00:00:00Z"}`, "shop-nat1", "eth1"},
	} {
		var r Record
		if err := json.Unmarshal([]byte(c.json), &r); err != nil {
			t.Fatal(err)
		}
		if ns, link := r.port(); ns != c.ns || link != c.link {
			t.Errorf("%s: port() = %q %q, want %q %q", c.json, ns, link, c.ns, c.link)
		}
	}
	if got := portName("shop-nat1", "eth1"); got != "shop-nat1:eth1" {
		t.Errorf("portName = %q", got)
	}
}
