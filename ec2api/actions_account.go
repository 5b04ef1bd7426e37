package ec2api

import (
	"slices"
	"strconv"
	"strings"

	"sgswitch/account"
	"sgswitch/internal/wildcard"
	"sgswitch/ruleset"
)

// The calls tools make before they start (Ansible's amazon.aws modules,
// Terraform's provider, boto3 scripts): the account's attributes, its one
// Region and the Availability Zones its subnets may use.

// EC2's default quotas that the account attributes report; sgswitch
// enforces none of the instance or Elastic IP ones (it has neither).
const (
	maxInstances   = 20
	maxElasticIPs  = 5
	zoneLettersMax = 'f' // the vpc layer accepts <region>a … <region>f
)

type DescribeAccountAttributesInput struct {
	AttributeNames []string `query:"AttributeName"`
	DryRunParam
}

// AccountAttribute is an item of DescribeAccountAttributes.
type AccountAttribute struct {
	AttributeName   string                      `xml:"attributeName" json:"AttributeName"`
	AttributeValues List[AccountAttributeValue] `xml:"attributeValueSet" json:"AttributeValues"`
}

type AccountAttributeValue struct {
	AttributeValue string `xml:"attributeValue" json:"AttributeValue"`
}

type DescribeAccountAttributesOutput struct {
	ResponseMetadata
	AccountAttributes List[AccountAttribute] `xml:"accountAttributeSet" json:"AccountAttributes"`
}

// accountAttributes are EC2's attribute names, in EC2's order, and their
// values here: VPC only, the default VPC (or "none").
func accountAttributes(a *account.Account) [][2]string {
	def := a.DefaultVpc()
	if def == "" {
		def = "none"
	}
	perIface := a.Config().Groups.GroupsPerInterface
	if perIface == 0 {
		perIface = ruleset.DefaultGroupsPerInterface
	}
	return [][2]string{
		{"supported-platforms", "VPC"},
		{"vpc-max-security-groups-per-interface", strconv.Itoa(perIface)},
		{"max-elastic-ips", strconv.Itoa(maxElasticIPs)},
		{"max-instances", strconv.Itoa(maxInstances)},
		{"vpc-max-elastic-ips", strconv.Itoa(maxElasticIPs)},
		{"default-vpc", def},
	}
}

func describeAccountAttributes(a *account.Account, in *DescribeAccountAttributesInput) (*DescribeAccountAttributesOutput, error) {
	all := accountAttributes(a)
	out := &DescribeAccountAttributesOutput{}
	for _, n := range in.AttributeNames {
		if !slices.ContainsFunc(all, func(kv [2]string) bool { return kv[0] == n }) {
			return nil, errorf(codeInvalidParameterValue, "Value (%s) for parameter attributeName is invalid. Unknown attribute.", n)
		}
	}
	for _, kv := range all {
		if len(in.AttributeNames) > 0 && !slices.Contains(in.AttributeNames, kv[0]) {
			continue
		}
		out.AccountAttributes.Items = append(out.AccountAttributes.Items, AccountAttribute{AttributeName: kv[0],
			AttributeValues: ListOf(AccountAttributeValue{AttributeValue: kv[1]})})
	}
	return out, nil
}

type DescribeRegionsInput struct {
	RegionNames []string `query:"RegionName"`
	Filters     []Filter `query:"Filter"`
	AllRegions  *bool    `query:"AllRegions"`
	DryRunParam
}

// Region is an item of DescribeRegions.
type Region struct {
	Endpoint    string `xml:"regionEndpoint" json:"Endpoint"`
	RegionName  string `xml:"regionName" json:"RegionName"`
	OptInStatus string `xml:"optInStatus" json:"OptInStatus"`
}

type DescribeRegionsOutput struct {
	ResponseMetadata
	Regions List[Region] `xml:"regionInfo" json:"Regions"`
}

// describeRegions answers the account's one Region (every VPC is in it).
func describeRegions(a *account.Account, in *DescribeRegionsInput) (*DescribeRegionsOutput, error) {
	name := a.Network().Config().Region
	r := Region{RegionName: name, Endpoint: "ec2." + name + ".amazonaws.com", OptInStatus: "opt-in-not-required"}
	for _, n := range in.RegionNames {
		if n != name {
			return nil, errorf(codeInvalidParameterValue, "Invalid region: %s (sgswitch serves %s only)", n, name)
		}
	}
	ok, err := filtersMatch(in.Filters, func(f string) ([]string, bool) {
		switch f {
		case "region-name":
			return []string{r.RegionName}, true
		case "endpoint":
			return []string{r.Endpoint}, true
		case "opt-in-status":
			return []string{r.OptInStatus}, true
		}
		return nil, false
	})
	if err != nil || !ok {
		return &DescribeRegionsOutput{}, err
	}
	return &DescribeRegionsOutput{Regions: ListOf(r)}, nil
}

type DescribeAvailabilityZonesInput struct {
	ZoneNames            []string `query:"ZoneName"`
	ZoneIds              []string `query:"ZoneId"`
	Filters              []Filter `query:"Filter"`
	AllAvailabilityZones *bool    `query:"AllAvailabilityZones"`
	DryRunParam
}

// AvailabilityZone is an item of DescribeAvailabilityZones.
type AvailabilityZone struct {
	State              string         `xml:"zoneState" json:"State"`
	OptInStatus        string         `xml:"optInStatus" json:"OptInStatus"`
	Messages           List[struct{}] `xml:"messageSet" json:"Messages"`
	RegionName         string         `xml:"regionName" json:"RegionName"`
	ZoneName           string         `xml:"zoneName" json:"ZoneName"`
	ZoneId             string         `xml:"zoneId" json:"ZoneId"`
	GroupName          string         `xml:"groupName" json:"GroupName"`
	NetworkBorderGroup string         `xml:"networkBorderGroup" json:"NetworkBorderGroup"`
	ZoneType           string         `xml:"zoneType" json:"ZoneType"`
}

type DescribeAvailabilityZonesOutput struct {
	ResponseMetadata
	AvailabilityZones List[AvailabilityZone] `xml:"availabilityZoneInfo" json:"AvailabilityZones"`
}

// zones are the Availability Zones the vpc layer lets a subnet use. Zone
// ids follow EC2's form (use1-az1 for us-east-1a); EC2 maps names to ids
// per account, here the letter's position is the id's number.
func zones(region string) []AvailabilityZone {
	var out []AvailabilityZone
	for c := 'a'; c <= zoneLettersMax; c++ {
		out = append(out, AvailabilityZone{ZoneName: region + string(c), State: "available", RegionName: region,
			ZoneId: zoneIDPrefix(region) + "-az" + strconv.Itoa(int(c-'a')+1), ZoneType: "availability-zone",
			OptInStatus: "opt-in-not-required", GroupName: region, NetworkBorderGroup: region})
	}
	return out
}

// zoneIDPrefix abbreviates a Region as EC2's zone ids do for the common
// ones: us-east-1 → use1, eu-west-2 → euw2.
func zoneIDPrefix(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 || len(parts[1]) == 0 {
		return region
	}
	return parts[0] + parts[1][:1] + parts[2]
}

func describeAvailabilityZones(a *account.Account, in *DescribeAvailabilityZonesInput) (*DescribeAvailabilityZonesOutput, error) {
	all := zones(a.Network().Config().Region)
	for _, n := range in.ZoneNames {
		if !slices.ContainsFunc(all, func(z AvailabilityZone) bool { return z.ZoneName == n }) {
			return nil, errorf(codeInvalidParameterValue, "The zone '%s' does not exist.", n)
		}
	}
	for _, n := range in.ZoneIds {
		if !slices.ContainsFunc(all, func(z AvailabilityZone) bool { return z.ZoneId == n }) {
			return nil, errorf(codeInvalidParameterValue, "The zone id '%s' does not exist.", n)
		}
	}
	out := &DescribeAvailabilityZonesOutput{}
	for _, z := range all {
		if len(in.ZoneNames)+len(in.ZoneIds) > 0 && !slices.Contains(in.ZoneNames, z.ZoneName) && !slices.Contains(in.ZoneIds, z.ZoneId) {
			continue
		}
		ok, err := filtersMatch(in.Filters, func(f string) ([]string, bool) {
			switch f {
			case "zone-name":
				return []string{z.ZoneName}, true
			case "zone-id":
				return []string{z.ZoneId}, true
			case "state":
				return []string{z.State}, true
			case "region-name":
				return []string{z.RegionName}, true
			case "zone-type":
				return []string{z.ZoneType}, true
			case "opt-in-status":
				return []string{z.OptInStatus}, true
			case "group-name", "network-border-group":
				return []string{z.GroupName}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out.AvailabilityZones.Items = append(out.AvailabilityZones.Items, z)
		}
	}
	return out, nil
}

// filtersMatch applies Filter.N (values ORed, wildcards * and ?) through
// values, which answers a filter name's values or false for a name the
// action does not know (InvalidParameterValue, as EC2).
func filtersMatch(filters []Filter, values func(name string) ([]string, bool)) (bool, error) {
	for _, f := range filters {
		vs, ok := values(f.Name)
		if !ok {
			return false, errorf(codeInvalidParameterValue, "The filter '%s' is invalid", f.Name)
		}
		if !wildcard.AnyMatch(f.Values, vs) {
			return false, nil
		}
	}
	return true, nil
}
