package ec2api

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
)

func mustParse(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// The request examples of spec §5.1 (botocore serialiser output).
func TestDecodeAuthorizeFromSpec(t *testing.T) {
	q := "GroupId=sg-0123456789abcdef0" +
		"&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22" +
		"&IpPermissions.1.IpRanges.1.CidrIp=203.0.113.0/24&IpPermissions.1.IpRanges.1.Description=SSH" +
		"&IpPermissions.1.Ipv6Ranges.1.CidrIpv6=2001:db8::/64" +
		"&IpPermissions.1.PrefixListIds.1.PrefixListId=pl-1234abcd" +
		"&IpPermissions.1.Groups.1.GroupId=sg-0aaaaaaaaaaaaaaaa"
	var in AuthorizeSecurityGroupInput
	if err := decodeQuery(mustParse(t, q), &in); err != nil {
		t.Fatal(err)
	}
	want := AuthorizeSecurityGroupInput{
		GroupId: "sg-0123456789abcdef0",
		IpPermissions: []IpPermission{{
			IpProtocol: "tcp", FromPort: ptr[int32](22), ToPort: ptr[int32](22),
			IpRanges:         ListOf(IpRange{CidrIp: "203.0.113.0/24", Description: ptr("SSH")}),
			Ipv6Ranges:       ListOf(Ipv6Range{CidrIpv6: "2001:db8::/64"}),
			PrefixListIds:    ListOf(PrefixListId{PrefixListId: "pl-1234abcd"}),
			UserIdGroupPairs: ListOf(UserIdGroupPair{GroupId: "sg-0aaaaaaaaaaaaaaaa"}),
		}},
	}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", in, want)
	}
}

func TestDecodeOtherSpecExamples(t *testing.T) {
	var rev RevokeSecurityGroupInput
	if err := decodeQuery(mustParse(t, "GroupId=sg-1&SecurityGroupRuleId.1=sgr-1&SecurityGroupRuleId.2=sgr-2"), &rev); err != nil {
		t.Fatal(err)
	}
	if rev.GroupId != "sg-1" || !reflect.DeepEqual(rev.SecurityGroupRuleIds, []string{"sgr-1", "sgr-2"}) {
		t.Fatalf("revoke: %+v", rev)
	}

	var d DescribeSecurityGroupsInput
	if err := decodeQuery(mustParse(t, "GroupId.1=sg-1&Filter.1.Name=ip-permission.from-port&Filter.1.Value.1=22&MaxResults=5&DryRun=true"), &d); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Filters, []Filter{{Name: "ip-permission.from-port", Values: []string{"22"}}}) ||
		*d.MaxResults != 5 || !d.dryRun() || d.GroupIds[0] != "sg-1" {
		t.Fatalf("describe: %+v", d)
	}

	var m ModifyNetworkInterfaceAttributeInput
	q := "NetworkInterfaceId=eni-1&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2" +
		"&ConnectionTrackingSpecification.TcpEstablishedTimeout=3600&ConnectionTrackingSpecification.UdpStreamTimeout=60&ConnectionTrackingSpecification.UdpTimeout=30"
	if err := decodeQuery(mustParse(t, q), &m); err != nil {
		t.Fatal(err)
	}
	ct := m.ConnectionTrackingSpecification
	if m.NetworkInterfaceId != "eni-1" || !reflect.DeepEqual(m.Groups, []string{"sg-1", "sg-2"}) ||
		*ct.TcpEstablishedTimeout != 3600 || *ct.UdpStreamTimeout != 60 || *ct.UdpTimeout != 30 {
		t.Fatalf("modify eni: %+v", m)
	}

	var u UpdateSecurityGroupRuleDescriptionsInput
	if err := decodeQuery(mustParse(t, "GroupId=sg-1&SecurityGroupRuleDescription.1.SecurityGroupRuleId=sgr-1&SecurityGroupRuleDescription.1.Description=x"), &u); err != nil {
		t.Fatal(err)
	}
	if u.SecurityGroupRuleDescriptions[0].SecurityGroupRuleId != "sgr-1" || *u.SecurityGroupRuleDescriptions[0].Description != "x" {
		t.Fatalf("update descriptions: %+v", u)
	}

	var c CreateSecurityGroupInput
	if err := decodeQuery(mustParse(t, "GroupName=web&GroupDescription=web%20tier&VpcId=vpc-1&TagSpecification.1.ResourceType=security-group&TagSpecification.1.Tag.1.Key=env&TagSpecification.1.Tag.1.Value=lab"), &c); err != nil {
		t.Fatal(err)
	}
	if c.Description != "web tier" || c.TagSpecifications[0].Tags[0] != (Tag{Key: "env", Value: "lab"}) {
		t.Fatalf("create: %+v", c)
	}
}

func TestDecodeListOrderFollowsIndex(t *testing.T) {
	var d DescribeSecurityGroupsInput
	if err := decodeQuery(mustParse(t, "GroupId.10=c&GroupId.2=b&GroupId.1=a"), &d); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.GroupIds, []string{"a", "b", "c"}) {
		t.Fatalf("got %v", d.GroupIds)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		query, code string
	}{
		{"Bogus=1", codeUnknownParameter},
		{"GroupId.1=x", codeUnknownParameter},       // GroupId is a string in Delete
		{"GroupId.x=1", codeUnknownParameter},       // not a field of Delete
		{"DryRun=maybe", codeInvalidParameterValue}, // not a boolean
		{"GroupName.Foo=1", codeUnknownParameter},   // a string has no members
		{"GroupId=sg-1&DryRun.Value=true", codeUnknownParameter},
	}
	for _, c := range cases {
		var in DeleteSecurityGroupInput
		err := decodeQuery(mustParse(t, c.query), &in)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != c.code {
			t.Errorf("%s: got %v, want %s", c.query, err, c.code)
		}
	}
	listCases := []struct {
		query, code string
	}{
		{"GroupId.0=a", codeUnknownParameter},
		{"GroupId.01=a", codeUnknownParameter},
		{"GroupId.1001=a", codeUnknownParameter},
		{"GroupId=a", codeInvalidParameterValue},
		{"MaxResults=ten", codeInvalidParameterValue},
		{"MaxResults=99999999999", codeInvalidParameterValue},
		{"Filter.1.Value=x", codeInvalidParameterValue},
		{"Filter.1.Nme=x", codeUnknownParameter},
		{"Filter..Name=x", codeUnknownParameter},
		{"GroupId.1=sg-1&GroupId.1=sg-2", codeInvalidParameterValue},         // repeated: EC2 would not pick one
		{"GroupId.1=sg-1&GroupId.1=sg-1", codeInvalidParameterValue},         // even with the same value
		{"Filter.1.Name=a&Filter.1.Name=b", codeInvalidParameterValue},       // nested
		{"Filter.1.Name=a&Filter.1.Value.1=x&Bogus=1", codeUnknownParameter}, // unknown stays UnknownParameter
	}
	for _, c := range listCases {
		var in DescribeSecurityGroupsInput
		err := decodeQuery(mustParse(t, c.query), &in)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != c.code {
			t.Errorf("%s: got %v, want %s", c.query, err, c.code)
		}
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	in := ModifySecurityGroupRulesInput{
		GroupId: "sg-1",
		SecurityGroupRules: []SecurityGroupRuleUpdate{{
			SecurityGroupRuleId: "sgr-1",
			SecurityGroupRule: &SecurityGroupRuleRequest{
				IpProtocol: "tcp", FromPort: ptr[int32](80), ToPort: ptr[int32](81),
				CidrIpv4: "198.18.0.0/15", Description: ptr("web"),
			},
		}},
		DryRunParam: DryRunParam{DryRun: ptr(true)},
	}
	vals := url.Values{}
	encodeQuery(&in, vals)
	want := url.Values{
		"GroupId": {"sg-1"}, "DryRun": {"true"},
		"SecurityGroupRule.1.SecurityGroupRuleId":           {"sgr-1"},
		"SecurityGroupRule.1.SecurityGroupRule.IpProtocol":  {"tcp"},
		"SecurityGroupRule.1.SecurityGroupRule.FromPort":    {"80"},
		"SecurityGroupRule.1.SecurityGroupRule.ToPort":      {"81"},
		"SecurityGroupRule.1.SecurityGroupRule.CidrIpv4":    {"198.18.0.0/15"},
		"SecurityGroupRule.1.SecurityGroupRule.Description": {"web"},
	}
	if !reflect.DeepEqual(vals, want) {
		t.Fatalf("encoded %v\nwant %v", vals, want)
	}
	var back ModifySecurityGroupRulesInput
	if err := decodeQuery(vals, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, in) {
		t.Fatalf("round trip: %+v", back)
	}
}

func TestEncodeListsOfStructs(t *testing.T) {
	in := AuthorizeSecurityGroupInput{GroupId: "sg-1", IpPermissions: []IpPermission{
		{IpProtocol: "-1", UserIdGroupPairs: ListOf(UserIdGroupPair{GroupId: "sg-2"}, UserIdGroupPair{GroupId: "sg-3"})},
	}}
	vals := url.Values{}
	encodeQuery(in, vals) // by value works too
	if vals.Get("IpPermissions.1.Groups.2.GroupId") != "sg-3" || vals.Get("IpPermissions.1.IpProtocol") != "-1" || len(vals) != 4 {
		t.Fatalf("encoded %v", vals)
	}
}

// An empty list element is written as Name.N=, so indexes stay 1..len and
// the list decodes back to the same length (FuzzParseQuery's
// "encoding is not stable" on SecurityGroupRuleId.1&SecurityGroupRuleId.2=0).
func TestEncodeKeepsEmptyListElements(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want url.Values
	}{
		{&DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{"", "0"}},
			url.Values{"SecurityGroupRuleId.1": {""}, "SecurityGroupRuleId.2": {"0"}}},
		{&AuthorizeSecurityGroupInput{IpPermissions: []IpPermission{{}, {IpProtocol: "tcp"}}},
			url.Values{"IpPermissions.1": {""}, "IpPermissions.2.IpProtocol": {"tcp"}}},
	} {
		got := url.Values{}
		encodeQuery(tc.in, got)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%T: encoded %v, want %v", tc.in, got, tc.want)
			continue
		}
		again := reflect.New(reflect.TypeOf(tc.in).Elem()).Interface()
		if err := decodeQuery(got, again); err != nil || !reflect.DeepEqual(again, tc.in) {
			t.Errorf("%T: decoded %+v (%v), want %+v", tc.in, again, err, tc.in)
		}
	}
}
