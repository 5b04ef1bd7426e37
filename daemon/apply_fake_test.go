package daemon

import (
	"net/netip"

	"sgswitch/ruleset"
	"sgswitch/testbed"
)

// Until testbed.Apply lands: groups (no rules) and ENIs only.
func init() {
	applyLab = func(st *ruleset.State, lab *testbed.Lab) (map[string]string, error) {
		for _, g := range lab.Groups {
			if _, err := st.CreateSecurityGroup(g.Name, g.Description, nil); err != nil {
				return nil, err
			}
		}
		enis := map[string]string{}
		for _, n := range lab.Nodes {
			spec := ruleset.ENISpec{Name: n.Name, IPv4: []netip.Addr{n.IP}, Groups: n.Groups,
				MAC: testbed.NodeMAC(lab.Name, n.Name, 0)}
			if n.IPv6.IsValid() {
				spec.IPv6 = []netip.Addr{n.IPv6}
			}
			ni, err := st.CreateNetworkInterface(spec)
			if err != nil {
				return nil, err
			}
			enis[n.Name] = ni.NetworkInterfaceId
		}
		return enis, nil
	}
}
