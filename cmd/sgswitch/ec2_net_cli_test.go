package main

import (
	"net/http/httptest"
	"testing"

	"sgswitch/account"
	"sgswitch/ec2api"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// netLab serves the EC2 API over an in-memory account; addENI places an
// interface in a subnet (the CLI has no create-network-interface over an
// account yet).
func netLab(t *testing.T) (url string, addENI func(subnetID string) string) {
	t.Helper()
	a, err := account.New(account.Config{Network: vpc.Config{IDSeed: 3}})
	if err != nil {
		t.Fatal(err)
	}
	b := ec2api.NewMemAccountBackend(a)
	srv := httptest.NewServer(ec2api.NewHandler(b))
	t.Cleanup(srv.Close)
	return srv.URL, func(subnetID string) string {
		var id string
		off := false
		if err := b.WriteAccount(func(a *account.Account) error {
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
}

func TestEC2CLINetWorkflow(t *testing.T) {
	url, addENI := netLab(t)
	var cv struct {
		Vpc struct{ VpcId, CidrBlock string }
	}
	okJSON(t, url, &cv, "create-vpc", "--cidr-block", "10.1.0.0/16", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=lab}]")
	vpcID := cv.Vpc.VpcId
	if vpcID == "" || cv.Vpc.CidrBlock != "10.1.0.0/16" {
		t.Fatalf("create-vpc: %+v", cv)
	}
	var dv struct{ Vpcs []struct{ VpcId string } }
	okJSON(t, url, &dv, "describe-vpcs", "--filters", "Name=tag:Name,Values=lab")
	if len(dv.Vpcs) != 1 || dv.Vpcs[0].VpcId != vpcID {
		t.Fatalf("describe-vpcs: %+v", dv)
	}
	var cs struct{ Subnet struct{ SubnetId string } }
	okJSON(t, url, &cs, "create-subnet", "--vpc-id", vpcID, "--cidr-block", "10.1.1.0/24", "--availability-zone", "us-east-1a")
	var ds struct {
		Subnets []struct{ SubnetId, CidrBlock string }
	}
	okJSON(t, url, &ds, "describe-subnets", "--filters", "Name=vpc-id,Values="+vpcID)
	if len(ds.Subnets) != 1 || ds.Subnets[0].SubnetId != cs.Subnet.SubnetId {
		t.Fatalf("describe-subnets: %+v", ds)
	}
	wantEC2Error(t, url, "InvalidSubnet.Conflict", "CreateSubnet", "create-subnet", "--vpc-id", vpcID, "--cidr-block", "10.1.1.0/25")

	var ca struct{ NetworkAcl struct{ NetworkAclId string } }
	okJSON(t, url, &ca, "create-network-acl", "--vpc-id", vpcID)
	aclID := ca.NetworkAcl.NetworkAclId
	okJSON(t, url, nil, "create-network-acl-entry", "--network-acl-id", aclID, "--rule-number", "100", "--protocol", "tcp",
		"--rule-action", "allow", "--ingress", "--cidr-block", "0.0.0.0/0", "--port-range", "From=443,To=443")
	okJSON(t, url, nil, "create-network-acl-entry", "--network-acl-id", aclID, "--rule-number", "100", "--protocol", "icmp",
		"--rule-action", "deny", "--egress", "--cidr-block", "0.0.0.0/0", "--icmp-type-code", `{"Type":8,"Code":-1}`)
	wantEC2Error(t, url, "NetworkAclEntryAlreadyExists", "CreateNetworkAclEntry", "create-network-acl-entry", "--network-acl-id", aclID,
		"--rule-number", "100", "--protocol", "-1", "--rule-action", "allow", "--cidr-block", "0.0.0.0/0")
	var da struct {
		NetworkAcls []struct {
			Entries []struct {
				RuleNumber int32
				Egress     bool
				PortRange  *struct{ From, To int32 }
			}
		}
	}
	okJSON(t, url, &da, "describe-network-acls", "--network-acl-ids", aclID)
	var https, icmp bool
	for _, e := range da.NetworkAcls[0].Entries {
		https = https || e.RuleNumber == 100 && !e.Egress && e.PortRange != nil && e.PortRange.From == 443
		icmp = icmp || e.RuleNumber == 100 && e.Egress
	}
	if !https || !icmp {
		t.Fatalf("describe-network-acls: %+v", da)
	}

	eni := addENI(cs.Subnet.SubnetId)
	var ct struct{ RouteTable struct{ RouteTableId string } }
	okJSON(t, url, &ct, "create-route-table", "--vpc-id", vpcID)
	rtbID := ct.RouteTable.RouteTableId
	okJSON(t, url, nil, "create-route", "--route-table-id", rtbID, "--destination-cidr-block", "0.0.0.0/0", "--network-interface-id", eni)
	wantEC2Error(t, url, "RouteAlreadyExists", "CreateRoute", "create-route", "--route-table-id", rtbID, "--destination-cidr-block", "0.0.0.0/0", "--network-interface-id", eni)
	var dt struct {
		RouteTables []struct {
			Routes []struct{ DestinationCidrBlock, NetworkInterfaceId string }
		}
	}
	okJSON(t, url, &dt, "describe-route-tables", "--route-table-ids", rtbID)
	var viaENI bool
	for _, r := range dt.RouteTables[0].Routes {
		viaENI = viaENI || r.DestinationCidrBlock == "0.0.0.0/0" && r.NetworkInterfaceId == eni
	}
	if !viaENI {
		t.Fatalf("describe-route-tables: %+v", dt)
	}
	wantEC2Error(t, url, "DryRunOperation", "CreateVpc", "create-vpc", "--cidr-block", "10.2.0.0/16", "--dry-run")
}

// The commands that change and delete, in the order a lab is taken down.
func TestEC2CLINetChangeWorkflow(t *testing.T) {
	url, addENI := netLab(t)
	var cv struct{ Vpc struct{ VpcId string } }
	okJSON(t, url, &cv, "create-vpc", "--cidr-block", "10.3.0.0/16")
	vpcID := cv.Vpc.VpcId
	okJSON(t, url, nil, "modify-vpc-attribute", "--vpc-id", vpcID, "--no-enable-dns-support")
	var attr struct{ EnableDnsSupport struct{ Value bool } }
	okJSON(t, url, &attr, "describe-vpc-attribute", "--vpc-id", vpcID, "--attribute", "enableDnsSupport")
	if attr.EnableDnsSupport.Value {
		t.Fatal("modify-vpc-attribute --no-enable-dns-support left DNS support on")
	}
	var cs struct{ Subnet struct{ SubnetId string } }
	okJSON(t, url, &cs, "create-subnet", "--vpc-id", vpcID, "--cidr-block", "10.3.1.0/24")
	subnet := cs.Subnet.SubnetId

	var ca struct{ NetworkAcl struct{ NetworkAclId string } }
	okJSON(t, url, &ca, "create-network-acl", "--vpc-id", vpcID)
	aclID := ca.NetworkAcl.NetworkAclId
	entry := []string{"--network-acl-id", aclID, "--rule-number", "100", "--protocol", "tcp", "--rule-action", "allow", "--cidr-block", "0.0.0.0/0"}
	okJSON(t, url, nil, append([]string{"create-network-acl-entry", "--port-range", "From=443,To=443"}, entry...)...)
	okJSON(t, url, nil, append([]string{"replace-network-acl-entry", "--port-range", "From=22,To=22"}, entry...)...)
	var de struct {
		NetworkAcls []struct {
			Entries []struct {
				RuleNumber int32
				PortRange  *struct{ From int32 }
			}
		}
	}
	okJSON(t, url, &de, "describe-network-acls", "--network-acl-ids", aclID)
	for _, e := range de.NetworkAcls[0].Entries {
		if e.RuleNumber == 100 && (e.PortRange == nil || e.PortRange.From != 22) {
			t.Fatalf("replace-network-acl-entry: %+v", e)
		}
	}
	var assoc struct {
		NetworkAcls []struct {
			NetworkAclId string
			Associations []struct{ NetworkAclAssociationId, SubnetId string }
		}
	}
	okJSON(t, url, &assoc, "describe-network-acls", "--filters", "Name=association.subnet-id,Values="+subnet)
	var replaced struct{ NewAssociationId string }
	okJSON(t, url, &replaced, "replace-network-acl-association", "--association-id", assoc.NetworkAcls[0].Associations[0].NetworkAclAssociationId, "--network-acl-id", aclID)
	wantEC2Error(t, url, "DependencyViolation", "DeleteNetworkAcl", "delete-network-acl", "--network-acl-id", aclID)
	okJSON(t, url, nil, "replace-network-acl-association", "--association-id", replaced.NewAssociationId, "--network-acl-id", assoc.NetworkAcls[0].NetworkAclId)
	okJSON(t, url, nil, "delete-network-acl-entry", "--network-acl-id", aclID, "--rule-number", "100", "--ingress")
	okJSON(t, url, nil, "delete-network-acl", "--network-acl-id", aclID)

	eni := addENI(subnet)
	var ct struct{ RouteTable struct{ RouteTableId string } }
	okJSON(t, url, &ct, "create-route-table", "--vpc-id", vpcID)
	rtb := ct.RouteTable.RouteTableId
	okJSON(t, url, nil, "create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--network-interface-id", eni)
	okJSON(t, url, nil, "replace-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--network-interface-id", eni)
	var at struct{ AssociationId string }
	okJSON(t, url, &at, "associate-route-table", "--route-table-id", rtb, "--subnet-id", subnet)
	wantEC2Error(t, url, "DependencyViolation", "DeleteRouteTable", "delete-route-table", "--route-table-id", rtb)
	okJSON(t, url, nil, "disassociate-route-table", "--association-id", at.AssociationId)
	okJSON(t, url, nil, "delete-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0")
	okJSON(t, url, nil, "delete-route-table", "--route-table-id", rtb)

	okJSON(t, url, nil, "modify-network-interface-attribute", "--network-interface-id", eni, "--no-source-dest-check")
	var dn struct {
		NetworkInterfaces []struct{ SourceDestCheck bool }
	}
	okJSON(t, url, &dn, "describe-network-interfaces", "--network-interface-ids", eni)
	if len(dn.NetworkInterfaces) != 1 || dn.NetworkInterfaces[0].SourceDestCheck {
		t.Fatalf("after --no-source-dest-check: %+v", dn)
	}
	wantEC2Error(t, url, "InvalidInstanceID.NotFound", "AttachNetworkInterface", "attach-network-interface",
		"--network-interface-id", eni, "--instance-id", "i-0123456789abcdef0", "--device-index", "1")
	wantEC2Error(t, url, "InvalidAttachmentID.NotFound", "DetachNetworkInterface", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0")

	wantEC2Error(t, url, "DependencyViolation", "DeleteSubnet", "delete-subnet", "--subnet-id", subnet)
	okJSON(t, url, nil, "delete-network-interface", "--network-interface-id", eni)
	okJSON(t, url, nil, "delete-subnet", "--subnet-id", subnet)
	okJSON(t, url, nil, "delete-vpc", "--vpc-id", vpcID)
	wantEC2Error(t, url, "InvalidVpcID.NotFound", "DeleteVpc", "delete-vpc", "--vpc-id", vpcID)
}
