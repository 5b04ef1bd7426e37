package ec2api

import (
	"strings"

	"sgswitch/account"
	"sgswitch/ruleset"
)

// AttachNetworkInterface and DetachNetworkInterface. sgswitch has no
// instances of its own: the instances are the lab nodes, each named by
// ruleset.InstanceID of its attachment ("lab/node"), which exists while
// its primary interface (eth0, device index 0) is attached, that is while
// the lab is up. Attach checks what EC2 checks (account.
// AttachNetworkInterface: the interface available, the same VPC and
// Availability Zone as the instance's primary interface, a free device
// index below the lab's limit); the daemon (the Backend) then wires the
// interface into the node as eth<DeviceIndex>, or refuses the whole write
// when it cannot. Detach refuses device index 0 as EC2 refuses to detach
// a primary interface; Force changes nothing (no instance OS to ignore).

const (
	codeInvalidInstanceIDNotFound   = "InvalidInstanceID.NotFound"
	codeInvalidInstanceIDMalformed  = "InvalidInstanceID.Malformed"
	codeInvalidAttachmentIDNotFound = "InvalidAttachmentID.NotFound"
	codeOperationNotPermitted       = ruleset.CodeOperationNotPermitted
)

type AttachNetworkInterfaceInput struct {
	NetworkInterfaceId string `query:"NetworkInterfaceId"`
	InstanceId         string `query:"InstanceId"`
	DeviceIndex        *int32 `query:"DeviceIndex"`
	NetworkCardIndex   *int32 `query:"NetworkCardIndex"`
	DryRunParam
}

type AttachNetworkInterfaceOutput struct {
	ResponseMetadata
	AttachmentId     string `xml:"attachmentId" json:"AttachmentId"`
	NetworkCardIndex int32  `xml:"networkCardIndex" json:"NetworkCardIndex"`
}

type DetachNetworkInterfaceInput struct {
	AttachmentId string `query:"AttachmentId"`
	Force        *bool  `query:"Force"`
	DryRunParam
}

func attachNetworkInterface(a *account.Account, in *AttachNetworkInterfaceInput) (*AttachNetworkInterfaceOutput, error) {
	switch {
	case in.NetworkInterfaceId == "":
		return nil, missing("NetworkInterfaceId")
	case in.InstanceId == "":
		return nil, missing("InstanceId")
	case in.DeviceIndex == nil:
		return nil, missing("DeviceIndex")
	case *in.DeviceIndex < 0:
		return nil, errorf(codeInvalidParameterValue, "Invalid value '%d' for deviceIndex", *in.DeviceIndex)
	}
	if !validInstanceID(in.InstanceId) {
		return nil, errorf(codeInvalidInstanceIDMalformed, "Invalid id: \"%s\"", in.InstanceId)
	}
	if _, _, err := interfaceState(a, in.NetworkInterfaceId); err != nil {
		return nil, err
	}
	inst, ok := a.Instance(in.InstanceId)
	if !ok {
		return nil, errorf(codeInvalidInstanceIDNotFound, "The instance ID '%s' does not exist", in.InstanceId)
	}
	if in.NetworkCardIndex != nil && *in.NetworkCardIndex != 0 {
		return nil, errorf(codeInvalidParameterValue, "Invalid value '%d' for networkCardIndex: a lab node has one network card", *in.NetworkCardIndex)
	}
	if err := a.AttachNetworkInterface(in.NetworkInterfaceId, inst, *in.DeviceIndex); err != nil {
		return nil, err
	}
	return &AttachNetworkInterfaceOutput{AttachmentId: ruleset.AttachmentID(in.NetworkInterfaceId)}, nil
}

// validInstanceID: "i-" and 8 or 17 hex digits, EC2's two id forms.
func validInstanceID(id string) bool {
	hex, ok := strings.CutPrefix(id, "i-")
	if !ok || (len(hex) != 8 && len(hex) != 17) {
		return false
	}
	return strings.Trim(hex, "0123456789abcdef") == ""
}

func detachNetworkInterface(a *account.Account, in *DetachNetworkInterfaceInput) (*EmptyOutput, error) {
	if in.AttachmentId == "" {
		return nil, missing("AttachmentId")
	}
	for _, e := range a.Interfaces() {
		if e.AttachedTo == "" || ruleset.AttachmentID(e.ID) != in.AttachmentId {
			continue
		}
		if e.DeviceIndex == 0 {
			return nil, errorf(codeOperationNotPermitted, "The network interface at device index 0 cannot be detached.")
		}
		if err := a.DetachNetworkInterface(e.ID); err != nil {
			return nil, err
		}
		return &EmptyOutput{}, nil
	}
	return nil, errorf(codeInvalidAttachmentIDNotFound, "The attachment ID '%s' does not exist", in.AttachmentId)
}
