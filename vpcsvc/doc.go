// Package vpcsvc serves what every EC2 VPC provides to its instances
// without security groups or network ACLs seeing it (spec ec2-vpc.md 5):
// DHCP, the DNS resolver at base+2 and 169.254.169.253, and Amazon Time
// Sync at 169.254.169.123; instance metadata (package imds) is reached
// through it. It is the switch's Service (vswitch.Config.Service): the
// switch has already charged each frame to its interface's link-local
// allowance (1024 packets per second) and hands it here on the packet
// path.
//
// Everything it answers comes from a Directory, the daemon's live view of
// the account.
package vpcsvc
