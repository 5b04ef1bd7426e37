package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync/atomic"

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
	for name, rec := range labs {
		var lab testbed.Lab
		if len(rec.Lab) == 0 || json.Unmarshal(rec.Lab, &lab) != nil {
			continue
		}
		for i := range lab.Nodes {
			n := &lab.Nodes[i]
			out[ruleset.InstanceID(name+"/"+n.Name)] = vpcsvc.Instance{
				ImageID:       imageID(n),
				ReservationID: "r-" + hash17("lab/"+name),
				UserData:      n.UserData,
				Metadata:      n.MetadataOptions(),
				Tags:          map[string]string{"Name": n.Name, "sgswitch:lab": name},
			}
		}
	}
	return out
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

// publishInstances tells the dataplane's services what the labs say about
// their instances. Callers hold d.mu.
func (d *Daemon) publishInstances() {
	if s, ok := d.dp.(instanceDetailer); ok {
		s.SetInstanceDetails(instanceDetails(d.labs))
	}
}
