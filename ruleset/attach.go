package ruleset

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Attachments: an interface is attached to an instance (InterfaceSpec.
// AttachedTo, "lab/node" for a lab node) at a device index (DeviceIndex:
// 0 is the instance's primary interface). This package owns them because
// it owns the interface and its describe shape; the account checks an
// attachment against the VPC layer (subnet, zone) before it is made here.

// MaxInterfacesPerInstance bounds the device indexes of an instance's
// interfaces (0 … MaxInterfacesPerInstance-1): the most a lab node has
// (eth0 … eth14, testbed.MaxInterfaces).
const MaxInterfacesPerInstance = 15

// InstanceID is the instance id of an attachment target ("lab/node"):
// "i-" and 17 hex digits of its SHA-256, EC2's long form. It is a pure
// function of the name, so a lab node keeps its id across restarts and
// in every store without any id being stored.
func InstanceID(attachedTo string) string {
	sum := sha256.Sum256([]byte(attachedTo))
	return "i-" + hex.EncodeToString(sum[:9])[:17]
}

// AttachNetworkInterface attaches an available interface to instance
// attachedTo at deviceIndex. The checks that need other interfaces or the
// VPC layer (the instance exists, the index is free, the same subnet's
// zone) are the account's.
func (st *State) AttachNetworkInterface(id, attachedTo string, deviceIndex int32) error {
	i, err := st.lookupInterface(id)
	if err != nil {
		return err
	}
	e := &st.s.Interfaces[i]
	if e.AttachedTo != "" {
		return errorf(CodeInvalidNetworkInterfaceInUse, "Interface: [%s] in use.", id)
	}
	if deviceIndex < 0 || deviceIndex >= MaxInterfacesPerInstance {
		return errorf(CodeAttachmentLimitExceeded, "Device index %d: an instance has at most %d interfaces (device index 0 to %d).",
			deviceIndex, MaxInterfacesPerInstance, MaxInterfacesPerInstance-1)
	}
	st.touchInterface(id)
	e.AttachedTo, e.DeviceIndex = attachedTo, deviceIndex
	return nil
}

// DetachNetworkInterface makes an attached interface available again.
func (st *State) DetachNetworkInterface(id string) error {
	i, err := st.lookupInterface(id)
	if err != nil {
		return err
	}
	e := &st.s.Interfaces[i]
	if e.AttachedTo == "" {
		return errorf(CodeIncorrectState, "The network interface %s is not attached.", id)
	}
	st.touchInterface(id)
	e.AttachedTo, e.DeviceIndex = "", 0
	return nil
}

// AttachmentID is the attachment id of an attached interface: derived
// from the interface id, so it is stable for as long as the attachment
// lasts (and needs no field of its own).
func AttachmentID(eni string) string {
	return "eni-attach-" + strings.TrimPrefix(eni, "eni-")
}
