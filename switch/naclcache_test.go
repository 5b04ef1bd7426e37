package vswitch

import (
	"testing"

	"sgswitch/flowtable"
	"sgswitch/vpc"
)

// An established flow across two subnets passes on its entries' cached
// network ACL verdicts; every ACL change is seen by the very next packet,
// in either direction, and undoing it lets the flow through again (its
// conntrack state never went).
func TestNACLChangeSeenByNextPacket(t *testing.T) {
	nl := newNetLab(t)
	a := nl.host("a", "a", "10.0.1.10", true)
	b := nl.host("b", "b", "10.0.2.10", true)
	aclA, aclB := nl.acl("a"), nl.acl("b")
	for _, acl := range []string{aclA, aclB} {
		nl.allowTCP(acl, 100, false, "10.0.0.0/16", 0, 65535)
		nl.allowTCP(acl, 100, true, "10.0.0.0/16", 0, 65535)
	}
	nl.publish()
	ab := func(flags uint8) []byte { return via(nl.lab, tcpFrame(a, b, 40000, 80, flags)) }
	ba := func(flags uint8) []byte { return via(nl.lab, tcpFrame(b, a, 80, 40000, flags)) }
	nl.expect(true, a, b, ab(syn))
	nl.expect(true, b, a, ba(synAck))
	nl.expect(true, a, b, ab(ack))
	// The sender's entry now holds the verdict of its direction.
	if !nl.naclCached(a, ab(ack)) {
		t.Fatal("a's entry holds no network ACL verdict after an allowed packet")
	}
	deny := func(acl string, egress bool, cidr string, port int32) {
		nl.must(nl.net.CreateNetworkAclEntry(acl, vpc.NetworkAclEntry{RuleNumber: 50, Egress: egress, Protocol: "6",
			RuleAction: "deny", CidrBlock: cidr, PortRange: &vpc.PortRange{From: port, To: port}}))
		nl.publish()
	}
	undo := func(acl string, egress bool) {
		nl.must(nl.net.DeleteNetworkAclEntry(acl, 50, egress))
		nl.publish()
	}
	for _, c := range []struct {
		name     string
		acl      string
		egress   bool
		cidr     string
		port     int32
		from, to *node
		frame    []byte
		at       *node
		d        flowtable.Direction
		want     DropReason
	}{
		{"a's outbound", aclA, true, "10.0.2.0/24", 80, a, b, ab(ack), a, flowtable.Egress, DropNACLEgress},
		{"b's inbound", aclB, false, "10.0.1.0/24", 80, a, b, ab(ack), b, flowtable.Ingress, DropNACLIngress},
		{"b's outbound, replies", aclB, true, "10.0.1.0/24", 40000, b, a, ba(ack), b, flowtable.Egress, DropNACLEgress},
		{"a's inbound, replies", aclA, false, "10.0.2.0/24", 40000, b, a, ba(ack), a, flowtable.Ingress, DropNACLIngress},
	} {
		nl.expect(true, c.from, c.to, c.frame) // cached again
		before := nl.drops(c.at, c.d, c.want)
		deny(c.acl, c.egress, c.cidr, c.port)
		nl.expect(false, c.from, c.to, c.frame)
		if got := nl.drops(c.at, c.d, c.want); got != before+1 {
			t.Errorf("%s: %v drops at %s %d, want %d", c.name, c.want, c.at.name, got, before+1)
		}
		undo(c.acl, c.egress)
		nl.expect(true, c.from, c.to, c.frame)
	}
}

// naclCached reports whether frame's flow entry in the sender's zone
// holds a network ACL verdict of the current publication.
func (nl *netLab) naclCached(from *node, frame []byte) bool {
	w := nl.sw.ports[from.eni].worker
	v := nl.sw.view.Load()
	src := v.byID[from.eni]
	// Parse the frame as the first pass does, then look its entry up.
	copy(w.bufs[0][off:], frame)
	w.sizes[0] = len(frame)
	w.view, w.src, w.nHeld = v, src, 0
	rx, rxBytes := w.rxFrames, w.rxBytes
	w.frames(v, src, 1)
	w.rxFrames, w.rxBytes = rx, rxBytes // not a frame the port received
	if w.nHeld != 1 {
		return false
	}
	f, ok := nl.sw.flows.Lookup(&w.pi[0])
	return ok && nl.sw.flows.NACLConfirmed(f, v.gen)
}
