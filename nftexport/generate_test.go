package nftexport

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestGenerateGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		opt  Options
	}{
		{"sets.nft", Options{Form: FormSets}},
		{"linear.nft", Options{Form: FormLinear, Table: "sg_linear", Flush: true}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got := Generate(sample(), tc.opt)
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run with -update after checking):\n%s", path, got)
			}
		})
	}
}

func TestSecurityGroupLayout(t *testing.T) {
	out := Generate(sample(), Options{})
	est := strings.Index(out, "ct state established,related accept")
	vmap := strings.Index(out, "ip saddr vmap")
	if est < 0 || vmap < 0 || est > vmap {
		t.Fatalf("established must come before the per-interface dispatch:\n%s", out)
	}
	for _, want := range []string{
		"tcp . 80 . 198.18.0.0/24",       // ports set element
		"udp . 5000-5010 . 198.18.0.1",   // port range, host CIDR
		"8 . 0-255 . 198.18.0.0/24",      // ICMP type 8, any code
		"0-255 . 0-255 . fd00:5e5e::/64", // ICMPv6 all
		"47 . 198.18.0.0/24",             // other protocol
		"198.18.0.2 : jump eni_0000000000000002_in",
		"policy drop",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Count(out, "tcp . 80 . 198.18.0.0/24") != 1 {
		t.Errorf("duplicate rule not merged")
	}
}

func TestLinearKeepsRuleOrder(t *testing.T) {
	out := Generate(sample(), Options{Form: FormLinear})
	i80 := strings.Index(out, "th dport 80 ip saddr 198.18.0.0/24 accept")
	i443 := strings.Index(out, "th dport 443 ip saddr 198.18.0.0/24 accept")
	if i80 < 0 || i443 < 0 || i80 > i443 {
		t.Fatalf("linear form must keep rule order:\n%s", out)
	}
	if strings.Contains(out, "\tset ") {
		t.Errorf("linear form must not use sets")
	}
}
