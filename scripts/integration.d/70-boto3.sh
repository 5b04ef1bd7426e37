#!/usr/bin/env bash
# boto3 (Debian's python3-boto3) against the daemon's EC2 API: groups, a
# prefix list, tags, rules, paginators, a waiter and the request id
# (scripts/clients/boto3_tour.py). Needs no root: it creates no lab.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh

# Debian's interpreter, not a pyenv shim first on PATH: python3-boto3 is
# installed for it.
py=${SGSWITCH_PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import boto3' 2>/dev/null; then
	echo "skip: no boto3 for $py (install Debian's python3-boto3: bash scripts/install-deps.sh)"
	exit 77
fi
need_sgswitch run ec2

ec2_daemon boto3 "${SGSWITCH_BOTO3_PORT:-18791}"
"$py" scripts/clients/boto3_tour.py "http://$ec2" || fail "boto3 tour"
echo "PASS: boto3"
