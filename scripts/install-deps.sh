#!/usr/bin/env bash
# Installs the Debian packages sgswitch's tests, demo and benchmarks use.
# Idempotent: installs only what is missing.
set -euo pipefail
pkgs=(iproute2 iperf3 nftables ethtool awscli iputils-ping netcat-openbsd curl)
# The bench (perf/) compares against Open vSwitch's userspace datapath when ovs-vswitchd is present.
pkgs+=(openvswitch-switch)
# Lab VMs (kind: vm with image:) and the CI guest (scripts/guest/build-initramfs.sh).
pkgs+=(qemu-system-x86 linux-image-amd64 busybox-static cpio)
# The client suites (scripts/integration.d/7x-*.sh): boto3 and Ansible (whose
# Debian package bundles the amazon.aws collection) from Debian, not PyPI;
# Node for the JavaScript SDK (scripts/js, installed there by npm ci).
pkgs+=(python3-boto3 ansible nodejs)
# Debian packages npm apart from nodejs; NodeSource's nodejs carries its own.
command -v npm >/dev/null || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
