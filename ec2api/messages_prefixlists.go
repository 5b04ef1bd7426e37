package ec2api

// Messages and shapes of the managed prefix-list actions
// (actions_prefixlists.go).

// PrefixListEntryParam is an entry of a request (Entry.N, AddEntry.N).
type PrefixListEntryParam struct {
	Cidr        string  `query:"Cidr" json:"Cidr"`
	Description *string `query:"Description" json:"Description,omitempty"`
}

// RemovePrefixListEntry is a RemoveEntry.N.
type RemovePrefixListEntry struct {
	Cidr string `query:"Cidr" json:"Cidr"`
}

// ManagedPrefixList is EC2's ManagedPrefixList shape.
type ManagedPrefixList struct {
	PrefixListId   string     `xml:"prefixListId" json:"PrefixListId"`
	AddressFamily  string     `xml:"addressFamily" json:"AddressFamily"`
	State          string     `xml:"state" json:"State"`
	PrefixListArn  string     `xml:"prefixListArn" json:"PrefixListArn"`
	PrefixListName string     `xml:"prefixListName" json:"PrefixListName"`
	MaxEntries     int32      `xml:"maxEntries" json:"MaxEntries"`
	Version        int64      `xml:"version" json:"Version"`
	Tags           *List[Tag] `xml:"tagSet,omitempty" json:"Tags,omitempty"`
	OwnerId        string     `xml:"ownerId" json:"OwnerId"`
}

// PrefixListEntry is an item of GetManagedPrefixListEntries.
type PrefixListEntry struct {
	Cidr        string  `xml:"cidr" json:"Cidr"`
	Description *string `xml:"description,omitempty" json:"Description,omitempty"`
}

// PrefixListAssociation is an item of GetManagedPrefixListAssociations.
type PrefixListAssociation struct {
	ResourceId    string `xml:"resourceId" json:"ResourceId"`
	ResourceOwner string `xml:"resourceOwner" json:"ResourceOwner"`
}

type CreateManagedPrefixListInput struct {
	PrefixListName    string                 `query:"PrefixListName"`
	AddressFamily     string                 `query:"AddressFamily"`
	MaxEntries        *int32                 `query:"MaxEntries"`
	Entries           []PrefixListEntryParam `query:"Entry"`
	TagSpecifications []TagSpecification     `query:"TagSpecification"`
	ClientToken       string                 `query:"ClientToken"`
	DryRunParam
}

// PrefixListOutput is the answer of every action that returns one list.
type PrefixListOutput struct {
	ResponseMetadata
	PrefixList ManagedPrefixList `xml:"prefixList" json:"PrefixList"`
}

type DescribeManagedPrefixListsInput struct {
	PrefixListIds []string `query:"PrefixListId"`
	Filters       []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

type DescribeManagedPrefixListsOutput struct {
	ResponseMetadata
	NextToken   string                  `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
	PrefixLists List[ManagedPrefixList] `xml:"prefixListSet" json:"PrefixLists"`
}

type GetManagedPrefixListEntriesInput struct {
	PrefixListId  string `query:"PrefixListId"`
	TargetVersion *int64 `query:"TargetVersion"`
	PageParams
	DryRunParam
}

type GetManagedPrefixListEntriesOutput struct {
	ResponseMetadata
	Entries   List[PrefixListEntry] `xml:"entrySet" json:"Entries"`
	NextToken string                `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

type GetManagedPrefixListAssociationsInput struct {
	PrefixListId string `query:"PrefixListId"`
	PageParams
	DryRunParam
}

type GetManagedPrefixListAssociationsOutput struct {
	ResponseMetadata
	PrefixListAssociations List[PrefixListAssociation] `xml:"prefixListAssociationSet" json:"PrefixListAssociations"`
	NextToken              string                      `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

type ModifyManagedPrefixListInput struct {
	PrefixListId   string                  `query:"PrefixListId"`
	CurrentVersion *int64                  `query:"CurrentVersion"`
	PrefixListName *string                 `query:"PrefixListName"`
	AddEntries     []PrefixListEntryParam  `query:"AddEntry"`
	RemoveEntries  []RemovePrefixListEntry `query:"RemoveEntry"`
	MaxEntries     *int32                  `query:"MaxEntries"`
	DryRunParam
}

type RestoreManagedPrefixListVersionInput struct {
	PrefixListId    string `query:"PrefixListId"`
	PreviousVersion *int64 `query:"PreviousVersion"`
	CurrentVersion  *int64 `query:"CurrentVersion"`
	DryRunParam
}

type DeleteManagedPrefixListInput struct {
	PrefixListId string `query:"PrefixListId"`
	DryRunParam
}

type DescribePrefixListsInput struct {
	PrefixListIds []string `query:"PrefixListId"`
	Filters       []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

// PrefixList is an item of DescribePrefixLists (the AWS-managed lists of
// gateway endpoints, with their CIDRs).
type PrefixList struct {
	Cidrs          List[string] `xml:"cidrSet" json:"Cidrs"`
	PrefixListId   string       `xml:"prefixListId" json:"PrefixListId"`
	PrefixListName string       `xml:"prefixListName" json:"PrefixListName"`
}

type DescribePrefixListsOutput struct {
	ResponseMetadata
	NextToken   string           `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
	PrefixLists List[PrefixList] `xml:"prefixListSet" json:"PrefixLists"`
}
