package ec2api

import (
	"sgswitch/account"
	"sgswitch/ruleset"
)

// STS GetCallerIdentity, served on the EC2 endpoint because tools (the
// amazon.aws Ansible modules, scripts that run `aws sts
// get-caller-identity`) ask who they are before anything else. The lab
// has one account and one identity, its root: the answer is that.

// STSVersion is the STS Query API version GetCallerIdentity is served in.
const STSVersion = "2011-06-15"

const stsNamespace = "https://sts.amazonaws.com/doc/" + STSVersion + "/"

// stsActions are served in STS's version, signed for the "sts" service,
// and answered in STS's envelope (a Result element, ResponseMetadata).
var stsActions = map[string]bool{"GetCallerIdentity": true}

// GetCallerIdentityInput has no parameters; STS has no DryRun.
type GetCallerIdentityInput struct{}

func (*GetCallerIdentityInput) dryRun() bool { return false }

// GetCallerIdentityOutput is STS's <GetCallerIdentityResponse> body.
type GetCallerIdentityOutput struct {
	Result           CallerIdentity      `xml:"GetCallerIdentityResult"`
	ResponseMetadata stsResponseMetadata `xml:"ResponseMetadata" json:"-"`
}

// CallerIdentity is the account's root: UserId is the account id, as STS
// answers for an account's root credentials.
type CallerIdentity struct {
	UserId  string `xml:"UserId" json:"UserId"`
	Account string `xml:"Account" json:"Account"`
	Arn     string `xml:"Arn" json:"Arn"`
}

// stsResponseMetadata is STS's request id element (EC2 has <requestId>).
type stsResponseMetadata struct {
	RequestId string `xml:"RequestId"`
}

func (o *GetCallerIdentityOutput) setRequestID(id string) { o.ResponseMetadata.RequestId = id }

func getCallerIdentity(_ *account.Account, _ *GetCallerIdentityInput) (*GetCallerIdentityOutput, error) {
	id := ruleset.DefaultOwnerID
	return &GetCallerIdentityOutput{Result: CallerIdentity{UserId: id, Account: id, Arn: "arn:aws:iam::" + id + ":root"}}, nil
}
