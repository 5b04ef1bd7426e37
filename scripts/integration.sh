#!/usr/bin/env bash
# End-to-end checks of the built binary. Each step is a script in
# scripts/integration.d/, run in order; root-only steps skip (saying why)
# when not root.
set -euo pipefail
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
for s in scripts/integration.d/*.sh; do
	[ -e "$s" ] || continue
	echo "=== $s"
	set +e
	bash "$s"
	rc=$?
	set -e
	case $rc in
	0) pass=$((pass + 1)) ;;
	77) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); echo "FAIL: $s (exit $rc)" ;;
	esac
done
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
