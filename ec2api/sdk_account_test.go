package ec2api

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"sgswitch/account"
	"sgswitch/vpc"
)

// The VPC model's actions, driven by aws-sdk-go-v2 over a
// MemAccountBackend (the SDK's deserialiser judges the XML).

type accountLab struct {
	client  *ec2.Client
	backend *MemAccountBackend
}

func newAccountLab(t *testing.T) *accountLab {
	t.Helper()
	a, err := account.New(account.Config{Network: vpc.Config{IDSeed: 7, VpcsPerRegion: 10}})
	if err != nil {
		t.Fatal(err)
	}
	b := NewMemAccountBackend(a)
	srv := httptest.NewServer(NewHandler(b))
	t.Cleanup(srv.Close)
	return &accountLab{client: sdkClient(srv.URL, "AKIDLAB", "lab-secret"), backend: b}
}

// spec snapshots the account, to check that a refusal changed nothing.
func (l *accountLab) spec(t *testing.T) account.Spec {
	t.Helper()
	var sp account.Spec
	if err := l.backend.ReadAccount(func(a *account.Account) error { sp = a.Spec(); return nil }); err != nil {
		t.Fatal(err)
	}
	return sp
}

func tagSpec(rt types.ResourceType, key, value string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: rt, Tags: []types.Tag{{Key: aws.String(key), Value: aws.String(value)}}}}
}

func TestSDKAccountVpcLifeCycle(t *testing.T) {
	l := newAccountLab(t)
	ctx := context.Background()
	cv, err := l.client.CreateVpc(ctx, &ec2.CreateVpcInput{
		CidrBlock: aws.String("10.1.0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeVpc, "Name", "lab"),
	})
	if err != nil {
		t.Fatal(err)
	}
	v := cv.Vpc
	if aws.ToString(v.CidrBlock) != "10.1.0.0/16" || v.State != types.VpcStateAvailable || len(v.Tags) != 1 || aws.ToString(v.Tags[0].Value) != "lab" {
		t.Fatalf("created %+v", v)
	}
	vpcID := aws.ToString(v.VpcId)
	// The Account gave the VPC its default security group.
	if err := l.backend.ReadAccount(func(a *account.Account) error {
		if a.Groups(vpcID) == nil {
			t.Errorf("no security groups for %s", vpcID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, cidr := range []string{"10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16", "10.5.0.0/16", "10.6.0.0/16"} {
		if _, err := l.client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)}); err != nil {
			t.Fatal(err)
		}
	}

	dv, err := l.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
		Filters: []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"lab"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dv.Vpcs) != 1 || aws.ToString(dv.Vpcs[0].VpcId) != vpcID {
		t.Fatalf("filtered: %+v", dv.Vpcs)
	}

	// Pagination: six VPCs, five a page.
	var seen []string
	p := ec2.NewDescribeVpcsPaginator(l.client, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range out.Vpcs {
			seen = append(seen, aws.ToString(v.VpcId))
		}
	}
	if len(seen) != 6 || pages != 2 {
		t.Fatalf("paged %v in %d pages", seen, pages)
	}

	// Dry run: DryRunOperation, nothing created.
	before := l.spec(t)
	_, err = l.client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.7.0.0/16"), DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	if !reflect.DeepEqual(before, l.spec(t)) {
		t.Fatal("dry run changed the account")
	}

	if _, err := l.client.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)}); err != nil {
		t.Fatal(err)
	}
	_, err = l.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	wantCode(t, err, "InvalidVpcID.NotFound")
}

func TestSDKAccountSubnetLifeCycle(t *testing.T) {
	l := newAccountLab(t)
	ctx := context.Background()
	cv, err := l.client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := aws.ToString(cv.Vpc.VpcId)
	var ids []string
	for i, cidr := range []string{"10.1.0.0/24", "10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24", "10.1.4.0/24", "10.1.5.0/24"} {
		cs, err := l.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{
			VpcId: aws.String(vpcID), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String("us-east-1a"),
			TagSpecifications: tagSpec(types.ResourceTypeSubnet, "Tier", []string{"web", "app", "db", "web", "web", "web"}[i]),
		})
		if err != nil {
			t.Fatal(err)
		}
		s := cs.Subnet
		if aws.ToString(s.CidrBlock) != cidr || aws.ToString(s.VpcId) != vpcID || aws.ToInt32(s.AvailableIpAddressCount) != 251 || len(s.Tags) != 1 {
			t.Fatalf("created %+v", s)
		}
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	ds, err := l.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{
		Filters: []types.Filter{{Name: aws.String("tag:Tier"), Values: []string{"app", "db"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Subnets) != 2 {
		t.Fatalf("filtered: %+v", ds.Subnets)
	}
	n, pages := 0, 0
	p := ec2.NewDescribeSubnetsPaginator(l.client, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Subnets)
		pages++
	}
	if n != 6 || pages != 2 {
		t.Fatalf("paged %d subnets in %d pages", n, pages)
	}
	before := l.spec(t)
	_, err = l.client.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(ids[0]), DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	if !reflect.DeepEqual(before, l.spec(t)) {
		t.Fatal("dry run changed the account")
	}
	// A VPC with subnets is not deleted.
	_, err = l.client.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)})
	wantCode(t, err, "DependencyViolation")
	for _, id := range ids {
		if _, err := l.client.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.client.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)}); err != nil {
		t.Fatal(err)
	}
}

// Every refusal carries EC2's code and leaves the account as it was.
func TestSDKAccountErrors(t *testing.T) {
	l := newAccountLab(t)
	ctx := context.Background()
	cv, err := l.client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := aws.ToString(cv.Vpc.VpcId)
	if _, err := l.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.1.0.0/24")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		call func() error
		code string
	}{
		{"vpc too big", func() error {
			_, err := l.client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/8")})
			return err
		}, "InvalidVpc.Range"},
		{"vpc without cidr", func() error {
			_, err := l.client.CreateVpc(ctx, &ec2.CreateVpcInput{})
			return err
		}, "MissingParameter"},
		{"vpc wrong tag type", func() error {
			_, err := l.client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.2.0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeSubnet, "a", "b")})
			return err
		}, "InvalidParameterValue"},
		{"delete unknown vpc", func() error {
			_, err := l.client.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String("vpc-0123456789abcdef0")})
			return err
		}, "InvalidVpcID.NotFound"},
		{"vpc with subnet", func() error {
			_, err := l.client.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)})
			return err
		}, "DependencyViolation"},
		{"subnet outside the vpc", func() error {
			_, err := l.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.9.0.0/24")})
			return err
		}, "InvalidSubnet.Range"},
		{"overlapping subnet", func() error {
			_, err := l.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.1.0.128/25")})
			return err
		}, "InvalidSubnet.Conflict"},
		{"subnet without cidr", func() error {
			_, err := l.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID)})
			return err
		}, "MissingParameter"},
		{"subnet of unknown vpc", func() error {
			_, err := l.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String("vpc-0123456789abcdef0"), CidrBlock: aws.String("10.1.5.0/24")})
			return err
		}, "InvalidVpcID.NotFound"},
		{"delete unknown subnet", func() error {
			_, err := l.client.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String("subnet-0123456789abcdef0")})
			return err
		}, "InvalidSubnetID.NotFound"},
		{"bad filter", func() error {
			_, err := l.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("no-such-filter"), Values: []string{"x"}}}})
			return err
		}, "InvalidParameterValue"},
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
