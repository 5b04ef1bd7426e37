package nftexport

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// TestApplyInScratchNetns loads both forms into the kernel, in a namespace
// the test creates and removes, and checks the kernel kept every chain.
func TestApplyInScratchNetns(t *testing.T) {
	s := netnstest.New(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Fatalf("nft not installed (scripts/install-deps.sh installs nftables): %v", err)
	}
	ns, err := s.CreateNetns("nft")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, opt := range []Options{{Form: FormSets}, {Form: FormLinear, Table: "sg_linear", Flush: true}} {
		script := Generate(sample(), opt)
		for i := 0; i < 2; i++ { // the second load checks Flush/idempotence does not error
			cmd := netns.Command(ctx, ns, "nft", "-f", "-")
			cmd.Stdin = strings.NewReader(script)
			if out, err := cmd.CombinedOutput(); err != nil {
				if opt.Flush || i == 0 {
					t.Fatalf("nft -f (form %d, load %d): %v: %s\n%s", opt.Form, i, err, out, script)
				}
			}
		}
	}
	out, err := netns.Command(ctx, ns, "nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list: %v: %s", err, out)
	}
	for _, want := range []string{"table inet sgswitch", "table inet sg_linear", "chain eni_0000000000000002_in", "ct state established,related accept"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("kernel ruleset lacks %q", want)
		}
	}
}
