package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"sgswitch/testbed"
)

var updateTrace = flag.Bool("update-trace", false, "rewrite testdata/trace/*.golden")

// TestTraceGolden prints traces of the two-tier example's model (its
// scratch account: the same ids every run) and compares them with the
// golden files: a denied flow (network ACL in), an allowed one with the
// reply judged at a given source port, one by CIDR and by address, and
// JSON.
func TestTraceGolden(t *testing.T) {
	lab, err := readLab("../../examples/vpc-public-private.yaml")
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := testbed.Scratch(lab)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]traceFlags{
		"admin-db-5432": {from: "admin", to: "db", proto: "tcp", port: 5432},
		"web-db-5432":   {from: "web", to: "db.eth0", proto: "tcp", port: 5432, sourcePort: 40000, lab: lab},
		"db-web-80":     {from: "198.18.2.30", to: "web", proto: "tcp", port: 80},
		"cidr-icmp":     {from: "198.18.1.10/32", to: "198.18.2.30", proto: "icmp", output: "json"},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := runTrace(&b, acct, f); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "trace", name+".golden")
			if *updateTrace {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("got\n%s\nwant\n%s", b.Bytes(), want)
			}
		})
	}
}

// TestTraceEndpointErrors: names that resolve to nothing are errors, not
// a trace of something else.
func TestTraceEndpointErrors(t *testing.T) {
	lab, err := readLab("../../examples/vpc-public-private.yaml")
	if err != nil {
		t.Fatal(err)
	}
	acct, _, err := testbed.Scratch(lab)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []traceFlags{
		{from: "nosuch", to: "db", proto: "tcp", port: 1},
		{from: "web.eth3", to: "db", proto: "tcp", port: 1, lab: lab},
		{from: "198.18.9.9", to: "db", proto: "tcp", port: 1},
		{from: "web", to: "db", proto: "sctp"},
		{from: "web", to: "db", proto: "tcp", family: "ipv5"},
	} {
		if err := runTrace(&bytes.Buffer{}, acct, f); err == nil {
			t.Errorf("%+v: no error", f)
		}
	}
}
