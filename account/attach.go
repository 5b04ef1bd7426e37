package account

import (
	"fmt"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// Instances: sgswitch has no instances of its own; an instance is what
// interfaces are attached to (ruleset.InterfaceSpec.AttachedTo, a lab
// node "lab/node"), named by ruleset.InstanceID. It exists while one of
// its interfaces is attached, which is always true of its primary
// (device index 0 cannot be detached).

// Instance is an instance seen through its interfaces.
type Instance struct {
	ID         string // ruleset.InstanceID(AttachedTo)
	AttachedTo string
	VpcID      string
	// Interfaces are its interfaces by device index.
	Interfaces map[int32]string
}

// Instance finds the instance with id (an i- id).
func (a *Account) Instance(id string) (Instance, bool) {
	in := Instance{ID: id, Interfaces: map[int32]string{}}
	for _, v := range a.VPCs() {
		for _, e := range a.groups[v].View().Interfaces {
			if e.AttachedTo != "" && ruleset.InstanceID(e.AttachedTo) == id {
				in.AttachedTo, in.VpcID = e.AttachedTo, v
				in.Interfaces[e.DeviceIndex] = e.ID
			}
		}
	}
	return in, in.AttachedTo != ""
}

// AttachNetworkInterface attaches interface eni to the instance at
// deviceIndex. EC2's rules: the interface must be available
// (InvalidNetworkInterface.InUse), in the VPC and Availability Zone of the
// instance's primary interface (InvalidParameterCombination), and the
// device index free on the instance (InvalidParameterValue) and below
// ruleset.MaxInterfacesPerInstance (AttachmentLimitExceeded).
func (a *Account) AttachNetworkInterface(eni string, inst Instance, deviceIndex int32) error {
	vpcID, ok := a.VPCOfInterface(eni)
	if !ok {
		return errNoInterface(eni)
	}
	primary, ok := inst.Interfaces[0]
	if !ok {
		return &ruleset.Error{Code: ruleset.CodeInvalidParameterValue, Message: fmt.Sprintf("Instance '%s' has no primary interface.", inst.ID)}
	}
	if vpcID != inst.VpcID || a.zoneOf(eni) != a.zoneOf(primary) {
		return &ruleset.Error{Code: ruleset.CodeInvalidParameterCombination,
			Message: "You may not attach a network interface to an instance if they are not in the same availability zone"}
	}
	if _, taken := inst.Interfaces[deviceIndex]; taken {
		return &ruleset.Error{Code: ruleset.CodeInvalidParameterValue,
			Message: fmt.Sprintf("Instance '%s' already has an interface attached at device index '%d'.", inst.ID, deviceIndex)}
	}
	return a.change(vpcID, func(_ *vpc.State, g *ruleset.State) error {
		return g.AttachNetworkInterface(eni, inst.AttachedTo, deviceIndex)
	})
}

// DetachNetworkInterface makes an attached interface available.
func (a *Account) DetachNetworkInterface(eni string) error {
	vpcID, ok := a.VPCOfInterface(eni)
	if !ok {
		return errNoInterface(eni)
	}
	return a.change(vpcID, func(_ *vpc.State, g *ruleset.State) error { return g.DetachNetworkInterface(eni) })
}

// zoneOf is the Availability Zone of the interface's subnet.
func (a *Account) zoneOf(eni string) string {
	p, _ := a.net.Interface(eni)
	s, err := a.net.DescribeSubnets([]string{p.SubnetID}, nil)
	if err != nil || len(s) == 0 {
		return ""
	}
	return s[0].AvailabilityZone
}
