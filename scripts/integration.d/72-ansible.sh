#!/usr/bin/env bash
# Ansible (Debian's ansible package and the amazon.aws collection it
# bundles) against the daemon's EC2 API: scripts/clients/ansible/converge.yml
# (ec2_vpc_net, ec2_vpc_subnet, ec2_security_group with rules) run twice,
# the second run with changed=0; then purge.yml (check mode, purge_rules,
# everything removed). Needs no root: it creates no lab.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh

py=${SGSWITCH_PYTHON:-/usr/bin/python3}
if ! command -v ansible-playbook >/dev/null; then
	echo "skip: no ansible-playbook (install Debian's ansible: bash scripts/install-deps.sh)"
	exit 77
fi
if ! ansible-doc amazon.aws.ec2_security_group >/dev/null 2>&1 || ! "$py" -c 'import boto3' 2>/dev/null; then
	echo "skip: no amazon.aws collection or no boto3 for $py (Debian's ansible and python3-boto3)"
	exit 77
fi
need_sgswitch run ec2

ec2_daemon ansible "${SGSWITCH_ANSIBLE_PORT:-18792}"
# Keep Ansible's files in $work and run modules with Debian's Python.
export ANSIBLE_HOME=$work/ansible ANSIBLE_LOCAL_TEMP=$work/ansible/tmp ANSIBLE_NOCOLOR=1
export ANSIBLE_PYTHON_INTERPRETER=$py ANSIBLE_RETRY_FILES_ENABLED=0

# play FILE RUN: run a playbook, logging to $work/FILE.RUN.log; print its
# recap line.
play() {
	local log=$work/$1.$2.log
	if ! ansible-playbook -i localhost, -e "endpoint=http://$ec2" "scripts/clients/ansible/$1" >"$log" 2>&1; then
		cat "$log"
		fail "ansible-playbook $1 (run $2)"
	fi
	recap=$(grep -E '^localhost' "$log")
	echo "$1 run $2: $recap"
}
play converge.yml 1
echo "$recap" | grep -Eq 'changed=[1-9]' || fail "the first run changed nothing"
play converge.yml 2
echo "$recap" | grep -q 'changed=0' || { cat "$work/converge.yml.2.log"; fail "the second run was not idempotent"; }
play purge.yml 1
echo "PASS: ansible"
