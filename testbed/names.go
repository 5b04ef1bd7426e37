package testbed

import (
	"crypto/sha256"
	"fmt"
	"net"
	"regexp"
)

var (
	labNameRE = regexp.MustCompile(`^[a-z0-9-]{1,12}$`)
	// Node names have no '-', so that the namespace "<lab>-<node>" names
	// one lab and one node: split at its last '-' it gives both back, and
	// no two labs' namespaces can collide (lab names may have '-').
	nodeNameRE = regexp.MustCompile(`^[a-z0-9]{1,20}$`)
	// Names of a VPC lab's subnets, route tables and network ACLs.
	subnetNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
)

// maxIfName is the longest Linux interface name (IFNAMSIZ - 1).
const maxIfName = 15

// NetnsName is the network namespace of a netns node: "<lab>-<node>".
func NetnsName(lab, node string) string { return lab + "-" + node }

// NetnsPrefix is what every namespace of the lab starts with.
func NetnsPrefix(lab string) string { return lab + "-" }

// NodeIfName is the node's first (primary) interface inside its
// namespace; IfName(i) names each.
const NodeIfName = "eth0"

// HostIfPrefix is what the host-side name of every link the lab creates
// starts with: "sg" and 6 hex digits of a hash of the lab name. It fits
// Linux's 15-byte interface names whatever the lab and node names are, and
// lets `lab down` find leftovers of a lab by prefix after a crash.
func HostIfPrefix(lab string) string {
	h := sha256.Sum256([]byte("sgswitch-lab/" + lab))
	return fmt.Sprintf("sg%x", h[:3])
}

// HostIfName is the host-side name of the node's link (the TAP device, or
// the host end of the veth pair of an AF_XDP port): HostIfPrefix, "-" and
// 5 hex digits of a hash of the node name, 14 bytes, so that one more
// character (a veth peer's temporary name) still fits and still starts
// with HostIfPrefix. Parse refuses a lab where two nodes' names collide.
func HostIfName(lab, node string) string {
	h := sha256.Sum256([]byte("sgswitch-node/" + lab + "/" + node))
	return fmt.Sprintf("%s-%x", HostIfPrefix(lab), h[:3])[:14]
}

// HostIfNameOf is the host-side name of the link of a node's interface
// i (eth<i>, 0 ≤ i < MaxInterfaces): HostIfName for eth0, and for eth1 …
// eth14 the same name with the '-' after HostIfPrefix replaced by i in
// hex (1 … e). So every name still has the lab's prefix and 14 bytes, a
// node's interfaces differ in that byte, and two nodes whose eth0 names
// differ (Validate refuses a lab where two collide) differ at every
// interface: the check on eth0's names covers all of them.
func HostIfNameOf(lab, node string, i int) string {
	if i < 0 || i >= MaxInterfaces {
		panic(fmt.Sprintf("HostIfNameOf: interface %d outside 0..%d", i, MaxInterfaces-1))
	}
	name := []byte(HostIfName(lab, node))
	if i > 0 {
		name[len(HostIfPrefix(lab))] = "0123456789abcdef"[i]
	}
	return string(name)
}

// NodeMAC is the deterministic, locally administered unicast MAC of a
// node's interface: 02 followed by 5 bytes of a hash of lab and node.
// Apply makes it unique within the lab (salt bumps on a collision).
func NodeMAC(lab, node string, salt int) net.HardwareAddr {
	h := sha256.Sum256([]byte(fmt.Sprintf("sgswitch-mac/%s/%s/%d", lab, node, salt)))
	return net.HardwareAddr{0x02, h[0], h[1], h[2], h[3], h[4]}
}

// validIfName reports whether s is usable as a Linux interface name.
func validIfName(s string) bool {
	if s == "" || len(s) > maxIfName || s == "." || s == ".." {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c == '/' || c == ':' || c >= 0x7f {
			return false
		}
	}
	return true
}
