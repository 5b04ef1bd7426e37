package vpc

import "fmt"

// Error is an EC2 API error: a code such as "InvalidSubnet.Conflict" and
// EC2's message. The ec2api package turns it into the EC2 error envelope.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// EC2 error codes used by this package (EC2 API Reference, "Error codes").
const (
	CodeInvalidParameterValue             = "InvalidParameterValue"
	CodeInvalidParameterCombination       = "InvalidParameterCombination"
	CodeMissingParameter                  = "MissingParameter"
	CodeDependencyViolation               = "DependencyViolation"
	CodeInvalidVpcRange                   = "InvalidVpc.Range"
	CodeInvalidVpcIDNotFound              = "InvalidVpcID.NotFound"
	CodeVpcLimitExceeded                  = "VpcLimitExceeded"
	CodeInvalidSubnetRange                = "InvalidSubnet.Range"
	CodeInvalidSubnetConflict             = "InvalidSubnet.Conflict"
	CodeInvalidSubnetIDNotFound           = "InvalidSubnetID.NotFound"
	CodeSubnetLimitExceeded               = "SubnetLimitExceeded"
	CodeInvalidRouteTableIDNotFound       = "InvalidRouteTableID.NotFound"
	CodeRouteTableLimitExceeded           = "RouteTableLimitExceeded"
	CodeRouteLimitExceeded                = "RouteLimitExceeded"
	CodeRouteAlreadyExists                = "RouteAlreadyExists"
	CodeInvalidRouteNotFound              = "InvalidRoute.NotFound"
	CodeInvalidAssociationIDNotFound      = "InvalidAssociationID.NotFound"
	CodeResourceAlreadyAssociated         = "Resource.AlreadyAssociated"
	CodeInvalidNetworkAclIDNotFound       = "InvalidNetworkAclID.NotFound"
	CodeNetworkAclLimitExceeded           = "NetworkAclLimitExceeded"
	CodeNetworkAclEntryAlreadyExists      = "NetworkAclEntryAlreadyExists"
	CodeInvalidNetworkAclEntryNotFound    = "InvalidNetworkAclEntry.NotFound"
	CodeNetworkAclEntryLimitExceeded      = "NetworkAclEntryLimitExceeded"
	CodeInvalidNetworkInterfaceIDNotFound = "InvalidNetworkInterfaceID.NotFound"
	CodeInvalidIPAddressInUse             = "InvalidIPAddress.InUse"
	CodeInvalidID                         = "InvalidID"
)
