package ec2api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"sgswitch/internal/bounded"
)

// Argument forms of the AWS CLI that `sgswitch ec2` accepts, parsed here
// so the command only wires.

// ParseFilter parses one --filters value: JSON (an object or an array of
// {"Name":…,"Values":[…]}) or the AWS CLI shorthand
// "Name=group-name,Values=web,db" (Values takes the rest of the line).
func ParseFilter(s string) ([]Filter, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var fs []Filter
		return fs, json.Unmarshal([]byte(s), &fs)
	}
	if strings.HasPrefix(s, "{") {
		var f Filter
		return []Filter{f}, json.Unmarshal([]byte(s), &f)
	}
	var f Filter
	rest := s
	for rest != "" {
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			return nil, fmt.Errorf("filter %q: want Name=NAME,Values=V1,V2", s)
		}
		switch strings.TrimSpace(key) {
		case "Name":
			f.Name, rest, _ = strings.Cut(after, ",")
		case "Values":
			f.Values = strings.Split(after, ",")
			rest = ""
		default:
			return nil, fmt.Errorf("filter %q: unknown key %q (want Name and Values)", s, key)
		}
	}
	if f.Name == "" {
		return nil, fmt.Errorf("filter %q: Name is missing", s)
	}
	return []Filter{f}, nil
}

// ParsePort parses the AWS CLI's --port: "22", "7000-8000", or "-1"
// (all; for ICMP all types and codes).
func ParsePort(s string) (from, to int32, err error) {
	s = strings.TrimSpace(s)
	if s == "-1" || s == "all" {
		return -1, -1, nil
	}
	a, b, isRange := strings.Cut(s, "-")
	f, err := strconv.ParseInt(a, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("port %q: want N, N-M or -1", s)
	}
	t := f
	if isRange {
		if t, err = strconv.ParseInt(b, 10, 32); err != nil {
			return 0, 0, fmt.Errorf("port %q: want N, N-M or -1", s)
		}
	}
	return int32(f), int32(t), nil
}

// SimplePermission builds the one permission of the AWS CLI's
// --protocol/--port/--cidr/--source-group form. protocol "all" is "-1";
// without port no ports are sent (as the AWS CLI does; EC2 then rejects
// tcp/udp); exactly one of cidr (IPv4 or IPv6) and sourceGroupID must be
// given.
func SimplePermission(protocol, port, cidr, sourceGroupID string) (IpPermission, error) {
	if protocol == "" {
		return IpPermission{}, fmt.Errorf("--protocol is required with --port/--cidr/--source-group")
	}
	if protocol == "all" {
		protocol = "-1"
	}
	p := IpPermission{IpProtocol: protocol}
	if port != "" {
		from, to, err := ParsePort(port)
		if err != nil {
			return p, err
		}
		p.FromPort, p.ToPort = &from, &to
	}
	switch {
	case cidr != "" && sourceGroupID != "":
		return p, fmt.Errorf("give only one of --cidr and --source-group")
	case strings.Contains(cidr, ":"):
		p.Ipv6Ranges = ListOf(Ipv6Range{CidrIpv6: cidr})
	case cidr != "":
		p.IpRanges = ListOf(IpRange{CidrIp: cidr})
	case sourceGroupID != "":
		p.UserIdGroupPairs = ListOf(UserIdGroupPair{GroupId: sourceGroupID})
	default:
		return p, fmt.Errorf("one of --cidr and --source-group is required")
	}
	return p, nil
}

// ParseConntrackSpec parses --connection-tracking-specification: JSON or
// the shorthand "TcpEstablishedTimeout=3600,UdpTimeout=30".
func ParseConntrackSpec(s string) (*ConnectionTrackingSpecificationRequest, error) {
	var r ConnectionTrackingSpecificationRequest
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		return &r, json.Unmarshal([]byte(s), &r)
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("connection tracking %q: want Key=SECONDS,…", kv)
		}
		n32 := int32(n)
		switch strings.TrimSpace(k) {
		case "TcpEstablishedTimeout":
			r.TcpEstablishedTimeout = &n32
		case "UdpStreamTimeout":
			r.UdpStreamTimeout = &n32
		case "UdpTimeout":
			r.UdpTimeout = &n32
		default:
			return nil, fmt.Errorf("connection tracking: unknown key %q (TcpEstablishedTimeout, UdpStreamTimeout, UdpTimeout)", k)
		}
	}
	return &r, nil
}

// ParseTagSpecifications parses --tag-specifications: JSON, or the
// shorthand "ResourceType=security-group,Tags=[{Key=env,Value=lab},{Key=a,Value=b}]".
func ParseTagSpecifications(s string) ([]TagSpecification, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var ts []TagSpecification
		return ts, json.Unmarshal([]byte(s), &ts)
	}
	if strings.HasPrefix(s, "{") {
		var t TagSpecification
		return []TagSpecification{t}, json.Unmarshal([]byte(s), &t)
	}
	var spec TagSpecification
	head, tags, _ := strings.Cut(s, "Tags=")
	for _, kv := range strings.Split(strings.Trim(head, ", "), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.TrimSpace(k) == "ResourceType" {
			spec.ResourceType = strings.TrimSpace(v)
		} else if strings.TrimSpace(kv) != "" {
			return nil, fmt.Errorf("tag specification %q: unknown part %q", s, kv)
		}
	}
	tags = strings.Trim(strings.TrimSpace(tags), "[]")
	for _, item := range strings.Split(tags, "},") {
		item = strings.Trim(strings.TrimSpace(item), "{}")
		if item == "" {
			continue
		}
		t, err := parseTagItem(item)
		if err != nil {
			return nil, err
		}
		spec.Tags = append(spec.Tags, t)
	}
	return []TagSpecification{spec}, nil
}

// parseTagItem parses the shorthand of one tag, "Key=K,Value=V".
func parseTagItem(item string) (Tag, error) {
	var t Tag
	for _, kv := range strings.Split(item, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch strings.TrimSpace(k) {
		case "Key":
			t.Key = v
		case "Value":
			t.Value = v
		default:
			return t, fmt.Errorf("tag %q: want Key=K,Value=V", item)
		}
	}
	return t, nil
}

// ParseTags parses one value of --tags: a JSON list of {"Key","Value"},
// or the AWS CLI shorthand "Key=env,Value=lab" (Value may be left out, as
// delete-tags allows).
func ParseTags(s string) ([]Tag, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var ts []Tag
		if err := json.Unmarshal([]byte(s), &ts); err != nil {
			return nil, fmt.Errorf("--tags: %v (JSON expected)", err)
		}
		return ts, nil
	}
	t, err := parseTagItem(s)
	if err != nil {
		return nil, err
	}
	if t.Key == "" {
		return nil, fmt.Errorf("tag %q: no Key", s)
	}
	return []Tag{t}, nil
}

// DecodeJSONArg decodes the JSON value of an AWS CLI flag
// (--ip-permissions, --security-group-rules, …) into dst. As in the AWS
// CLI, "file://PATH" stands for the contents of PATH: a regular file of at
// most bounded.MaxBytes.
func DecodeJSONArg(flag, value string, dst any) error {
	if path, ok := strings.CutPrefix(value, "file://"); ok {
		b, err := bounded.ReadFile(path)
		if err != nil {
			return fmt.Errorf("--%s: %w", flag, err)
		}
		value = string(b)
	}
	if err := json.Unmarshal([]byte(value), dst); err != nil {
		return fmt.Errorf("--%s: %v (JSON expected)", flag, err)
	}
	return nil
}

// ParsePrefixListEntries parses one value of --entries, --add-entries or
// --remove-entries: a JSON list of {"Cidr","Description"}, or the AWS CLI
// shorthand "Cidr=10.0.0.0/8,Description=hq" (Description optional).
func ParsePrefixListEntries(s string) ([]PrefixListEntryParam, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var es []PrefixListEntryParam
		if err := json.Unmarshal([]byte(s), &es); err != nil {
			return nil, fmt.Errorf("entries: %v (JSON expected)", err)
		}
		return es, nil
	}
	var e PrefixListEntryParam
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch strings.TrimSpace(k) {
		case "Cidr":
			e.Cidr = v
		case "Description":
			e.Description = &v
		default:
			return nil, fmt.Errorf("entry %q: want Cidr=CIDR[,Description=D]", s)
		}
	}
	if e.Cidr == "" {
		return nil, fmt.Errorf("entry %q: no Cidr", s)
	}
	return []PrefixListEntryParam{e}, nil
}
