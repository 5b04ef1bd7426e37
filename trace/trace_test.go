package trace_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/testbed"
	"sgswitch/trace"
	"sgswitch/vpc"
)

// hopsLab has one hop kind per flow: see TestHops.
const hopsLab = `
name: hops
vpc:
  cidr: 198.18.0.0/16
  subnets:
    a: {cidr: 198.18.1.0/24, route-table: rt}
    b: {cidr: 198.18.2.0/24, network-acl: strict}
  route-tables:
    rt:
      routes:
        - {destination: 198.18.3.0/24, target: gw.eth0}
        - {destination: 198.18.4.0/24, target: gone.eth1}
  network-acls:
    strict:
      ingress:
        - {RuleNumber: 100, Protocol: 6, RuleAction: allow, CidrBlock: 198.18.1.0/24, PortRange: {From: 80, To: 80}}
        - {RuleNumber: 150, Protocol: 6, RuleAction: deny, CidrBlock: 198.18.1.0/24, PortRange: {From: 25, To: 25}}
        - {RuleNumber: 200, Protocol: 6, RuleAction: allow, CidrBlock: 198.18.1.0/24, PortRange: {From: 0, To: 65535}}
      egress:
        - {RuleNumber: 100, Protocol: 6, RuleAction: allow, CidrBlock: 198.18.1.0/24, PortRange: {From: 40000, To: 50000}}
security-groups:
  web:
    GroupDescription: web
    SecurityGroupIngress:
      - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}
      - {IpProtocol: tcp, FromPort: 25, ToPort: 25, CidrIp: 198.18.0.0/16}
      - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 198.18.0.0/16}
topology:
  nodes:
    client: {subnet: a, ip: 198.18.1.10}
    gw:     {subnet: a, ip: 198.18.1.5}
    gone:
      interfaces:
        - {subnet: a, ip: 198.18.1.6}
        - {subnet: a, ip: 198.18.1.7}
    server: {subnet: b, ip: 198.18.2.10, security-groups: [web]}
`

func hopsAccount(t *testing.T) (*account.Account, testbed.Applied) {
	t.Helper()
	lab, err := testbed.Parse("hops.yaml", []byte(hopsLab))
	if err != nil {
		t.Fatal(err)
	}
	acct, ap, err := testbed.Scratch(lab)
	if err != nil {
		t.Fatal(err)
	}
	return acct, ap
}

func step(r trace.Result, name string) trace.Hop {
	for _, h := range slices.Concat(r.Hops, r.Reply) {
		if h.Step == name {
			return h
		}
	}
	return trace.Hop{Step: "missing " + name}
}

func TestHops(t *testing.T) {
	acct, ap := hopsAccount(t)
	client, server := ap.ENIs["client"], ap.ENIs["server"]
	gone := ap.Interfaces[testbed.Endpoint{Node: "gone", Interface: 1}]
	if err := acct.DetachNetworkInterface(gone); err != nil {
		t.Fatal(err)
	}
	if err := acct.DeleteNetworkInterface(gone); err != nil {
		t.Fatal(err)
	}
	to := func(a string) trace.Endpoint { return trace.Endpoint{Addr: netip.MustParseAddr(a)} }
	cases := []struct {
		name     string
		q        trace.Query
		deniedBy string
		at       string
		rule     int32 // the deciding ACL rule number, when an ACL decides
	}{
		{"allowed", trace.Query{Proto: "tcp", Port: 80, SourcePort: 45000}, "", "", 0},
		{"reply ACL denies ephemeral ports", trace.Query{Proto: "tcp", Port: 80}, trace.LayerNetworkACL, trace.StepReplyACLOut, 32767},
		{"ACL rule denies", trace.Query{Proto: "tcp", Port: 25, SourcePort: 45000}, trace.LayerNetworkACL, trace.StepACLIn, 150},
		{"ICMP meets the * entry", trace.Query{Proto: "icmp"}, trace.LayerNetworkACL, trace.StepACLIn, 32767},
		{"no group rule", trace.Query{Proto: "tcp", Port: 8080, SourcePort: 45000}, trace.LayerSecurityGroup, trace.StepIngressGroups, 0},
		{"dest check", trace.Query{To: to("198.18.3.7"), Proto: "tcp", Port: 80}, trace.LayerSourceCheck, trace.StepDestCheck, 0},
		{"blackhole", trace.Query{To: to("198.18.4.7"), Proto: "tcp", Port: 80}, trace.LayerRoute, trace.StepRoute, 0},
		{"no route", trace.Query{To: to("198.19.0.5"), Proto: "tcp", Port: 80}, trace.LayerRoute, trace.StepRoute, 0},
		{"spoofed source", trace.Query{From: trace.Endpoint{Interface: client, Addr: netip.MustParseAddr("198.18.1.99")}, Proto: "tcp", Port: 80, SourcePort: 45000}, trace.LayerSourceCheck, trace.StepSourceCheck, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := c.q
			if q.From.Interface == "" {
				q.From.Interface = client
			}
			if !q.To.Addr.IsValid() {
				q.To.Interface = server
			}
			r, err := trace.Path(acct, q)
			if err != nil {
				t.Fatal(err)
			}
			t.Log("\n" + text(r))
			if r.Allow != (c.deniedBy == "") || r.DeniedBy != c.deniedBy || r.DeniedAt != c.at {
				t.Fatalf("allow %v denied by %q at %q, want %q at %q\n%s", r.Allow, r.DeniedBy, r.DeniedAt, c.deniedBy, c.at, text(r))
			}
			if h := step(r, c.at); c.rule != 0 && h.RuleNumber != c.rule {
				t.Errorf("decided by rule %d, want %d\n%s", h.RuleNumber, c.rule, text(r))
			}
		})
	}
}

// TestGroupRuleAndTracking: the rule a group hop names is one the naive
// reference evaluator finds, and the port-80 rule open to 0.0.0.0/0 with
// the default egress rule makes the server's side untracked, named as a
// pair; the client's side stays tracked.
func TestGroupRuleAndTracking(t *testing.T) {
	acct, ap := hopsAccount(t)
	client, server := ap.ENIs["client"], ap.ENIs["server"]
	g := acct.Groups(ap.VpcID)
	rules := map[uint16]string{}
	for _, port := range []uint16{80, 443} {
		r, err := trace.Path(acct, trace.Query{From: trace.Endpoint{Interface: client}, To: trace.Endpoint{Interface: server}, Proto: "tcp", Port: port, SourcePort: 45000})
		if err != nil {
			t.Fatal(err)
		}
		h := step(r, trace.StepIngressGroups)
		q := ruleset.Query{Proto: 6, Port: port}
		q.SetRemote(r.Source)
		if ref := g.ReferenceClassify(server, false, &q); !slices.Contains(ref.Rules, h.Rule) || !strings.HasPrefix(h.Group, "sg-") {
			t.Fatalf("port %d: hop names %s of %s, reference finds %v", port, h.Rule, h.Group, ref.Rules)
		}
		rules[port] = h.Rule
		if port != 80 {
			continue
		}
		if len(r.Tracking) != 2 || !r.Tracking[0].Tracked || r.Tracking[1].Tracked {
			t.Fatalf("tracking %+v", r.Tracking)
		}
		un := r.Tracking[1]
		if un.Rule != h.Rule || !strings.HasPrefix(un.ReverseRule, "sgr-") || un.Timeout != ruleset.DefaultTcpEstablishedTimeout {
			t.Errorf("untracked pair %+v", un)
		}
	}
	if rules[80] == rules[443] {
		t.Errorf("ports 80 and 443 name the same rule %s", rules[80])
	}
}

func text(r trace.Result) string {
	var b strings.Builder
	_ = trace.WriteText(&b, r)
	return b.String()
}

// TestHopsMatchReference: for random flows between the hops lab's
// interfaces and addresses, every ACL hop's verdict and rule number is
// what the naive reference evaluator says of the packet trace built, and
// every group hop is allowed exactly when the reference finds a rule,
// naming one of the rules it finds.
func TestHopsMatchReference(t *testing.T) {
	acct, ap := hopsAccount(t)
	ids := []string{ap.ENIs["client"], ap.ENIs["gw"], ap.ENIs["server"]}
	g := acct.Groups(ap.VpcID)
	rapid.Check(t, func(rt *rapid.T) {
		q := trace.Query{
			From:       trace.Endpoint{Interface: rapid.SampledFrom(ids).Draw(rt, "from")},
			To:         trace.Endpoint{Interface: rapid.SampledFrom(ids).Draw(rt, "to")},
			Proto:      rapid.SampledFrom([]string{"tcp", "tcp", "udp", "icmp", "47"}).Draw(rt, "proto"),
			Port:       uint16(rapid.SampledFrom([]int{25, 80, 443, 8080, 45000, 45000}).Draw(rt, "port")),
			SourcePort: uint16(rapid.SampledFrom([]int{0, 1024, 40000, 50001}).Draw(rt, "sport")),
		}
		if q.From.Interface == q.To.Interface {
			return
		}
		r, err := trace.Path(acct, q)
		if err != nil {
			rt.Fatal(err)
		}
		for _, h := range r.Hops {
			switch h.Step {
			case trace.StepACLOut, trace.StepACLIn:
				egress := h.Step == trace.StepACLOut
				p := vpc.Packet{Protocol: r.Proto, Remote: r.Source, Port: r.Port}
				if egress {
					p.Remote = r.Destination
				}
				if r.Proto == 1 {
					p.ICMPType = 8
				}
				want, err := acct.Network().ReferenceEvaluate(h.ACL, egress, p)
				if err != nil || want.Allow != h.Allow || want.Rule != h.RuleNumber {
					rt.Fatalf("%s: %+v, reference %+v (%v)\n%s", h.Step, h, want, err, text(r))
				}
			case trace.StepEgressGroups, trace.StepIngressGroups:
				egress := h.Step == trace.StepEgressGroups
				rq := ruleset.Query{Proto: r.Proto, Port: r.Port}
				rq.SetRemote(r.Source)
				if egress {
					rq.SetRemote(r.Destination)
				}
				if r.Proto == 1 {
					rq.ICMPType = 8
				}
				want := g.ReferenceClassify(h.Interface, egress, &rq)
				if want.Allowed != h.Allow || h.Allow && !slices.Contains(want.Rules, h.Rule) {
					rt.Fatalf("%s: %+v, reference %+v\n%s", h.Step, h, want, text(r))
				}
			}
		}
	})
}
