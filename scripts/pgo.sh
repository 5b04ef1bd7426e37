#!/usr/bin/env bash
# pgo.sh: regenerate cmd/sgswitch/default.pgo, the profile Go's
# profile-guided optimisation uses when it builds sgswitch (go build picks
# up default.pgo in the main package's folder; `make bench` passes it to
# the packet-path benchmarks so that they measure the binary users run).
#
# The profile is what the packet path does in memory: established frames
# and new flows through the switch, the flow table's per-frame work and
# new connections, and classification. Run it after a change to the packet
# path; commit the result. It takes about a minute and needs no root.
set -euo pipefail
cd "$(dirname "$0")/.."
out=cmd/sgswitch/default.pgo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

profile() { # package, benchmark regexp, name
	go test -run='^$' -bench="$2" -benchtime=2s -count=1 -cpuprofile="$tmp/$3.prof" -o "$tmp/$3.test" "$1" >/dev/null
}
profile ./switch/ 'Pipeline/(established$|new-flow)' switch
profile ./flowtable/ 'EstablishedPair|NewConnection|LookupHitBatch' flowtable
profile ./ruleset/ 'Classify' ruleset
go tool pprof -proto "$tmp"/*.prof >"$out"
echo "wrote $out ($(wc -c <"$out") bytes)"
