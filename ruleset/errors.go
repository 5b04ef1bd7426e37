package ruleset

import "fmt"

// Error is an EC2 API error: a code such as "InvalidPermission.Duplicate"
// and EC2's message. The ec2api package turns it into the EC2 error envelope.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// EC2 error codes used by this package.
const (
	CodeInvalidGroupNotFound                    = "InvalidGroup.NotFound"
	CodeInvalidGroupIdMalformed                 = "InvalidGroupId.Malformed"
	CodeInvalidGroupDuplicate                   = "InvalidGroup.Duplicate"
	CodeInvalidGroupReserved                    = "InvalidGroup.Reserved"
	CodeDependencyViolation                     = "DependencyViolation"
	CodeCannotDelete                            = "CannotDelete"
	CodeInvalidPermissionDuplicate              = "InvalidPermission.Duplicate"
	CodeInvalidPermissionNotFound               = "InvalidPermission.NotFound"
	CodeInvalidPermissionMalformed              = "InvalidPermission.Malformed"
	CodeInvalidParameterValue                   = "InvalidParameterValue"
	CodeInvalidParameterCombination             = "InvalidParameterCombination"
	CodeMissingParameter                        = "MissingParameter"
	CodeInvalidSecurityGroupRuleIdNotFound      = "InvalidSecurityGroupRuleId.NotFound"
	CodeInvalidSecurityGroupRuleIdMalformed     = "InvalidSecurityGroupRuleId.Malformed"
	CodeRulesPerSecurityGroupLimitExceeded      = "RulesPerSecurityGroupLimitExceeded"
	CodeSecurityGroupLimitExceeded              = "SecurityGroupLimitExceeded"
	CodeSecurityGroupsPerInterfaceLimitExceeded = "SecurityGroupsPerInterfaceLimitExceeded"
	CodeInvalidNetworkInterfaceIDNotFound       = "InvalidNetworkInterfaceID.NotFound"
	CodeInvalidNetworkInterfaceIDMalformed      = "InvalidNetworkInterfaceID.Malformed"
	CodeInvalidPrefixListIDNotFound             = "InvalidPrefixListID.NotFound"
	CodeInvalidPrefixListIDMalformed            = "InvalidPrefixListId.Malformed"
	CodePrefixListMaxEntriesExceeded            = "PrefixListMaxEntriesExceeded"
	CodePrefixListVersionMismatch               = "PrefixListVersionMismatch"
	CodeUnsupportedOperation                    = "UnsupportedOperation"
	CodeInvalidIPAddressInUse                   = "InvalidIPAddress.InUse"
	CodeInvalidNetworkInterfaceInUse            = "InvalidNetworkInterface.InUse"
	CodeAttachmentLimitExceeded                 = "AttachmentLimitExceeded"
	CodeIncorrectState                          = "IncorrectState"
	CodeOperationNotPermitted                   = "OperationNotPermitted"
	CodeInvalidFilter                           = "InvalidParameterValue"
	CodeNetworkInterfaceLimitExceeded           = "NetworkInterfaceLimitExceeded"
	CodePrivateIpAddressLimitExceeded           = "PrivateIpAddressLimitExceeded"
	CodeInsufficientFreeAddressesInSubnet       = "InsufficientFreeAddressesInSubnet"
)
