package ruleset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func importExport(t testing.TB, data []byte, ipv6 bool) ([]byte, error) {
	st := newTestState(t, ipv6)
	if err := st.ImportJSON(data); err != nil {
		return nil, err
	}
	return st.ExportJSON()
}

func TestImportExport(t *testing.T) {
	data, err := os.ReadFile("testdata/describe-security-groups.json")
	if err != nil {
		t.Fatal(err)
	}
	st := newTestState(t, false)
	if err := st.ImportJSON(data); err != nil {
		t.Fatal(err)
	}
	if st.DefaultGroupID() != "sg-0d9a1b2c3d4e5f601" {
		t.Errorf("default group id %s", st.DefaultGroupID())
	}
	// Same groups, same grouping of rules into permissions, same peers.
	var in, out describeOutput
	_ = json.Unmarshal(data, &in)
	exported, err := st.ExportJSON()
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(exported, &out)
	if len(out.SecurityGroups) != len(in.SecurityGroups) {
		t.Fatalf("%d groups exported, %d imported", len(out.SecurityGroups), len(in.SecurityGroups))
	}
	for i, g := range in.SecurityGroups {
		o := out.SecurityGroups[i]
		if o.GroupId != g.GroupId || o.GroupName != g.GroupName || o.Description != g.Description || !reflect.DeepEqual(o.Tags, g.Tags) {
			t.Errorf("group %d: %+v vs %+v", i, o, g)
		}
		for _, d := range []struct{ a, b []IpPermission }{{g.IpPermissions, o.IpPermissions}, {g.IpPermissionsEgress, o.IpPermissionsEgress}} {
			if len(d.a) != len(d.b) {
				t.Errorf("group %s: %d permissions, want %d", g.GroupName, len(d.b), len(d.a))
				continue
			}
			for j := range d.a {
				a, b := d.a[j], d.b[j]
				if a.IpProtocol != b.IpProtocol || !reflect.DeepEqual(a.FromPort, b.FromPort) || !reflect.DeepEqual(a.ToPort, b.ToPort) ||
					!reflect.DeepEqual(a.IpRanges, b.IpRanges) || !reflect.DeepEqual(a.Ipv6Ranges, b.Ipv6Ranges) || len(a.UserIdGroupPairs) != len(b.UserIdGroupPairs) {
					t.Errorf("group %s permission %d:\n got %+v\nwant %+v", g.GroupName, j, b, a)
				}
			}
		}
	}
	// Import then export is stable.
	again, err := importExport(t, exported, false)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, exported) {
		t.Errorf("export is not stable:\n%s\n---\n%s", exported, again)
	}
	// Imported rules are enforced.
	db, _ := st.ResolveGroup("db")
	web, _ := st.ResolveGroup("web")
	d := mustENI(t, st, "d", "198.18.0.20", "", db)
	mustENI(t, st, "w", "198.18.0.10", "", web)
	expectVerdicts(t, st, d, map[pkt]string{{false, "198.18.0.10", tcp, 5432}: "tracked", {false, "10.1.1.1", 50, 0}: "tracked", {true, "10.1.1.1", tcp, 1}: "deny"})
}

func TestImportErrors(t *testing.T) {
	for _, c := range []struct {
		name, doc, code string
	}{
		{"not json", `{`, CodeInvalidParameterValue},
		{"malformed id", `{"SecurityGroups":[{"GroupId":"sg-zz","GroupName":"a","Description":"d"}]}`, CodeInvalidGroupIdMalformed},
		{"unknown reference", `{"SecurityGroups":[{"GroupId":"sg-0123456789abcdef0","GroupName":"a","Description":"d","IpPermissions":[{"IpProtocol":"-1","UserIdGroupPairs":[{"GroupId":"sg-0123456789abcdef1"}]}]}]}`, CodeInvalidGroupNotFound},
		{"bad cidr", `{"SecurityGroups":[{"GroupName":"a","Description":"d","IpPermissions":[{"IpProtocol":"tcp","FromPort":1,"ToPort":1,"IpRanges":[{"CidrIp":"1.2.3.4"}]}]}]}`, CodeInvalidParameterValue},
		{"duplicate names", `{"SecurityGroups":[{"GroupName":"a","Description":"d"},{"GroupName":"A","Description":"d"}]}`, CodeInvalidGroupDuplicate},
		{"peered vpc", `{"SecurityGroups":[{"GroupId":"sg-0123456789abcdef0","GroupName":"a","Description":"d","VpcId":"vpc-1","IpPermissions":[{"IpProtocol":"-1","UserIdGroupPairs":[{"GroupId":"sg-0123456789abcdef0","VpcId":"vpc-2"}]}]}]}`, CodeInvalidGroupNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := newTestState(t, false)
			before := st.Spec()
			wantCode(t, st.ImportJSON([]byte(c.doc)), c.code)
			if !reflect.DeepEqual(before, st.Spec()) {
				t.Error("failed import changed the state")
			}
		})
	}
}

// FuzzImport: import never panics; a failed import changes nothing; a
// successful one exports a document that imports and exports to itself, and
// compiles.
func FuzzImport(f *testing.F) {
	for _, p := range []string{"testdata/describe-security-groups.json"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st := newTestState(t, true)
		before := st.Spec()
		if err := st.ImportJSON(data); err != nil {
			if !reflect.DeepEqual(before, st.Spec()) {
				t.Fatalf("failed import (%v) changed the state", err)
			}
			return
		}
		out, err := st.ExportJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := importExport(t, out, true)
		if err != nil {
			t.Fatalf("re-import of an export failed: %v\n%s", err, out)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("export not stable:\n%s\n---\n%s", out, again)
		}
		if _, err := st.CreateNetworkInterface(ENISpec{IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.9")}}); err != nil {
			t.Fatal(err)
		}
		snap := Compile(st)
		q := Query{Proto: 6, Port: 22}
		q.SetRemote(netip.MustParseAddr("203.0.113.7"))
		for _, ci := range snap.Interfaces() {
			ci.In.Classify(&q)
			ci.Out.Classify(&q)
		}
	})
}

// TestWriteFuzzCorpus regenerates the committed seed corpus when
// SGSWITCH_WRITE_CORPUS=1.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("SGSWITCH_WRITE_CORPUS") == "" {
		t.Skip("set SGSWITCH_WRITE_CORPUS=1 to rewrite testdata/fuzz/FuzzImport")
	}
	seeds := []string{
		`{"SecurityGroups":[]}`,
		`{"SecurityGroups":[{"GroupName":"default","Description":"default VPC security group","GroupId":"sg-0123456789abcdef0"}]}`,
		`{"SecurityGroups":[{"GroupName":"a","Description":"d","IpPermissions":[{"IpProtocol":"tcp","FromPort":1,"ToPort":65535,"IpRanges":[{"CidrIp":"10.1.2.3/8","Description":"x&y"}],"Ipv6Ranges":[{"CidrIpv6":"2001:db8::1/32"}]}]}]}`,
		`{"SecurityGroups":[{"GroupId":"sg-11111111","GroupName":"a","Description":"d","IpPermissions":[{"IpProtocol":"-1","UserIdGroupPairs":[{"GroupId":"sg-22222222"}]}]},{"GroupId":"sg-22222222","GroupName":"b ","Description":"d","IpPermissionsEgress":[{"IpProtocol":"icmpv6"}]}]}`,
		`{"SecurityGroups":[{"GroupName":"a","Description":"d","IpPermissions":[{"IpProtocol":"icmp","FromPort":-1,"ToPort":-1,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]},{"IpProtocol":"58","FromPort":128,"ToPort":0,"Ipv6Ranges":[{"CidrIpv6":"::/0"}]}]}]}`,
		`{"SecurityGroups":[{"GroupName":"a","Description":"d","IpPermissions":[{"IpProtocol":"tcp","FromPort":80,"ToPort":80,"IpRanges":[{"CidrIp":"0.0.0.0/0"},{"CidrIp":"0.0.0.0/0"}]}]}]}`,
		`{"SecurityGroups":[{"GroupName":"sg-a","Description":"d"}]}`,
		`[]`,
	}
	if b, err := os.ReadFile("testdata/describe-security-groups.json"); err == nil {
		seeds = append(seeds, string(b))
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzImport")
	for i, s := range seeds {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
