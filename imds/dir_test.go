package imds

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"sgswitch/vpcsvc"
)

// fakeDir is a Directory over maps that tests change while the server
// runs.
type fakeDir struct {
	mu     sync.Mutex
	ifaces map[string]vpcsvc.Interface
	insts  map[string]vpcsvc.Instance
}

func (d *fakeDir) Interface(id string) (vpcsvc.Interface, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.ifaces[id]
	return i, ok
}

func (d *fakeDir) InterfaceByAddr(string, netip.Addr) (vpcsvc.Interface, bool) {
	return vpcsvc.Interface{}, false
}

func (d *fakeDir) Instance(id string) (vpcsvc.Instance, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.insts[id]
	return i, ok
}

func (d *fakeDir) InstanceByName(string, string) (vpcsvc.Instance, bool) {
	return vpcsvc.Instance{}, false
}

func (d *fakeDir) editInstance(id string, f func(*vpcsvc.Instance)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.insts[id]
	f(&i)
	d.insts[id] = i
}

func (d *fakeDir) editInterface(id string, f func(*vpcsvc.Interface)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.ifaces[id]
	f(&i)
	d.ifaces[id] = i
}

const (
	testENI  = "eni-0a1b2c3d4e5f60001"
	testENI2 = "eni-0a1b2c3d4e5f60002"
	testInst = "i-0123456789abcdef0"
	otherENI = "eni-0fffffffffffff999"
)

var (
	testMAC  = net.HardwareAddr{0x0A, 0x11, 0x22, 0x33, 0x44, 0x55}
	testMAC2 = net.HardwareAddr{0x0a, 0x11, 0x22, 0x33, 0x44, 0x66}
	launch   = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
)

// newFakeDir returns one instance with two interfaces (device 0 and 1)
// and a second instance with one.
func newFakeDir() *fakeDir {
	ifc := vpcsvc.Interface{
		ID: testENI, MAC: testMAC,
		IPv4:             []netip.Addr{netip.MustParseAddr("10.0.1.5"), netip.MustParseAddr("10.0.1.6")},
		IPv6:             []netip.Addr{netip.MustParseAddr("2600:1f18::5")},
		Subnet4:          netip.MustParsePrefix("10.0.1.0/24"),
		Subnet6:          netip.MustParsePrefix("2600:1f18::/64"),
		VpcCIDR4:         []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("10.1.0.0/16")},
		VpcCIDR6:         []netip.Prefix{netip.MustParsePrefix("2600:1f18::/56")},
		VpcID:            "vpc-0aaa",
		SubnetID:         "subnet-0bbb",
		AvailabilityZone: "eu-west-1b",
		Region:           "eu-west-1",
		OwnerID:          "123456789012",
		Groups:           []vpcsvc.Group{{ID: "sg-0001", Name: "default"}, {ID: "sg-0002", Name: "web"}},
		InstanceID:       testInst,
	}
	ifc2 := ifc
	ifc2.ID, ifc2.MAC, ifc2.DeviceIndex = testENI2, testMAC2, 1
	ifc2.IPv4 = []netip.Addr{netip.MustParseAddr("10.0.2.9")}
	ifc2.IPv6, ifc2.Subnet6, ifc2.VpcCIDR6 = nil, netip.Prefix{}, nil
	ifc2.SubnetID, ifc2.Subnet4 = "subnet-0ccc", netip.MustParsePrefix("10.0.2.0/24")
	ifc2.Groups = []vpcsvc.Group{{ID: "sg-0003", Name: "db"}}
	other := ifc2
	other.ID, other.InstanceID, other.DeviceIndex = otherENI, "i-0999", 0
	other.IPv4 = []netip.Addr{netip.MustParseAddr("10.0.1.5")} // overlapping, another VPC
	inst := vpcsvc.Instance{
		ID: testInst, Name: "web1", ImageID: "ami-0abc", InstanceType: "t4g.micro",
		ReservationID: "r-0123", LaunchTime: launch, KeyName: "lab",
		PublicKeys: map[string]string{"lab": "ssh-ed25519 AAAAC3Nz lab", "extra": "ssh-rsa AAAAB3 extra"},
		UserData:   []byte("#cloud-config\n"),
		Metadata:   vpcsvc.DefaultMetadataOptions(),
		Tags:       map[string]string{"Name": "web1", "env": "lab", "bad/key": "x"},
		Interfaces: map[int]string{0: testENI, 1: testENI2},
	}
	inst2 := vpcsvc.Instance{ID: "i-0999", ImageID: "ami-0def", InstanceType: "m5.large",
		Metadata: vpcsvc.DefaultMetadataOptions(), Interfaces: map[int]string{0: otherENI}}
	return &fakeDir{
		ifaces: map[string]vpcsvc.Interface{testENI: ifc, testENI2: ifc2, otherENI: other,
			"eni-detached": {ID: "eni-detached", MAC: testMAC}},
		insts: map[string]vpcsvc.Instance{testInst: inst, "i-0999": inst2},
	}
}

// manualClock is a clock tests move by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
