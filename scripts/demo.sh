#!/usr/bin/env bash
# The demo (`sudo make demo`, after `make deps build`): bring up the shop
# lab of examples/shop.yaml, prove it with its checks, and show how to step
# into an instance and how to take everything down. A daemon is started
# (detached, logging to the state directory) if none runs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces, TAP devices): run 'sudo make demo'" >&2
	exit 1
fi
bin=${SGSWITCH_BIN:-bin/sgswitch}
[ -x "$bin" ] || go build -o "$bin" ./cmd/sgswitch
lab=examples/shop.yaml

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$bin" lab up "$lab"
step "$bin" lab check "$lab"
step "$bin" lab status "$lab"

cat <<EOT

The shop lab is up: every node is a network namespace "shop-<node>" whose
eth0 is a port of the switch, and every packet between them passes the
sender's outbound and the receiver's inbound security-group rules.

Step into an instance:
  sudo ip netns exec shop-client bash          # a shell inside the client
  sudo ip netns exec shop-client curl -m1 http://198.18.0.11/   # web1:80 is allowed (start a server there first:
  sudo ip netns exec shop-web1 python3 -m http.server 80          #   in another terminal)
  sudo ip netns exec shop-client ping -c1 198.18.0.11          # ICMP to web1 is denied (silently)

Look at the switch:
  sudo $bin conntrack list                     # tracked connections, conntrack -L format
  sudo $bin eni stats web1                     # per-ENI counters, ethtool -S layout
  sudo $bin ec2 describe-security-groups       # the groups, as the AWS CLI prints them

Change a rule and check again:
  sudo $bin ec2 revoke-security-group-ingress --group-id web --protocol tcp --port 80 --cidr 0.0.0.0/0
  sudo $bin lab check $lab                     # client->web1 tcp/80 over IPv4 now FAILs (::/0 stays)

Take it down (removes namespaces, links, processes and the lab's groups/ENIs):
  sudo $bin lab down $lab
EOT
