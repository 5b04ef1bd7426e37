package ruleset

import (
	"fmt"
	"hash/fnv"
	"strings"
)

// AWS-managed prefix lists: com.amazonaws.<region>.s3 and
// com.amazonaws.<region>.dynamodb, the lists of EC2's gateway endpoints,
// which security-group rules commonly reference. Every State has them,
// derived from its Region (they are not part of the Spec, so nothing
// stores them), owned by "AWS" and read-only. The lab reaches neither
// service, so they hold no entries: a rule referencing one is valid and
// matches nothing.

// AWSOwner is the OwnerId EC2 shows for AWS-managed prefix lists.
const AWSOwner = "AWS"

// awsListWeight is what a rule referencing an AWS-managed list counts
// toward the quota (EC2: the list's weight; for these two lists the
// weight is not documented, so the smallest).
const awsListWeight = 1

var awsServices = []string{"dynamodb", "s3"}

// AWSPrefixLists returns the AWS-managed prefix lists of region, sorted
// by name. Ids are "pl-" and 8 hex digits, as EC2's AWS-managed ids, from
// a hash of the name: the same in every State and after every restart.
func AWSPrefixLists(region string) []PrefixListSpec {
	out := make([]PrefixListSpec, 0, len(awsServices))
	for _, s := range awsServices {
		name := "com.amazonaws." + region + "." + s
		h := fnv.New32a()
		_, _ = h.Write([]byte(name))
		out = append(out, PrefixListSpec{ID: fmt.Sprintf("pl-%08x", h.Sum32()), Name: name, AddressFamily: "IPv4",
			MaxEntries: awsListWeight, Version: 1, Entries: []PrefixListEntry{}})
	}
	return out
}

// IsAWSManaged reports whether pl is an AWS-managed list: a customer's
// list cannot have a name starting with com.amazonaws.
func (pl *PrefixListSpec) IsAWSManaged() bool { return strings.HasPrefix(pl.Name, "com.amazonaws.") }

func (st *State) awsPrefixList(id string) *PrefixListSpec {
	for _, p := range AWSPrefixLists(st.s.VPC.Region) {
		if p.ID == id {
			return &p
		}
	}
	return nil
}

// lookupOwnPrefixList is lookupPrefixList for a change: an AWS-managed
// list is refused. EC2's code for that is not documented;
// UnsupportedOperation is EC2's code for an action a resource does not
// support (UNCONFIRMED for this case).
func (st *State) lookupOwnPrefixList(id string) (*PrefixListSpec, error) {
	pl, err := st.lookupPrefixList(id)
	if err != nil {
		return nil, err
	}
	if pl.IsAWSManaged() {
		return nil, errorf(CodeUnsupportedOperation, "The prefix list %s (%s) is managed by AWS and cannot be changed.", pl.ID, pl.Name)
	}
	return pl, nil
}
