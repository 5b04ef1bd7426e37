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

# start_daemon ARGS...: start `sgswitch run` in the background with the
# script's state directory ($work/state) and socket ($SGSWITCH_SOCKET) plus
# ARGS, logging to $work/daemon.log; set $daemon_pid and wait (at most 10 s)
# until it answers on the socket, else print its log and fail.
start_daemon() {
	"$bin" run --state-dir "$work/state" --socket "$SGSWITCH_SOCKET" "$@" >>"$work/daemon.log" 2>&1 &
	daemon_pid=$!
	local _
	for _ in $(seq 100); do
		curl -sf --unix-socket "$SGSWITCH_SOCKET" http://d/v1/status >/dev/null && return 0
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "the daemon did not start:"; cat "$work/daemon.log"
	exit 1
}

# private_work TAG: a work directory /tmp/sgs-TAG.* for a script's
# private daemon (its socket and state directory exported), and on exit:
# the lab in $lab (when the script sets it) down, the daemon stopped, the
# directory removed.
private_work() {
	work=$(mktemp -d "/tmp/sgs-$1.XXXXXX")
	daemon_pid= lab=
	trap 'set +e; [ -n "$lab" ] && "$bin" lab down "$lab" >/dev/null 2>&1; stop_daemon; rm -rf "$work"' EXIT
	trap 'exit 1' INT TERM
	export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
}

# ec2_daemon TAG PORT: the preamble of a script that only needs the EC2
# API: a work directory /tmp/sgs-TAG.* (removed on exit, with the daemon
# stopped), a private daemon serving the API on $ec2 (127.0.0.1:PORT, also
# $endpoint as a URL), and the AWS CLI's environment isolated to it.
ec2_daemon() {
	private_work "$1"
	ec2=127.0.0.1:$2
	endpoint=http://$ec2
	start_daemon --ec2-listen "$ec2" --metrics off
	aws_isolated "$endpoint"
}

# stop_daemon: stop the daemon start_daemon started, if any, and wait for it.
stop_daemon() {
	if [ -n "${daemon_pid:-}" ]; then
		kill "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
		daemon_pid=
	fi
	return 0
}

# fail MESSAGE...: print FAIL and the tail of the daemon's log, and exit 1.
fail() {
	echo "FAIL: $*"
	[ -f "$work/daemon.log" ] && { echo "--- daemon log"; tail -n 30 "$work/daemon.log"; }
	exit 1
}

# find_aws_v2: set $aws_bin to the AWS CLI v2 ($AWS_CLI, else Debian's
# /usr/bin/aws, else the one on PATH), or to "" when there is none (a
# pyenv shim of AWS CLI v1 on PATH does not count).
find_aws_v2() {
	aws_bin=${AWS_CLI:-}
	if [ -z "$aws_bin" ]; then
		if [ -x /usr/bin/aws ]; then aws_bin=/usr/bin/aws; else aws_bin=$(command -v aws || true); fi
	fi
	if [ -n "$aws_bin" ] && ! "$aws_bin" --version 2>&1 | grep -q '^aws-cli/2\.'; then
		aws_bin=
	fi
	return 0
}

# need_aws_v2: set $aws_bin to the AWS CLI v2 (find_aws_v2), or skip.
need_aws_v2() {
	find_aws_v2
	if [ -z "$aws_bin" ]; then
		echo "skip: no AWS CLI v2 (install Debian's awscli: bash scripts/install-deps.sh)"
		exit 77
	fi
}

# aws_isolated ENDPOINT: export the credentials the daemon wrote to its
# state directory (SigV4, `sgswitch ec2 credentials`), then aws_env.
aws_isolated() {
	eval "$("$bin" ec2 credentials --endpoint-url "$1")" || fail "sgswitch ec2 credentials"
	aws_env
}

# aws_env: keep the AWS CLI away from the user's config, the instance
# metadata service, the pager and a default output format.
aws_env() {
	unset AWS_ENDPOINT_URL_EC2 AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_OUTPUT
	export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
	export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
}

# The AWS CLI ($aws_bin, need_aws_v2) against $endpoint:
# awsx cmd...: an ec2 command with JSON output.
awsx() { "$aws_bin" --endpoint-url "$endpoint" --output json ec2 "$@"; }

# q QUERY cmd...: the text of a JMESPath query over the command's output.
q() {
	local query=$1
	shift
	awsx "$@" --query "$query" --output text
}

# expect_error CODE OPERATION cmd...: exit 254 and EC2's error line.
expect_error() {
	local code=$1 op=$2 rc=0
	shift 2
	awsx "$@" >"$work/out" 2>"$work/err" || rc=$?
	[ "$rc" -eq 254 ] || fail "$* exited $rc, want 254 ($code); stderr: $(cat "$work/err")"
	grep -qF "An error occurred ($code) when calling the $op operation" "$work/err" ||
		fail "$*: want $code from $op, got: $(cat "$work/err")"
	echo "ok: $op -> $code"
}

# want GOT WANT WHAT
want() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
