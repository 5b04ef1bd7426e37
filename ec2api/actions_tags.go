package ec2api

import (
	"cmp"
	"slices"
	"strings"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// Tags on every resource sgswitch holds, by id prefix: security groups
// (sg-), their rules (sgr-), network interfaces (eni-) and prefix lists
// (pl-) in the VPC's ruleset State that holds them; VPCs (vpc-), subnets
// (subnet-), route tables (rtb-) and network ACLs (acl-) in the VPC model.

type CreateTagsInput struct {
	Resources []string `query:"ResourceId"`
	Tags      []Tag    `query:"Tag"`
	DryRunParam
}

type DeleteTagsInput struct {
	Resources []string `query:"ResourceId"`
	Tags      []Tag    `query:"Tag"`
	DryRunParam
}

type DescribeTagsInput struct {
	Filters []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

// TagDescription is one tag of one resource (DescribeTags).
type TagDescription struct {
	Key          string `xml:"key" json:"Key"`
	ResourceId   string `xml:"resourceId" json:"ResourceId"`
	ResourceType string `xml:"resourceType" json:"ResourceType"`
	Value        string `xml:"value" json:"Value"`
}

type DescribeTagsOutput struct {
	ResponseMetadata
	NextToken string               `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
	Tags      List[TagDescription] `xml:"tagSet" json:"Tags"`
}

func createTags(a *account.Account, in *CreateTagsInput) (*ReturnOutput, error) {
	if len(in.Resources) == 0 {
		return nil, missing("ResourceId")
	}
	if len(in.Tags) == 0 {
		return nil, missing("Tag")
	}
	if err := changeTags(a, in.Resources, rulesetTags(in.Tags), true); err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

// deleteTags: a tag without a value removes the key whatever its value,
// and no tags at all removes every tag of the resources, as in EC2.
func deleteTags(a *account.Account, in *DeleteTagsInput) (*ReturnOutput, error) {
	if len(in.Resources) == 0 {
		return nil, missing("ResourceId")
	}
	tags := rulesetTags(in.Tags)
	if len(in.Tags) == 0 {
		all, err := allTags(a, []ruleset.Filter{{Name: "resource-id", Values: in.Resources}})
		if err != nil {
			return nil, err
		}
		for _, t := range all {
			tags = append(tags, ruleset.Tag{Key: t.Key})
		}
	}
	if err := changeTags(a, in.Resources, tags, false); err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

// changeTags creates (or deletes) tags on resources of both models: the
// VPC model's by id prefix, the others in the VPC whose State holds them.
// The caller runs in WriteAccount, so a failure on any id changes nothing.
func changeTags(a *account.Account, ids []string, tags []ruleset.Tag, create bool) error {
	netIDs, byVPC, err := tagTargets(a, ids)
	if err != nil {
		return err
	}
	if len(netIDs) > 0 {
		nt, err := convert[[]vpc.Tag](tags)
		if err == nil && create {
			err = a.Network().CreateTags(netIDs, nt)
		} else if err == nil {
			err = a.Network().DeleteTags(netIDs, nt)
		}
		if err != nil {
			return err
		}
	}
	for _, v := range a.VPCs() {
		if len(byVPC[v]) == 0 {
			continue
		}
		st := a.Groups(v)
		if create {
			err = st.CreateTags(byVPC[v], tags)
		} else {
			err = st.DeleteTags(byVPC[v], tags)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// tagTargets sorts resource ids: the VPC model's (vpc-, subnet-, rtb-,
// acl-) and, per VPC, the ruleset ones (sg-, sgr-, eni-, pl-), each
// unknown id answered with its resource's NotFound code.
func tagTargets(a *account.Account, ids []string) ([]string, map[string][]string, error) {
	var netIDs []string
	byVPC := map[string][]string{}
	for _, id := range ids {
		switch {
		case hasAnyPrefix(id, "vpc-", "subnet-", "rtb-", "acl-"):
			netIDs = append(netIDs, id)
		case strings.HasPrefix(id, "sgr-"):
			st, err := ruleState(a, id)
			if err != nil {
				return nil, nil, err
			}
			byVPC[st.VPC().VpcId] = append(byVPC[st.VPC().VpcId], id)
		case strings.HasPrefix(id, "sg-"):
			_, v, err := groupState(a, id)
			if err != nil {
				return nil, nil, err
			}
			byVPC[v] = append(byVPC[v], id)
		case strings.HasPrefix(id, "eni-"):
			_, v, err := interfaceState(a, id)
			if err != nil {
				return nil, nil, err
			}
			byVPC[v] = append(byVPC[v], id)
		case strings.HasPrefix(id, "pl-"):
			vs, err := prefixListVPCs(a, id)
			if err != nil {
				return nil, nil, err
			}
			for _, v := range vs {
				byVPC[v] = append(byVPC[v], id)
			}
		default:
			return nil, nil, errorf(vpc.CodeInvalidID, "The ID '%s' is not valid", id)
		}
	}
	return netIDs, byVPC, nil
}

// prefixListVPCs lists the VPCs whose State holds prefix list id (each
// State keeps its own lists).
func prefixListVPCs(a *account.Account, id string) ([]string, error) {
	var in []string
	var first error
	for _, v := range a.VPCs() {
		if _, err := a.Groups(v).DescribeManagedPrefixLists([]string{id}, nil); err == nil {
			in = append(in, v)
		} else if first == nil {
			first = err
		}
	}
	if len(in) == 0 && first == nil {
		first = errorf(ruleset.CodeInvalidPrefixListIDNotFound, "The prefix list ID '%s' does not exist", id)
	}
	if len(in) == 0 {
		return nil, first
	}
	return in, nil
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func describeTags(a *account.Account, in *DescribeTagsInput) (*DescribeTagsOutput, error) {
	filters, err := convert[[]ruleset.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	tags, err := allTags(a, filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(tags), in.PageParams)
	if err != nil {
		return nil, err
	}
	return &DescribeTagsOutput{Tags: ListOf(tags[lo:hi]...), NextToken: next}, nil
}

// allTags lists the tags of both models matching filters, ordered by
// resource id, then key (each model's own order, merged). The VPC model
// knows no tag:<key> filter, so that one is applied here to its
// resources, over all of each resource's tags as EC2 means it.
func allTags(a *account.Account, filters []ruleset.Filter) ([]TagDescription, error) {
	var out []TagDescription
	seen := map[[2]string]bool{} // a prefix list may sit in several States
	add := func(src any) error {
		l, err := convert[[]TagDescription](src)
		for _, t := range l {
			if k := [2]string{t.ResourceId, t.Key}; !seen[k] {
				seen[k] = true
				out = append(out, t)
			}
		}
		return err
	}
	for _, v := range a.VPCs() {
		ts, err := a.Groups(v).DescribeTags(filters)
		if err == nil {
			err = add(ts)
		}
		if err != nil {
			return nil, err
		}
	}
	nts, err := networkTags(a.Network(), filters)
	if err == nil {
		err = add(nts)
	}
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(x, y TagDescription) int {
		return cmp.Or(strings.Compare(x.ResourceId, y.ResourceId), strings.Compare(x.Key, y.Key))
	})
	return out, nil
}

// networkTags is the VPC model's DescribeTags with tag:<key> filters.
func networkTags(net *vpc.State, filters []ruleset.Filter) ([]vpc.TagDescription, error) {
	var byTag []ruleset.Filter
	plain := slices.DeleteFunc(slices.Clone(filters), func(f ruleset.Filter) bool {
		if strings.HasPrefix(f.Name, "tag:") {
			byTag = append(byTag, f)
			return true
		}
		return false
	})
	nf, err := convert[[]vpc.Filter](plain)
	if err != nil {
		return nil, err
	}
	ts, err := net.DescribeTags(nf)
	if err != nil || len(byTag) == 0 {
		return ts, err
	}
	all, err := net.DescribeTags(nil)
	if err != nil {
		return nil, err
	}
	have := map[string]map[string][]string{} // resource -> tag:<key> -> values
	for _, t := range all {
		if have[t.ResourceId] == nil {
			have[t.ResourceId] = map[string][]string{}
		}
		have[t.ResourceId]["tag:"+t.Key] = append(have[t.ResourceId]["tag:"+t.Key], t.Value)
	}
	return slices.DeleteFunc(ts, func(t vpc.TagDescription) bool {
		return !wildcardAll(byTag, have[t.ResourceId])
	}), nil
}

func rulesetTags(tags []Tag) []ruleset.Tag {
	out := make([]ruleset.Tag, len(tags))
	for i, t := range tags {
		out[i] = ruleset.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}
