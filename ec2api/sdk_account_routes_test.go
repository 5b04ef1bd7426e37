package ec2api

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"sgswitch/account"
	"sgswitch/ruleset"
)

// addNetENI creates an interface in subnetID directly through the account
// (CreateNetworkInterface over an account is not served yet).
func (l *accountLab) addNetENI(t *testing.T, subnetID string) string {
	t.Helper()
	var id string
	off := false
	if err := l.backend.WriteAccount(func(a *account.Account) error {
		eni, err := a.CreateNetworkInterface(subnetID, ruleset.ENISpec{}, &off)
		if err == nil {
			id = eni.NetworkInterfaceId
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSDKAccountRouteTableLifeCycle(t *testing.T) {
	l := newAccountLab(t)
	ctx := context.Background()
	vpcID, subnetID := l.netFixture(t)
	eni := l.addNetENI(t, subnetID)
	ct, err := l.client.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID), TagSpecifications: tagSpec(types.ResourceTypeRouteTable, "Name", "fw")})
	if err != nil {
		t.Fatal(err)
	}
	rtb := ct.RouteTable
	rtbID := aws.ToString(rtb.RouteTableId)
	if aws.ToString(rtb.VpcId) != vpcID || len(rtb.Tags) != 1 || len(rtb.Routes) != 1 || aws.ToString(rtb.Routes[0].GatewayId) != "local" {
		t.Fatalf("created %+v", rtb)
	}
	cr, err := l.client.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0"), NetworkInterfaceId: aws.String(eni)})
	if err != nil || !aws.ToBool(cr.Return) {
		t.Fatalf("CreateRoute: %v %+v", err, cr)
	}
	if _, err := l.client.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0"), NetworkInterfaceId: aws.String(eni)}); err != nil {
		t.Fatal(err)
	}
	as, err := l.client.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rtbID), SubnetId: aws.String(subnetID)})
	if err != nil {
		t.Fatal(err)
	}
	if as.AssociationState == nil || as.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
		t.Fatalf("associate: %+v", as)
	}
	dt, err := l.client.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{subnetID}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(dt.RouteTables) != 1 || aws.ToString(dt.RouteTables[0].RouteTableId) != rtbID {
		t.Fatalf("filtered %+v", dt.RouteTables)
	}
	got := dt.RouteTables[0]
	var viaENI bool
	for _, r := range got.Routes {
		viaENI = viaENI || aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && aws.ToString(r.NetworkInterfaceId) == eni && r.Origin == types.RouteOriginCreateRoute
	}
	if !viaENI || len(got.Associations) != 1 || aws.ToString(got.Associations[0].SubnetId) != subnetID {
		t.Fatalf("route table %+v", got)
	}

	// An associated table is not deleted.
	_, err = l.client.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rtbID)})
	wantCode(t, err, "DependencyViolation")

	// Back to the main table through ReplaceRouteTableAssociation, then
	// disassociate from it (the subnet falls back to the main table).
	main, err := l.client.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpcID}}, {Name: aws.String("association.main"), Values: []string{"true"}}}})
	if err != nil || len(main.RouteTables) != 1 {
		t.Fatalf("main: %v %+v", err, main)
	}
	rp, err := l.client.ReplaceRouteTableAssociation(ctx, &ec2.ReplaceRouteTableAssociationInput{AssociationId: as.AssociationId, RouteTableId: main.RouteTables[0].RouteTableId})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.client.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: rp.NewAssociationId}); err != nil {
		t.Fatal(err)
	}
	before := l.spec(t)
	_, err = l.client.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0"), DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	if !reflect.DeepEqual(before, l.spec(t)) {
		t.Fatal("dry run changed the account")
	}
	if _, err := l.client.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.client.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rtbID)}); err != nil {
		t.Fatal(err)
	}

	// Pagination over six tables (the main one and five more), five a page.
	for range 5 {
		if _, err := l.client.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID)}); err != nil {
			t.Fatal(err)
		}
	}
	n, pages := 0, 0
	p := ec2.NewDescribeRouteTablesPaginator(l.client, &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.RouteTables)
		pages++
	}
	if n != 6 || pages != 2 {
		t.Fatalf("paged %d tables in %d pages", n, pages)
	}
}

func TestSDKAccountRouteErrors(t *testing.T) {
	l := newAccountLab(t)
	ctx := context.Background()
	vpcID, subnetID := l.netFixture(t)
	eni := l.addNetENI(t, subnetID)
	ct, err := l.client.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID)})
	if err != nil {
		t.Fatal(err)
	}
	rtbID := ct.RouteTable.RouteTableId
	route := func(dst string) *ec2.CreateRouteInput {
		return &ec2.CreateRouteInput{RouteTableId: rtbID, DestinationCidrBlock: aws.String(dst), NetworkInterfaceId: aws.String(eni)}
	}
	if _, err := l.client.CreateRoute(ctx, route("192.0.2.0/24")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.client.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rtbID, SubnetId: aws.String(subnetID)}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		call func() error
		code string
	}{
		{"duplicate route", func() error { _, err := l.client.CreateRoute(ctx, route("192.0.2.0/24")); return err }, "RouteAlreadyExists"},
		{"internet gateway target", func() error {
			_, err := l.client.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtbID, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String("igw-0123456789abcdef0")})
			return err
		}, "UnsupportedOperation"},
		{"no target", func() error {
			_, err := l.client.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtbID, DestinationCidrBlock: aws.String("0.0.0.0/0")})
			return err
		}, "MissingParameter"},
		{"both destinations", func() error {
			r := route("0.0.0.0/0")
			r.DestinationIpv6CidrBlock = aws.String("::/0")
			_, err := l.client.CreateRoute(ctx, r)
			return err
		}, "InvalidParameterCombination"},
		{"replace missing route", func() error {
			_, err := l.client.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: rtbID, DestinationCidrBlock: aws.String("203.0.113.0/24"), NetworkInterfaceId: aws.String(eni)})
			return err
		}, "InvalidRoute.NotFound"},
		{"delete missing route", func() error {
			_, err := l.client.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: rtbID, DestinationCidrBlock: aws.String("203.0.113.0/24")})
			return err
		}, "InvalidRoute.NotFound"},
		{"unknown table", func() error {
			_, err := l.client.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{"rtb-0123456789abcdef0"}})
			return err
		}, "InvalidRouteTableID.NotFound"},
		{"subnet already associated", func() error {
			_, err := l.client.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rtbID, SubnetId: aws.String(subnetID)})
			return err
		}, "Resource.AlreadyAssociated"},
		{"associated table", func() error {
			_, err := l.client.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: rtbID})
			return err
		}, "DependencyViolation"},
		{"unknown association", func() error {
			_, err := l.client.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String("rtbassoc-0123456789abcdef0")})
			return err
		}, "InvalidAssociationID.NotFound"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := l.spec(t)
			wantCode(t, c.call(), c.code)
			if !reflect.DeepEqual(before, l.spec(t)) {
				t.Fatal("a refusal changed the account")
			}
		})
	}
}
