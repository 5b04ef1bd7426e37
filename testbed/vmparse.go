package testbed

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"

	"sgswitch/vpcsvc"
)

// VM is how sgswitch boots a `kind: vm` node that names an image
// (lab-file.md, "VPC labs"): package instance starts it with one TAP
// per interface of the node.
type VM struct {
	// Image: Kernel (with an optional Initrd), Disk, or both: a disk
	// beside a kernel is the guest's /dev/vda, the root that Append names
	// (root=/dev/vda rw), for a disk with no boot loader of its own. Paths
	// are as written, relative to the lab file, until ResolveFiles makes
	// them absolute. Append is added to the kernel command line after
	// instance.DefaultAppend.
	Kernel    string `json:"kernel,omitempty"`
	Initrd    string `json:"initrd,omitempty"`
	Disk      string `json:"disk,omitempty"`
	Append    string `json:"append,omitempty"`
	MemoryMiB int    `json:"memoryMiB,omitempty"` // 0: instance.DefaultMemoryMiB
	CPUs      int    `json:"cpus,omitempty"`      // 0: 1
	Line      int    `json:"line,omitempty"`      // of image:
}

// Boots reports whether the VM names an image, that is, sgswitch boots
// it (memory or cpus alone do not).
func (vm *VM) Boots() bool { return vm != nil && (vm.Kernel != "" || vm.Disk != "") }

// Metadata is the node's metadata: key, EC2's InstanceMetadataOptions.
// Empty fields take EC2's defaults (vpcsvc.DefaultMetadataOptions).
type Metadata struct {
	HttpTokens   string `json:"httpTokens,omitempty"`   // optional | required
	HopLimit     int    `json:"hopLimit,omitempty"`     // 1–64
	HttpEndpoint string `json:"httpEndpoint,omitempty"` // enabled | disabled
}

// MetadataOptions are the node's instance metadata options: EC2's
// defaults with what its metadata: key says.
func (n *Node) MetadataOptions() vpcsvc.MetadataOptions {
	o := vpcsvc.DefaultMetadataOptions()
	if m := n.Metadata; m != nil {
		if m.HttpTokens != "" {
			o.HttpTokens = m.HttpTokens
		}
		if m.HopLimit != 0 {
			o.HttpPutResponseHopLimit = m.HopLimit
		}
		if m.HttpEndpoint != "" {
			o.HttpEndpoint = m.HttpEndpoint == "enabled"
		}
	}
	return o
}

// MaxUserData bounds a user-data file: EC2 takes 16 KB.
const MaxUserData = 16 << 10

// memoryRE: QEMU's sizes, binary units: 256M, 1G (also MiB, GiB).
var memoryRE = regexp.MustCompile(`^([0-9]{1,7})(M|G|MiB|GiB)$`)

// vmKey decodes image, memory or cpus into the node's VM.
func (d *decoder) vmKey(f kv, path string, nd *Node) {
	if nd.VM == nil {
		nd.VM = &VM{Line: f.line}
	}
	vm := nd.VM
	switch f.key {
	case "image":
		vm.Line = f.line
		d.image(f.val, path, vm)
	case "memory":
		vm.MemoryMiB = d.memory(f.val, path)
	case "cpus":
		v, _ := d.integer(f.val, path, 1, 64)
		vm.CPUs = int(v)
	}
}

// MaxAppend bounds image.append (the kernel's own limit is 2 KiB with
// instance.DefaultAppend).
const MaxAppend = 1024

// image decodes image: {kernel, initrd, append}, {disk} or both.
func (d *decoder) image(n *yaml.Node, path string, vm *VM) {
	fields, _ := d.mapping(n, path)
	for _, g := range fields {
		switch g.key {
		case "kernel":
			vm.Kernel = d.str(g.val, join(path, g.key))
		case "initrd":
			vm.Initrd = d.str(g.val, join(path, g.key))
		case "disk":
			vm.Disk = d.str(g.val, join(path, g.key))
		case "append":
			vm.Append = d.str(g.val, join(path, g.key))
			if !validAppend(vm.Append) {
				d.add(join(path, g.key), g.line, "a kernel command line of printable characters, at most %d bytes", MaxAppend)
			}
		default:
			d.unknown(path, g)
		}
	}
	switch {
	case vm.Initrd != "" && vm.Kernel == "":
		d.add(path, vm.Line, "initrd needs kernel")
	case vm.Append != "" && vm.Kernel == "":
		d.add(path, vm.Line, "append needs kernel (a disk alone boots its own command line)")
	case vm.Kernel == "" && vm.Disk == "":
		d.add(path, vm.Line, "give kernel (and initrd), disk, or both")
	}
}

// validAppend: printable ASCII, no longer than MaxAppend.
func validAppend(s string) bool {
	if len(s) > MaxAppend {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// memory decodes a size such as 256M into MiB, 64 MiB to 64 GiB.
func (d *decoder) memory(n *yaml.Node, path string) int {
	s, line, ok := d.scalar(n, path)
	if !ok {
		return 0
	}
	m := memoryRE.FindStringSubmatch(s)
	if m == nil {
		d.add(path, line, "expected a size such as 256M or 1G, found %q", s)
		return 0
	}
	v, _ := strconv.Atoi(m[1])
	if m[2] == "G" || m[2] == "GiB" {
		v *= 1024
	}
	if v < 64 || v > 64<<10 {
		d.add(path, line, "%s is out of range 64M..64G", s)
		return 0
	}
	return v
}

func (d *decoder) metadata(n *yaml.Node, path string) *Metadata {
	m := &Metadata{}
	fields, _ := d.mapping(n, path)
	for _, f := range fields {
		fp := join(path, f.key)
		switch f.key {
		case "http-tokens":
			m.HttpTokens = d.oneOf(f.val, fp, "optional", "required")
		case "hop-limit":
			v, _ := d.integer(f.val, fp, 1, 64)
			m.HopLimit = int(v)
		case "http-endpoint":
			m.HttpEndpoint = d.oneOf(f.val, fp, "enabled", "disabled")
		default:
			d.unknown(path, f)
		}
	}
	return m
}

// oneOf decodes a scalar that must be one of two words.
func (d *decoder) oneOf(n *yaml.Node, path, a, b string) string {
	s, line, ok := d.scalar(n, path)
	if ok && s != a && s != b {
		d.add(path, line, "expected %s or %s, found %q", a, b, s)
		return ""
	}
	return s
}

// validateVM checks a kind: vm node: it attaches an existing interface
// or sgswitch boots it from an image, one or the other.
func validateVM(e *errList, path string, nd *Node) {
	switch vm := nd.VM; {
	case !vm.Boots():
		if vm != nil {
			e.add(path, vm.Line, "memory and cpus need image: (a VM that sgswitch boots)")
		}
		if !validIfName(nd.Interface) {
			e.add(path, nd.Line, "kind: vm needs interface: the name of an existing host interface (at most 15 bytes), or image: to have sgswitch boot it")
		}
	case nd.Interface != "":
		e.add(path, nd.Line, "give interface: (attach an existing host interface) or image: (sgswitch boots the VM), not both")
	}
	if nd.Port != PortTAP {
		e.add(path, nd.Line, "port is for kind: netns only")
	}
}

// ResolveFiles makes the node files a lab names (a VM's image, user
// data) absolute, relative to dir (the lab file's directory), checks
// that they exist, and reads each user-data file into its node. The CLI
// calls it after Parse, before sending the lab to the daemon, which
// therefore never reads the user's files by relative path.
func (l *Lab) ResolveFiles(dir string) error {
	e := &errList{file: l.File}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	for i := range l.Nodes {
		nd := &l.Nodes[i]
		path := join("topology.nodes", nd.Name)
		if vm := nd.VM; vm != nil {
			for _, f := range []struct {
				key string
				p   *string
			}{{"kernel", &vm.Kernel}, {"initrd", &vm.Initrd}, {"disk", &vm.Disk}} {
				if *f.p = abs(*f.p); *f.p != "" {
					if st, err := os.Stat(*f.p); err != nil || !st.Mode().IsRegular() {
						e.add(join(path, "image."+f.key), vm.Line, "%s: not a readable file", *f.p)
					}
				}
			}
		}
		if nd.UserDataFile != "" {
			nd.UserDataFile = abs(nd.UserDataFile)
			b, err := readSmall(nd.UserDataFile, MaxUserData)
			if err != nil {
				e.add(join(path, "user-data"), nd.Line, "%v", err)
			}
			nd.UserData = b
		}
	}
	return e.err()
}

// readSmall reads a file of at most max bytes.
func readSmall(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > max {
		return nil, fmt.Errorf("%s: not a regular file of at most %d bytes", path, max)
	}
	b := make([]byte, st.Size())
	_, err = f.ReadAt(b, 0)
	return b, err
}
