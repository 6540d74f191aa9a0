# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for the mxgate-dp integration tests (sourced).
# Every run of the real binary is bounded by a timeout, uses virtual
# devices only (--no-huge --no-pci --in-memory) and checks at exit that
# every mbuf went back to its pool.

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DP=$BUILD/bin/mxgate-dp
REPLAY=$BUILD/bin/mxgate-replay
DPCTL=$BUILD/tools/dpctl
DPPCAP=$BUILD/tools/dp_pcap
POLICIES=$ROOT/tests/integration/dp
DP_TIMEOUT=${DP_TIMEOUT:-120}

. "$ROOT/tests/lib/check.sh"

need_tools() {
	local t
	for t in "$DP" "$REPLAY" "$DPCTL" "$DPPCAP"; do
		[ -x "$t" ] || skip "$t not built"
	done
}

# fails COMMAND...: the command exits non-zero.
fails() {
	! "$@"
}

# eal LCORES: EAL arguments for virtual devices; add --vdev after it.
# The runtime directory of the prefix is removed by cleanup_eal.
EAL_PREFIX=mxgdp-$$
eal() {
	echo "--lcores $1 --no-huge --no-pci -m 512 --file-prefix $EAL_PREFIX" \
		"--log-level=pmd.net.pcap:error"
}

cleanup_eal() {
	rm -rf "/var/run/dpdk/$EAL_PREFIX" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$EAL_PREFIX"
}

# run_dp OUT.json ERR.log EAL-ARGS... -- DP-ARGS...: the real binary,
# bounded in time; returns its exit status.
run_dp() {
	local out=$1 err=$2
	shift 2
	timeout -s INT -k 10 "$DP_TIMEOUT" "$DP" "$@" >"$out" 2>"$err"
}

# wait_running ERR.log [SECONDS]: wait (up to SECONDS, default 60) until
# the mxgate-dp logging to ERR.log has its workers running.
wait_running() {
	local i
	for ((i = 0; i < ${2:-60} * 10; i++)); do
		grep -q "worker(s) running" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# mbufs_back ERR.log: every mbuf went back to its pool at exit.
mbufs_back() {
	grep -q "all [0-9]* mbufs back" "$1" && ! grep -q "leaked" "$1"
}

# json_num FILE KEY: the first number after "KEY": in FILE.
json_num() {
	grep -o "\"$2\": [0-9]*" "$1" | head -1 | grep -o '[0-9]*$'
}

# exit_stats ERR.log: the data plane counters logged at exit, as a file.
exit_stats() {
	sed -n 's/.*exit stats //p' "$1"
}

# port_stats STATS PORT: that port's record of exit_stats' output.
port_stats() {
	tr '{' '\n' <"$1" | grep "\"port\": $2,"
}
