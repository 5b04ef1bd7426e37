package ec2api

import (
	"errors"
	"net/url"
	"reflect"

	"sgswitch/vpcsvc"
)

// ModifyInstanceMetadataOptions, when the Backend is an InstanceModifier
// (the daemon keeps the options in the instance's lab record; the next
// instance metadata request sees them). Otherwise UnsupportedOperation.

// InstanceModifier is implemented by a Backend that can change an
// instance's metadata options.
type InstanceModifier interface {
	// ModifyInstanceMetadata calls change with the options of instance
	// id and keeps what it returns; change's error is returned
	// unchanged, ErrNoInstance when no such instance has options to keep.
	ModifyInstanceMetadata(id string, change func(vpcsvc.MetadataOptions) (vpcsvc.MetadataOptions, error)) error
}

// ErrNoInstance is an InstanceModifier's "no such instance".
var ErrNoInstance = errors.New("no such instance")

type ModifyInstanceMetadataOptionsInput struct {
	InstanceId              string `query:"InstanceId"`
	HttpTokens              string `query:"HttpTokens"`
	HttpPutResponseHopLimit *int32 `query:"HttpPutResponseHopLimit"`
	HttpEndpoint            string `query:"HttpEndpoint"`
	HttpProtocolIpv6        string `query:"HttpProtocolIpv6"`
	InstanceMetadataTags    string `query:"InstanceMetadataTags"`
	DryRunParam
}

type ModifyInstanceMetadataOptionsOutput struct {
	ResponseMetadata
	InstanceId              string                   `xml:"instanceId" json:"InstanceId"`
	InstanceMetadataOptions *InstanceMetadataOptions `xml:"instanceMetadataOptions" json:"InstanceMetadataOptions"`
}

var modifyInstanceMetadataOptionsOp = operation{mutates: true, out: reflect.TypeFor[ModifyInstanceMetadataOptionsOutput](), run: func(b Backend, vals url.Values) (any, error) {
	in := new(ModifyInstanceMetadataOptionsInput)
	if err := decodeQuery(vals, in); err != nil {
		return nil, err
	}
	if err := checkMetadataInput(in); err != nil {
		return nil, err
	}
	m, ok := b.(InstanceModifier)
	if !ok {
		return nil, errorf(codeUnsupportedOperation, "This endpoint keeps no instance metadata options.")
	}
	var applied vpcsvc.MetadataOptions
	err := m.ModifyInstanceMetadata(in.InstanceId, func(cur vpcsvc.MetadataOptions) (vpcsvc.MetadataOptions, error) {
		applied = changedMetadata(cur, in)
		if in.dryRun() {
			return cur, errDryRun
		}
		return applied, nil
	})
	if errors.Is(err, ErrNoInstance) {
		return nil, errorf(codeInvalidInstanceIDNotFound, "The instance ID '%s' does not exist", in.InstanceId)
	}
	if err != nil {
		return nil, err
	}
	return &ModifyInstanceMetadataOptionsOutput{InstanceId: in.InstanceId, InstanceMetadataOptions: metadataOptions(applied)}, nil
}}

// checkMetadataInput checks the request as EC2 does, before any instance
// is looked up.
func checkMetadataInput(in *ModifyInstanceMetadataOptionsInput) error {
	if in.InstanceId == "" {
		return missing("InstanceId")
	}
	if !validInstanceID(in.InstanceId) {
		return errorf(codeInvalidInstanceIDMalformed, "Invalid id: \"%s\"", in.InstanceId)
	}
	if in.HttpTokens != "" && in.HttpTokens != "optional" && in.HttpTokens != "required" {
		return errorf(codeInvalidParameterValue, "Value (%s) for parameter httpTokens is invalid.", in.HttpTokens)
	}
	if h := in.HttpPutResponseHopLimit; h != nil && (*h < 1 || *h > 64) {
		return errorf(codeInvalidParameterValue, "Value (%d) for parameter httpPutResponseHopLimit is invalid. Valid range is 1-64.", *h)
	}
	for name, v := range map[string]string{"httpEndpoint": in.HttpEndpoint, "httpProtocolIpv6": in.HttpProtocolIpv6, "instanceMetadataTags": in.InstanceMetadataTags} {
		if v != "" && v != "enabled" && v != "disabled" {
			return errorf(codeInvalidParameterValue, "Value (%s) for parameter %s is invalid.", v, name)
		}
	}
	return nil
}

// changedMetadata is cur with what in sets; what in leaves out stays.
func changedMetadata(cur vpcsvc.MetadataOptions, in *ModifyInstanceMetadataOptionsInput) vpcsvc.MetadataOptions {
	if in.HttpTokens != "" {
		cur.HttpTokens = in.HttpTokens
	}
	if in.HttpPutResponseHopLimit != nil {
		cur.HttpPutResponseHopLimit = int(*in.HttpPutResponseHopLimit)
	}
	if in.HttpEndpoint != "" {
		cur.HttpEndpoint = in.HttpEndpoint == "enabled"
	}
	if in.HttpProtocolIpv6 != "" {
		cur.HttpProtocolIpv6 = in.HttpProtocolIpv6 == "enabled"
	}
	if in.InstanceMetadataTags != "" {
		cur.InstanceMetadataTags = in.InstanceMetadataTags == "enabled"
	}
	return cur
}
