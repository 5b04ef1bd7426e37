# Shared preamble of the scripts in scripts/integration.d (sourced, not run).
# Exit status 77 means "skipped" to scripts/integration.sh.

# need_root WHY: skip unless root, saying why root is needed.
need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "skip: needs root ($1)"
		exit 77
	fi
}

# need_sgswitch SUBCOMMAND...: set $bin to the sgswitch binary ($SGSWITCH_BIN,
# else bin/sgswitch, built if missing) and skip unless it has every
# subcommand named.
need_sgswitch() {
	bin=${SGSWITCH_BIN:-bin/sgswitch}
	[ -x "$bin" ] || go build -o "$bin" ./cmd/sgswitch
	local sub
	for sub in "$@"; do
		if ! "$bin" "$sub" --help >/dev/null 2>&1; then
			echo "skip: this build has no 'sgswitch $sub'"
			exit 77
		fi
	done
}
