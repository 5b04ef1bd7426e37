package ec2api

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"sgswitch/internal/bounded"
)

func TestParseFilter(t *testing.T) {
	cases := map[string][]Filter{
		"Name=group-name,Values=web,db":                  {{Name: "group-name", Values: []string{"web", "db"}}},
		"Name=tag:Name,Values=web1":                      {{Name: "tag:Name", Values: []string{"web1"}}},
		`[{"Name":"group-id","Values":["sg-1","sg-2"]}]`: {{Name: "group-id", Values: []string{"sg-1", "sg-2"}}},
		`{"Name":"vpc-id","Values":["vpc-1"]}`:           {{Name: "vpc-id", Values: []string{"vpc-1"}}},
	}
	for in, want := range cases {
		got, err := ParseFilter(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"group-name", "Values=a", "Nme=a,Values=b", "[{"} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestParsePortAndSimplePermission(t *testing.T) {
	for in, want := range map[string][2]int32{"22": {22, 22}, "7000-8000": {7000, 8000}, "-1": {-1, -1}} {
		f, to, err := ParsePort(in)
		if err != nil || f != want[0] || to != want[1] {
			t.Errorf("%s: %d %d %v", in, f, to, err)
		}
	}
	for _, bad := range []string{"", "x", "1-y"} {
		if _, _, err := ParsePort(bad); err == nil {
			t.Errorf("port %q accepted", bad)
		}
	}
	p, err := SimplePermission("tcp", "22", "203.0.113.0/24", "")
	if err != nil || p.IpProtocol != "tcp" || *p.FromPort != 22 || p.IpRanges.Items[0].CidrIp != "203.0.113.0/24" {
		t.Fatalf("tcp: %+v %v", p, err)
	}
	p, err = SimplePermission("all", "", "::/0", "")
	if err != nil || p.IpProtocol != "-1" || p.FromPort != nil || p.Ipv6Ranges.Items[0].CidrIpv6 != "::/0" {
		t.Fatalf("all: %+v %v", p, err)
	}
	p, err = SimplePermission("udp", "53", "", "sg-1")
	if err != nil || p.UserIdGroupPairs.Items[0].GroupId != "sg-1" {
		t.Fatalf("source group: %+v %v", p, err)
	}
	for _, bad := range [][4]string{{"", "22", "10.0.0.0/8", ""}, {"tcp", "22", "", ""}, {"tcp", "22", "10.0.0.0/8", "sg-1"}, {"tcp", "x", "10.0.0.0/8", ""}} {
		if _, err := SimplePermission(bad[0], bad[1], bad[2], bad[3]); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestParseConntrackAndTags(t *testing.T) {
	ct, err := ParseConntrackSpec("TcpEstablishedTimeout=3600,UdpTimeout=30")
	if err != nil || *ct.TcpEstablishedTimeout != 3600 || *ct.UdpTimeout != 30 || ct.UdpStreamTimeout != nil {
		t.Fatalf("shorthand: %+v %v", ct, err)
	}
	ct, err = ParseConntrackSpec(`{"UdpStreamTimeout":60}`)
	if err != nil || *ct.UdpStreamTimeout != 60 {
		t.Fatalf("json: %+v %v", ct, err)
	}
	if _, err := ParseConntrackSpec("Tcp=1"); err == nil {
		t.Error("unknown key accepted")
	}
	ts, err := ParseTagSpecifications("ResourceType=security-group,Tags=[{Key=env,Value=lab},{Key=team,Value=net}]")
	want := []TagSpecification{{ResourceType: "security-group", Tags: []Tag{{Key: "env", Value: "lab"}, {Key: "team", Value: "net"}}}}
	if err != nil || !reflect.DeepEqual(ts, want) {
		t.Fatalf("tags: %+v %v", ts, err)
	}
	ts, err = ParseTagSpecifications(`[{"ResourceType":"security-group","Tags":[{"Key":"a","Value":"b"}]}]`)
	if err != nil || ts[0].Tags[0].Key != "a" {
		t.Fatalf("json tags: %+v %v", ts, err)
	}
}

func TestDecodeJSONArgFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "perms.json")
	if err := os.WriteFile(good, []byte(`[{"IpProtocol":"tcp","FromPort":22,"ToPort":22}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	var perms []IpPermission
	if err := DecodeJSONArg("ip-permissions", "file://"+good, &perms); err != nil || len(perms) != 1 || perms[0].IpProtocol != "tcp" {
		t.Fatalf("file://: %+v, %v", perms, err)
	}
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, bounded.MaxBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]error{big: bounded.ErrTooLarge, fifo: bounded.ErrNotRegular, dir: bounded.ErrNotRegular} {
		err := DecodeJSONArg("ip-permissions", "file://"+path, &perms)
		if !errors.Is(err, want) || !strings.HasPrefix(err.Error(), "--ip-permissions: "+path+": ") {
			t.Errorf("file://%s: %v, want %v", path, err, want)
		}
	}
	if err := DecodeJSONArg("ip-permissions", "[", &perms); err == nil || !strings.Contains(err.Error(), "(JSON expected)") {
		t.Errorf("bad JSON: %v", err)
	}
}

func TestListenAddr(t *testing.T) {
	for endpoint, want := range map[string]string{
		DefaultEndpoint:          DefaultListen,
		"http://127.0.0.1:18778": "127.0.0.1:18778",
		"http://[::1]:8775/":     "[::1]:8775",
		"":                       "",
		"127.0.0.1:8775":         "", // not a URL: no scheme
		"%zz":                    "",
	} {
		if got := ListenAddr(endpoint); got != want {
			t.Errorf("ListenAddr(%q) = %q, want %q", endpoint, got, want)
		}
	}
}

func TestParsePrefixListEntries(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string // cidr|description
		bad  bool
	}{
		{in: "Cidr=10.0.0.0/8", want: []string{"10.0.0.0/8|"}},
		{in: "Cidr=10.0.0.0/8,Description=hq", want: []string{"10.0.0.0/8|hq"}},
		{in: `[{"Cidr":"10.0.0.0/8","Description":"a"},{"Cidr":"fd00::/8"}]`, want: []string{"10.0.0.0/8|a", "fd00::/8|"}},
		{in: "Description=hq", bad: true},
		{in: "Cidr=10.0.0.0/8,Colour=red", bad: true},
		{in: `[{"Cidr":}]`, bad: true},
	} {
		es, err := ParsePrefixListEntries(c.in)
		if c.bad != (err != nil) {
			t.Errorf("%s: err %v", c.in, err)
			continue
		}
		var got []string
		for _, e := range es {
			d := ""
			if e.Description != nil {
				d = *e.Description
			}
			got = append(got, e.Cidr+"|"+d)
		}
		if !c.bad && strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: %v, want %v", c.in, got, c.want)
		}
	}
}
