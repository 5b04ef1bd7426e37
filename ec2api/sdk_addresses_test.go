package ec2api

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"sgswitch/ruleset"
)

// TestSDKSecondaryAddresses drives Assign/Unassign of private IPv4 and
// IPv6 addresses with aws-sdk-go-v2 and checks DescribeNetworkInterfaces.
func TestSDKSecondaryAddresses(t *testing.T) {
	l := newSDKLab(t, true)
	ctx := context.Background()
	eni := l.addENI(t, ruleset.ENISpec{Name: "web", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.10")}})
	got, err := l.client.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{
		NetworkInterfaceId: aws.String(eni), PrivateIpAddresses: []string{"198.18.0.20"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.NetworkInterfaceId) != eni || len(got.AssignedPrivateIpAddresses) != 1 ||
		aws.ToString(got.AssignedPrivateIpAddresses[0].PrivateIpAddress) != "198.18.0.20" {
		t.Fatalf("assign: %+v", got)
	}
	byCount, err := l.client.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{
		NetworkInterfaceId: aws.String(eni), SecondaryPrivateIpAddressCount: aws.Int32(2),
	})
	if err != nil || len(byCount.AssignedPrivateIpAddresses) != 2 || aws.ToString(byCount.AssignedPrivateIpAddresses[0].PrivateIpAddress) != "198.18.0.4" {
		t.Fatalf("assign by count: %+v %v", byCount, err)
	}
	v6, err := l.client.AssignIpv6Addresses(ctx, &ec2.AssignIpv6AddressesInput{NetworkInterfaceId: aws.String(eni), Ipv6AddressCount: aws.Int32(1)})
	if err != nil || !slices.Equal(v6.AssignedIpv6Addresses, []string{"fd00:5e5e::4"}) {
		t.Fatalf("assign ipv6: %+v %v", v6, err)
	}
	if _, err := l.client.UnassignPrivateIpAddresses(ctx, &ec2.UnassignPrivateIpAddressesInput{
		NetworkInterfaceId: aws.String(eni), PrivateIpAddresses: []string{"198.18.0.4"},
	}); err != nil {
		t.Fatal(err)
	}
	un6, err := l.client.UnassignIpv6Addresses(ctx, &ec2.UnassignIpv6AddressesInput{NetworkInterfaceId: aws.String(eni), Ipv6Addresses: []string{"fd00:5e5e::4"}})
	if err != nil || !slices.Equal(un6.UnassignedIpv6Addresses, []string{"fd00:5e5e::4"}) || aws.ToString(un6.NetworkInterfaceId) != eni {
		t.Fatalf("unassign ipv6: %+v %v", un6, err)
	}
	d, err := l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eni}})
	if err != nil {
		t.Fatal(err)
	}
	var ips []string
	for _, a := range d.NetworkInterfaces[0].PrivateIpAddresses {
		ips = append(ips, aws.ToString(a.PrivateIpAddress))
	}
	if !slices.Equal(ips, []string{"198.18.0.10", "198.18.0.20", "198.18.0.5"}) || len(d.NetworkInterfaces[0].Ipv6Addresses) != 0 {
		t.Fatalf("describe: %v %+v", ips, d.NetworkInterfaces[0].Ipv6Addresses)
	}
	// The secondary is found by the private-ip-address filter.
	f, err := l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{{Name: aws.String("addresses.private-ip-address"), Values: []string{"198.18.0.20"}}},
	})
	if err != nil || len(f.NetworkInterfaces) != 1 {
		t.Fatalf("filter: %+v %v", f, err)
	}
}

func TestSDKAddressErrors(t *testing.T) {
	l := newSDKLab(t, false)
	ctx := context.Background()
	eni := l.addENI(t, ruleset.ENISpec{IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.10")}})
	l.addENI(t, ruleset.ENISpec{IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.11")}})
	cases := []struct {
		name string
		in   *ec2.AssignPrivateIpAddressesInput
		code string
	}{
		{"neither", &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(eni)}, "MissingParameter"},
		{"both", &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(eni), PrivateIpAddresses: []string{"198.18.0.30"},
			SecondaryPrivateIpAddressCount: aws.Int32(1)}, "InvalidParameterCombination"},
		{"garbage", &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(eni), PrivateIpAddresses: []string{"198.18.0"}}, "InvalidParameterValue"},
		{"reserved", &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(eni), PrivateIpAddresses: []string{"198.18.0.2"}}, "InvalidParameterValue"},
		{"in use", &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(eni), PrivateIpAddresses: []string{"198.18.0.11"}}, "InvalidIPAddress.InUse"},
		{"prefixes", &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(eni), Ipv4PrefixCount: aws.Int32(1)}, "UnsupportedOperation"},
		{"limit", &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(eni), SecondaryPrivateIpAddressCount: aws.Int32(50)}, "PrivateIpAddressLimitExceeded"},
		{"unknown", &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String("eni-0123456789abcdef0"), SecondaryPrivateIpAddressCount: aws.Int32(1)},
			"InvalidNetworkInterfaceID.NotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.client.AssignPrivateIpAddresses(ctx, tc.in)
			wantCode(t, err, tc.code)
		})
	}
	_, err := l.client.UnassignPrivateIpAddresses(ctx, &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(eni), PrivateIpAddresses: []string{"198.18.0.10"}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = l.client.AssignIpv6Addresses(ctx, &ec2.AssignIpv6AddressesInput{NetworkInterfaceId: aws.String(eni), Ipv6AddressCount: aws.Int32(1)})
	wantCode(t, err, "InvalidParameterValue")
	d, _ := l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eni}})
	if n := len(d.NetworkInterfaces[0].PrivateIpAddresses); n != 1 {
		t.Fatalf("refused calls left %d addresses", n)
	}
}

func TestSDKTags(t *testing.T) {
	l := newSDKLab(t, false)
	ctx := context.Background()
	eni := l.addENI(t, ruleset.ENISpec{Name: "web1", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.10")}})
	if _, err := l.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{eni, l.defSG},
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("lab")}, {Key: aws.String("team"), Value: aws.String("net")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := l.client.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{{Name: aws.String("resource-id"), Values: []string{eni}}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, td := range out.Tags {
		got = append(got, aws.ToString(td.Key)+"="+aws.ToString(td.Value)+"/"+string(td.ResourceType))
	}
	if !slices.Equal(got, []string{"Name=web1/network-interface", "env=lab/network-interface", "team=net/network-interface"}) {
		t.Fatalf("DescribeTags %v", got)
	}
	// Pagination: 5 tags over pages of 5 and then none.
	p := ec2.NewDescribeTagsPaginator(l.client, &ec2.DescribeTagsInput{MaxResults: aws.Int32(5)})
	n := 0
	for pages := 0; p.HasMorePages() && pages < 10; pages++ {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Tags)
	}
	if n != 5 {
		t.Fatalf("paginated %d tags, want 5", n)
	}
	// A key without a value deletes whatever the value; no tags deletes all.
	if _, err := l.client.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{eni}, Tags: []types.Tag{{Key: aws.String("env")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.client.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{l.defSG}}); err != nil {
		t.Fatal(err)
	}
	out, _ = l.client.DescribeTags(ctx, &ec2.DescribeTagsInput{})
	if len(out.Tags) != 2 {
		t.Fatalf("after delete: %+v", out.Tags)
	}
	_, err = l.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{eni}, Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = l.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"sg-0123456789abcdef0"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = l.client.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{{Name: aws.String("owner"), Values: []string{"x"}}}})
	wantCode(t, err, "InvalidParameterValue")
}

// TestAddressActionsRawErrors: what the SDKs check before sending, sent
// raw, gets EC2's codes from the handler too.
func TestAddressActionsRawErrors(t *testing.T) {
	h := NewHandler(newTestBackend(t))
	for body, code := range map[string]string{
		"Action=AssignPrivateIpAddresses&Version=2016-11-15&SecondaryPrivateIpAddressCount=1": codeMissingParameter,
		"Action=UnassignPrivateIpAddresses&Version=2016-11-15&PrivateIpAddress.1=198.18.0.5":  codeMissingParameter,
		"Action=AssignIpv6Addresses&Version=2016-11-15&Ipv6AddressCount=1":                    codeMissingParameter,
		"Action=UnassignIpv6Addresses&Version=2016-11-15":                                     codeMissingParameter,
		"Action=CreateTags&Version=2016-11-15&Tag.1.Key=a&Tag.1.Value=b":                      codeMissingParameter,
		"Action=CreateTags&Version=2016-11-15&ResourceId.1=sg-0123456789abcdef0":              codeMissingParameter,
		"Action=DeleteTags&Version=2016-11-15":                                                codeMissingParameter,
		"Action=DescribeTags&Version=2016-11-15&MaxResults=2":                                 codeInvalidParameterValue,
	} {
		if got := errorCode(t, post(t, h, body)); got != code {
			t.Errorf("%s: %s, want %s", body, got, code)
		}
	}
}

func TestSDKCreateDeleteNetworkInterface(t *testing.T) {
	l := newSDKLab(t, true)
	ctx := context.Background()
	subnet := l.backend.subnetID
	out, err := l.client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{
		SubnetId: aws.String(subnet), Description: aws.String("spare"),
		PrivateIpAddresses: []types.PrivateIpAddressSpecification{
			{PrivateIpAddress: aws.String("198.18.0.30")}, {PrivateIpAddress: aws.String("198.18.0.31"), Primary: aws.Bool(true)}},
		Ipv6AddressCount: aws.Int32(1), Groups: []string{l.defSG},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeNetworkInterface,
			Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("spare1")}, {Key: aws.String("env"), Value: aws.String("lab")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := out.NetworkInterface
	id := aws.ToString(n.NetworkInterfaceId)
	if aws.ToString(n.PrivateIpAddress) != "198.18.0.31" || len(n.PrivateIpAddresses) != 2 || n.Status != types.NetworkInterfaceStatusAvailable ||
		n.Attachment != nil || len(n.Ipv6Addresses) != 1 || len(n.TagSet) != 2 || aws.ToString(n.Description) != "spare" || aws.ToString(n.SubnetId) != subnet {
		t.Fatalf("created %+v", n)
	}
	// A primary is picked when none is given: the lowest free address.
	auto, err := l.client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), SecondaryPrivateIpAddressCount: aws.Int32(1)})
	if err != nil || aws.ToString(auto.NetworkInterface.PrivateIpAddress) != "198.18.0.4" || len(auto.NetworkInterface.PrivateIpAddresses) != 2 {
		t.Fatalf("auto: %+v %v", auto, err)
	}
	for _, tc := range []struct {
		in   *ec2.CreateNetworkInterfaceInput
		code string
	}{
		{&ec2.CreateNetworkInterfaceInput{SubnetId: aws.String("subnet-0123456789abcdef0")}, "InvalidSubnetID.NotFound"},
		{&ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), PrivateIpAddress: aws.String("198.18.0.1")}, "InvalidParameterValue"},
		{&ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), PrivateIpAddress: aws.String("198.18.9.9")}, "InvalidParameterValue"},
		{&ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), PrivateIpAddress: aws.String("198.18.0.31")}, "InvalidIPAddress.InUse"},
		{&ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), Groups: []string{"sg-0123456789abcdef0"}}, "InvalidGroup.NotFound"},
		{&ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), InterfaceType: types.NetworkInterfaceCreationTypeEfa}, "UnsupportedOperation"},
		{&ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), SecondaryPrivateIpAddressCount: aws.Int32(60)}, "PrivateIpAddressLimitExceeded"},
	} {
		before, _ := l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
		_, err := l.client.CreateNetworkInterface(ctx, tc.in)
		wantCode(t, err, tc.code)
		after, _ := l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
		if len(after.NetworkInterfaces) != len(before.NetworkInterfaces) {
			t.Fatalf("%s: a refused create left an interface", tc.code)
		}
	}
	// An interface attached to a lab node cannot be deleted; an available one can.
	attached := l.addENI(t, ruleset.ENISpec{IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.50")}, AttachedTo: "lab/web"})
	_, err = l.client.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(attached)})
	wantCode(t, err, "InvalidNetworkInterface.InUse")
	if _, err := l.client.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = l.client.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(id)})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	d, _ := l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{attached}})
	if a := d.NetworkInterfaces[0]; a.Status != types.NetworkInterfaceStatusInUse || a.Attachment == nil || a.Attachment.Status != types.AttachmentStatusAttached {
		t.Fatalf("attached interface: %+v", a)
	}
}

func TestSDKDescribeSubnets(t *testing.T) {
	l := newSDKLab(t, true)
	ctx := context.Background()
	l.addENI(t, ruleset.ENISpec{IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.10"), netip.MustParseAddr("198.18.0.11")}})
	out, err := l.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil || len(out.Subnets) != 1 {
		t.Fatalf("%+v %v", out, err)
	}
	s := out.Subnets[0]
	// A /24: 256 addresses, 5 reserved, 2 held.
	if aws.ToString(s.CidrBlock) != "198.18.0.0/24" || aws.ToInt32(s.AvailableIpAddressCount) != 249 || aws.ToString(s.VpcId) != l.vpcID ||
		aws.ToString(s.AvailabilityZone) != "us-east-1a" || s.State != types.SubnetStateAvailable || len(s.Ipv6CidrBlockAssociationSet) != 1 {
		t.Fatalf("subnet %+v", s)
	}
	for _, tc := range []struct {
		f    types.Filter
		want int
	}{
		{types.Filter{Name: aws.String("vpc-id"), Values: []string{l.vpcID}}, 1},
		{types.Filter{Name: aws.String("cidr-block"), Values: []string{"198.18.1.0/24"}}, 0},
		{types.Filter{Name: aws.String("availability-zone"), Values: []string{"us-east-1*"}}, 1},
	} {
		got, err := l.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{tc.f}})
		if err != nil || len(got.Subnets) != tc.want {
			t.Errorf("%s: %d subnets (%v), want %d", aws.ToString(tc.f.Name), len(got.Subnets), err, tc.want)
		}
	}
	_, err = l.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0123456789abcdef0"}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	_, err = l.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("bogus"), Values: []string{"x"}}}})
	wantCode(t, err, "InvalidParameterValue")
}
