package nftexport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sgswitch/netns"
	"sgswitch/netns/netnstest"
	"sgswitch/testbed"
)

// TestExampleLabs renders every example lab in both forms and, as root,
// loads each into the kernel in a scratch namespace.
func TestExampleLabs(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	if len(files) == 0 {
		t.Skip("no example labs")
	}
	// Rendering needs no root; loading does, into a namespace of the
	// test's own (netnstest.New would skip the whole test without root).
	root := os.Geteuid() == 0
	var ns string
	if root {
		var err error
		if ns, err = netnstest.New(t).CreateNetns("nfx"); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lab, err := testbed.Parse(f, b)
			if err != nil {
				t.Fatal(err)
			}
			acct, ap, err := testbed.Scratch(lab)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := FromSpec(acct.Groups(ap.VpcID).Spec())
			if err != nil {
				t.Fatal(err)
			}
			for _, form := range []Form{FormSets, FormLinear} {
				script := Generate(rs, Options{Form: form, Table: "ex", Flush: true})
				if !strings.Contains(script, "ct state established,related accept") {
					t.Fatalf("no established rule:\n%s", script)
				}
				if !root {
					continue
				}
				cmd := netns.Command(context.Background(), ns, "nft", "-f", "-")
				cmd.Stdin = strings.NewReader(script)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("nft -f (form %d): %v: %s\n%s", form, err, out, script)
				}
			}
		})
	}
}
