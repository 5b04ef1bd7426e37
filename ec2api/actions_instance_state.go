package ec2api

import (
	"strings"

	"sgswitch/account"
)

// TerminateInstances, StopInstances and StartInstances. Every instance
// today is a lab node, and its lab owns its namespace or VM, its
// interfaces and its teardown (`sgswitch lab down`); a second way to end
// one would leave the lab half applied. So these check the ids as EC2
// does (InvalidInstanceID.Malformed, .NotFound) and then refuse a lab's
// instance with OperationNotPermitted, naming the lab. Instances that
// RunInstances will make are not lab-owned in this sense.

type InstanceIdsInput struct {
	InstanceIds []string `query:"InstanceId"`
	Force       *bool    `query:"Force"`
	Hibernate   *bool    `query:"Hibernate"`
	DryRunParam
}

// InstanceStateChange is an item of the answer of the three actions.
type InstanceStateChange struct {
	CurrentState  InstanceState `xml:"currentState" json:"CurrentState"`
	InstanceId    string        `xml:"instanceId" json:"InstanceId"`
	PreviousState InstanceState `xml:"previousState" json:"PreviousState"`
}

type TerminateInstancesOutput struct {
	ResponseMetadata
	TerminatingInstances List[InstanceStateChange] `xml:"instancesSet" json:"TerminatingInstances"`
}

type StopInstancesOutput struct {
	ResponseMetadata
	StoppingInstances List[InstanceStateChange] `xml:"instancesSet" json:"StoppingInstances"`
}

type StartInstancesOutput struct {
	ResponseMetadata
	StartingInstances List[InstanceStateChange] `xml:"instancesSet" json:"StartingInstances"`
}

func terminateInstances(a *account.Account, in *InstanceIdsInput) (*TerminateInstancesOutput, error) {
	return nil, refuseLabInstances(a, in.InstanceIds, "terminated")
}

func stopInstances(a *account.Account, in *InstanceIdsInput) (*StopInstancesOutput, error) {
	return nil, refuseLabInstances(a, in.InstanceIds, "stopped")
}

func startInstances(a *account.Account, in *InstanceIdsInput) (*StartInstancesOutput, error) {
	return nil, refuseLabInstances(a, in.InstanceIds, "started")
}

// refuseLabInstances checks ids (all malformed ones first, then the
// unknown, as EC2 reports them) and refuses the first lab instance.
func refuseLabInstances(a *account.Account, ids []string, verb string) error {
	if len(ids) == 0 {
		return missing("InstanceId")
	}
	for _, id := range ids {
		if !validInstanceID(id) {
			return errorf(codeInvalidInstanceIDMalformed, "Invalid id: \"%s\"", id)
		}
	}
	var insts []account.Instance
	for _, id := range ids {
		inst, ok := a.Instance(id)
		if !ok {
			return errorf(codeInvalidInstanceIDNotFound, "The instance ID '%s' does not exist", id)
		}
		insts = append(insts, inst)
	}
	lab := insts[0].AttachedTo[:max(0, strings.LastIndexByte(insts[0].AttachedTo, '/'))]
	return errorf(codeOperationNotPermitted, "The instance '%s' belongs to lab '%s' and cannot be %s through the EC2 API; use `sgswitch lab down`.", insts[0].ID, lab, verb)
}
