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

work=$(mktemp -d /tmp/sgs-js.XXXXXX)
daemon_pid=
cleanup() {
	set +e
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
ec2=127.0.0.1:${SGSWITCH_JS_PORT:-18793}
start_daemon --ec2-listen "$ec2" --metrics off
aws_isolated "http://$ec2"
node scripts/js/tour.mjs "http://$ec2" || fail "JS SDK tour"
echo "PASS: js sdk"
