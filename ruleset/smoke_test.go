package ruleset

import (
	"net/netip"
	"testing"
)

func TestSmoke(t *testing.T) {
	st, err := NewState(VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"), IPv6CIDR: netip.MustParsePrefix("fd00:5e5e:0:1::/64"), IDSeed: 1})
	if err != nil {
		t.Fatal(err)
	}
	web, err := st.CreateSecurityGroup("web", "web tier", nil)
	if err != nil {
		t.Fatal(err)
	}
	p80 := int32(80)
	if _, err := st.AuthorizeSecurityGroupIngress("web", []IpPermission{{IpProtocol: "tcp", FromPort: &p80, ToPort: &p80, IpRanges: []IpRange{{CidrIp: "0.0.0.0/0"}}}}, nil); err != nil {
		t.Fatal(err)
	}
	eni, err := st.CreateNetworkInterface(ENISpec{Name: "web1", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.11")}, Groups: []string{web.GroupId}})
	if err != nil {
		t.Fatal(err)
	}
	snap := Compile(st)
	ci := snap.InterfaceByID(eni.NetworkInterfaceId)
	q := Query{Proto: 6, Port: 80}
	q.SetRemote(netip.MustParseAddr("203.0.113.5"))
	v := ci.In.Classify(&q)
	if !v.Allowed || v.Tracked {
		t.Fatalf("%+v", v)
	}
	q.Port = 81
	if v := ci.In.Classify(&q); v.Allowed {
		t.Fatalf("%+v", v)
	}
	b, _ := st.ExportJSON()
	t.Logf("%s", b)
}
