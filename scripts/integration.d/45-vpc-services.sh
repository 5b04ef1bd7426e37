#!/usr/bin/env bash
# The VPC services (issue 16) to real clients in a lab node: busybox
# udhcpc gets the interface's address, router, resolver and domain over
# DHCP; busybox nslookup resolves a node's name, an IP-based name and a
# reverse name at base+2, 169.254.169.253 and fd00:ec2::253; an NTP query to
# 169.254.169.123 gets a stratum-3 server reply; a Router Solicitation
# gets an advertisement from fe80:ec2::1; curl reads instance metadata at
# 169.254.169.254 with an IMDSv2 token. The node's security group
# has no rule at all: none of this is filtered. The DHCP client's script
# only records what it was given, so no address or route changes.
# Needs root (namespaces, TAP) and busybox.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, TAP devices"
command -v busybox >/dev/null || { echo "skip: no busybox"; exit 77; }
need_sgswitch run lab
private_work vpcsvc
lab=$work/svcs.yaml

cat >"$lab" <<'YAML'
name: vpcsvc
subnet: 198.18.31.0/24
subnet-ipv6: fd00:5e5e:0:31::/64
security-groups:
  closed:
    GroupDescription: no rule at all
    SecurityGroupEgress: []
topology:
  nodes:
    app:
      ip: 198.18.31.10
      ipv6: fd00:5e5e:0:31::10
      security-groups: [closed]
    web1:
      ip: 198.18.31.20
      ipv6: fd00:5e5e:0:31::20
      security-groups: [closed]
YAML

start_daemon --ec2-listen 127.0.0.1:18783 --metrics off
"$bin" lab up "$lab" >/dev/null
ns=vpcsvc-app
in_ns() { ip netns exec "$ns" "$@"; }

echo "--- DHCP (busybox udhcpc)"
cat >"$work/record.sh" <<SH
#!/bin/sh
[ "\$1" = bound ] && echo "ip=\$ip mask=\$mask router=\$router dns=\$dns domain=\$domain hostname=\$hostname" >"$work/lease"
exit 0
SH
chmod +x "$work/record.sh"
in_ns timeout 20 busybox udhcpc -f -i eth0 -n -q -t 3 -T 2 -s "$work/record.sh" >/dev/null 2>&1 || fail "udhcpc got no lease"
want="ip=198.18.31.10 mask=24 router=198.18.31.1 dns=198.18.31.2 domain=ec2.internal hostname=ip-198-18-31-10"
[ "$(cat "$work/lease")" = "$want" ] || fail "lease: $(cat "$work/lease"), want $want"
echo "$want"

echo "--- DNS (busybox nslookup)"
lookup() { # lookup NAME SERVER WANT
	in_ns timeout 10 busybox nslookup "$1" "$2" >"$work/ns" 2>&1 || true
	grep -q "$3" "$work/ns" || { cat "$work/ns"; fail "nslookup $1 at $2: no $3"; }
	echo "$1 at $2: $3"
}
lookup web1 198.18.31.2 198.18.31.20
lookup ip-198-18-31-20.ec2.internal 169.254.169.253 198.18.31.20
lookup 198.18.31.20 198.18.31.2 ip-198-18-31-20.ec2.internal
lookup web1 fd00:ec2::253 fd00:5e5e:0:31::20
in_ns timeout 10 busybox nslookup example.com 198.18.31.2 >"$work/ns" 2>&1 || true
grep -qi "NXDOMAIN\|can't find\|can't resolve" "$work/ns" || { cat "$work/ns"; fail "example.com was not NXDOMAIN"; }

echo "--- NTP (169.254.169.123)"
in_ns timeout 10 python3 - <<'PY' || fail "no NTP answer"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(bytes([4 << 3 | 3]) + bytes(47), ("169.254.169.123", 123))
r = s.recv(100)
assert len(r) == 48 and r[0] & 7 == 4 and r[1] == 3, r.hex()
print("stratum", r[1], "server reply")
PY
echo "--- router advertisement (a Router Solicitation from a raw socket)"
in_ns timeout 10 python3 - <<'PY' || fail "no router advertisement"
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.settimeout(5)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.sendto(bytes([133, 0, 0, 0, 0, 0, 0, 0]), ("ff02::2", 0, 0, socket.if_nametoindex("eth0")))
while True:
    r, src = s.recvfrom(1500)
    if r[0] == 134:
        break
assert src[0].startswith("fe80:ec2::1") and r[5] & 0x80, (src, r.hex())  # from the router, M flag
print("router advertisement from", src[0].split("%")[0], "managed")
PY
echo "--- instance metadata (curl, IMDSv2 and v1)"
md=http://169.254.169.254/latest
token=$(in_ns curl -sS -m 10 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" $md/api/token) || fail "no IMDSv2 token"
get() { in_ns curl -sS -m 10 -f -H "X-aws-ec2-metadata-token: $token" "$md/$1"; }
id=$(get meta-data/instance-id) || fail "no instance-id"
case $id in i-*) echo "instance-id $id" ;; *) fail "instance-id: $id" ;; esac
mac=$(get meta-data/mac)
[ "$(get meta-data/local-ipv4)" = 198.18.31.10 ] || fail "local-ipv4"
sg=$(get "meta-data/network/interfaces/macs/$mac/security-group-ids")
case $sg in sg-*) echo "security-group-ids $sg" ;; *) fail "security-group-ids: $sg" ;; esac
[ "$(get meta-data/local-hostname)" = ip-198-18-31-10.ec2.internal ] || fail "local-hostname"
in_ns curl -sS -m 10 -f "$md/meta-data/instance-id" >/dev/null || fail "IMDSv1 refused with http-tokens optional"
code=$(in_ns curl -sS -m 10 -o /dev/null -w '%{http_code}' -H "X-aws-ec2-metadata-token: forged" "$md/meta-data/instance-id")
[ "$code" = 401 ] || fail "a forged token got $code, want 401"
code=$(in_ns curl -sS -m 10 -o /dev/null -w '%{http_code}' -X PUT -H "X-Forwarded-For: 1.2.3.4" \
	-H "X-aws-ec2-metadata-token-ttl-seconds: 60" "$md/api/token")
[ "$code" = 403 ] || fail "a forwarded token request got $code, want 403"
echo "token PUT, v2 and v1 reads, 401 for a forged token, 403 for X-Forwarded-For"

"$bin" lab down "$lab" >/dev/null
echo "OK"
