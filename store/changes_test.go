package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"

	"sgswitch/ruleset"
)

// TestSaveChangesMatchesFullSave: random sequences of model changes, each
// made on a Clone of the live model and saved from its journal
// (SaveChanges), leave the store holding exactly the records a full save
// of the final model (SaveSpec on an empty store) writes, and reading
// back gives the model after every step. A mutation that forgets to
// record what it touched leaves a stale record behind and fails here.
//
// It also checks copy-on-write: changing a Clone never changes its
// source, changing the source after the Clone never changes the clone,
// and a journal whose base changed after the Clone is refused.
func TestSaveChangesMatchesFullSave(t *testing.T) {
	dir := t.TempDir()
	rapid.Check(t, func(rt *rapid.T) {
		s := openNoSync(t, dir, "journal.db")
		defer s.Close()
		live, err := ruleset.NewState(ruleset.VPCConfig{CIDR: netip.MustParsePrefix("198.18.0.0/24"),
			IPv6CIDR: netip.MustParsePrefix("fd00:5e5e:0:1::/64"), IDSeed: 3})
		if err != nil {
			rt.Fatal(err)
		}
		must(t, s.Update(func(tx *Tx) error { return tx.SaveSpec(nil, live.View()) }))
		for step := range rapid.IntRange(1, 12).Draw(rt, "steps") {
			before := live.Spec()
			next := live.Clone()
			for range rapid.IntRange(1, 4).Draw(rt, fmt.Sprintf("ops%d", step)) {
				mutate(rt, next)
			}
			if got := live.Spec(); !reflect.DeepEqual(got, before) {
				rt.Fatalf("step %d: changing a Clone changed its source", step)
			}
			if rapid.IntRange(0, 9).Draw(rt, fmt.Sprintf("touchBase%d", step)) == 0 {
				// The base changes after the Clone: the clone is unaffected
				// and its journal no longer describes base -> clone.
				want := next.Spec()
				other := live.Clone()
				mutate(rt, other)
				if _, err := live.CreateSecurityGroup(fmt.Sprintf("late%d", step), "d", nil); err != nil {
					rt.Fatal(err)
				}
				if !reflect.DeepEqual(next.Spec(), want) {
					rt.Fatalf("step %d: changing the source after a Clone changed the clone", step)
				}
				if _, ok := next.ChangesSince(live); ok {
					rt.Fatalf("step %d: a journal was given against a base changed since the Clone", step)
				}
				return
			}
			ch, ok := next.ChangesSince(live)
			if !ok {
				rt.Fatalf("step %d: no journal for a Clone of the live state", step)
			}
			must(t, s.Update(func(tx *Tx) error { return tx.SaveChanges(live.View(), next.View(), ch) }))
			snap, err := s.Load()
			must(t, err)
			// Compared as JSON: the records are JSON, and the model itself
			// does not tell an empty list from none everywhere.
			if got, want := jsonOf(*snap.Spec), jsonOf(*next.View()); got != want {
				rt.Fatalf("step %d: read back\n%s\nwant\n%s", step, got, want)
			}
			live = next
		}
		full := openNoSync(t, dir, "full.db")
		defer full.Close()
		must(t, full.Update(func(tx *Tx) error { return tx.SaveSpec(nil, live.View()) }))
		if got, want := modelRecords(t, s), modelRecords(t, full); !maps.Equal(got, want) {
			rt.Fatalf("records after journal-driven saves differ from a full save: %v", changed(want, got))
		}
	})
}

// openNoSync opens a fresh store file without fsync (the test commits
// thousands of transactions; durability is not what it checks).
func openNoSync(t *testing.T, dir, name string) *Store {
	t.Helper()
	sub, err := os.MkdirTemp(dir, name)
	must(t, err)
	s := openT(t, sub)
	s.db.NoSync = true
	return s
}

// modelRecords is every key and value of the model's buckets.
func modelRecords(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	must(t, s.db.View(func(tx *bolt.Tx) error {
		for _, name := range modelBuckets {
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				out[string(name)+"/"+string(k)] = string(v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}))
	return out
}

func jsonOf(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

var (
	cidr4s = []string{"0.0.0.0/0", "198.18.0.0/24", "10.0.0.0/8", "203.0.113.7/32"}
	cidr6s = []string{"::/0", "fd00:5e5e:0:1::/64", "2001:db8::/32"}
	protos = []string{"-1", "tcp", "udp", "icmp"}
)

// mutate applies one random change to st; a change the model refuses
// (a duplicate rule, a group in use…) is fine: it must change nothing.
func mutate(t *rapid.T, st *ruleset.State) {
	sp := st.View()
	var groups, rules, pls, enis []string
	for _, g := range sp.Groups {
		groups = append(groups, g.ID)
		for _, r := range slices.Concat(g.Ingress, g.Egress) {
			rules = append(rules, r.ID)
		}
	}
	for _, p := range sp.PrefixLists {
		pls = append(pls, p.ID)
	}
	for _, e := range sp.Interfaces {
		enis = append(enis, e.ID)
	}
	pick := func(label string, ids []string) string {
		if len(ids) == 0 {
			return "sg-00000000"
		}
		return rapid.SampledFrom(ids).Draw(t, label)
	}
	perm := func() ruleset.IpPermission {
		p := ruleset.IpPermission{IpProtocol: rapid.SampledFrom(protos).Draw(t, "proto")}
		if p.IpProtocol == "tcp" || p.IpProtocol == "udp" {
			port := int32(rapid.IntRange(1, 5).Draw(t, "port"))
			p.FromPort, p.ToPort = &port, &port
		} else if p.IpProtocol == "icmp" {
			m := int32(-1)
			p.FromPort, p.ToPort = &m, &m
		}
		var desc *string
		if rapid.Bool().Draw(t, "described") {
			d := rapid.SampledFrom([]string{"a", "b"}).Draw(t, "desc")
			desc = &d
		}
		switch rapid.IntRange(0, 3).Draw(t, "peer") {
		case 0:
			p.IpRanges = []ruleset.IpRange{{CidrIp: rapid.SampledFrom(cidr4s).Draw(t, "cidr4"), Description: desc}}
		case 1:
			p.Ipv6Ranges = []ruleset.Ipv6Range{{CidrIpv6: rapid.SampledFrom(cidr6s).Draw(t, "cidr6"), Description: desc}}
		case 2:
			p.PrefixListIds = []ruleset.PrefixListId{{PrefixListId: pick("pl", pls)}}
		default:
			p.UserIdGroupPairs = []ruleset.UserIdGroupPair{{GroupId: pick("ref", groups)}}
		}
		return p
	}
	tags := func() []ruleset.Tag {
		return []ruleset.Tag{{Key: rapid.SampledFrom([]string{"k", "Name", "team"}).Draw(t, "tagkey"), Value: rapid.SampledFrom([]string{"", "v", "w"}).Draw(t, "tagval")}}
	}
	addr := func() (v4, v6 []netip.Addr) {
		n := byte(rapid.IntRange(10, 40).Draw(t, "addr"))
		v4 = []netip.Addr{netip.AddrFrom4([4]byte{198, 18, 0, n})}
		if rapid.Bool().Draw(t, "v6") {
			v6 = []netip.Addr{netip.MustParseAddr(fmt.Sprintf("fd00:5e5e:0:1::%x", n))}
		}
		return v4, v6
	}
	egress := rapid.Bool().Draw(t, "egress")
	switch op := rapid.IntRange(0, 21).Draw(t, "op"); op {
	case 0, 1, 2:
		if egress {
			_, _ = st.AuthorizeSecurityGroupEgress(pick("group", groups), []ruleset.IpPermission{perm()}, tags())
		} else {
			_, _ = st.AuthorizeSecurityGroupIngress(pick("group", groups), []ruleset.IpPermission{perm()}, nil)
		}
	case 3:
		if egress {
			_, _, _ = st.RevokeSecurityGroupEgress(pick("group", groups), nil, []string{pick("rule", rules)})
		} else {
			_, _, _ = st.RevokeSecurityGroupIngress(pick("group", groups), nil, []string{pick("rule", rules)})
		}
	case 4:
		_, _, _ = st.RevokeSecurityGroupIngress(pick("group", groups), []ruleset.IpPermission{perm()}, nil)
	case 5:
		c := rapid.SampledFrom(cidr4s).Draw(t, "newcidr")
		port := int32(rapid.IntRange(1, 5).Draw(t, "newport"))
		tcp := "tcp"
		_ = st.ModifySecurityGroupRules(pick("group", groups), []ruleset.SecurityGroupRuleUpdate{{SecurityGroupRuleId: pick("rule", rules),
			SecurityGroupRule: &ruleset.SecurityGroupRuleRequest{IpProtocol: &tcp, FromPort: &port, ToPort: &port, CidrIpv4: &c}}})
	case 6:
		d := rapid.SampledFrom([]string{"x", "y"}).Draw(t, "newdesc")
		descs := []ruleset.SecurityGroupRuleDescription{{SecurityGroupRuleId: pick("rule", rules), Description: &d}}
		if egress {
			_ = st.UpdateSecurityGroupRuleDescriptionsEgress(pick("group", groups), nil, descs)
		} else {
			_ = st.UpdateSecurityGroupRuleDescriptionsIngress(pick("group", groups), nil, descs)
		}
	case 7:
		_ = st.UpdateSecurityGroupRuleDescriptionsIngress(pick("group", groups), []ruleset.IpPermission{perm()}, nil)
	case 8:
		_, _ = st.CreateSecurityGroup(fmt.Sprintf("g%d", rapid.IntRange(0, 6).Draw(t, "gname")), "d", tags())
	case 9:
		_, _ = st.DeleteSecurityGroup(pick("group", groups))
	case 10:
		_, _ = st.CopySecurityGroup(pick("group", groups), fmt.Sprintf("c%d", rapid.IntRange(0, 6).Draw(t, "cname")), "")
	case 11:
		es := []ruleset.PrefixListEntry{{Cidr: rapid.SampledFrom(cidr4s).Draw(t, "plcidr")}}
		_, _ = st.CreateManagedPrefixList(fmt.Sprintf("pl%d", rapid.IntRange(0, 3).Draw(t, "plname")), 4, es)
	case 12:
		add := []ruleset.PrefixListEntry{{Cidr: rapid.SampledFrom(cidr4s).Draw(t, "pladd")}}
		var remove []string
		if rapid.Bool().Draw(t, "plremove") {
			remove = []string{rapid.SampledFrom(cidr4s).Draw(t, "plrm")}
			add = nil
		}
		_, _ = st.ModifyManagedPrefixList(pick("pl", pls), add, remove)
	case 13:
		v4, v6 := addr()
		spec := ruleset.ENISpec{IPv4: v4, IPv6: v6, Groups: []string{pick("group", groups)}}
		if rapid.Bool().Draw(t, "named") {
			spec.Name = fmt.Sprintf("n%d", rapid.IntRange(0, 5).Draw(t, "eniname"))
		}
		_, _ = st.CreateNetworkInterface(spec)
	case 14:
		_ = st.DeleteNetworkInterface(pick("eni", enis))
	case 15:
		var ct *ruleset.ConntrackSpec
		var gs []string
		if rapid.Bool().Draw(t, "ct") {
			ct = &ruleset.ConntrackSpec{UdpTimeout: int32(rapid.IntRange(30, 60).Draw(t, "udp"))}
		} else {
			gs = []string{pick("group", groups)}
		}
		_ = st.ModifyNetworkInterfaceAttribute(pick("eni", enis), gs, ct)
	case 16:
		v4, v6 := addr()
		_ = st.SetInterfaceAddresses(pick("eni", enis), v4, v6)
		_ = st.SetInterfaceAllowances(pick("eni", enis), ruleset.Allowances{PPS: uint64(rapid.IntRange(0, 3).Draw(t, "pps"))})
	case 17, 18:
		id := pick("tagged", slices.Concat(groups, rules, pls, enis))
		if op == 17 {
			_ = st.CreateTags([]string{id, pick("tagged2", slices.Concat(rules, groups))}, tags())
		} else {
			_ = st.DeleteTags([]string{id}, tags())
		}
	case 20:
		v4, _ := addr()
		if rapid.Bool().Draw(t, "bycount") {
			v4 = nil
		}
		_, _ = st.AssignPrivateIpAddresses(pick("eni", enis), v4, len(v4)^1, rapid.Bool().Draw(t, "reassign"))
	case 21:
		v4, v6 := addr()
		_ = st.UnassignPrivateIpAddresses(pick("eni", enis), v4)
		_, _ = st.AssignIpv6Addresses(pick("eni", enis), v6, 0)
	default:
		importDoc(t, st, groups)
	}
}

// importDoc imports a describe-security-groups document: the default
// group under a new id (ImportJSON renames it everywhere), or an existing
// group with new rules.
func importDoc(t *rapid.T, st *ruleset.State, groups []string) {
	sg := ruleset.SecurityGroup{GroupId: rapid.SampledFrom(groups).Draw(t, "importid"), GroupName: fmt.Sprintf("imp%d", rapid.IntRange(0, 2).Draw(t, "impname")), Description: "imported",
		IpPermissions: []ruleset.IpPermission{{IpProtocol: "-1", IpRanges: []ruleset.IpRange{{CidrIp: "10.0.0.0/8"}}}}}
	if rapid.Bool().Draw(t, "importdefault") {
		sg.GroupName = "default"
		sg.GroupId = fmt.Sprintf("sg-%08x", rapid.IntRange(1, 1<<20).Draw(t, "newdefault"))
		sg.IpPermissions = append(sg.IpPermissions, ruleset.IpPermission{IpProtocol: "-1", UserIdGroupPairs: []ruleset.UserIdGroupPair{{GroupId: sg.GroupId}}})
	}
	doc, err := json.Marshal(map[string]any{"SecurityGroups": []ruleset.SecurityGroup{sg}})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.ImportJSON(doc)
}
