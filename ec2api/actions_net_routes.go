package ec2api

import (
	"sgswitch/account"
	"sgswitch/vpc"
)

// Route-table actions. The VPC model
// routes to network interfaces only (plus each table's local routes), so
// every other target of CreateRoute/ReplaceRoute is accepted on the wire
// (the SDK may send it) and refused with UnsupportedOperation.

// RouteTable is the DescribeRouteTables shape.
type RouteTable struct {
	Associations    List[RouteTableAssociation] `xml:"associationSet" json:"Associations"`
	PropagatingVgws List[struct{}]              `xml:"propagatingVgwSet" json:"PropagatingVgws"`
	RouteTableId    string                      `xml:"routeTableId" json:"RouteTableId"`
	Routes          List[Route]                 `xml:"routeSet" json:"Routes"`
	Tags            List[Tag]                   `xml:"tagSet" json:"Tags"`
	VpcId           string                      `xml:"vpcId" json:"VpcId"`
	OwnerId         string                      `xml:"ownerId" json:"OwnerId"`
}

// RouteTableAssociation ties a subnet (or, for the main table, the VPC) to
// a route table.
type RouteTableAssociation struct {
	Main                    bool                        `xml:"main" json:"Main"`
	RouteTableAssociationId string                      `xml:"routeTableAssociationId" json:"RouteTableAssociationId"`
	RouteTableId            string                      `xml:"routeTableId" json:"RouteTableId"`
	SubnetId                string                      `xml:"subnetId,omitempty" json:"SubnetId,omitempty"`
	AssociationState        *RouteTableAssociationState `xml:"associationState,omitempty" json:"AssociationState,omitempty"`
}

// RouteTableAssociationState is the state of an association.
type RouteTableAssociationState struct {
	State string `xml:"state" json:"State"`
}

// Route is one route of a table.
type Route struct {
	DestinationCidrBlock     string `xml:"destinationCidrBlock,omitempty" json:"DestinationCidrBlock,omitempty"`
	DestinationIpv6CidrBlock string `xml:"destinationIpv6CidrBlock,omitempty" json:"DestinationIpv6CidrBlock,omitempty"`
	GatewayId                string `xml:"gatewayId,omitempty" json:"GatewayId,omitempty"`
	NetworkInterfaceId       string `xml:"networkInterfaceId,omitempty" json:"NetworkInterfaceId,omitempty"`
	Origin                   string `xml:"origin" json:"Origin"`
	State                    string `xml:"state" json:"State"`
}

type CreateRouteTableInput struct {
	VpcId             string             `query:"VpcId"`
	ClientToken       string             `query:"ClientToken"`
	TagSpecifications []TagSpecification `query:"TagSpecification"`
	DryRunParam
}

type CreateRouteTableOutput struct {
	ResponseMetadata
	RouteTable RouteTable `xml:"routeTable" json:"RouteTable"`
}

type DeleteRouteTableInput struct {
	RouteTableId string `query:"RouteTableId"`
	DryRunParam
}

// RouteInput is the request of CreateRoute and ReplaceRoute.
type RouteInput struct {
	RouteTableId             string `query:"RouteTableId"`
	DestinationCidrBlock     string `query:"DestinationCidrBlock"`
	DestinationIpv6CidrBlock string `query:"DestinationIpv6CidrBlock"`
	NetworkInterfaceId       string `query:"NetworkInterfaceId"`
	// Targets and destinations the model does not route (refused).
	DestinationPrefixListId     string `query:"DestinationPrefixListId"`
	CarrierGatewayId            string `query:"CarrierGatewayId"`
	CoreNetworkArn              string `query:"CoreNetworkArn"`
	EgressOnlyInternetGatewayId string `query:"EgressOnlyInternetGatewayId"`
	GatewayId                   string `query:"GatewayId"`
	InstanceId                  string `query:"InstanceId"`
	LocalGatewayId              string `query:"LocalGatewayId"`
	LocalTarget                 *bool  `query:"LocalTarget"`
	NatGatewayId                string `query:"NatGatewayId"`
	OdbNetworkArn               string `query:"OdbNetworkArn"`
	TransitGatewayId            string `query:"TransitGatewayId"`
	VpcEndpointId               string `query:"VpcEndpointId"`
	VpcPeeringConnectionId      string `query:"VpcPeeringConnectionId"`
	DryRunParam
}

type DeleteRouteInput struct {
	RouteTableId             string `query:"RouteTableId"`
	DestinationCidrBlock     string `query:"DestinationCidrBlock"`
	DestinationIpv6CidrBlock string `query:"DestinationIpv6CidrBlock"`
	DestinationPrefixListId  string `query:"DestinationPrefixListId"`
	DryRunParam
}

type AssociateRouteTableInput struct {
	RouteTableId   string `query:"RouteTableId"`
	SubnetId       string `query:"SubnetId"`
	GatewayId      string `query:"GatewayId"`
	PublicIpv4Pool string `query:"PublicIpv4Pool"`
	DryRunParam
}

type AssociateRouteTableOutput struct {
	ResponseMetadata
	AssociationId    string                      `xml:"associationId" json:"AssociationId"`
	AssociationState *RouteTableAssociationState `xml:"associationState" json:"AssociationState"`
}

type DisassociateRouteTableInput struct {
	AssociationId string `query:"AssociationId"`
	DryRunParam
}

type ReplaceRouteTableAssociationInput struct {
	AssociationId string `query:"AssociationId"`
	RouteTableId  string `query:"RouteTableId"`
	DryRunParam
}

type ReplaceRouteTableAssociationOutput struct {
	ResponseMetadata
	NewAssociationId string                      `xml:"newAssociationId" json:"NewAssociationId"`
	AssociationState *RouteTableAssociationState `xml:"associationState" json:"AssociationState"`
}

type DescribeRouteTablesInput struct {
	RouteTableIds []string `query:"RouteTableId"`
	Filters       []Filter `query:"Filter"`
	PageParams
	DryRunParam
}

type DescribeRouteTablesOutput struct {
	ResponseMetadata
	RouteTables List[RouteTable] `xml:"routeTableSet" json:"RouteTables"`
	NextToken   string           `xml:"nextToken,omitempty" json:"NextToken,omitempty"`
}

func createRouteTable(a *account.Account, in *CreateRouteTableInput) (*CreateRouteTableOutput, error) {
	if in.VpcId == "" {
		return nil, missing("VpcId")
	}
	tags, err := netTags(in.TagSpecifications, "route-table")
	if err != nil {
		return nil, err
	}
	t, err := a.Network().CreateRouteTable(in.VpcId, tags)
	if err != nil {
		return nil, err
	}
	out, err := convert[RouteTable](t)
	if err != nil {
		return nil, err
	}
	return &CreateRouteTableOutput{RouteTable: out}, nil
}

func deleteRouteTable(a *account.Account, in *DeleteRouteTableInput) (*EmptyOutput, error) {
	if in.RouteTableId == "" {
		return nil, missing("RouteTableId")
	}
	if err := a.Network().DeleteRouteTable(in.RouteTableId); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

// destination picks the one destination of a route request.
func destination(v4, v6, prefixList string) (string, error) {
	switch {
	case prefixList != "":
		return "", errorf(codeUnsupportedOperation, "sgswitch does not route to prefix lists (DestinationPrefixListId)")
	case v4 != "" && v6 != "":
		return "", errorf(codeInvalidParameterCombination, "Only one of DestinationCidrBlock and DestinationIpv6CidrBlock may be specified")
	case v4 != "":
		return v4, nil
	case v6 != "":
		return v6, nil
	}
	return "", errorf(codeMissingParameter, "The request must contain the parameter destinationCidrBlock or destinationIpv6CidrBlock")
}

// routeTarget checks a route request and returns its destination and the
// interface it routes to.
func routeTarget(in *RouteInput) (dst string, err error) {
	if in.RouteTableId == "" {
		return "", missing("RouteTableId")
	}
	if dst, err = destination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId); err != nil {
		return "", err
	}
	for _, other := range []struct{ name, value string }{
		{"CarrierGatewayId", in.CarrierGatewayId}, {"CoreNetworkArn", in.CoreNetworkArn},
		{"EgressOnlyInternetGatewayId", in.EgressOnlyInternetGatewayId}, {"GatewayId", in.GatewayId},
		{"InstanceId", in.InstanceId}, {"LocalGatewayId", in.LocalGatewayId}, {"NatGatewayId", in.NatGatewayId},
		{"OdbNetworkArn", in.OdbNetworkArn}, {"TransitGatewayId", in.TransitGatewayId},
		{"VpcEndpointId", in.VpcEndpointId}, {"VpcPeeringConnectionId", in.VpcPeeringConnectionId},
	} {
		if other.value != "" {
			return "", errorf(codeUnsupportedOperation, "sgswitch routes only to network interfaces (NetworkInterfaceId), not to %s", other.name)
		}
	}
	if in.LocalTarget != nil {
		return "", errorf(codeUnsupportedOperation, "sgswitch routes only to network interfaces (NetworkInterfaceId), not to LocalTarget")
	}
	if in.NetworkInterfaceId == "" {
		return "", errorf(codeMissingParameter, "The request must contain a target: NetworkInterfaceId")
	}
	return dst, nil
}

func createRoute(a *account.Account, in *RouteInput) (*ReturnOutput, error) {
	dst, err := routeTarget(in)
	if err != nil {
		return nil, err
	}
	if err := a.Network().CreateRoute(in.RouteTableId, dst, in.NetworkInterfaceId); err != nil {
		return nil, err
	}
	return &ReturnOutput{Return: true}, nil
}

func replaceRoute(a *account.Account, in *RouteInput) (*EmptyOutput, error) {
	dst, err := routeTarget(in)
	if err != nil {
		return nil, err
	}
	if err := a.Network().ReplaceRoute(in.RouteTableId, dst, in.NetworkInterfaceId); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

func deleteRoute(a *account.Account, in *DeleteRouteInput) (*EmptyOutput, error) {
	if in.RouteTableId == "" {
		return nil, missing("RouteTableId")
	}
	dst, err := destination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId)
	if err != nil {
		return nil, err
	}
	if err := a.Network().DeleteRoute(in.RouteTableId, dst); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

func associateRouteTable(a *account.Account, in *AssociateRouteTableInput) (*AssociateRouteTableOutput, error) {
	switch {
	case in.RouteTableId == "":
		return nil, missing("RouteTableId")
	case in.GatewayId != "" || in.PublicIpv4Pool != "":
		return nil, errorf(codeUnsupportedOperation, "sgswitch associates route tables with subnets only")
	case in.SubnetId == "":
		return nil, missing("SubnetId")
	}
	id, err := a.Network().AssociateRouteTable(in.RouteTableId, in.SubnetId)
	if err != nil {
		return nil, err
	}
	return &AssociateRouteTableOutput{AssociationId: id, AssociationState: &RouteTableAssociationState{State: "associated"}}, nil
}

func disassociateRouteTable(a *account.Account, in *DisassociateRouteTableInput) (*EmptyOutput, error) {
	if in.AssociationId == "" {
		return nil, missing("AssociationId")
	}
	if err := a.Network().DisassociateRouteTable(in.AssociationId); err != nil {
		return nil, err
	}
	return &EmptyOutput{}, nil
}

func replaceRouteTableAssociation(a *account.Account, in *ReplaceRouteTableAssociationInput) (*ReplaceRouteTableAssociationOutput, error) {
	if in.AssociationId == "" {
		return nil, missing("AssociationId")
	}
	if in.RouteTableId == "" {
		return nil, missing("RouteTableId")
	}
	id, err := a.Network().ReplaceRouteTableAssociation(in.AssociationId, in.RouteTableId)
	if err != nil {
		return nil, err
	}
	return &ReplaceRouteTableAssociationOutput{NewAssociationId: id, AssociationState: &RouteTableAssociationState{State: "associated"}}, nil
}

func describeRouteTables(a *account.Account, in *DescribeRouteTablesInput) (*DescribeRouteTablesOutput, error) {
	filters, err := convert[[]vpc.Filter](in.Filters)
	if err != nil {
		return nil, err
	}
	tables, err := a.Network().DescribeRouteTables(in.RouteTableIds, filters)
	if err != nil {
		return nil, err
	}
	lo, hi, next, err := page(len(tables), in.PageParams)
	if err != nil {
		return nil, err
	}
	out, err := convertList[RouteTable](tables[lo:hi])
	if err != nil {
		return nil, err
	}
	return &DescribeRouteTablesOutput{RouteTables: out, NextToken: next}, nil
}
