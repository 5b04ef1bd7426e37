package ec2api

import "sgswitch/ruleset"

// Tags on every resource sgswitch holds: security groups (sg-), their
// rules (sgr-), network interfaces (eni-) and prefix lists (pl-).

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
	Tags      List[TagDescription] `xml:"tagSet" json:"Tags"`
	NextToken string               `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

func createTags(st *ruleset.State, in *CreateTagsInput) (*ReturnOutput, error) {
	if len(in.Resources) == 0 {
		return nil, missing("ResourceId")
	}
	if len(in.Tags) == 0 {
		return nil, missing("Tag")
	}
	if err := st.CreateTags(in.Resources, rulesetTags(in.Tags)); err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

// deleteTags: a tag without a value removes the key whatever its value,
// and no tags at all removes every tag of the resources, as in EC2.
func deleteTags(st *ruleset.State, in *DeleteTagsInput) (*ReturnOutput, error) {
	if len(in.Resources) == 0 {
		return nil, missing("ResourceId")
	}
	tags := rulesetTags(in.Tags)
	if len(in.Tags) == 0 {
		all, err := st.DescribeTags([]ruleset.Filter{{Name: "resource-id", Values: in.Resources}})
		if err != nil {
			return nil, err
		}
		for _, t := range all {
			tags = append(tags, ruleset.Tag{Key: t.Key})
		}
	}
	if err := st.DeleteTags(in.Resources, tags); err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

func describeTags(st *ruleset.State, in *DescribeTagsInput) (*DescribeTagsOutput, error) {
	filters, err := convert[[]ruleset.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	tags, err := st.DescribeTags(filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(tags), in.PageParams)
	if err != nil {
		return nil, err
	}
	out, err := convertList[TagDescription](tags[lo:hi])
	if err != nil {
		return nil, err
	}
	return &DescribeTagsOutput{Tags: out, NextToken: next}, nil
}

func rulesetTags(tags []Tag) []ruleset.Tag {
	out := make([]ruleset.Tag, len(tags))
	for i, t := range tags {
		out[i] = ruleset.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}
