#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TX backpressure: retry, then count and free. Port 0 is net_pcap (a
# capture in, its tx to a file); port 1 is net_vhost with no vhost-user
# client, whose tx never takes a frame: every frame forwarded to it hits
# a full queue. With --tx-retries 0 and --txd 32 (and again with 1000
# retries, and with 2 workers sharing port 1's single, locked tx queue):
#  - every frame is accounted for: rx = tx + tx_dropped + policy drops
#    (+ RSTs, which are sent for dropped frames), tx_dropped = forwarded,
#    and the RSTs, sent out of port 0, all made it there;
#  - the verdicts do not depend on the transmit side: the summary equals
#    mxgate-replay's (--clock rx-timestamp);
#  - the run ends on its own (bounded retries), and no mbuf is leaked.
. "$(dirname "$0")/dp/lib.sh"
need_tools

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; cleanup_eal' EXIT

"$DPPCAP" gen "$tmp/mix.pcap" mix 3000 5
"$DPPCAP" gen "$tmp/flood.pcap" synflood 1000 6

# bp NAME LCORES POLICY CAPTURE RETRIES
bp() {
	local name=$1 lcores=$2 pol=$3 cap=$4 retries=$5
	rm -f "$tmp/$name-p0.pcap"
	# shellcheck disable=SC2046
	run_dp "$tmp/$name.json" "$tmp/$name.err" $(eal "$lcores") \
		--vdev "net_pcap0,rx_pcap=$cap,tx_pcap=$tmp/$name-p0.pcap" \
		--vdev "net_vhost0,iface=$tmp/$name-vhost.sock,queues=1" -- \
		--policy "$pol" --clock rx-timestamp --idle-exit 300 \
		--tx-retries "$retries" --txd 32
}

# Without the vhost PMD (or vhost-user sockets) there is no full queue.
if ! bp probe 0@0,1@1 "$POLICIES/policy-allow.json" "$tmp/flood.pcap" 0 &&
	! grep -q "worker(s) running" "$tmp/probe.err" &&
	grep -qi vhost "$tmp/probe.err"; then
	skip "net_vhost unusable: $(grep -i -m1 vhost "$tmp/probe.err")"
fi

# accounted NAME CAPTURE POLICY: the invariants above for run NAME.
accounted() {
	local name=$1 cap=$2 pol=$3 n rx tx txd pd rst fwd out0 sent0
	"$REPLAY" --policy "$pol" "$cap" >"$tmp/$name.replay.json"
	exit_stats "$tmp/$name.err" >"$tmp/$name.stats"
	port_stats "$tmp/$name.stats" 0 >"$tmp/$name.p0"
	port_stats "$tmp/$name.stats" 1 >"$tmp/$name.p1"
	n=$("$DPPCAP" count "$cap")
	rx=$(json_num "$tmp/$name.stats" rx)
	tx=$(json_num "$tmp/$name.stats" tx)
	txd=$(json_num "$tmp/$name.stats" tx_dropped)
	pd=$(json_num "$tmp/$name.stats" policy_dropped)
	rst=$(json_num "$tmp/$name.stats" rst_sent)
	fwd=$(json_num "$tmp/$name.json" forwarded)
	sent0=$(json_num "$tmp/$name.p0" opackets)
	out0=$("$DPPCAP" count "$tmp/$name-p0.pcap")
	echo "  $name: rx $rx tx $tx tx_dropped $txd policy_dropped $pd" \
		"rst $rst forwarded $fwd; port 0 sent $sent0 ($out0 in its file)"
	check "$name: all $n frames received" test "$rx" -eq "$n"
	check "$name: rx = tx + tx_dropped + policy drops - RSTs" \
		test "$rx" -eq $((tx + txd + pd - rst))
	check "$name: every forwarded frame dropped at the full tx queue" \
		test "$txd" -gt 0 -a "$txd" -eq "$fwd"
	check "$name: port 1 took nothing" \
		test "$(json_num "$tmp/$name.p1" opackets)" -eq 0
	check "$name: the RSTs (and only they) went out of port 0" \
		test "$tx" -eq "$rst" -a "$sent0" -eq "$rst" -a "$out0" -eq "$rst"
	check "$name: summary = mxgate-replay's" \
		cmp -s "$tmp/$name.json" "$tmp/$name.replay.json"
	check "$name: no mbuf leaked" mbufs_back "$tmp/$name.err"
}

run() { # NAME LCORES POLICY CAPTURE RETRIES
	local t0 t1
	t0=$(date +%s)
	check "$1: runs and exits by itself (--tx-retries $5)" bp "$@"
	t1=$(date +%s)
	check "$1: within 30 s ($((t1 - t0)) s)" test $((t1 - t0)) -lt 30
	accounted "$1" "$4" "$3"
}

run drop-0 0@0,1@1 "$POLICIES/policy-af.json" "$tmp/mix.pcap" 0
run drop-1000 0@0,1@1 "$POLICIES/policy-af.json" "$tmp/mix.pcap" 1000
check "1000 retries lose what 0 retries lose (nothing gets through)" \
	test "$(json_num "$tmp/drop-0.stats" tx_dropped)" -eq \
	"$(json_num "$tmp/drop-1000.stats" tx_dropped)"
run reset-0 0@0,1@1 "$POLICIES/policy-mix.json" "$tmp/mix.pcap" 0
check "reset-0: RSTs sent" test "$(json_num "$tmp/reset-0.stats" rst_sent)" -gt 0
run shared-2w 0@0,1@1,2@0 "$POLICIES/policy-mix.json" "$tmp/mix.pcap" 0
check "shared-2w: port 1's one tx queue shared by 2 workers" \
	grep -q "port 1 (net_vhost): 1 tx queue(s) for 2 workers: shared" \
	"$tmp/shared-2w.err"
finish
