package ec2api

import (
	"strings"

	"sgswitch/account"
)

// AttachNetworkInterface and DetachNetworkInterface. sgswitch has no
// instances yet (they come with the Instances issue): an interface is
// attached only to a lab node, by the lab ("in-use", its attachment
// eni-attach-…, device index 0: each lab node has one interface, eth0).
// The account exposes no instance id for a lab node, so no InstanceId
// names anything an interface could be attached to: Attach answers
// InvalidInstanceID.NotFound for every well-formed id, rather than invent
// instances. Detach finds lab attachments and refuses them as EC2 refuses
// to detach an instance's primary interface (device index 0).

const (
	codeInvalidInstanceIDNotFound   = "InvalidInstanceID.NotFound"
	codeInvalidInstanceIDMalformed  = "InvalidInstanceID.Malformed"
	codeInvalidAttachmentIDNotFound = "InvalidAttachmentID.NotFound"
	codeOperationNotPermitted       = "OperationNotPermitted"
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
	return nil, errorf(codeInvalidInstanceIDNotFound, "The instance ID '%s' does not exist", in.InstanceId)
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
	for _, v := range a.VPCs() {
		ds, err := a.Groups(v).DescribeNetworkInterfaces(nil, nil)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.Attachment != nil && d.Attachment.AttachmentId == in.AttachmentId {
				// A lab node's only interface: its primary (device index 0).
				return nil, errorf(codeOperationNotPermitted, "The network interface at device index 0 cannot be detached.")
			}
		}
	}
	return nil, errorf(codeInvalidAttachmentIDNotFound, "The attachment ID '%s' does not exist", in.AttachmentId)
}
