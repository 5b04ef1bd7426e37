package ec2api

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"sgswitch/account"
)

// The managed prefix-list life cycle through aws-sdk-go-v2: create with
// entries and tags, reference from a rule, modify (versions), read an
// older version, associations, restore, refused delete, delete.
func TestSDKPrefixListLifeCycle(t *testing.T) {
	ctx := context.Background()
	l := newSDKLab(t, false)
	c := l.client
	pl := must(c.CreateManagedPrefixList(ctx, &ec2.CreateManagedPrefixListInput{
		PrefixListName: aws.String("office"), AddressFamily: aws.String("IPv4"), MaxEntries: aws.Int32(5),
		Entries: []types.AddPrefixListEntry{{Cidr: aws.String("192.0.2.0/24"), Description: aws.String("hq")}},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypePrefixList,
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("net")}}}},
	}))(t).PrefixList
	id := aws.ToString(pl.PrefixListId)
	if aws.ToInt64(pl.Version) != 1 || len(pl.Tags) != 1 || aws.ToString(pl.OwnerId) == "" {
		t.Fatalf("created %+v", pl)
	}
	sg := l.group(t, "web")
	must(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			PrefixListIds: []types.PrefixListId{{PrefixListId: aws.String(id)}}}}}))(t)

	mod := must(c.ModifyManagedPrefixList(ctx, &ec2.ModifyManagedPrefixListInput{PrefixListId: aws.String(id),
		CurrentVersion: aws.Int64(1), AddEntries: []types.AddPrefixListEntry{{Cidr: aws.String("198.51.100.0/24")}},
		RemoveEntries: []types.RemovePrefixListEntry{{Cidr: aws.String("192.0.2.0/24")}}}))(t).PrefixList
	if aws.ToInt64(mod.Version) != 2 {
		t.Fatalf("modified %+v", mod)
	}
	old := must(c.GetManagedPrefixListEntries(ctx, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: aws.String(id), TargetVersion: aws.Int64(1)}))(t)
	if len(old.Entries) != 1 || aws.ToString(old.Entries[0].Cidr) != "192.0.2.0/24" || aws.ToString(old.Entries[0].Description) != "hq" {
		t.Fatalf("version 1 %+v", old.Entries)
	}
	as := must(c.GetManagedPrefixListAssociations(ctx, &ec2.GetManagedPrefixListAssociationsInput{PrefixListId: aws.String(id)}))(t)
	if len(as.PrefixListAssociations) != 1 || aws.ToString(as.PrefixListAssociations[0].ResourceId) != sg {
		t.Fatalf("associations %+v", as.PrefixListAssociations)
	}
	res := must(c.RestoreManagedPrefixListVersion(ctx, &ec2.RestoreManagedPrefixListVersionInput{PrefixListId: aws.String(id),
		PreviousVersion: aws.Int64(1), CurrentVersion: aws.Int64(2)}))(t).PrefixList
	if aws.ToInt64(res.Version) != 3 {
		t.Fatalf("restored %+v", res)
	}
	_, err := c.DeleteManagedPrefixList(ctx, &ec2.DeleteManagedPrefixListInput{PrefixListId: aws.String(id)})
	wantCode(t, err, "DependencyViolation")
	must(c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(sg),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			PrefixListIds: []types.PrefixListId{{PrefixListId: aws.String(id)}}}}}))(t)
	must(c.DeleteManagedPrefixList(ctx, &ec2.DeleteManagedPrefixListInput{PrefixListId: aws.String(id)}))(t)
	d := must(c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{}))(t)
	for _, p := range d.PrefixLists { // the AWS-managed ones stay
		if aws.ToString(p.OwnerId) != "AWS" {
			t.Fatalf("left %s", aws.ToString(p.PrefixListId))
		}
	}
}

// Filters and pagination of DescribeManagedPrefixLists, with the SDK's
// paginator.
func TestSDKPrefixListDescribe(t *testing.T) {
	ctx := context.Background()
	l := newSDKLab(t, true)
	c := l.client
	for i, name := range []string{"a", "b", "c"} {
		fam := "IPv4"
		if i == 2 {
			fam = "IPv6"
		}
		must(c.CreateManagedPrefixList(ctx, &ec2.CreateManagedPrefixListInput{PrefixListName: aws.String(name),
			AddressFamily: aws.String(fam), MaxEntries: aws.Int32(2),
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypePrefixList,
				Tags: []types.Tag{{Key: aws.String("n"), Value: aws.String(name)}}}}}))(t)
	}
	for _, f := range []struct {
		name   string
		values []string
		want   int
	}{
		{"prefix-list-name", []string{"a", "c"}, 2},
		{"tag:n", []string{"b"}, 1},
		{"tag-key", []string{"n"}, 3},
		{"owner-id", []string{"nobody"}, 0},
	} {
		filter := types.Filter{Name: aws.String(f.name), Values: f.values}
		out := must(c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{Filters: []types.Filter{filter}}))(t)
		if len(out.PrefixLists) != f.want {
			t.Errorf("%s: %d lists, want %d", f.name, len(out.PrefixLists), f.want)
		}
	}
	n := 0
	p := ec2.NewDescribeManagedPrefixListsPaginator(c, &ec2.DescribeManagedPrefixListsInput{MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		n += len(must(p.NextPage(ctx))(t).PrefixLists)
	}
	if n != 5 { // and the two AWS-managed lists
		t.Fatalf("paginated %d lists", n)
	}
}

// One row per EC2 error code the prefix-list actions answer with.
func TestSDKPrefixListErrors(t *testing.T) {
	ctx := context.Background()
	l := newSDKLab(t, false)
	c := l.client
	id := aws.ToString(must(c.CreateManagedPrefixList(ctx, &ec2.CreateManagedPrefixListInput{PrefixListName: aws.String("x"),
		AddressFamily: aws.String("IPv4"), MaxEntries: aws.Int32(1)}))(t).PrefixList.PrefixListId)
	unknown := aws.String("pl-0123456789abcdef0")
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"create reserved name", func() error {
			_, err := c.CreateManagedPrefixList(ctx, &ec2.CreateManagedPrefixListInput{PrefixListName: aws.String("com.amazonaws.x"),
				AddressFamily: aws.String("IPv4"), MaxEntries: aws.Int32(1)})
			return err
		}, "InvalidParameterValue"},
		{"create over max", func() error {
			_, err := c.CreateManagedPrefixList(ctx, &ec2.CreateManagedPrefixListInput{PrefixListName: aws.String("y"),
				AddressFamily: aws.String("IPv4"), MaxEntries: aws.Int32(1),
				Entries: []types.AddPrefixListEntry{{Cidr: aws.String("10.0.0.0/8")}, {Cidr: aws.String("11.0.0.0/8")}}})
			return err
		}, "PrefixListMaxEntriesExceeded"},
		{"create wrong tag type", func() error {
			_, err := c.CreateManagedPrefixList(ctx, &ec2.CreateManagedPrefixListInput{PrefixListName: aws.String("y"),
				AddressFamily: aws.String("IPv4"), MaxEntries: aws.Int32(1),
				TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{{Key: aws.String("k")}}}}})
			return err
		}, "InvalidParameterValue"},
		{"describe malformed", func() error {
			_, err := c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{PrefixListIds: []string{"pl-zz"}})
			return err
		}, "InvalidPrefixListId.Malformed"},
		{"describe unknown", func() error {
			_, err := c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{PrefixListIds: []string{*unknown}})
			return err
		}, "InvalidPrefixListID.NotFound"},
		{"describe bad filter", func() error {
			_, err := c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{"x"}}}})
			return err
		}, "InvalidParameterValue"},
		{"describe MaxResults 101", func() error {
			_, err := c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{MaxResults: aws.Int32(101)})
			return err
		}, "InvalidParameterValue"},
		{"entries unknown", func() error {
			_, err := c.GetManagedPrefixListEntries(ctx, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: unknown})
			return err
		}, "InvalidPrefixListID.NotFound"},
		{"entries future version", func() error {
			_, err := c.GetManagedPrefixListEntries(ctx, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: aws.String(id), TargetVersion: aws.Int64(9)})
			return err
		}, "InvalidParameterValue"},
		{"associations MaxResults 4", func() error {
			_, err := c.GetManagedPrefixListAssociations(ctx, &ec2.GetManagedPrefixListAssociationsInput{PrefixListId: aws.String(id), MaxResults: aws.Int32(4)})
			return err
		}, "InvalidParameterValue"},
		{"modify wrong version", func() error {
			_, err := c.ModifyManagedPrefixList(ctx, &ec2.ModifyManagedPrefixListInput{PrefixListId: aws.String(id), CurrentVersion: aws.Int64(5),
				AddEntries: []types.AddPrefixListEntry{{Cidr: aws.String("10.0.0.0/8")}}})
			return err
		}, "PrefixListVersionMismatch"},
		{"modify entries and size", func() error {
			_, err := c.ModifyManagedPrefixList(ctx, &ec2.ModifyManagedPrefixListInput{PrefixListId: aws.String(id), MaxEntries: aws.Int32(3),
				AddEntries: []types.AddPrefixListEntry{{Cidr: aws.String("10.0.0.0/8")}}})
			return err
		}, "InvalidParameterCombination"},
		{"modify over max", func() error {
			_, err := c.ModifyManagedPrefixList(ctx, &ec2.ModifyManagedPrefixListInput{PrefixListId: aws.String(id),
				AddEntries: []types.AddPrefixListEntry{{Cidr: aws.String("10.0.0.0/8")}, {Cidr: aws.String("11.0.0.0/8")}}})
			return err
		}, "PrefixListMaxEntriesExceeded"},
		{"restore the current version", func() error {
			_, err := c.RestoreManagedPrefixListVersion(ctx, &ec2.RestoreManagedPrefixListVersionInput{PrefixListId: aws.String(id),
				PreviousVersion: aws.Int64(1), CurrentVersion: aws.Int64(1)})
			return err
		}, "InvalidParameterValue"},
		{"delete unknown", func() error {
			_, err := c.DeleteManagedPrefixList(ctx, &ec2.DeleteManagedPrefixListInput{PrefixListId: unknown})
			return err
		}, "InvalidPrefixListID.NotFound"},
		{"delete dry run", func() error {
			_, err := c.DeleteManagedPrefixList(ctx, &ec2.DeleteManagedPrefixListInput{PrefixListId: aws.String(id), DryRun: aws.Bool(true)})
			return err
		}, "DryRunOperation"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.call(), tc.code) })
	}
	// The dry run deleted nothing.
	must(c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{PrefixListIds: []string{id}}))(t)
}

// The parameters the SDKs check before sending, sent raw.
func TestPrefixListMissingParameters(t *testing.T) {
	h := NewHandler(newTestBackend(t))
	for _, body := range []string{
		"Action=CreateManagedPrefixList&PrefixListName=x&MaxEntries=1",
		"Action=CreateManagedPrefixList&AddressFamily=IPv4&MaxEntries=1",
		"Action=CreateManagedPrefixList&AddressFamily=IPv4&PrefixListName=x",
		"Action=GetManagedPrefixListEntries",
		"Action=ModifyManagedPrefixList",
		"Action=RestoreManagedPrefixListVersion&PrefixListId=pl-0123456789abcdef0",
		"Action=DeleteManagedPrefixList",
	} {
		if code := errorCode(t, post(t, h, body+"&Version=2016-11-15")); code != "MissingParameter" {
			t.Errorf("%s: %s", body, code)
		}
	}
}

// The AWS-managed lists: present, referencable, read-only, and what
// DescribePrefixLists answers.
func TestSDKAWSManagedPrefixLists(t *testing.T) {
	ctx := context.Background()
	l := newSDKLab(t, false)
	c := l.client
	d := must(c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{
		Filters: []types.Filter{{Name: aws.String("owner-id"), Values: []string{"AWS"}}}}))(t)
	byName := map[string]string{}
	for _, p := range d.PrefixLists {
		byName[aws.ToString(p.PrefixListName)] = aws.ToString(p.PrefixListId)
	}
	s3 := byName["com.amazonaws.us-east-1.s3"]
	if len(byName) != 2 || s3 == "" || byName["com.amazonaws.us-east-1.dynamodb"] == "" {
		t.Fatalf("AWS-managed lists %v", byName)
	}
	old := must(c.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{}))(t)
	if len(old.PrefixLists) != 2 || aws.ToString(old.PrefixLists[1].PrefixListId) != s3 {
		t.Fatalf("DescribePrefixLists %+v", old.PrefixLists)
	}
	sg := l.group(t, "web")
	must(c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(sg),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
			PrefixListIds: []types.PrefixListId{{PrefixListId: aws.String(s3)}}}}}))(t)
	as := must(c.GetManagedPrefixListAssociations(ctx, &ec2.GetManagedPrefixListAssociationsInput{PrefixListId: aws.String(s3)}))(t)
	if len(as.PrefixListAssociations) != 1 {
		t.Fatalf("associations %+v", as.PrefixListAssociations)
	}
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"modify", func() error {
			_, err := c.ModifyManagedPrefixList(ctx, &ec2.ModifyManagedPrefixListInput{PrefixListId: aws.String(s3),
				AddEntries: []types.AddPrefixListEntry{{Cidr: aws.String("10.0.0.0/8")}}})
			return err
		}, "UnsupportedOperation"},
		{"restore", func() error {
			_, err := c.RestoreManagedPrefixListVersion(ctx, &ec2.RestoreManagedPrefixListVersionInput{PrefixListId: aws.String(s3),
				PreviousVersion: aws.Int64(1), CurrentVersion: aws.Int64(1)})
			return err
		}, "UnsupportedOperation"},
		{"delete", func() error {
			_, err := c.DeleteManagedPrefixList(ctx, &ec2.DeleteManagedPrefixListInput{PrefixListId: aws.String(s3)})
			return err
		}, "UnsupportedOperation"},
		{"tag", func() error {
			_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{s3}, Tags: []types.Tag{{Key: aws.String("k")}}})
			return err
		}, "UnsupportedOperation"},
		{"DescribePrefixLists unknown", func() error {
			_, err := c.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{PrefixListIds: []string{"pl-00000000"}})
			return err
		}, "InvalidPrefixListID.NotFound"},
		{"DescribePrefixLists bad filter", func() error {
			_, err := c.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{Filters: []types.Filter{{Name: aws.String("owner-id"), Values: []string{"AWS"}}}})
			return err
		}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.call(), tc.code) })
	}
}

// Over several VPCs a list lives in the default VPC (EC2 keeps lists per
// Region, sgswitch per VPC): without a default VPC there is nowhere to
// create one, and another VPC's rules cannot reference it.
func TestSDKPrefixListsOverVPCs(t *testing.T) {
	ctx := context.Background()
	l := newTwoVPCs(t)
	c := l.client
	in := &ec2.CreateManagedPrefixListInput{PrefixListName: aws.String("office"), AddressFamily: aws.String("IPv4"), MaxEntries: aws.Int32(2)}
	_, err := c.CreateManagedPrefixList(ctx, in)
	wantCode(t, err, "VPCIdNotSpecified")
	check(t, l.backend.WriteAccount(func(a *account.Account) error { return a.SetDefaultVpc(l.vpcA) }))
	id := aws.ToString(must(c.CreateManagedPrefixList(ctx, in))(t).PrefixList.PrefixListId)
	perm := []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
		PrefixListIds: []types.PrefixListId{{PrefixListId: aws.String(id)}}}}
	must(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(l.webA), IpPermissions: perm}))(t)
	_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(l.webB), IpPermissions: perm})
	wantCode(t, err, "InvalidPrefixListID.NotFound")
	d := must(c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{}))(t)
	if len(d.PrefixLists) != 3 { // office, and the AWS-managed lists once
		t.Fatalf("%d lists over two VPCs", len(d.PrefixLists))
	}
}
