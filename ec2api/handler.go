package ec2api

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"time"

	"sgswitch/ec2auth"
	"sgswitch/internal/httplimit"
)

// action decodes its input from vals, runs against the backend and
// returns the output message (a pointer to a struct with ResponseMetadata).
type action func(b Backend, vals url.Values) (any, error)

// operation is one supported Action: its implementation and whether it
// changes the state (only an operation that does not may come as a GET;
// see browser.go).
type operation struct {
	run     action
	mutates bool
	out     reflect.Type // the output message's struct type, for tests that check it against the EC2 model
}

// actions maps each supported Action to its implementation; every one
// runs over the account (Backend).
var actions = map[string]operation{
	"CreateSecurityGroup":                        write(createSecurityGroup),
	"DeleteSecurityGroup":                        write(deleteSecurityGroup),
	"DescribeSecurityGroups":                     read(describeSecurityGroups),
	"DescribeSecurityGroupRules":                 read(describeSecurityGroupRules),
	"AuthorizeSecurityGroupIngress":              write(authorize(false)),
	"AuthorizeSecurityGroupEgress":               write(authorize(true)),
	"RevokeSecurityGroupIngress":                 write(revoke(false)),
	"RevokeSecurityGroupEgress":                  write(revoke(true)),
	"ModifySecurityGroupRules":                   write(modifySecurityGroupRules),
	"UpdateSecurityGroupRuleDescriptionsIngress": write(updateDescriptions(false)),
	"UpdateSecurityGroupRuleDescriptionsEgress":  write(updateDescriptions(true)),

	"DescribeNetworkInterfaces":       read(describeNetworkInterfaces),
	"ModifyNetworkInterfaceAttribute": write(modifyNetworkInterfaceAttribute),
	"CreateNetworkInterface":          write(createNetworkInterface),
	"DeleteNetworkInterface":          write(deleteNetworkInterface),
	"AttachNetworkInterface":          write(attachNetworkInterface),
	"DetachNetworkInterface":          write(detachNetworkInterface),
	"AssignPrivateIpAddresses":        write(assignPrivateIpAddresses),
	"UnassignPrivateIpAddresses":      write(unassignPrivateIpAddresses),
	"AssignIpv6Addresses":             write(assignIpv6Addresses),
	"UnassignIpv6Addresses":           write(unassignIpv6Addresses),

	"CreateTags":   write(createTags),
	"DeleteTags":   write(deleteTags),
	"DescribeTags": read(describeTags),

	"CreateVpc":                        write(createVpc),
	"DeleteVpc":                        write(deleteVpc),
	"DescribeVpcs":                     read(describeVpcs),
	"ModifyVpcAttribute":               write(modifyVpcAttribute),
	"DescribeVpcAttribute":             read(describeVpcAttribute),
	"DescribeVpcClassicLink":           read(describeVpcClassicLink),
	"DescribeVpcClassicLinkDnsSupport": read(describeVpcClassicLinkDnsSupport),
	"CreateSubnet":                     write(createSubnet),
	"DeleteSubnet":                     write(deleteSubnet),
	"DescribeSubnets":                  read(describeSubnets),

	"CreateNetworkAcl":             write(createNetworkAcl),
	"DeleteNetworkAcl":             write(deleteNetworkAcl),
	"CreateNetworkAclEntry":        write(createNetworkAclEntry),
	"ReplaceNetworkAclEntry":       write(replaceNetworkAclEntry),
	"DeleteNetworkAclEntry":        write(deleteNetworkAclEntry),
	"ReplaceNetworkAclAssociation": write(replaceNetworkAclAssociation),
	"DescribeNetworkAcls":          read(describeNetworkAcls),

	"CreateRouteTable":             write(createRouteTable),
	"DeleteRouteTable":             write(deleteRouteTable),
	"CreateRoute":                  write(createRoute),
	"ReplaceRoute":                 write(replaceRoute),
	"DeleteRoute":                  write(deleteRoute),
	"AssociateRouteTable":          write(associateRouteTable),
	"DisassociateRouteTable":       write(disassociateRouteTable),
	"ReplaceRouteTableAssociation": write(replaceRouteTableAssociation),
	"DescribeRouteTables":          read(describeRouteTables),

	"CreateManagedPrefixList":          write(createManagedPrefixList),
	"DescribeManagedPrefixLists":       read(describeManagedPrefixLists),
	"GetManagedPrefixListEntries":      read(getManagedPrefixListEntries),
	"GetManagedPrefixListAssociations": read(getManagedPrefixListAssociations),
	"ModifyManagedPrefixList":          write(modifyManagedPrefixList),
	"RestoreManagedPrefixListVersion":  write(restoreManagedPrefixListVersion),
	"DeleteManagedPrefixList":          write(deleteManagedPrefixList),
	"DescribePrefixLists":              read(describePrefixLists),

	"DescribeAccountAttributes":       read(describeAccountAttributes),
	"DescribeRegions":                 read(describeRegions),
	"DescribeAvailabilityZones":       read(describeAvailabilityZones),
	"GetSecurityGroupsForVpc":         read(getSecurityGroupsForVpc),
	"DescribeSecurityGroupReferences": read(describeSecurityGroupReferences),
	"DescribeStaleSecurityGroups":     read(describeStaleSecurityGroups),

	"DescribeInstances":      catalogRead(describeInstances),
	"DescribeInstanceStatus": catalogRead(describeInstanceStatus),
	"DescribeImages":         catalogRead(describeImages),

	"ModifyInstanceMetadataOptions": modifyInstanceMetadataOptionsOp,
	"TerminateInstances":            write(terminateInstances),
	"StopInstances":                 write(stopInstances),
	"StartInstances":                write(startInstances),

	"GetCallerIdentity": read(getCallerIdentity),
}

// Actions returns the names of the supported actions.
func Actions() []string {
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	return names
}

type dryRunner interface{ dryRun() bool }

// requestIDHeader is where EC2 sends the request id (aws-sdk-go-v2 reads
// X-Amzn-Requestid, then X-Amz-Requestid).
const requestIDHeader = "x-amzn-RequestId"

type handler struct {
	backend  Backend
	verifier *ec2auth.Verifier // nil: no authentication
}

// NewHandler returns the EC2 Query API handler over b, without
// authentication (--ec2-auth none, loopback only). It answers on any
// path, as EC2 does on "/".
func NewHandler(b Backend) http.Handler { return &handler{backend: b} }

// NewSigV4Handler is NewHandler that answers only requests signed (SigV4)
// with the credentials v holds.
func NewSigV4Handler(b Backend, v *ec2auth.Verifier) http.Handler {
	return &handler{backend: b, verifier: v}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	// Every answer, success or error, carries its id in this header (the
	// SDKs read it into the response metadata) and in the body
	// (<requestId>, or <RequestID> in the error envelope).
	w.Header().Set(requestIDHeader, requestID)
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, errorf(codeInvalidAction, "The HTTP method %s is not supported; use POST or GET", r.Method), requestID)
		return
	}
	if err := checkBrowser(r); err != nil {
		writeError(w, err, requestID)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, asAPIError(err), requestID)
		return
	}
	vals, err := parseParams(r, body)
	if err != nil {
		writeError(w, asAPIError(err), requestID)
		return
	}
	if h.verifier != nil {
		if err := h.verify(r, body, vals); err != nil {
			writeError(w, asAPIError(err), requestID)
			return
		}
	}
	name, err := splitEnvelope(vals)
	if err != nil {
		writeError(w, asAPIError(err), requestID)
		return
	}
	op, ok := actions[name]
	if !ok {
		writeError(w, errorf(codeInvalidAction, "The action %s is not valid for this web service.", name), requestID)
		return
	}
	if err := checkGET(r, name, op); err != nil {
		writeError(w, err, requestID)
		return
	}
	out, err := op.run(h.backend, vals)
	if err != nil {
		writeError(w, asAPIError(err), requestID)
		return
	}
	out.(interface{ setRequestID(string) }).setRequestID(requestID)
	resp, err := encodeResponse(name, out)
	if err != nil {
		writeError(w, errorf(codeInternalError, "encoding the response: %v", err), requestID)
		return
	}
	writeXML(w, http.StatusOK, resp)
}

// verify checks r's signature; an STS action is signed for the "sts"
// service (the SDKs scope it so), everything else for "ec2". The action
// is read before the signature is checked only to choose the scope: the
// same credentials must have signed either way.
func (h *handler) verify(r *http.Request, body []byte, vals url.Values) error {
	v := h.verifier
	if stsActions[vals.Get("Action")] {
		sts := *v
		sts.Service = "sts"
		v = &sts
	}
	return v.Verify(r, body)
}

// Serve serves the EC2 API over b on addr (e.g. "127.0.0.1:8775") until
// ctx is cancelled, then shuts down gracefully. It returns once the
// listener is closed; a listen error is returned at once.
func Serve(ctx context.Context, addr string, b Backend) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return ServeListener(ctx, ln, b)
}

// ServeListener is Serve on an existing listener (which it closes).
func ServeListener(ctx context.Context, ln net.Listener, b Backend) error {
	lim := httplimit.Defaults()
	srv := lim.Server(NewHandler(b))
	srv.ErrorLog = log.New(log.Writer(), "ec2api: ", log.LstdFlags)
	ln = lim.Listener(ln)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
		case <-stopped:
			return
		}
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	close(stopped)
	<-done
	return err
}
