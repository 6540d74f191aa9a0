# SPDX-License-Identifier: BSD-3-Clause
# What the tests that move real traffic share (sourced after
# tests/lib/check.sh): network namespaces and veths they make and always
# remove, the TCP probe (tests/tools/tcp_probe.c) on both ends, and
# mxgated started and judged through mxgatectl.
#
#   netns_add NS...            make namespaces (lo up); skip (77) when the
#                              first cannot be made; removed by netns_cleanup
#   netns_cleanup              kill what runs in them, delete them
#   netns_veth NS1 IF1 NS2 IF2 a veth pair between two namespaces, both up
#   netns_addr NS IF ADDR...   addresses on IF (IPv6 ones without DAD)
#   netns_csum_off NS IF...    tx checksum offload off: frames that cross an
#                              AF_PACKET socket or an XDP redirect must carry
#                              complete checksums, as on a wire
#   netns_pair S A R           the inline pair of the bypass tests: sender
#                              S (s0: 192.0.2.1, .3, 2001:db8::1) -- p0
#                              [appliance A] p1 -- receiver R (r0:
#                              192.0.2.2, 2001:db8::2), checksums off
#   probe_listen NS OUT PORT...  the probe listening in NS (output in OUT),
#                              once it says so (5 s at most); pid PROBE_PID
#   probe_connect NS FROM DST PORT [MS]   one attempt: "RESULT MS"
#   expect_probe WHAT WANT NS FROM DST PORT [MS]   ok if RESULT is WANT
#   until_connected NS FROM DST PORT SECONDS   ms until a connection works
#   ms                         milliseconds since the epoch
#   ctld_start NS|- ERR ARGS... mxgated (in NS's network, or here) with
#                              ARGS, stderr appended to ERR; pid CTLD_PID
#   ctld_status_is JQ          mxgatectl status --json satisfies JQ
#   ctld_up                    engine up, mxgated's newest image in force
#   ctld_log FILE              its last 30 lines, after a failure
#   mxgated_test_setup TAG PIN [CMD...]   the preamble of the tests that
#                              run mxgated on the XDP engine: BIN, TOOLS
#                              and the binaries CTLD, CTL, XDP, PROBE from
#                              MXG_BIN and MXG_BUILD; skip (77) unless root
#                              with ip, nsenter, curl, jq and each CMD;
#                              FAIL (exit 1) if a binary is not built; then
#                              tag=TAG$$, a temporary directory T,
#                              PIN=/sys/fs/bpf/PIN-$$ (for --pin-dir) and a
#                              metrics port from the pid
#
# PROBE, CTLD and CTL name the binaries (set by the test, or by
# mxgated_test_setup). Every wait is bounded.

NETNS_MADE=()

netns_add() {
	local n
	for n in "$@"; do
		if ! ip netns add "$n" 2>/dev/null; then
			[ ${#NETNS_MADE[@]} -eq 0 ] &&
				skip "cannot create network namespaces"
			echo "FAIL: ip netns add $n"
			exit 1
		fi
		NETNS_MADE+=("$n")
		ip -n "$n" link set lo up
	done
}

netns_cleanup() {
	local n p
	for n in "${NETNS_MADE[@]}"; do
		for p in $(ip netns pids "$n" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$n" 2>/dev/null
	done
	NETNS_MADE=()
}

netns_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

netns_addr() {
	local ns=$1 ifc=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" addr add "$a" dev "$ifc" nodad ;;
		*) ip -n "$ns" addr add "$a" dev "$ifc" ;;
		esac || return 1
	done
}

netns_csum_off() {
	local ns=$1 ifc
	shift
	for ifc in "$@"; do
		ip netns exec "$ns" ethtool -K "$ifc" tx off >/dev/null 2>&1
	done
}

netns_pair() {
	netns_add "$1" "$2" "$3"
	netns_veth "$1" s0 "$2" p0 && netns_veth "$3" r0 "$2" p1 &&
		netns_addr "$1" s0 192.0.2.1/24 192.0.2.3/24 2001:db8::1/64 &&
		netns_addr "$3" r0 192.0.2.2/24 2001:db8::2/64 || return 1
	netns_csum_off "$1" s0
	netns_csum_off "$3" r0
}

probe_listen() {
	local ns=$1 out=$2
	shift 2
	# not through a function: $! must be the probe (ip netns exec execs it)
	ip netns exec "$ns" "$PROBE" listen "$@" >"$out" 2>&1 &
	PROBE_PID=$!
	wait_for 5 grep -q listening "$out"
}

probe_connect() {
	ip netns exec "$1" "$PROBE" connect --from "$2" --timeout "${5:-800}" \
		"$3" "$4"
}

expect_probe() {
	local what=$1 want=$2 got
	shift 2
	got=$(probe_connect "$@" 2>&1)
	case "$got" in
	"$want "*) ok "$what: $got" ;;
	*) bad "$what: got \"$got\", want $want" ;;
	esac
}

ms() { date +%s%3N; }

until_connected() {
	local t0 end
	t0=$(ms)
	end=$((t0 + $5 * 1000))
	while [ "$(ms)" -lt "$end" ]; do
		case "$(probe_connect "$1" "$2" "$3" "$4" 200 2>/dev/null)" in
		"connected "*)
			echo $(($(ms) - t0))
			return 0
			;;
		esac
	done
	return 1
}

ctld_start() {
	local ns=$1 err=$2
	shift 2
	# nsenter execs mxgated: $! is the daemon
	if [ "$ns" != - ]; then
		nsenter --net=/run/netns/"$ns" "$CTLD" "$@" 2>>"$err" &
	else
		"$CTLD" "$@" 2>>"$err" &
	fi
	CTLD_PID=$!
}

# (jq -e exits 0 on empty input: mxgatectl's own status must count)
ctld_status_is() {
	local j
	j=$("$CTL" status --json) && echo "$j" | jq -e "$1" >/dev/null
}

ctld_up() {
	ctld_status_is '.health == "up" and .in_force'
}

ctld_log() {
	[ -f "$1" ] || return 0
	echo "--- mxgated's log (last 30 lines):"
	tail -n 30 "$1"
}

mxgated_test_setup() {
	local f
	BIN=${MXG_BIN:?run through make check}
	TOOLS=${MXG_BUILD:?}/tools
	CTLD=$BIN/mxgated
	CTL=$BIN/mxgatectl
	XDP=$BIN/mxgate-xdp
	PROBE=$TOOLS/mxg-tcpprobe
	need_root
	need_cmd ip nsenter curl jq "${@:3}"
	for f in "$CTLD" "$CTL" "$XDP" "$PROBE"; do
		[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
	done
	tag=$1$$
	T=$(mktemp -d)
	PIN=/sys/fs/bpf/$2-$$
	port=$((20000 + $$ % 20000))
}
