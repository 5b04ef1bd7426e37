package vswitch

import (
	"testing"

	"sgswitch/packet"
	"sgswitch/ruleset"
)

// probe is one new connection attempt and whether it must pass.
type probe struct {
	from, to string
	fam      int
	proto    uint8 // 6, 17, 1/58 (echo request)
	port     uint16
	want     bool
}

// useCase is a table of spec section 6: groups with their rules, nodes
// with their groups, and probes.
type useCase struct {
	name   string
	groups map[string]func(l *lab, id map[string]string) // rules of each group, given group ids
	nodes  map[string][]string                           // node → group names
	probes []probe
}

func (l *lab) attempt(from, to *node, p probe) bool {
	var f []byte
	switch p.proto {
	case packet.ProtoTCP:
		f = tcp(from, to, p.fam, 40000+uint16(l.n), p.port, syn)
	case packet.ProtoUDP:
		f = udp(from, to, p.fam, 40000+uint16(l.n), p.port)
	default:
		typ := uint8(8)
		if p.fam == 6 {
			typ = 128
		}
		f = icmp(from, to, p.fam, typ, 0, uint16(l.n))
	}
	l.n++
	l.send(from, f)
	return len(l.got(to)) == 1
}

func TestUseCases(t *testing.T) {
	egressAll := func(l *lab, g string) { l.egress(g, allCIDR("0.0.0.0/0"), allCIDR("::/0")) }
	cases := []useCase{
		{
			name: "web server",
			groups: map[string]func(*lab, map[string]string){
				"web": func(l *lab, id map[string]string) {
					l.ingress(id["web"], tcpCIDR(80, "0.0.0.0/0"), tcpCIDR(443, "0.0.0.0/0"), tcpCIDR(80, "::/0"), tcpCIDR(443, "::/0"))
				},
				"client": func(l *lab, id map[string]string) { egressAll(l, id["client"]) },
			},
			nodes: map[string][]string{"web": {"web"}, "client": {"client"}},
			probes: []probe{
				{"client", "web", 4, 6, 80, true}, {"client", "web", 4, 6, 443, true},
				{"client", "web", 6, 6, 80, true}, {"client", "web", 6, 6, 443, true},
				{"client", "web", 4, 6, 22, false}, {"client", "web", 4, 17, 80, false},
			},
		},
		{
			name: "database reached by the app group, SSH from an office range",
			groups: map[string]func(*lab, map[string]string){
				"db": func(l *lab, id map[string]string) {
					l.ingress(id["db"], tcpGroup(3306, id["app"]), tcpGroup(5432, id["app"]), tcpCIDR(22, "198.18.0.0/28"))
				},
				"app":    func(l *lab, id map[string]string) { egressAll(l, id["app"]) },
				"client": func(l *lab, id map[string]string) { egressAll(l, id["client"]) },
			},
			nodes: map[string][]string{"db": {"db"}, "app": {"app"}, "client": {"client"}},
			probes: []probe{
				{"app", "db", 4, 6, 3306, true}, {"app", "db", 4, 6, 5432, true}, {"app", "db", 6, 6, 3306, true},
				{"client", "db", 4, 6, 3306, false}, {"client", "db", 4, 6, 22, true}, {"app", "db", 4, 6, 1433, false},
			},
		},
		{
			name: "instances in the same group",
			groups: map[string]func(*lab, map[string]string){
				"cluster": func(l *lab, id map[string]string) {
					l.ingress(id["cluster"], allGroup(id["cluster"]))
					egressAll(l, id["cluster"])
				},
				"other": func(l *lab, id map[string]string) { egressAll(l, id["other"]) },
			},
			nodes: map[string][]string{"n1": {"cluster"}, "n2": {"cluster"}, "x": {"other"}},
			probes: []probe{
				{"n1", "n2", 4, 6, 9000, true}, {"n2", "n1", 4, 17, 53, true}, {"n1", "n2", 6, 1, 0, true},
				{"x", "n1", 4, 6, 9000, false},
			},
		},
		{
			name: "ping",
			groups: map[string]func(*lab, map[string]string){
				"ping": func(l *lab, id map[string]string) {
					l.ingress(id["ping"], permCIDR("icmp", 8, -1, "198.18.0.0/24"), permCIDR("icmpv6", 128, 0, "fd00:5e5e::/48"))
				},
				"client": func(l *lab, id map[string]string) { egressAll(l, id["client"]) },
			},
			nodes: map[string][]string{"host": {"ping"}, "client": {"client"}},
			probes: []probe{
				{"client", "host", 4, 1, 0, true}, {"client", "host", 6, 58, 0, true}, {"client", "host", 4, 6, 80, false},
			},
		},
		{
			name: "DNS server",
			groups: map[string]func(*lab, map[string]string){
				"dns": func(l *lab, id map[string]string) {
					l.ingress(id["dns"], permCIDR("tcp", 53, 53, "198.18.0.0/24"), permCIDR("udp", 53, 53, "198.18.0.0/24"))
				},
				"client": func(l *lab, id map[string]string) { egressAll(l, id["client"]) },
			},
			nodes: map[string][]string{"dns": {"dns"}, "client": {"client"}},
			probes: []probe{
				{"client", "dns", 4, 17, 53, true}, {"client", "dns", 4, 6, 53, true},
				{"client", "dns", 6, 17, 53, false}, {"client", "dns", 4, 17, 54, false},
			},
		},
		{
			name: "EFS mount target",
			groups: map[string]func(*lab, map[string]string){
				"efs": func(l *lab, id map[string]string) {
					l.ingress(id["efs"], tcpGroup(2049, id["efs"]))
					egressAll(l, id["efs"])
				},
				"instance": func(l *lab, id map[string]string) { egressAll(l, id["instance"]) },
			},
			nodes:  map[string][]string{"mount": {"efs"}, "inst": {"efs", "instance"}, "plain": {"instance"}},
			probes: []probe{{"inst", "mount", 4, 6, 2049, true}, {"plain", "mount", 4, 6, 2049, false}},
		},
		{
			name: "load balancer",
			groups: map[string]func(*lab, map[string]string){
				"lb": func(l *lab, id map[string]string) {
					l.ingress(id["lb"], tcpCIDR(80, "0.0.0.0/0"))
					l.egress(id["lb"], tcpGroup(8080, id["inst"]), tcpGroup(8081, id["inst"]))
				},
				"inst": func(l *lab, id map[string]string) {
					l.ingress(id["inst"], tcpGroup(8080, id["lb"]), tcpGroup(8081, id["lb"]))
				},
				"client": func(l *lab, id map[string]string) { egressAll(l, id["client"]) },
			},
			nodes: map[string][]string{"lb": {"lb"}, "backend": {"inst"}, "client": {"client"}},
			probes: []probe{
				{"client", "lb", 4, 6, 80, true}, {"lb", "backend", 4, 6, 8080, true}, {"lb", "backend", 4, 6, 8081, true},
				{"client", "backend", 4, 6, 8080, false}, {"lb", "client", 4, 6, 80, false}, {"lb", "backend", 4, 6, 22, false},
			},
		},
	}
	for _, uc := range cases {
		t.Run(uc.name, func(t *testing.T) {
			l := newLabConfig(t, Config{}, ruleset.VPCConfig{})
			id := map[string]string{}
			for name := range uc.groups {
				id[name] = l.group(name)
			}
			for name, rules := range uc.groups {
				_ = name
				rules(l, id)
			}
			nodes := map[string]*node{}
			for name, groups := range uc.nodes {
				var ids []string
				for _, g := range groups {
					ids = append(ids, id[g])
				}
				nodes[name] = l.node(name, ids...)
			}
			l.publish()
			for _, p := range uc.probes {
				if got := l.attempt(nodes[p.from], nodes[p.to], p); got != p.want {
					t.Errorf("%s→%s IPv%d proto %d port %d: delivered %v, want %v", p.from, p.to, p.fam, p.proto, p.port, got, p.want)
				}
			}
		})
	}
}
