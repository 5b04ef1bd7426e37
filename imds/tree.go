package imds

import (
	"encoding/json"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"sgswitch/vpcsvc"
)

// instanceView is what one request sees: the instance behind the asking
// interface and its interfaces, read from the Directory for this request
// only, so that every change (a group added to an interface) shows at
// once.
type instanceView struct {
	inst vpcsvc.Instance
	// primary is the interface at device index 0 (the asking one when the
	// Directory has none there): the top-level mac, local-ipv4 and
	// security-groups are the primary interface's on EC2.
	primary vpcsvc.Interface
	ifaces  []vpcsvc.Interface // by device index
}

// loadView finds the instance behind interface eniID.
func loadView(dir vpcsvc.Directory, eniID string) (instanceView, bool) {
	asking, ok := dir.Interface(eniID)
	if !ok || asking.InstanceID == "" {
		return instanceView{}, false
	}
	inst, ok := dir.Instance(asking.InstanceID)
	if !ok {
		return instanceView{}, false
	}
	v := instanceView{inst: inst, primary: asking}
	for _, idx := range slices.Sorted(maps.Keys(inst.Interfaces)) {
		ifc, ok := dir.Interface(inst.Interfaces[idx])
		if !ok {
			continue
		}
		if idx == 0 {
			v.primary = ifc
		}
		v.ifaces = append(v.ifaces, ifc)
	}
	if len(v.ifaces) == 0 {
		v.ifaces = []vpcsvc.Interface{asking}
	}
	return v, true
}

// versionTree is what one version (/latest/, /2021-03-23/, …) serves.
func versionTree(v instanceView) *node {
	root := newDir()
	root.add("dynamic", newDir().add("instance-identity", identityTree(v)))
	root.add("meta-data", metaData(v))
	if len(v.inst.UserData) > 0 {
		root.add("user-data", leaf(string(v.inst.UserData)))
	}
	return root
}

func metaData(v instanceView) *node {
	p := v.primary
	md := newDir()
	md.add("ami-id", leaf(v.inst.ImageID))
	md.add("ami-launch-index", leaf("0"))
	md.add("hostname", leaf(hostname(p)))
	md.add("instance-id", leaf(v.inst.ID))
	md.add("instance-type", leaf(v.inst.InstanceType))
	md.add("local-hostname", leaf(hostname(p)))
	md.add("local-ipv4", leaf(firstAddr(p.IPv4)))
	md.add("mac", leaf(macKey(p)))
	md.add("network", networkTree(v))
	md.add("placement", newDir().
		add("availability-zone", leaf(p.AvailabilityZone)).
		add("availability-zone-id", leaf(zoneID(p.Region, p.AvailabilityZone))).
		add("region", leaf(p.Region)))
	md.add("public-keys", publicKeys(v.inst))
	md.add("reservation-id", leaf(v.inst.ReservationID))
	md.add("security-groups", leaf(strings.Join(groupNames(p), "\n")))
	domain, partition := partitionOf(p.Region)
	md.add("services", newDir().add("domain", leaf(domain)).add("partition", leaf(partition)))
	if v.inst.Metadata.InstanceMetadataTags {
		md.add("tags", newDir().add("instance", tagsTree(v.inst.Tags)))
	}
	return md
}

func networkTree(v instanceView) *node {
	macs := newDir()
	for _, ifc := range v.ifaces {
		macs.add(macKey(ifc), interfaceTree(ifc))
	}
	return newDir().add("interfaces", newDir().add("macs", macs))
}

// interfaceTree is network/interfaces/macs/<mac>/. ipv4-associations/ is
// left out as EC2 leaves it out for an interface without public
// addresses, which every interface here is; the IPv6 items likewise when
// there is nothing to list.
func interfaceTree(ifc vpcsvc.Interface) *node {
	d := newDir()
	d.add("device-number", leaf(strconv.Itoa(ifc.DeviceIndex)))
	d.add("interface-id", leaf(ifc.ID))
	d.add("ipv6s", lines(addrStrings(ifc.IPv6)))
	d.add("local-hostname", leaf(hostname(ifc)))
	d.add("local-ipv4s", leaf(strings.Join(addrStrings(ifc.IPv4), "\n")))
	d.add("mac", leaf(macKey(ifc)))
	d.add("network-card-index", leaf("0"))
	d.add("owner-id", leaf(ifc.OwnerID))
	d.add("security-group-ids", leaf(strings.Join(groupIDs(ifc), "\n")))
	d.add("security-groups", leaf(strings.Join(groupNames(ifc), "\n")))
	d.add("subnet-id", leaf(ifc.SubnetID))
	d.add("subnet-ipv4-cidr-block", leaf(prefixString(ifc.Subnet4)))
	if ifc.Subnet6.IsValid() {
		d.add("subnet-ipv6-cidr-blocks", leaf(ifc.Subnet6.String()))
	}
	d.add("vpc-id", leaf(ifc.VpcID))
	d.add("vpc-ipv4-cidr-block", leaf(prefixString(firstPrefix(ifc.VpcCIDR4))))
	d.add("vpc-ipv4-cidr-blocks", leaf(strings.Join(prefixStrings(ifc.VpcCIDR4), "\n")))
	d.add("vpc-ipv6-cidr-blocks", lines(prefixStrings(ifc.VpcCIDR6)))
	return d
}

// publicKeys is public-keys/: "0=name" entries whose directory holds
// openssh-key, the launch key first. nil (no item) without keys, as EC2.
func publicKeys(inst vpcsvc.Instance) *node {
	if len(inst.PublicKeys) == 0 {
		return nil
	}
	names := make([]string, 0, len(inst.PublicKeys))
	for name := range inst.PublicKeys {
		if name != inst.KeyName {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if _, ok := inst.PublicKeys[inst.KeyName]; ok {
		names = append([]string{inst.KeyName}, names...)
	}
	d := newDir()
	for i, name := range names {
		idx := strconv.Itoa(i)
		d.addLabelled(idx, idx+"="+name, newDir().add("openssh-key", leaf(inst.PublicKeys[name])))
	}
	return d
}

// tagsTree is tags/instance/. A key that cannot be one path segment is
// left out (EC2 refuses to enable metadata tags while such a key exists).
func tagsTree(tags map[string]string) *node {
	d := newDir()
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if k == "" || k == "." || k == ".." || strings.ContainsAny(k, "/ ") {
			continue
		}
		d.add(k, leaf(tags[k]))
	}
	return d
}

// identityDocument is dynamic/instance-identity/document, field for field
// as EC2 writes it (the nulls included).
type identityDocument struct {
	AccountID               string   `json:"accountId"`
	Architecture            string   `json:"architecture"`
	AvailabilityZone        string   `json:"availabilityZone"`
	BillingProducts         []string `json:"billingProducts"`
	DevpayProductCodes      []string `json:"devpayProductCodes"`
	MarketplaceProductCodes []string `json:"marketplaceProductCodes"`
	ImageID                 string   `json:"imageId"`
	InstanceID              string   `json:"instanceId"`
	InstanceType            string   `json:"instanceType"`
	KernelID                *string  `json:"kernelId"`
	PendingTime             string   `json:"pendingTime"`
	PrivateIP               string   `json:"privateIp"`
	RamdiskID               *string  `json:"ramdiskId"`
	Region                  string   `json:"region"`
	Version                 string   `json:"version"`
}

// identityTree is dynamic/instance-identity/. Only the document is
// served: pkcs7, rsa2048 and signature would have to be signed by AWS's
// key, which nothing here has, and a signature that does not verify is
// worse than none. They are neither listed nor served (404), so a crawler
// such as cloud-init's, which fetches what the listing names, does not
// ask for them.
func identityTree(v instanceView) *node {
	doc := identityDocument{
		AccountID:        v.primary.OwnerID,
		Architecture:     architecture(v.inst.InstanceType),
		AvailabilityZone: v.primary.AvailabilityZone,
		ImageID:          v.inst.ImageID,
		InstanceID:       v.inst.ID,
		InstanceType:     v.inst.InstanceType,
		PendingTime:      v.inst.LaunchTime.UTC().Format(time.RFC3339),
		PrivateIP:        firstAddr(v.primary.IPv4),
		Region:           v.primary.Region,
		Version:          "2017-09-30",
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("imds: identity document: " + err.Error()) // strings only: cannot fail
	}
	return newDir().add("document", leaf(string(b)))
}

// hostname is EC2's IP-based private name of an interface:
// ip-10-0-1-5.<domain>.
func hostname(ifc vpcsvc.Interface) string {
	if len(ifc.IPv4) == 0 {
		return ""
	}
	return "ip-" + strings.ReplaceAll(ifc.IPv4[0].String(), ".", "-") + "." + vpcsvc.Domain(ifc.Region)
}

// macKey is the interface's MAC as EC2 writes it: lower case, colons.
func macKey(ifc vpcsvc.Interface) string { return strings.ToLower(ifc.MAC.String()) }

func firstAddr(as []netip.Addr) string {
	if len(as) == 0 {
		return ""
	}
	return as[0].String()
}

func addrStrings(as []netip.Addr) []string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return s
}

func firstPrefix(ps []netip.Prefix) netip.Prefix {
	if len(ps) == 0 {
		return netip.Prefix{}
	}
	return ps[0]
}

func prefixString(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

func prefixStrings(ps []netip.Prefix) []string {
	s := make([]string, 0, len(ps))
	for _, p := range ps {
		if p.IsValid() {
			s = append(s, p.String())
		}
	}
	return s
}

func groupIDs(ifc vpcsvc.Interface) []string {
	s := make([]string, len(ifc.Groups))
	for i, g := range ifc.Groups {
		s[i] = g.ID
	}
	return s
}

func groupNames(ifc vpcsvc.Interface) []string {
	s := make([]string, len(ifc.Groups))
	for i, g := range ifc.Groups {
		s[i] = g.Name
	}
	return s
}
