package vpc

import (
	"net/netip"
	"slices"
)

// CreateRouteTable creates a route table with the VPC's local routes.
// Quota: Config.RouteTablesPerVpc (RouteTableLimitExceeded), the main
// table included.
func (st *State) CreateRouteTable(vpcID string, tags []Tag) (RouteTable, error) {
	v, err := st.vpc(vpcID)
	if err != nil {
		return RouteTable{}, err
	}
	if err := validateTags(tags); err != nil {
		return RouteTable{}, err
	}
	if count(st.s.RouteTables, func(t *RouteTableSpec) bool { return t.VpcID == vpcID }) >= st.s.Config.RouteTablesPerVpc {
		return RouteTable{}, errorf(CodeRouteTableLimitExceeded, "The maximum number of route tables has been reached.")
	}
	st.s.RouteTables = append(st.s.RouteTables, RouteTableSpec{ID: st.newID("rtb-"), VpcID: vpcID, Routes: localRoutes(v), Tags: slices.Clone(tags)})
	st.reindex()
	return st.describeRouteTable(&st.s.RouteTables[len(st.s.RouteTables)-1]), nil
}

// DeleteRouteTable deletes a route table. The main table, and a table
// associated with a subnet, fail with DependencyViolation.
func (st *State) DeleteRouteTable(id string) error {
	t, err := st.routeTable(id)
	if err != nil {
		return err
	}
	if t.Main || count(st.s.Subnets, func(s *SubnetSpec) bool { return s.RouteTableID == id }) > 0 {
		return errorf(CodeDependencyViolation, "The routeTable '%s' has dependencies and cannot be deleted.", id)
	}
	st.s.RouteTables = slices.DeleteFunc(st.s.RouteTables, func(t RouteTableSpec) bool { return t.ID == id })
	st.reindex()
	return nil
}

// parseDestination parses a route destination, IPv4 or IPv6 (the API's
// DestinationCidrBlock or DestinationIpv6CidrBlock; the ec2api layer passes
// whichever is given).
func parseDestination(s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, errorf(CodeMissingParameter, "The request must contain the parameter destinationCidrBlock or destinationIpv6CidrBlock")
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Is4In6() || p.Addr().Zone() != "" {
		return netip.Prefix{}, errorf(CodeInvalidParameterValue, "Value (%s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.", s)
	}
	return p.Masked(), nil
}

// checkTarget checks that eni is placed in a subnet of the table's VPC.
func (st *State) checkTarget(t *RouteTableSpec, eni string) error {
	if eni == "" {
		return errorf(CodeMissingParameter, "The request must contain the parameter networkInterfaceId")
	}
	e, err := st.iface(eni)
	if err != nil {
		return err
	}
	if sn, _ := st.subnet(e.SubnetID); sn == nil || sn.VpcID != t.VpcID {
		return errorf(CodeInvalidParameterValue, "route table %s and network interface %s belong to different networks", t.ID, eni)
	}
	return nil
}

func findRoute(t *RouteTableSpec, d netip.Prefix) int {
	return slices.IndexFunc(t.Routes, func(r RouteSpec) bool { return r.Destination == d })
}

// CreateRoute adds a route to a network interface of the table's VPC.
// A destination already in the table, the local routes' included, is
// RouteAlreadyExists; a destination inside a local route (more specific
// than the VPC CIDR) is allowed: middlebox routing. Quota:
// Config.RoutesPerTable routes besides the local ones (RouteLimitExceeded).
func (st *State) CreateRoute(rtbID, destination, eni string) error {
	t, err := st.routeTable(rtbID)
	if err != nil {
		return err
	}
	d, err := parseDestination(destination)
	if err != nil {
		return err
	}
	if err := st.checkTarget(t, eni); err != nil {
		return err
	}
	if findRoute(t, d) >= 0 {
		return errorf(CodeRouteAlreadyExists, "The route identified by %s already exists.", d)
	}
	if count(t.Routes, func(r *RouteSpec) bool { return !r.Local() }) >= st.s.Config.RoutesPerTable {
		return errorf(CodeRouteLimitExceeded, "The maximum number of routes has been reached.")
	}
	t.Routes = append(t.Routes, RouteSpec{Destination: d, NetworkInterfaceID: eni})
	return nil
}

// ReplaceRoute changes the target of an existing route. The local routes
// cannot be replaced (InvalidParameterValue).
func (st *State) ReplaceRoute(rtbID, destination, eni string) error {
	t, err := st.routeTable(rtbID)
	if err != nil {
		return err
	}
	d, err := parseDestination(destination)
	if err != nil {
		return err
	}
	i := findRoute(t, d)
	if i < 0 {
		return errorf(CodeInvalidRouteNotFound, "There is no route defined for '%s' in the route table. Use CreateRoute instead.", d)
	}
	if t.Routes[i].Local() {
		return errorf(CodeInvalidParameterValue, "cannot replace local route %s in route table %s", d, rtbID)
	}
	if err := st.checkTarget(t, eni); err != nil {
		return err
	}
	t.Routes[i].NetworkInterfaceID = eni
	return nil
}

// DeleteRoute removes a route. The local routes cannot be deleted
// (InvalidParameterValue); an unknown destination is InvalidRoute.NotFound.
func (st *State) DeleteRoute(rtbID, destination string) error {
	t, err := st.routeTable(rtbID)
	if err != nil {
		return err
	}
	d, err := parseDestination(destination)
	if err != nil {
		return err
	}
	i := findRoute(t, d)
	if i < 0 {
		return errorf(CodeInvalidRouteNotFound, "no route with destination-cidr-block %s in route table %s", d, rtbID)
	}
	if t.Routes[i].Local() {
		return errorf(CodeInvalidParameterValue, "cannot remove local route %s in route table %s", d, rtbID)
	}
	t.Routes = slices.Delete(t.Routes, i, i+1)
	return nil
}

// AssociateRouteTable associates a subnet with a route table of its VPC
// and returns the association id. A subnet already explicitly associated
// is Resource.AlreadyAssociated; a table of another VPC InvalidParameterValue.
func (st *State) AssociateRouteTable(rtbID, subnetID string) (string, error) {
	t, err := st.routeTable(rtbID)
	if err != nil {
		return "", err
	}
	sn, err := st.subnet(subnetID)
	if err != nil {
		return "", err
	}
	if sn.VpcID != t.VpcID {
		return "", errorf(CodeInvalidParameterValue, "Route table %s and subnet %s belong to different networks", rtbID, subnetID)
	}
	if sn.RouteTableID != "" {
		return "", errorf(CodeResourceAlreadyAssociated, "the specified association for route table %s conflicts with an existing association", rtbID)
	}
	sn.RouteTableID, sn.RouteTableAssociationID = rtbID, st.newID("rtbassoc-")
	return sn.RouteTableAssociationID, nil
}

// findRouteAssociation resolves a route table association id: a subnet's
// explicit association, or a VPC's main association.
func (st *State) findRouteAssociation(assocID string) (*SubnetSpec, *RouteTableSpec, error) {
	if assocID != "" {
		for i := range st.s.Subnets {
			if sn := &st.s.Subnets[i]; sn.RouteTableAssociationID == assocID {
				return sn, nil, nil
			}
		}
		for i := range st.s.RouteTables {
			if t := &st.s.RouteTables[i]; t.Main && t.MainAssociationID == assocID {
				return nil, t, nil
			}
		}
	}
	return nil, nil, errorf(CodeInvalidAssociationIDNotFound, "The association ID '%s' does not exist", assocID)
}

// DisassociateRouteTable removes a subnet's explicit association; the
// subnet then uses the main table. The main association cannot be removed
// (InvalidParameterValue).
func (st *State) DisassociateRouteTable(assocID string) error {
	sn, _, err := st.findRouteAssociation(assocID)
	if err != nil {
		return err
	}
	if sn == nil {
		return errorf(CodeInvalidParameterValue, "cannot disassociate the main route table association %s", assocID)
	}
	sn.RouteTableID, sn.RouteTableAssociationID = "", ""
	return nil
}

// ReplaceRouteTableAssociation points an association at another table of
// the same VPC and returns the new association id. Given the main
// association, it makes rtbID the VPC's main route table.
func (st *State) ReplaceRouteTableAssociation(assocID, rtbID string) (string, error) {
	sn, main, err := st.findRouteAssociation(assocID)
	if err != nil {
		return "", err
	}
	t, err := st.routeTable(rtbID)
	if err != nil {
		return "", err
	}
	var vpcID string
	if sn != nil {
		vpcID = sn.VpcID
	} else {
		vpcID = main.VpcID
	}
	if vpcID != t.VpcID {
		return "", errorf(CodeInvalidParameterValue, "Route table %s and association %s belong to different networks", rtbID, assocID)
	}
	id := st.newID("rtbassoc-")
	if sn != nil {
		sn.RouteTableID, sn.RouteTableAssociationID = rtbID, id
		return id, nil
	}
	main.Main, main.MainAssociationID = false, ""
	t.Main, t.MainAssociationID = true, id
	return id, nil
}

// DescribeRouteTables returns the route tables given by id (all when ids
// is empty) that match every filter: route-table-id, vpc-id, owner-id,
// association.route-table-association-id, association.route-table-id,
// association.subnet-id, association.main (tables without an association
// match neither true nor false, as EC2 says), route.destination-cidr-block,
// route.destination-ipv6-cidr-block, route.network-interface-id,
// route.gateway-id, route.origin, route.state, tag:<key>, tag-key,
// tag-value.
func (st *State) DescribeRouteTables(ids []string, filters []Filter) ([]RouteTable, error) {
	sel, err := selectByID(ids, st.s.RouteTables, st.routeTable)
	if err != nil {
		return nil, err
	}
	if err := checkFilterNames(filters, st.routeTableFilter(&RouteTable{})); err != nil {
		return nil, err
	}
	out := []RouteTable{}
	for _, t := range sel {
		d := st.describeRouteTable(t)
		if ok, _ := matchFilters(filters, st.routeTableFilter(&d)); ok {
			out = append(out, d)
		}
	}
	return out, nil
}

func (st *State) routeTableFilter(t *RouteTable) filterFunc {
	return func(n string) ([]string, bool) {
		var vs []string
		switch n {
		case "route-table-id":
			return one(t.RouteTableId), true
		case "vpc-id":
			return one(t.VpcId), true
		case "owner-id":
			return one(t.OwnerId), true
		case "association.route-table-association-id", "association.route-table-id", "association.subnet-id", "association.main":
			for _, a := range t.Associations {
				switch n {
				case "association.route-table-association-id":
					vs = append(vs, a.RouteTableAssociationId)
				case "association.route-table-id":
					vs = append(vs, a.RouteTableId)
				case "association.subnet-id":
					vs = append(vs, a.SubnetId)
				default:
					vs = append(vs, boolStr(a.Main))
				}
			}
			return vs, true
		case "route.destination-cidr-block", "route.destination-ipv6-cidr-block", "route.network-interface-id", "route.gateway-id", "route.origin", "route.state":
			for _, r := range t.Routes {
				switch n {
				case "route.destination-cidr-block":
					vs = append(vs, r.DestinationCidrBlock)
				case "route.destination-ipv6-cidr-block":
					vs = append(vs, r.DestinationIpv6CidrBlock)
				case "route.network-interface-id":
					vs = append(vs, r.NetworkInterfaceId)
				case "route.gateway-id":
					vs = append(vs, r.GatewayId)
				case "route.origin":
					vs = append(vs, r.Origin)
				default:
					vs = append(vs, r.State)
				}
			}
			return vs, true
		}
		return tagFilter(n, t.Tags)
	}
}

// routeActive reports whether a route's target is usable: local, or an
// interface placed in a subnet of the table's VPC. Otherwise the route is
// a blackhole.
func (st *State) routeActive(t *RouteTableSpec, r RouteSpec) bool {
	if r.Local() {
		return true
	}
	e, err := st.iface(r.NetworkInterfaceID)
	if err != nil {
		return false
	}
	sn, err := st.subnet(e.SubnetID)
	return err == nil && sn.VpcID == t.VpcID
}

func (st *State) describeRouteTable(t *RouteTableSpec) RouteTable {
	out := RouteTable{Associations: []RouteTableAssociation{}, PropagatingVgws: []struct{}{}, RouteTableId: t.ID, Routes: []Route{}, Tags: slices.Clone(t.Tags), VpcId: t.VpcID, OwnerId: st.s.Config.OwnerId}
	if out.Tags == nil {
		out.Tags = []Tag{}
	}
	if t.Main {
		out.Associations = append(out.Associations, RouteTableAssociation{Main: true, RouteTableAssociationId: t.MainAssociationID, RouteTableId: t.ID, AssociationState: StateField{"associated"}})
	}
	for i := range st.s.Subnets {
		if sn := &st.s.Subnets[i]; sn.RouteTableID == t.ID {
			out.Associations = append(out.Associations, RouteTableAssociation{RouteTableAssociationId: sn.RouteTableAssociationID, RouteTableId: t.ID, SubnetId: sn.ID, AssociationState: StateField{"associated"}})
		}
	}
	for _, r := range t.Routes {
		d := Route{Origin: "CreateRoute", State: "active"}
		if r.Destination.Addr().Is4() {
			d.DestinationCidrBlock = r.Destination.String()
		} else {
			d.DestinationIpv6CidrBlock = r.Destination.String()
		}
		if r.Local() {
			d.GatewayId, d.Origin = "local", "CreateRouteTable"
		} else {
			d.NetworkInterfaceId = r.NetworkInterfaceID
			if !st.routeActive(t, r) {
				d.State = "blackhole"
			}
		}
		out.Routes = append(out.Routes, d)
	}
	return out
}
