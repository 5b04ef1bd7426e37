package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"sync/atomic"

	"sgswitch/ec2api"
	"sgswitch/ruleset"
	"sgswitch/store"
	"sgswitch/testbed"
	"sgswitch/vpcsvc"
)

// Instances are what interfaces are attached to (Directory); what an
// instance is beyond its interfaces — its image, user data, metadata
// options — is in the lab that made it. instanceDetails reads it from the
// lab records, once per change of the labs, never on the packet path.

// instanceDetails returns, by instance id, the details of every node of
// labs. A lab record whose lab does not decode contributes nothing: its
// instances keep EC2's defaults.
func instanceDetails(labs map[string]store.LabRecord) map[string]vpcsvc.Instance {
	out := map[string]vpcsvc.Instance{}
	eachNode(labs, func(rec store.LabRecord, n *testbed.Node) {
		md := n.MetadataOptions()
		if o, ok := rec.Metadata[n.Name]; ok {
			md = vpcsvc.MetadataOptions{HttpTokens: o.HttpTokens, HttpPutResponseHopLimit: o.HopLimit,
				HttpEndpoint: o.HttpEndpoint, HttpProtocolIpv6: o.HttpProtocolIpv6, InstanceMetadataTags: o.InstanceMetadataTags}
		}
		out[ruleset.InstanceID(rec.Name+"/"+n.Name)] = vpcsvc.Instance{
			ImageID:       imageID(n),
			ReservationID: "r-" + hash17("lab/"+rec.Name),
			UserData:      n.UserData,
			Metadata:      md,
			Tags:          map[string]string{"Name": n.Name, "sgswitch:lab": rec.Name},
		}
	})
	return out
}

// labImages names, by AMI id, the image of every node of labs, and the
// namespace image "netns", which every daemon has, lab or not.
func labImages(labs map[string]store.LabRecord) map[string]string {
	out := map[string]string{imageID(&testbed.Node{}): "netns"}
	eachNode(labs, func(_ store.LabRecord, n *testbed.Node) { out[imageID(n)] = imageName(n) })
	return out
}

// eachNode calls fn on every node of every lab record that decodes.
func eachNode(labs map[string]store.LabRecord, fn func(rec store.LabRecord, n *testbed.Node)) {
	for name, rec := range labs {
		var lab testbed.Lab
		if len(rec.Lab) == 0 || json.Unmarshal(rec.Lab, &lab) != nil {
			continue
		}
		rec.Name = name
		for i := range lab.Nodes {
			fn(rec, &lab.Nodes[i])
		}
	}
}

// imageID names a node's image as an AMI id: one id per distinct image
// (its files' paths), and one for every namespace node ("netns").
func imageID(n *testbed.Node) string {
	key := "netns"
	if n.VM != nil {
		key = n.VM.Kernel + "\x00" + n.VM.Initrd + "\x00" + n.VM.Disk
	} else if n.Kind == testbed.KindVM {
		key = "attached-vm"
	}
	return "ami-" + hash17(key)
}

// imageName is what DescribeImages calls a node's image: "netns", the
// base name of a VM's disk or kernel, or "attached-vm" for a VM sgswitch
// does not boot (it only attaches its tap).
func imageName(n *testbed.Node) string {
	switch {
	case n.VM != nil && n.VM.Disk != "":
		return path.Base(n.VM.Disk)
	case n.VM != nil && n.VM.Kernel != "":
		return path.Base(n.VM.Kernel)
	case n.Kind == testbed.KindVM:
		return "attached-vm"
	}
	return "netns"
}

func hash17(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:9])[:17]
}

// instanceOverlay holds the lab details the Directory lays over the
// instances it indexes from the account.
type instanceOverlay struct {
	p atomic.Pointer[map[string]vpcsvc.Instance]
}

func (o *instanceOverlay) set(m map[string]vpcsvc.Instance) { o.p.Store(&m) }

// apply fills in, from the details of instance in.ID, what the account
// does not know.
func (o *instanceOverlay) apply(in vpcsvc.Instance) vpcsvc.Instance {
	m := o.p.Load()
	if m == nil {
		return in
	}
	d, ok := (*m)[in.ID]
	if !ok {
		return in
	}
	in.ImageID, in.ReservationID, in.UserData, in.Metadata, in.Tags = d.ImageID, d.ReservationID, d.UserData, d.Metadata, d.Tags
	return in
}

// SetInstanceDetails replaces the lab details of instances (see
// instanceDetails); the daemon calls it whenever its labs change.
func (d *Directory) SetInstanceDetails(m map[string]vpcsvc.Instance) { d.details.set(m) }

// instanceDetailer is a Dataplane whose services read instance details.
type instanceDetailer interface {
	SetInstanceDetails(map[string]vpcsvc.Instance)
}

// SetInstanceDetails implements instanceDetailer.
func (p *SwitchDataplane) SetInstanceDetails(m map[string]vpcsvc.Instance) {
	p.dir.SetInstanceDetails(m)
}

// publishInstances works out what the labs say about their instances,
// once per change of the labs, for the EC2 API (InstanceDetails) and the
// dataplane's services. Callers hold d.mu and call it after every change
// of d.labs.
func (d *Daemon) publishInstances() {
	d.details = instanceDetails(d.labs)
	if s, ok := d.dp.(instanceDetailer); ok {
		s.SetInstanceDetails(d.details)
	}
}

// InstanceDetails implements ec2api.InstanceCatalog: what the labs say
// about their instances.
func (d *Daemon) InstanceDetails() map[string]vpcsvc.Instance {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.details // read-only: the Directory shares it
}

// Images implements ec2api.InstanceCatalog: the labs' images and "netns".
func (d *Daemon) Images() map[string]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return labImages(d.labs)
}

// ModifyInstanceMetadata implements ec2api.InstanceModifier: change gets
// the instance's metadata options and returns the new ones, which are
// saved in its lab record (store.LabRecord.Metadata) and published before
// it returns, so the next IMDS request sees them. An instance no lab
// made is ec2api.ErrNoInstance.
func (d *Daemon) ModifyInstanceMetadata(id string, change func(vpcsvc.MetadataOptions) (vpcsvc.MetadataOptions, error)) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var rec store.LabRecord
	var node string
	eachNode(d.labs, func(r store.LabRecord, n *testbed.Node) {
		if ruleset.InstanceID(r.Name+"/"+n.Name) == id {
			rec, node = r, n.Name
		}
	})
	if node == "" {
		return ec2api.ErrNoInstance
	}
	md, err := change(instanceDetails(map[string]store.LabRecord{rec.Name: rec})[id].Metadata)
	if err != nil {
		return err
	}
	rec.Metadata = maps.Clone(rec.Metadata)
	if rec.Metadata == nil {
		rec.Metadata = map[string]store.MetadataOptions{}
	}
	rec.Metadata[node] = store.MetadataOptions{HttpTokens: md.HttpTokens, HopLimit: md.HttpPutResponseHopLimit,
		HttpEndpoint: md.HttpEndpoint, HttpProtocolIpv6: md.HttpProtocolIpv6, InstanceMetadataTags: md.InstanceMetadataTags}
	if err := d.store.Update(func(tx *store.Tx) error { return tx.PutLab(rec) }); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	d.labs[rec.Name] = rec
	d.publishInstances()
	return nil
}
