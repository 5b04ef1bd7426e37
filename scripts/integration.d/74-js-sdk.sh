#!/usr/bin/env bash
# The AWS SDK for JavaScript v3 (@aws-sdk/client-ec2, pinned by
# scripts/js/package-lock.json, installed there by `npm ci`) with Node
# against the daemon's EC2 API: create a group, authorize, describe,
# paginate, read request ids (scripts/js/tour.mjs). Needs no root.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "skip: no node or npm (Debian's nodejs and npm: bash scripts/install-deps.sh)"
	exit 77
fi
if [ ! -d scripts/js/node_modules/@aws-sdk/client-ec2 ]; then
	(cd scripts/js && npm ci --no-audit --no-fund --loglevel=error) || {
		echo "skip: npm ci could not install @aws-sdk/client-ec2 (no registry?)"
		exit 77
	}
fi
need_sgswitch run ec2

ec2_daemon js "${SGSWITCH_JS_PORT:-18793}"
node scripts/js/tour.mjs "http://$ec2" || fail "JS SDK tour"
echo "PASS: js sdk"
