package imds

import (
	"strconv"
	"strings"
)

// partitionOf returns services/domain and services/partition for region.
func partitionOf(region string) (domain, partition string) {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "amazonaws.com.cn", "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "amazonaws.com", "aws-us-gov"
	}
	return "amazonaws.com", "aws"
}

// zoneID makes up placement/availability-zone-id from the zone's name:
// us-east-1a → use1-az1. On EC2 the mapping of names to ids differs per
// account; nothing here has ids, and this spelling has the real form.
func zoneID(region, zone string) string {
	suffix, ok := strings.CutPrefix(zone, region)
	parts := strings.Split(region, "-")
	if !ok || len(suffix) != 1 || suffix[0] < 'a' || suffix[0] > 'z' || len(parts) < 2 {
		return ""
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1 : len(parts)-1] {
		switch p {
		case "northeast", "northwest", "southeast", "southwest":
			b.WriteString(p[:1] + p[5:6]) // apse2, apne1
		case "":
		default:
			b.WriteByte(p[0])
		}
	}
	b.WriteString(parts[len(parts)-1])
	return b.String() + "-az" + strconv.Itoa(int(suffix[0]-'a')+1)
}

// architecture guesses the identity document's architecture from the
// instance type: Graviton families carry a "g" among the letters after
// the generation digit (t4g, m6gd, c7gn) and a1 is Arm; everything else
// is x86_64 (g4dn's "g" comes before the digit).
func architecture(instanceType string) string {
	family, _, _ := strings.Cut(instanceType, ".")
	if family == "a1" {
		return "arm64"
	}
	i := strings.IndexAny(family, "0123456789")
	if i >= 0 && strings.Contains(family[i+1:], "g") {
		return "arm64"
	}
	return "x86_64"
}
